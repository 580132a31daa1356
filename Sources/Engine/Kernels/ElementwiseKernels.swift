/// Element-by-element passes (activations, their gradients, Dropout's
/// scaling) in single sweeps over raw memory, split over the threads in
/// fixed chunks. Each element is computed alone, so results are identical to
/// the plain `map` versions (`…Reference`) whatever the thread count.
public enum ElementwiseKernels {
  /// Elements per unit of work: big enough that handing out units costs nothing.
  static let chunk = 1 << 16

  /// `out[i] = transform(a[i])`.
  public static func map(_ a: [Float], _ transform: @Sendable (Float) -> Float) -> [Float] {
    var out = [Float](repeating: 0, count: a.count)
    a.withUnsafeBufferPointer { ab in
      out.withUnsafeMutableBufferPointer { ob in
        guard let ap = ab.baseAddress, let op = ob.baseAddress else { return }
        let (x, o) = (SendableConstPointer(ap), SendablePointer(op))
        let count = a.count
        parallelUnits((count + chunk - 1) / chunk) { unit, _ in
          for i in (unit * chunk)..<min((unit + 1) * chunk, count) { o.p[i] = transform(x.p[i]) }
        }
      }
    }
    return out
  }

  /// `out[i] = combine(a[i], b[i])`.
  public static func zip(_ a: [Float], _ b: [Float], _ combine: @Sendable (Float, Float) -> Float) -> [Float] {
    precondition(a.count == b.count, "internal: zip \(a.count) vs \(b.count)")
    var out = [Float](repeating: 0, count: a.count)
    a.withUnsafeBufferPointer { ab in
      b.withUnsafeBufferPointer { bb in
        out.withUnsafeMutableBufferPointer { ob in
          guard let ap = ab.baseAddress, let bp = bb.baseAddress, let op = ob.baseAddress else { return }
          let (x, y, o) = (SendableConstPointer(ap), SendableConstPointer(bp), SendablePointer(op))
          let count = a.count
          parallelUnits((count + chunk - 1) / chunk) { unit, _ in
            for i in (unit * chunk)..<min((unit + 1) * chunk, count) { o.p[i] = combine(x.p[i], y.p[i]) }
          }
        }
      }
    }
    return out
  }

  /// max(x, 0).
  public static func relu(_ a: [Float]) -> [Float] { map(a) { $0 > 0 ? $0 : 0 } }

  /// The gradient through ReLU: g where x > 0, else 0 (TensorFlow's choice at 0 too).
  public static func reluBackward(_ gradient: [Float], input: [Float]) -> [Float] {
    zip(gradient, input) { g, x in x > 0 ? g : 0 }
  }
}
