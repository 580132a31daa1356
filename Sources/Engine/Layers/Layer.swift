/// Whether a forward pass is part of training. ``Dropout`` and
/// ``BatchNormalization`` care.
public enum Mode: String, Sendable { case training, inference }

/// A trainable tensor and the gradient that backward adds into it.
public final class Parameter {
  /// `kernel` or `bias`, as Keras names a layer's weights.
  public let name: String
  /// Every change, in place or whole, moves `version` on (a `didSet`
  /// without `oldValue` keeps in-place changes in place, SE-0268), so
  /// something derived from the weights can tell when it is stale.
  public var value: Tensor {
    didSet { version &+= 1 }
  }
  public var gradient: Tensor
  /// Changes of `value` so far.
  public private(set) var version = 0

  public init(name: String, value: Tensor) {
    self.name = name
    self.value = value
    self.gradient = Tensor.zeros(value.shape)
  }

  /// Runs `body` on the kernel's and bias's gradient arrays (the bias's empty
  /// when there is none), which it adds into.
  ///
  /// The arrays are taken out of the parameters meanwhile, so they are held
  /// once and updated in place instead of copied (69 MB for the seed
  /// network's first Dense, every step).
  static func accumulateGradients(
    _ kernel: Parameter, _ bias: Parameter?, _ body: (inout [Float], inout [Float]) -> Void
  ) {
    var kernelGradient = kernel.gradient.scalars
    kernel.gradient.scalars = []
    var biasGradient = bias?.gradient.scalars ?? []
    bias?.gradient.scalars = []
    body(&kernelGradient, &biasGradient)
    kernel.gradient.scalars = kernelGradient
    bias?.gradient.scalars = biasGradient
  }

  /// Zeroes the gradient in place (a new 69 MB array per step would cost page faults).
  public func zeroGradient() {
    guard gradient.shape == value.shape else {
      gradient = Tensor.zeros(value.shape)
      return
    }
    gradient.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }
}

/// One step of a ``Sequential`` model.
///
/// Shapes passed to `outputShape(for:)` and `build` are per sample, without the
/// batch axis (`(100, 100, 3)`); tensors passed to `forward` carry the batch
/// axis first (`[32, 100, 100, 3]`).
///
/// A layer owns its parameters and what it caches in `forward` for `backward`.
/// Forward and backward live side by side in one file so a reader can check
/// one against the other.
public protocol Layer: AnyObject {
  /// A short unique name such as `conv2d_1`, as Keras gives it.
  var name: String { get set }
  /// What the layer is, as written to make it: its Keras class and arguments.
  var spec: LayerSpec { get }
  /// The per-sample output shape for a per-sample `input`, or an error a learner can read.
  func outputShape(for input: Shape) throws(EngineError) -> Shape
  /// Creates the weights for `input` (per sample); layers without weights do nothing.
  func build(for input: Shape, using rng: inout SeededGenerator) throws(EngineError)
  /// Computes the output for a batched `input` and caches what backward needs.
  func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  /// Takes dLoss/dOutput, adds into each parameter's gradient, returns dLoss/dInput.
  func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor
  /// Trainable tensors, kernel first, as Keras lists them.
  var parameters: [Parameter] { get }
  /// Backward that may skip dLoss/dInput when `inputGradient` is false (the
  /// first layer: its input is data); returns nil when skipped.
  func backward(_ outputGradient: Tensor, inputGradient: Bool) throws(EngineError) -> Tensor?
  /// Weights the layer keeps but does not train (BatchNormalization's moving
  /// statistics), after the trainable ones in Keras's order.
  var nonTrainableWeights: [Parameter] { get }
  /// Called once a training step's update has been applied and kept: a layer
  /// that learns outside the gradient (moving statistics) updates itself here.
  func finishTrainingStep()
}

extension Layer {
  public var parameters: [Parameter] { [] }
  public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws(EngineError) -> Tensor?
  {
    try backward(outputGradient)
  }
  public func build(for input: Shape, using rng: inout SeededGenerator) throws(EngineError) {}
  public var nonTrainableWeights: [Parameter] { [] }
  public func finishTrainingStep() {}
  /// The Keras class name, e.g. `Conv2D`.
  public var typeName: String { spec.kind.rawValue }
  /// How many scalars the layer trains.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
  /// Every weight, trainable first, as Keras's `layer.weights` lists them.
  public var weights: [Parameter] { parameters + nonTrainableWeights }
  /// How many scalars the layer holds, trained or not (Keras's "Param #").
  public var weightCount: Int { weights.reduce(0) { $0 + $1.value.count } }
}

/// glorot_uniform, Keras's default kernel initialiser: U(-limit, limit) with
/// limit = sqrt(6 / (fan_in + fan_out)).
///
/// For a conv kernel (kh, kw, in, out), fan_in = kh·kw·in and fan_out = kh·kw·out
/// (keras/src/initializers/random_initializers.py, compute_fans).
func glorotUniform(shape: Shape, fanIn: Int, fanOut: Int, rng: inout SeededGenerator) -> Tensor {
  let limit = (6.0 / Float(fanIn + fanOut)).squareRoot()
  var values = [Float](repeating: 0, count: shape.scalarCount)
  for i in values.indices { values[i] = rng.nextFloat(in: -limit, limit) }
  return Tensor(validShape: shape, scalars: values)
}

/// A layer with a built-in `activation=` (Conv2D, Dense), whose backward can
/// start below the activation when the loss is fused with a softmax.
protocol ActivatedLayer: Layer {
  var activationFunction: ActivationFunction { get }
  /// What the last forward pass kept for the activation's backward.
  var activationCache: ActivationCache { get }
  var lastPreActivation: Tensor? { get }
  func backward(preActivationGradient: Tensor, inputGradient: Bool) throws(EngineError) -> Tensor?
}

extension ActivatedLayer {
  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    try backward(outputGradient, inputGradient: true) ?? outputGradient
  }

  public func backward(_ outputGradient: Tensor, inputGradient: Bool) throws(EngineError) -> Tensor?
  {
    try backward(
      preActivationGradient: activationCache.backward(activationFunction, outputGradient),
      inputGradient: inputGradient)
  }
}

/// What a layer with a built-in activation keeps from its forward pass: the
/// values before and after the function, which its gradient reads.
struct ActivationCache {
  private(set) var preActivation: Tensor?
  private var output: Tensor?

  /// `function` applied to `pre`, remembering both sides for backward.
  mutating func apply(_ function: ActivationFunction, to pre: Tensor) -> Tensor {
    let out = function.apply(pre)
    preActivation = pre
    output = function == .linear ? nil : out
    return out
  }

  /// dLoss/d(pre-activation) from dLoss/d(output); the identity for `linear`.
  func backward(_ function: ActivationFunction, _ outputGradient: Tensor) -> Tensor {
    guard function != .linear, let pre = preActivation, let out = output else {
      return outputGradient
    }
    return function.backward(outputGradient: outputGradient, input: pre, output: out)
  }
}
