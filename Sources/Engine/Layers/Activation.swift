/// Keras's `Activation(name)`, `ReLU()` and `Softmax()`: one function applied
/// to every element (softmax: across the last axis).
///
/// Shapes: output = input.
public final class Activation: Layer {
  public var name: String
  public let spec: LayerSpec
  private var savedInput: Tensor?
  private var savedOutput: Tensor?

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  /// The function this layer applies.
  public var function: ActivationFunction {
    switch spec.kind {
    case .relu: .relu
    case .softmax: .softmax
    default: spec.activation
    }
  }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape { input }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    let output = function.apply(input)
    savedInput = input
    savedOutput = output
    return output
  }

  /// What `forward` would have kept, for a ReLU the layer before already
  /// applied (a training step's fused conv + ReLU): `output` is
  /// relu(input). ReLU's backward needs only where the input is positive,
  /// which is where the output is (NaN and −0 are +0 after it), so the
  /// output stands in for the input it was never given.
  func adoptReLU(output: Tensor) {
    precondition(function == .relu)
    savedInput = output
    savedOutput = output
  }

  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let input = savedInput, let output = savedOutput else {
      throw .backwardBeforeForward(layer: name)
    }
    return function.backward(outputGradient: outputGradient, input: input, output: output)
  }
}
