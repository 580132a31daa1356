import Foundation

/// Keras's `RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)`.
///
/// v ← rho·v + (1 − rho)·g²; step = lr·g / sqrt(v + eps) (centered: sqrt(v − ḡ² + eps),
/// ḡ ← rho·ḡ + (1 − rho)·g); with momentum m ← momentum·m + step and w ← w − m,
/// else w ← w − step. Note eps sits inside the square root, as in
/// keras/src/optimizers/rmsprop.py.
public final class RMSprop: Optimizer {
  public let name = "rmsprop"
  public var learningRate: Float
  public let rho: Float
  public let momentum: Float
  public let epsilon: Float
  public let centered: Bool
  private var velocity = OptimizerSlots()
  private var momentums = OptimizerSlots()
  private var averages = OptimizerSlots()
  /// Updates done so far (Keras's `iterations`; RMSprop's rule does not use it).
  private var steps = 0

  public init(
    learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7,
    centered: Bool = false
  ) {
    self.learningRate = learningRate
    self.rho = rho
    self.momentum = momentum
    self.epsilon = epsilon
    self.centered = centered
  }

  public func apply(to parameters: [Parameter]) {
    steps += 1
    _ = velocity.fit(parameters)
    if momentum > 0 { _ = momentums.fit(parameters) }
    if centered { _ = averages.fit(parameters) }
    for (index, p) in parameters.enumerated() {
      let g = p.gradient.scalars
      var w = p.value.scalars
      var v = velocity.slots[index]
      var m = momentum > 0 ? momentums.slots[index] : []
      var a = centered ? averages.slots[index] : []
      for i in 0..<g.count {
        v[i] = rho * v[i] + (1 - rho) * g[i] * g[i]
        var denominator = v[i] + epsilon
        if centered {
          a[i] = rho * a[i] + (1 - rho) * g[i]
          denominator = v[i] - a[i] * a[i] + epsilon
        }
        let step = learningRate * g[i] / denominator.squareRoot()
        if momentum > 0 {
          m[i] = momentum * m[i] + step
          w[i] -= m[i]
        } else {
          w[i] -= step
        }
      }
      velocity.slots[index] = v
      if momentum > 0 { momentums.slots[index] = m }
      if centered { averages.slots[index] = a }
      p.value.scalars = w
    }
  }

  /// Keras counts its iteration and learning-rate variables too, once built.
  public var stateCount: Int {
    velocity.count == 0 ? 0 : velocity.count + momentums.count + averages.count + 2
  }

  public var expression: String {
    var args = ["learning_rate=\(formatNumber(learningRate))"]
    if rho != 0.9 { args.append("rho=\(formatNumber(rho))") }
    if momentum != 0 { args.append("momentum=\(formatNumber(momentum))") }
    if epsilon != 1e-7 { args.append("epsilon=\(formatNumber(epsilon))") }
    if centered { args.append("centered=True") }
    return "RMSprop(\(args.joined(separator: ", ")))"
  }

  public func reset() {
    velocity = OptimizerSlots()
    momentums = OptimizerSlots()
    averages = OptimizerSlots()
    steps = 0
  }

  public var slotGroups: [[String]] {
    [["velocity"]] + (momentum > 0 ? [["momentum"]] : []) + (centered ? [["average_gradient"]] : [])
  }

  public func state() -> OptimizerState? {
    guard steps > 0 else { return nil }
    var slots = ["velocity": velocity.slots]
    if momentum > 0 { slots["momentum"] = momentums.slots }
    if centered { slots["average_gradient"] = averages.slots }
    return OptimizerState(iterations: steps, slots: slots)
  }

  public func restore(_ state: OptimizerState, for parameters: [Parameter]) throws(EngineError) {
    let names = slotGroups.flatMap { $0 }
    let arrays = try state.slots(names, for: parameters)
    velocity.take(arrays[0], for: parameters)
    if momentum > 0 { momentums.take(arrays[1], for: parameters) }
    if centered { averages.take(arrays[names.count - 1], for: parameters) }
    steps = state.iterations
  }

  public var slotsPerWeight: Int { 1 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0) }

  public var snapshot: OptimizerSnapshot {
    get { OptimizerSnapshot(slots: [velocity, momentums, averages], steps: steps) }
    set {
      let slots = newValue.slots + [OptimizerSlots](repeating: OptimizerSlots(), count: 3)
      (velocity, momentums, averages) = (slots[0], slots[1], slots[2])
      steps = newValue.steps
    }
  }
}
