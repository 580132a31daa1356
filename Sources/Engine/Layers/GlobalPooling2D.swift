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
    return spec.keepDims ? [1, 1, input[2]] : [input[2]]
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
    let shape: Shape = spec.keepDims ? [batch, 1, 1, channels] : [batch, channels]
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
