/// Something that turns each parameter's gradient into a step, as Keras's
/// optimizers do. Sorted by increasing complexity: SGD, RMSprop, Adam.
public protocol Optimizer: AnyObject {
  /// Keras's name, `adam`, `sgd` or `rmsprop`.
  var name: String { get }
  var learningRate: Float { get set }
  /// One update of every parameter from its current gradient.
  func apply(to parameters: [Parameter])
  /// How many scalars of state the optimizer keeps (Keras's "Optimizer params").
  var stateCount: Int { get }
  /// The Keras call that makes an optimizer like this one.
  var expression: String { get }
  /// Forgets the accumulated state (a new model starts from step 0).
  func reset()
  /// Everything the optimizer has accumulated, to put back after a `fit`
  /// that diverged. Copy-on-write: holding it costs nothing until the
  /// optimizer's next step.
  var state: OptimizerState { get set }
  /// How many floats of state the optimizer keeps per weight (Adam's m and
  /// v: 2), for the memory a `fit` needs.
  var slotsPerWeight: Int { get }
}

/// An optimizer's accumulated slots and step count, as ``Optimizer/state`` hands them out.
public struct OptimizerState: Sendable {
  var slots: [OptimizerSlots]
  var steps: Int
}

/// Per-parameter slots that follow the parameter list; rebuilt when the model changes shape.
struct OptimizerSlots: Sendable {
  var slots: [[Float]] = []
  var shapes: [Shape] = []

  /// Zeroed slots matching `parameters`, keeping the old ones if the list is unchanged.
  mutating func fit(_ parameters: [Parameter]) -> Bool {
    let current = parameters.map(\.value.shape)
    if current == shapes { return false }
    shapes = current
    slots = parameters.map { [Float](repeating: 0, count: $0.value.count) }
    return true
  }

  var count: Int { slots.reduce(0) { $0 + $1.count } }
}
