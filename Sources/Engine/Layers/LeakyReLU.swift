/// Keras's `LeakyReLU(negative_slope=0.3)` (Keras 2 called it `alpha`): a
/// ReLU that lets a little of the negative side through, so a unit below
/// zero still gets a gradient.
///
/// output = x where x ≥ 0, negative_slope · x elsewhere
/// (keras/src/layers/activations/leaky_relu.py). The `leaky_relu`
/// activation is the same function with slope 0.2.
///
/// Shapes: output = input.
public final class LeakyReLU: Layer {
  public var name: String
  public let spec: LayerSpec
  private var savedInput: Tensor?

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  public var negativeSlope: Float { spec.float("negative_slope") ?? 0.3 }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape { input }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    let slope = negativeSlope
    savedInput = input
    return Tensor(
      validShape: input.shape,
      scalars: ElementwiseKernels.map(input.scalars) { $0 >= 0 ? $0 : slope * $0 })
  }

  /// Slope 1 where x ≥ 0 (at exactly 0 too, as JAX's `where(x >= 0, …)`)
  /// and negative_slope elsewhere.
  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let input = savedInput else { throw .backwardBeforeForward(layer: name) }
    let slope = negativeSlope
    return Tensor(
      validShape: input.shape,
      scalars: ElementwiseKernels.zip(outputGradient.scalars, input.scalars) { g, x in
        x >= 0 ? g : slope * g
      })
  }
}

extension LayerKind {
  /// Keras's `LeakyReLU` (keras/src/layers/activations/leaky_relu.py): Keras 3
  /// calls the slope `negative_slope`, Keras 2 `alpha`, and Keras 3 still takes
  /// `alpha`.
  public static let leakyReLU = LayerKind(
    className: "LeakyReLU",
    summary: "Like ReLU, but negative values are multiplied by a small slope",
    about: """
      leaky_relu(x) = x where x >= 0, negative_slope * x elsewhere (0.3 by default): \
      positive values pass as they are, and negative ones shrink instead of becoming 0. \
      A ReLU unit that is below zero for every picture gets no gradient and stops \
      learning; a leaky one still gets negative_slope of it. Activation('leaky_relu') is \
      the same function with Keras's slope 0.2. It has no weights.
      """,
    arguments: [
      .optional("negative_slope", .float(0.3), .nonNegativeNumber, aliases: ["alpha"])
    ],
    example: "LeakyReLU(negative_slope=0.1)", lesson: "03-relu",
    make: { spec, name in LeakyReLU(spec: spec, name: name) })
}
