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
  /// Keras 3's names for the variables it keeps per trained weight, grouped
  /// as it creates them: names in one group alternate weight by weight
  /// (Adam: momentum, velocity of the first weight, then of the second…),
  /// groups follow one another (keras/src/optimizers/base_optimizer.py,
  /// add_optimizer_variables).
  var slotGroups: [[String]] { get }
  /// The steps taken and every slot, or nil before the first step.
  func state() -> OptimizerState?
  /// Takes over `state` (from a Keras file) for `parameters`, checking every
  /// slot's size first; on a mismatch nothing changes.
  func restore(_ state: OptimizerState, for parameters: [Parameter]) throws(EngineError)
  /// Everything the optimizer has accumulated, to put back after a `fit`
  /// that diverged. Copy-on-write: holding it costs nothing until the
  /// optimizer's next step.
  var snapshot: OptimizerSnapshot { get set }
  /// How many floats of state the optimizer keeps per weight (Adam's m and
  /// v: 2), for the memory a `fit` needs.
  var slotsPerWeight: Int { get }
}

/// What an optimizer has learned: the updates done so far (Keras's
/// `iterations`) and, per slot name, one array per trained weight.
public struct OptimizerState: Equatable, Sendable {
  public var iterations: Int
  public var slots: [String: [[Float]]]
  public init(iterations: Int, slots: [String: [[Float]]]) {
    self.iterations = iterations
    self.slots = slots
  }

  /// The slots `names` for `parameters`, each checked against its weight's size.
  func slots(_ names: [String], for parameters: [Parameter]) throws(EngineError) -> [[[Float]]] {
    var result: [[[Float]]] = []
    for name in names {
      guard let arrays = slots[name], arrays.count == parameters.count,
        zip(arrays, parameters).allSatisfy({ $0.count == $1.value.count })
      else {
        throw .weightsMismatch(
          "the optimizer's saved '\(name)' does not fit the model's \(parameters.count) trained weights"
        )
      }
      result.append(arrays)
    }
    return result
  }
}

/// An optimizer's accumulated slots and step count, as ``Optimizer/snapshot`` hands them out.
public struct OptimizerSnapshot: Sendable {
  var slots: [OptimizerSlots]
  var steps: Int

  /// The bytes its slots hold once the optimizer has moved on from them.
  public var bytes: Int { slots.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size }
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

  /// Slots taken from a saved state, for `parameters`.
  mutating func take(_ arrays: [[Float]], for parameters: [Parameter]) {
    shapes = parameters.map(\.value.shape)
    slots = arrays
  }
}
