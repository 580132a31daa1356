/// `GlobalAveragePooling2D` and `GlobalMaxPooling2D`: each channel's whole
/// map becomes one number, its mean or its largest value, so a network can
/// end without Flatten and its big Dense.
///
/// output[n, c] = mean (or max) over y, x of input[n, y, x, c]
///
/// Shapes: input `[batch, height, width, channels]`, output
/// `[batch, channels]`, or `[batch, 1, 1, channels]` with `keepdims=True`
/// (keras/src/layers/pooling/global_average_pooling2d.py).
public final class GlobalPooling2D: Layer {
  public var name: String
  public let spec: LayerSpec
  private var savedInputShape: Shape?
  /// For max pooling: the flat input index of each output's winner. A tie
  /// goes to the first cell in row-major order.
  public private(set) var winners: [Int] = []
  public var isMax: Bool { spec.kind == .globalMaxPooling2D }

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    guard input.rank == 3, input.dims.allSatisfy({ $0 > 0 }) else {
      throw .incompatibleInput(
        layer: "\(name) (\(spec.kind.rawValue))", expected: "(height, width, channels)",
        got: input, hint: "it pools the maps of a Conv2D or pooling layer, before Flatten")
    }
    return spec.keepdims ? [1, 1, input[2]] : [input[2]]
  }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    guard input.shape.rank == 4 else { throw .badShape("\(name) needs a batch of images") }
    let (batch, cells, channels) = (input.shape[0], input.shape[1] * input.shape[2], input.shape[3])
    var output = [Float](repeating: 0, count: batch * channels)
    var best = [Int](repeating: 0, count: isMax ? batch * channels : 0)
    input.scalars.withUnsafeBufferPointer { x in
      for n in 0..<batch {
        let start = n * cells * channels
        for c in 0..<channels {
          if isMax {
            var winner = start + c
            for cell in 1..<max(cells, 1) where x[start + cell * channels + c] > x[winner] {
              winner = start + cell * channels + c
            }
            best[n * channels + c] = winner
            output[n * channels + c] = x[winner]
          } else {
            var sum: Double = 0
            for cell in 0..<cells { sum += Double(x[start + cell * channels + c]) }
            output[n * channels + c] = Float(sum / Double(cells))
          }
        }
      }
    }
    winners = best
    savedInputShape = input.shape
    let shape: Shape = spec.keepdims ? [batch, 1, 1, channels] : [batch, channels]
    return Tensor(validShape: shape, scalars: output)
  }

  /// Max: the winning cell takes all of the gradient. Average: each of the
  /// height·width cells takes 1/(height·width) of it.
  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let shape = savedInputShape else { throw .backwardBeforeForward(layer: name) }
    let (batch, cells, channels) = (shape[0], shape[1] * shape[2], shape[3])
    var result = [Float](repeating: 0, count: shape.scalarCount)
    let g = outputGradient.scalars
    if isMax {
      for (index, winner) in winners.enumerated() { result[winner] += g[index] }
    } else {
      let share = 1 / Float(cells)
      for n in 0..<batch {
        for cell in 0..<cells {
          let base = (n * cells + cell) * channels
          for c in 0..<channels { result[base + c] = g[n * channels + c] * share }
        }
      }
    }
    return Tensor(validShape: shape, scalars: result)
  }
}

extension LayerSpec {
  /// The global poolings' `keepdims`: (1, 1, channels) instead of (channels,).
  public var keepdims: Bool { flag("keepdims") ?? false }
}

extension GlobalPooling2D {
  /// The arguments both global poolings take, as Keras's global pooling base
  /// (keras/src/layers/pooling/base_global_pooling.py).
  static let arguments: [Signature.Argument] = [
    .keptAtDefault(
      "data_format", .none, also: [.string("channels_last")],
      why: "LayerLab is channels-last (NHWC), as Keras's default"),
    .optional("keepdims", .bool(false), .bool),
  ]
}

extension LayerKind {
  /// Keras's `GlobalAveragePooling2D`.
  public static let globalAveragePooling2D = LayerKind(
    className: "GlobalAveragePooling2D",
    summary: "Turn each channel's whole map into its mean: one number per channel",
    about: """
      Each channel's whole (height, width) map becomes one number, the mean of all its \
      cells, so a (h, w, c) block becomes c numbers (or (1, 1, c) with keepdims=True). \
      A network can end with it instead of Flatten: the Dense after it then has one weight \
      per channel and class instead of one per cell, far fewer to learn, and the answer \
      no longer depends on where in the picture a feature was. It has no weights.
      """,
    arguments: GlobalPooling2D.arguments, example: "GlobalAveragePooling2D()",
    lesson: "15-keras-files",
    make: { spec, name in GlobalPooling2D(spec: spec, name: name) })

  /// Keras's `GlobalMaxPooling2D`.
  public static let globalMaxPooling2D = LayerKind(
    className: "GlobalMaxPooling2D",
    summary: "Turn each channel's whole map into its largest value",
    about: """
      Each channel's whole (height, width) map becomes one number, its largest value, so \
      a (h, w, c) block becomes c numbers (or (1, 1, c) with keepdims=True): "how strongly \
      did this feature show up anywhere in the picture". Like MaxPooling2D over one window \
      as big as the map; in training the gradient goes back only to the winning cell. It \
      has no weights.
      """,
    arguments: GlobalPooling2D.arguments, example: "GlobalMaxPooling2D()",
    lesson: "15-keras-files",
    make: { spec, name in GlobalPooling2D(spec: spec, name: name) })
}
