/// Keras's `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
///
/// Without momentum: w ← w − lr·g.
/// With momentum:    m ← momentum·m − lr·g; then w ← w + m, or with Nesterov
/// w ← w + momentum·m − lr·g (keras/src/optimizers/sgd.py, update_step).
public final class SGD: Optimizer {
  public let name = "sgd"
  public var learningRate: Float
  public let momentum: Float
  public let nesterov: Bool
  private var velocity = OptimizerSlots()
  private var steps = 0

  public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
  }

  public func apply(to parameters: [Parameter]) {
    let lr = learningRate
    steps += 1
    if momentum == 0 {
      for p in parameters {
        let g = p.gradient.scalars
        for i in 0..<g.count { p.value.scalars[i] -= lr * g[i] }
      }
      return
    }
    _ = velocity.fit(parameters)
    for (index, p) in parameters.enumerated() {
      let g = p.gradient.scalars
      var w = p.value.scalars
      var m = velocity.slots[index]
      for i in 0..<g.count {
        m[i] = momentum * m[i] - lr * g[i]
        w[i] += nesterov ? momentum * m[i] - lr * g[i] : m[i]
      }
      velocity.slots[index] = m
      p.value.scalars = w
    }
  }

  /// Keras counts its iteration and learning-rate variables too, once built.
  public var stateCount: Int { steps == 0 ? 0 : velocity.count + 2 }

  public var expression: String {
    var args = ["learning_rate=\(formatNumber(learningRate))"]
    if momentum != 0 { args.append("momentum=\(formatNumber(momentum))") }
    if nesterov { args.append("nesterov=True") }
    return "SGD(\(args.joined(separator: ", ")))"
  }

  public func reset() {
    velocity = OptimizerSlots()
    steps = 0
  }

  public var slotGroups: [[String]] { momentum == 0 ? [] : [["momentum"]] }

  public func state() -> OptimizerState? {
    guard steps > 0 else { return nil }
    return OptimizerState(
      iterations: steps, slots: momentum == 0 ? [:] : ["momentum": velocity.slots])
  }

  public func restore(_ state: OptimizerState, for parameters: [Parameter]) throws(EngineError) {
    if momentum != 0 {
      velocity.take(try state.slots(["momentum"], for: parameters)[0], for: parameters)
    }
    steps = state.iterations
  }

  public var slotsPerWeight: Int { momentum > 0 ? 1 : 0 }

  public var snapshot: OptimizerSnapshot {
    get { OptimizerSnapshot(slots: [velocity], steps: steps) }
    set {
      velocity = newValue.slots.first ?? OptimizerSlots()
      steps = newValue.steps
    }
  }
}
