/// Element-by-element passes (activations, their gradients, Dropout's
/// scaling) in single sweeps over raw memory, split over the threads in
/// fixed chunks. Each element is computed alone, so results are identical to
/// the plain `map` versions (`…Reference`) whatever the thread count.
public enum ElementwiseKernels {
  /// Elements per unit of work: big enough that handing out units costs nothing.
  static let chunk = 1 << 16

  /// `out[i] = transform(a[i])`, for the rarer activations (sigmoid, tanh):
  /// one call of `transform` per element.
  public static func map(_ a: [Float], _ transform: @Sendable (Float) -> Float) -> [Float] {
    sweep(a.count, a, a) { x, _, o, range in
      for i in range { o[i] = transform(x[i]) }
    }
  }

  /// `out[i] = combine(a[i], b[i])`.
  public static func zip(_ a: [Float], _ b: [Float], _ combine: @Sendable (Float, Float) -> Float)
    -> [Float]
  {
    precondition(a.count == b.count, "internal: zip \(a.count) vs \(b.count)")
    return sweep(a.count, a, b) { x, y, o, range in
      for i in range { o[i] = combine(x[i], y[i]) }
    }
  }

  /// max(x, 0): x > 0 ? x : 0, so NaN and −0 become +0.
  public static func relu(_ a: [Float]) -> [Float] {
    sweep(a.count, a, a) { x, _, o, range in
      vectorized(range, x, x, o, { v, _ in V().replacing(with: v, where: v .> 0) }) { v, _ in
        v > 0 ? v : 0
      }
    }
  }

  /// The gradient through ReLU: g where x > 0, else 0 (TensorFlow's choice at 0 too).
  public static func reluBackward(_ gradient: [Float], input: [Float]) -> [Float] {
    precondition(
      gradient.count == input.count, "internal: reluBackward \(gradient.count) vs \(input.count)")
    return sweep(gradient.count, gradient, input) { g, x, o, range in
      vectorized(range, g, x, o, { g, x in V().replacing(with: g, where: x .> 0) }) { g, x in
        x > 0 ? g : 0
      }
    }
  }

  /// Dropout's gradient: g · mask · scale, in that order.
  public static func scaledProduct(_ a: [Float], _ b: [Float], scale: Float) -> [Float] {
    precondition(a.count == b.count, "internal: scaledProduct \(a.count) vs \(b.count)")
    let s = V(repeating: scale)
    return sweep(a.count, a, b) { x, y, o, range in
      vectorized(range, x, y, o, { x, y in x * y * s }) { x, y in x * y * scale }
    }
  }

  /// True when no element is NaN or infinite. x · 0 is 0 for every finite
  /// x and NaN otherwise, so one sum of those answers for a chunk; chunks
  /// on the threads (a yes or no, whatever the order). A training step asks
  /// it of every gradient and weight (69 MB for the seed network's Dense).
  public static func allFinite(_ a: [Float]) -> Bool {
    let units = (a.count + chunk - 1) / chunk
    if units == 0 { return true }
    var flags = [UInt8](repeating: 0, count: units)
    a.withUnsafeBufferPointer { ab in
      flags.withUnsafeMutableBufferPointer { fb in
        guard let ap = ab.baseAddress, let fp = fb.baseAddress else { return }
        let (x, f) = (SendableConstPointer(ap), SendablePointer(fp))
        let count = a.count
        parallelUnits(units) { unit, _ in
          let end = min((unit + 1) * chunk, count)
          var i = unit * chunk
          var lanes = SIMD16<Float>()
          while i + 16 <= end {
            lanes += UnsafeRawPointer(x.p + i).loadUnaligned(as: SIMD16<Float>.self) * 0
            i += 16
          }
          var tail: Float = 0
          while i < end {
            tail += x.p[i] * 0
            i += 1
          }
          f.p[unit] = (lanes.sum() + tail) == 0 ? 1 : 0
        }
      }
    }
    return !flags.contains(0)
  }

  /// dst[i] = src[i] (same counts), in chunks on the threads.
  public static func copy(_ src: [Float], into dst: inout [Float]) {
    precondition(src.count == dst.count, "internal: copy \(src.count) into \(dst.count)")
    let count = src.count
    src.withUnsafeBufferPointer { sb in
      dst.withUnsafeMutableBufferPointer { db in
        guard let sp = sb.baseAddress, let dp = db.baseAddress else { return }
        let (s, d) = (SendableConstPointer(sp), SendablePointer(dp))
        parallelUnits((count + chunk - 1) / chunk) { unit, _ in
          let start = unit * chunk
          (d.p + start).update(from: s.p + start, count: min(chunk, count - start))
        }
      }
    }
  }

  /// a[i] = +0, in chunks on the threads.
  public static func zero(_ a: inout [Float]) {
    let count = a.count
    a.withUnsafeMutableBufferPointer { ab in
      guard let ap = ab.baseAddress else { return }
      let d = SendablePointer(ap)
      parallelUnits((count + chunk - 1) / chunk) { unit, _ in
        let start = unit * chunk
        (d.p + start).update(repeating: 0, count: min(chunk, count - start))
      }
    }
  }

  typealias V = SIMD8<Float>

  /// A fresh array of `count` floats, filled by `body(a, b, out, range)` on
  /// fixed chunks spread over the threads (never zero-filled first).
  @inline(__always)
  static func sweep(
    _ count: Int, _ a: [Float], _ b: [Float],
    _ body:
      @Sendable (
        UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>
      ) -> Void
  ) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { out, written in
      a.withUnsafeBufferPointer { ab in
        b.withUnsafeBufferPointer { bb in
          if count > 0, let ap = ab.baseAddress, let bp = bb.baseAddress, let op = out.baseAddress {
            let (x, y, o) = (
              SendableConstPointer(ap), SendableConstPointer(bp), SendablePointer(op)
            )
            parallelUnits((count + chunk - 1) / chunk) { unit, _ in
              body(x.p, y.p, o.p, (unit * chunk)..<min((unit + 1) * chunk, count))
            }
          }
        }
      }
      written = count
    }
  }

  /// `vector` on eight elements at a time, `scalar` on the rest: the same
  /// function of each element (checked against the reference loops).
  @inline(__always)
  static func vectorized(
    _ range: Range<Int>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ o: UnsafeMutablePointer<Float>, _ vector: (V, V) -> V, _ scalar: (Float, Float) -> Float
  ) {
    var i = range.lowerBound
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    let ro = UnsafeMutableRawPointer(o)
    while i + 8 <= range.upperBound {
      let at = i &* 4
      ro.storeBytes(
        of: vector(
          ra.loadUnaligned(fromByteOffset: at, as: V.self),
          rb.loadUnaligned(fromByteOffset: at, as: V.self)),
        toByteOffset: at, as: V.self)
      i += 8
    }
    while i < range.upperBound {
      o[i] = scalar(a[i], b[i])
      i += 1
    }
  }
}
