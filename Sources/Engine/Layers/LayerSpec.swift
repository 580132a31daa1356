/// The Keras layer classes LayerLab knows.
public enum LayerKind: String, Sendable, CaseIterable {
  case conv2D = "Conv2D"
  case activation = "Activation"
  case relu = "ReLU"
  case softmax = "Softmax"
  case maxPooling2D = "MaxPooling2D"
  case averagePooling2D = "AveragePooling2D"
  case dropout = "Dropout"
  case flatten = "Flatten"
  case dense = "Dense"
  case batchNormalization = "BatchNormalization"
  case globalAveragePooling2D = "GlobalAveragePooling2D"
  case globalMaxPooling2D = "GlobalMaxPooling2D"
  case leakyReLU = "LeakyReLU"

  /// The base of Keras 3's automatic names: the class name in snake case
  /// (`Conv2D` → `conv2d`, `MaxPooling2D` → `max_pooling2d`, `ReLU` → `re_lu`),
  /// as keras/src/utils/naming.py `to_snake_case` makes it.
  public var autoNameBase: String {
    switch self {
    case .conv2D: "conv2d"
    case .activation: "activation"
    case .relu: "re_lu"
    case .softmax: "softmax"
    case .maxPooling2D: "max_pooling2d"
    case .averagePooling2D: "average_pooling2d"
    case .dropout: "dropout"
    case .flatten: "flatten"
    case .dense: "dense"
    case .batchNormalization: "batch_normalization"
    case .globalAveragePooling2D: "global_average_pooling2d"
    case .globalMaxPooling2D: "global_max_pooling2d"
    case .leakyReLU: "leaky_re_lu"
    }
  }
}

extension LayerKind {
  /// `help NAME`: the Keras signature LayerLab reads, and what the layer does.
  public var help: (signature: String, summary: String) {
    switch self {
    case .conv2D:
      (
        "Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', activation=None, use_bias=True)",
        "slides filters over the image: each output cell is a window times a kernel, summed, plus a bias"
      )
    case .activation:
      (
        "Activation(activation)",
        "applies one function to every value: "
          + ActivationFunction.kerasNames.joined(separator: ", ")
      )
    case .relu: ("ReLU()", "max(x, 0) on every value")
    case .softmax: ("Softmax()", "turns the last axis into probabilities that add up to 1")
    case .maxPooling2D:
      (
        "MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid')",
        "keeps the largest value of each window, channel by channel"
      )
    case .averagePooling2D:
      (
        "AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid')",
        "keeps the mean of each window, channel by channel"
      )
    case .dropout:
      (
        "Dropout(rate)",
        "in training, sets each value to 0 with probability rate and scales the rest"
      )
    case .flatten: ("Flatten()", "lays each picture's maps out as one row of numbers")
    case .dense:
      (
        "Dense(units, activation=None, use_bias=True)",
        "every output is a weighted sum of all the inputs, plus a bias"
      )
    case .batchNormalization:
      (
        "BatchNormalization(axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True)",
        "gives each channel mean 0 and variance 1, then gamma * x + beta; the batch's statistics in training, the moving ones at inference"
      )
    case .globalAveragePooling2D:
      ("GlobalAveragePooling2D(keepdims=False)", "each channel's whole map becomes its mean")
    case .globalMaxPooling2D:
      ("GlobalMaxPooling2D(keepdims=False)", "each channel's whole map becomes its largest value")
    case .leakyReLU:
      ("LeakyReLU(negative_slope=0.3)", "x where x >= 0, negative_slope * x elsewhere")
    }
  }
}

/// What a layer is, as the Keras constructor call that makes it.
///
/// The shell parses `Conv2D(32, (3, 3), padding='same')` into one of these,
/// model files store them as that same text, and `makeLayer` builds the layer.
/// Fields a kind does not use keep their defaults.
public struct LayerSpec: Equatable, Sendable {
  public var kind: LayerKind
  /// Conv2D filters or Dense units.
  public var units: Int = 0
  /// Conv2D kernel_size, (rows, columns).
  public var kernelSize: [Int] = [1, 1]
  /// Conv2D strides (default (1, 1)); pooling strides (nil = pool_size).
  public var strides: [Int]? = nil
  public var padding: Padding = .valid
  public var activation: ActivationFunction = .linear
  public var useBias: Bool = true
  public var poolSize: [Int] = [2, 2]
  public var rate: Float = 0
  /// BatchNormalization's `momentum`, `epsilon`, `center`, `scale` (Keras 3's defaults).
  public var momentum: Float = 0.99
  public var epsilon: Float = 1e-3
  public var center = true
  public var scale = true
  /// The global poolings' `keepdims`: (1, 1, channels) instead of (channels,).
  public var keepDims = false
  /// LeakyReLU's `negative_slope` (Keras 2: `alpha`), Keras 3's default 0.3.
  public var negativeSlope: Float = 0.3
  /// Keras's `input_shape=` on the first layer, per sample.
  public var inputShape: Shape? = nil
  /// An explicit `name=`; nil means the model names the layer.
  public var name: String? = nil

  public init(kind: LayerKind) { self.kind = kind }

  /// Builds an unconfigured layer (weights come with `build`), checking the
  /// arguments a learner could get wrong.
  public func makeLayer(name: String) throws(EngineError) -> any Layer {
    func positive(_ values: [Int], _ what: String) throws(EngineError) {
      guard values.count == 2, values.allSatisfy({ $0 > 0 }) else {
        throw .invalidArgument(
          layer: kind.rawValue,
          message: "\(what) must be two positive integers, e.g. (2, 2), got \(values)")
      }
    }
    switch kind {
    case .conv2D:
      guard units > 0 else {
        throw .invalidArgument(
          layer: "Conv2D", message: "filters must be a positive integer, got \(units)")
      }
      try positive(kernelSize, "kernel_size")
      try positive(strides ?? [1, 1], "strides")
      return Conv2D(spec: self, name: name)
    case .dense:
      guard units > 0 else {
        throw .invalidArgument(
          layer: "Dense", message: "units must be a positive integer, got \(units)")
      }
      return Dense(spec: self, name: name)
    case .maxPooling2D, .averagePooling2D:
      try positive(poolSize, "pool_size")
      try positive(strides ?? poolSize, "strides")
      return Pooling2D(spec: self, name: name)
    case .dropout:
      guard rate >= 0, rate < 1, rate.isFinite else {
        throw .invalidArgument(
          layer: "Dropout", message: "rate must be in [0, 1), e.g. 0.25, got \(formatNumber(rate))")
      }
      return Dropout(spec: self, name: name)
    case .flatten:
      return Flatten(spec: self, name: name)
    case .activation, .relu, .softmax:
      return Activation(spec: self, name: name)
    case .batchNormalization:
      guard momentum >= 0, momentum <= 1, epsilon > 0, epsilon.isFinite else {
        throw .invalidArgument(
          layer: "BatchNormalization",
          message:
            "momentum must be in [0, 1] and epsilon positive, got momentum=\(formatNumber(momentum)), epsilon=\(formatNumber(epsilon))"
        )
      }
      return BatchNormalization(spec: self, name: name)
    case .globalAveragePooling2D, .globalMaxPooling2D:
      return GlobalPooling2D(spec: self, name: name)
    case .leakyReLU:
      guard negativeSlope.isFinite, negativeSlope >= 0 else {
        throw .invalidArgument(
          layer: "LeakyReLU",
          message: "negative_slope must be a number >= 0, got \(formatNumber(negativeSlope))")
      }
      return LeakyReLU(spec: self, name: name)
    }
  }

  /// The Keras call that makes this layer, with only non-default arguments:
  /// `Conv2D(32, (3, 3), padding='same')`.
  public var expression: String {
    var args: [String] = []
    func pair(_ v: [Int]) -> String { "(\(v[0]), \(v[1]))" }
    switch kind {
    case .conv2D:
      args = ["\(units)", pair(kernelSize)]
      if let s = strides, s != [1, 1] { args.append("strides=\(pair(s))") }
      if padding != .valid { args.append("padding='\(padding.rawValue)'") }
      if activation != .linear { args.append("activation='\(activation.rawValue)'") }
      if !useBias { args.append("use_bias=False") }
    case .dense:
      args = ["\(units)"]
      if activation != .linear { args.append("activation='\(activation.rawValue)'") }
      if !useBias { args.append("use_bias=False") }
    case .maxPooling2D, .averagePooling2D:
      if poolSize != [2, 2] { args.append("pool_size=\(pair(poolSize))") }
      if let s = strides { args.append("strides=\(pair(s))") }
      if padding != .valid { args.append("padding='\(padding.rawValue)'") }
    case .dropout:
      args = [formatNumber(rate)]
    case .activation:
      args = ["'\(activation.rawValue)'"]
    case .relu, .softmax, .flatten:
      break
    case .batchNormalization:
      if momentum != 0.99 { args.append("momentum=\(formatNumber(momentum))") }
      if epsilon != 1e-3 { args.append("epsilon=\(formatNumber(epsilon))") }
      if !center { args.append("center=False") }
      if !scale { args.append("scale=False") }
    case .globalAveragePooling2D, .globalMaxPooling2D:
      if keepDims { args.append("keepdims=True") }
    case .leakyReLU:
      if negativeSlope != 0.3 { args.append("negative_slope=\(formatNumber(negativeSlope))") }
    }
    if let shape = inputShape {
      let dims = shape.dims.map(String.init).joined(separator: ", ")
      args.append("input_shape=(\(dims)\(shape.rank == 1 ? "," : ""))")
    }
    if let name { args.append("name='\(name)'") }
    return "\(kind.rawValue)(\(args.joined(separator: ", ")))"
  }
}

/// Shortest decimal spelling that reads back to the same Float: 0.25, 1e-07, 3.
public func formatNumber(_ value: Float) -> String {
  if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
  return "\(value)"
}
