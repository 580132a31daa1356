import Foundation

/// Keras's `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`.
///
/// At step t (from 1): alpha = lr · sqrt(1 − beta_2^t) / (1 − beta_1^t);
/// m ← m + (g − m)(1 − beta_1); v ← v + (g² − v)(1 − beta_2);
/// w ← w − alpha · m / (sqrt(v) + eps). Keras folds the bias correction into
/// alpha, so eps is the "epsilon hat" of Kingma & Ba
/// (keras/src/optimizers/adam.py, update_step).
public final class Adam: Optimizer {
  public let name = "adam"
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  /// Updates done so far (Keras's `iterations`).
  public private(set) var iterations = 0
  private var m = OptimizerSlots()
  private var v = OptimizerSlots()

  public init(
    learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  public func apply(to parameters: [Parameter]) {
    if m.fit(parameters) {
      _ = v.fit(parameters)
      iterations = 0
    }
    iterations += 1
    let t = Double(iterations)
    // Powers in Double so step 10,000 is as exact as step 1.
    let alpha = Float(
      Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
    let (b1, b2, eps) = (1 - beta1, 1 - beta2, epsilon)
    for (index, p) in parameters.enumerated() {
      let count = p.value.count
      p.gradient.scalars.withUnsafeBufferPointer { gb in
        m.slots[index].withUnsafeMutableBufferPointer { mb in
          v.slots[index].withUnsafeMutableBufferPointer { vb in
            p.value.scalars.withUnsafeMutableBufferPointer { wb in
              guard let gp = gb.baseAddress, let mp = mb.baseAddress, let vp = vb.baseAddress,
                let wp = wb.baseAddress
              else { return }
              let (g, mm, vv, w) = (
                SendableConstPointer(gp), SendablePointer(mp), SendablePointer(vp),
                SendablePointer(wp)
              )
              // Each weight's update is its own: any split of the work gives the same bits.
              let chunk = ElementwiseKernels.chunk
              parallelUnits((count + chunk - 1) / chunk) { unit, _ in
                let end = min((unit + 1) * chunk, count)
                var i = unit * chunk
                // Eight weights at a time with the scalar loop's operations
                // in its order (IEEE square root and division are exact to
                // the last bit either way), so the same bits; the pointers'
                // possible aliasing kept the compiler from vectorizing it.
                typealias V = SIMD8<Float>
                let (b1v, b2v, av, ev) = (
                  V(repeating: b1), V(repeating: b2), V(repeating: alpha), V(repeating: eps)
                )
                while i + 8 <= end {
                  let at = i &* 4
                  let gi = UnsafeRawPointer(g.p).loadUnaligned(fromByteOffset: at, as: V.self)
                  let m0 = UnsafeRawPointer(mm.p).loadUnaligned(fromByteOffset: at, as: V.self)
                  let v0 = UnsafeRawPointer(vv.p).loadUnaligned(fromByteOffset: at, as: V.self)
                  let w0 = UnsafeRawPointer(w.p).loadUnaligned(fromByteOffset: at, as: V.self)
                  let m1 = m0 + (gi - m0) * b1v
                  let v1 = v0 + (gi * gi - v0) * b2v
                  UnsafeMutableRawPointer(mm.p).storeBytes(of: m1, toByteOffset: at, as: V.self)
                  UnsafeMutableRawPointer(vv.p).storeBytes(of: v1, toByteOffset: at, as: V.self)
                  UnsafeMutableRawPointer(w.p).storeBytes(
                    of: w0 - av * m1 / (v1.squareRoot() + ev), toByteOffset: at, as: V.self)
                  i += 8
                }
                while i < end {
                  mm.p[i] += (g.p[i] - mm.p[i]) * b1
                  vv.p[i] += (g.p[i] * g.p[i] - vv.p[i]) * b2
                  w.p[i] -= alpha * mm.p[i] / (vv.p[i].squareRoot() + eps)
                  i += 1
                }
              }
            }
          }
        }
      }
    }
  }

  /// m and v for every weight, plus Keras's iteration and learning-rate variables.
  public var stateCount: Int { m.count == 0 ? 0 : m.count + v.count + 2 }

  public var expression: String {
    var args = ["learning_rate=\(formatNumber(learningRate))"]
    if beta1 != 0.9 { args.append("beta_1=\(formatNumber(beta1))") }
    if beta2 != 0.999 { args.append("beta_2=\(formatNumber(beta2))") }
    if epsilon != 1e-7 { args.append("epsilon=\(formatNumber(epsilon))") }
    return "Adam(\(args.joined(separator: ", ")))"
  }

  public func reset() {
    m = OptimizerSlots()
    v = OptimizerSlots()
    iterations = 0
  }

  public var slotGroups: [[String]] { [["momentum", "velocity"]] }

  public func state() -> OptimizerState? {
    guard m.count > 0 || iterations > 0 else { return nil }
    return OptimizerState(
      iterations: iterations, slots: ["momentum": m.slots, "velocity": v.slots])
  }

  public func restore(_ state: OptimizerState, for parameters: [Parameter]) throws(EngineError) {
    let arrays = try state.slots(["momentum", "velocity"], for: parameters)
    m.take(arrays[0], for: parameters)
    v.take(arrays[1], for: parameters)
    iterations = state.iterations
  }

  public var slotsPerWeight: Int { 2 }

  public var snapshot: OptimizerSnapshot {
    get { OptimizerSnapshot(slots: [m, v], steps: iterations) }
    set {
      let slots = newValue.slots + [OptimizerSlots](repeating: OptimizerSlots(), count: 2)
      (m, v) = (slots[0], slots[1])
      iterations = newValue.steps
    }
  }
}
