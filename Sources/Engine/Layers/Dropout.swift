/// Inverted dropout, as Keras's `Dropout(rate)`.
///
/// Training: each element is dropped (set to 0) with probability `rate` and the
/// kept ones are scaled by 1 / (1 − rate), so the expected sum is unchanged.
/// Inference: the input passes through untouched.
///
/// Shapes: output = input. The mask of the last training pass is kept
/// (`lastMask`: 1 kept, 0 dropped) so the shell can draw switched-off cells.
public final class Dropout: Layer {
  public var name: String
  public let spec: LayerSpec
  public var rate: Float { spec.rate }
  /// 1 where the last training pass kept an element, 0 where it dropped it.
  public private(set) var lastMask: Tensor?
  /// The mode of the last forward pass.
  public private(set) var lastMode: Mode?
  /// The scale of the last training pass; nil when it passed values through.
  private var savedScale: Float?

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  /// The factor kept elements are multiplied by.
  public var keptScale: Float { 1 / (1 - rate) }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape { input }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    lastMode = mode
    guard mode == .training, rate > 0 else {
      savedScale = nil
      if mode == .training { lastMask = Tensor(repeating: 1, shape: input.shape) }
      return input
    }
    let scale = keptScale
    let count = input.count
    let rate = self.rate
    // One draw per element in order, from our own generator, so masks repeat
    // for a seed on every platform. SplitMix64's state moves by the same
    // constant per draw, so element i's draw is the generator's state moved
    // on i times: chunks of elements on the threads draw exactly what one
    // loop would, and the generator ends where that loop would leave it.
    let start = rng.state
    var mask = [Float](repeating: 0, count: count)
    let output = [Float](unsafeUninitializedCapacity: count) { o, written in
      mask.withUnsafeMutableBufferPointer { m in
        input.scalars.withUnsafeBufferPointer { x in
          let (mp, op, xp) = (
            SendablePointer(m.start), SendablePointer(o.start), SendableConstPointer(x.start)
          )
          let chunk = ElementwiseKernels.chunk
          parallelUnits((count + chunk - 1) / chunk) { unit, _ in
            let first = unit * chunk
            var draws = Dropout.generator(at: start, after: first)
            for i in first..<min(count, first + chunk) {
              if draws.nextUnitFloat() >= rate {
                mp.p[i] = 1
                op.p[i] = xp.p[i] * scale
              } else {
                op.p[i] = 0
              }
            }
          }
        }
      }
      written = count
    }
    rng = Dropout.generator(at: start, after: count)
    lastMask = Tensor(validShape: input.shape, scalars: mask)
    savedScale = scale
    return Tensor(validShape: input.shape, scalars: output)
  }

  /// `SeededGenerator(seed: state)` after `draws` calls of `next()`: its
  /// state moves by SplitMix64's constant on every call.
  static func generator(at state: UInt64, after draws: Int) -> SeededGenerator {
    SeededGenerator(seed: state &+ UInt64(draws) &* 0x9E37_79B9_7F4A_7C15)
  }

  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard lastMode != nil else { throw .backwardBeforeForward(layer: name) }
    // The gradient flows only through kept cells, with the same scale.
    guard let scale = savedScale, let mask = lastMask else { return outputGradient }
    return Tensor(
      validShape: outputGradient.shape,
      scalars: ElementwiseKernels.scaledProduct(outputGradient.scalars, mask.scalars, scale: scale))
  }
}

extension LayerKind {
  /// Keras's `Dropout`.
  public static let dropout = LayerKind(
    className: "Dropout",
    summary: "While training, switch a random fraction of the values off",
    about: """
      In training only, each value is set to 0 with probability `rate` and the ones kept are \
      multiplied by 1 / (1 - rate), so the expected sum stays the same; at inference \
      (predict, evaluate, forward) it lets everything through. Because any cell may vanish, \
      the next layer cannot rely on one lucky detail of the training pictures, which fights \
      over-fitting. The masks come from the session's seed, so a run repeats exactly \
      ('show dropout' draws the last one).
      """,
    arguments: [
      .required("rate", .fraction),
      .keptAtDefault("noise_shape", .none, why: "every value gets its own coin"),
      .ignored(
        "seed", why: "masks come from the session's seed, so that one seed repeats everything"),
    ],
    example: "Dropout(0.25)", lesson: "05-dropout",
    make: { spec, name in Dropout(spec: spec, name: name) })
}
