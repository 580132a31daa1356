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
