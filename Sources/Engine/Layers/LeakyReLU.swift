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

  public var negativeSlope: Float { spec.negativeSlope }

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
