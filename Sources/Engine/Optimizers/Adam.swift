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
    step(parameters) { index, p, update in
      p.value.scalars.withUnsafeMutableBufferPointer { wb in
        guard let wp = wb.baseAddress else { return }
        _ = update(UnsafePointer(wp), wp)
      }
    }
  }

  /// `apply`, but the updated weights go into `buffers` (one per
  /// parameter, its size; the previous step's weights, say) while m and v
  /// are updated in place: the same bits, without touching the current
  /// weights. Returns whether every updated weight is finite, found in the
  /// same sweep. A training step swaps the buffers in when they are, and
  /// otherwise keeps the weights it had, with no copy taken beforehand.
  func apply(to parameters: [Parameter], writingWeightsInto buffers: inout [[Float]]) -> Bool {
    precondition(buffers.count == parameters.count)
    var finite = true
    step(parameters) { index, p, update in
      precondition(buffers[index].count == p.value.count)
      p.value.scalars.withUnsafeBufferPointer { wb in
        buffers[index].withUnsafeMutableBufferPointer { ob in
          guard let wp = wb.baseAddress, let op = ob.baseAddress else { return }
          if !update(wp, op) { finite = false }
        }
      }
    }
    return finite
  }

  /// One update: bumps the step, then hands `body` each parameter and a
  /// function that updates its m and v in place and writes the new
  /// weights from `w` into `out` (which may be `w`), returning whether they
  /// are all finite.
  private func step(
    _ parameters: [Parameter],
    _ body: (
      Int, Parameter, (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Bool
    ) -> Void
  ) {
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
            body(index, p) { wIn, wOut in
              guard let gp = gb.baseAddress, let mp = mb.baseAddress, let vp = vb.baseAddress
              else { return true }
              return Self.update(
                count: count, g: gp, m: mp, v: vp, w: wIn, out: wOut, alpha: alpha, b1: b1,
                b2: b2, eps: eps)
            }
          }
        }
      }
    }
  }

  /// m ← m + (g − m)·b1, v ← v + (g² − v)·b2, out ← w − alpha·m / (√v + eps)
  /// for `count` weights, in fixed chunks on the threads (each weight's
  /// update is its own, so any split gives the same bits); whether every
  /// new weight is finite.
  private static func update(
    count: Int, g gp: UnsafePointer<Float>, m mp: UnsafeMutablePointer<Float>,
    v vp: UnsafeMutablePointer<Float>, w wp: UnsafePointer<Float>,
    out op: UnsafeMutablePointer<Float>, alpha: Float, b1: Float, b2: Float, eps: Float
  ) -> Bool {
    let (g, mm, vv, w, o) = (
      SendableConstPointer(gp), SendablePointer(mp), SendablePointer(vp), SendableConstPointer(wp),
      SendablePointer(op)
    )
    let chunk = ElementwiseKernels.chunk
    let units = (count + chunk - 1) / chunk
    if units == 0 { return true }
    let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: units)
    defer { flags.deallocate() }
    let f = SendablePointer(flags)
    parallelUnits(units) { unit, _ in
      let end = min((unit + 1) * chunk, count)
      var i = unit * chunk
      // Eight weights at a time with the scalar loop's operations in its
      // order (IEEE square root and division are exact to the last bit
      // either way), so the same bits; the pointers' possible aliasing kept
      // the compiler from vectorizing it.
      typealias V = SIMD8<Float>
      let (b1v, b2v, av, ev) = (
        V(repeating: b1), V(repeating: b2), V(repeating: alpha), V(repeating: eps)
      )
      // x · 0 is 0 for finite x, NaN otherwise (`ElementwiseKernels.allFinite`).
      var check = V()
      while i + 8 <= end {
        let at = i &* 4
        let gi = UnsafeRawPointer(g.p).loadUnaligned(fromByteOffset: at, as: V.self)
        let m0 = UnsafeRawPointer(mm.p).loadUnaligned(fromByteOffset: at, as: V.self)
        let v0 = UnsafeRawPointer(vv.p).loadUnaligned(fromByteOffset: at, as: V.self)
        let w0 = UnsafeRawPointer(w.p).loadUnaligned(fromByteOffset: at, as: V.self)
        let m1 = m0 + (gi - m0) * b1v
        let v1 = v0 + (gi * gi - v0) * b2v
        let w1 = w0 - av * m1 / (v1.squareRoot() + ev)
        UnsafeMutableRawPointer(mm.p).storeBytes(of: m1, toByteOffset: at, as: V.self)
        UnsafeMutableRawPointer(vv.p).storeBytes(of: v1, toByteOffset: at, as: V.self)
        UnsafeMutableRawPointer(o.p).storeBytes(of: w1, toByteOffset: at, as: V.self)
        check += w1 * 0
        i += 8
      }
      var tail: Float = 0
      while i < end {
        mm.p[i] += (g.p[i] - mm.p[i]) * b1
        vv.p[i] += (g.p[i] * g.p[i] - vv.p[i]) * b2
        o.p[i] = w.p[i] - alpha * mm.p[i] / (vv.p[i].squareRoot() + eps)
        tail += o.p[i] * 0
        i += 1
      }
      f.p[unit] = (check.sum() + tail) == 0 ? 1 : 0
    }
    for u in 0..<units where flags[u] == 0 { return false }
    return true
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
