/// Keras's `Activation(name)`, `ReLU()` and `Softmax()`: one function applied
/// to every element (softmax: across the last axis).
///
/// Shapes: output = input.
public final class Activation: Layer {
  public var name: String
  public let spec: LayerSpec
  private var savedInput: Tensor?
  private var savedOutput: Tensor?

  /// The function this layer applies.
  public let function: ActivationFunction

  init(spec: LayerSpec, name: String, function: ActivationFunction) {
    self.spec = spec
    self.name = name
    self.function = function
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

extension LayerKind {
  /// Keras's `Activation(name)`.
  public static let activation = LayerKind(
    className: "Activation",
    summary: "Apply a function to every value: 'relu', 'softmax', 'sigmoid', 'tanh'",
    about: """
      Applies one function to every number of its input, leaving the shape as it is. \
      'relu' keeps positive values and turns negative ones into 0, the bend that lets \
      stacked layers learn more than one straight line; 'softmax' turns each row of scores \
      into probabilities that add up to 1 (the last layer of a classifier); 'sigmoid' and \
      'tanh' squash values into (0, 1) and (-1, 1). The others Keras files carry work too, \
      as Keras 3 defines them: 'elu', 'selu', 'softplus', 'softsign', 'silu' (also called \
      'swish'), 'gelu', 'leaky_relu', 'hard_sigmoid', 'exponential' and 'linear' (none). \
      It has no weights. Conv2D(..., activation='relu') does the same inside the \
      convolution.
      """,
    arguments: [.required("activation", .activation)],
    example: "Activation('relu')", lesson: "03-relu",
    make: { spec, name in Activation(spec: spec, name: name, function: spec.activation) })
}
