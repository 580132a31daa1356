/// `Gemm`'s register-blocked micro-kernels: a tile of C kept in vector
/// registers while k is walked once, one fused multiply-add chain per
/// element in k order.
extension Gemm {
  // MARK: - Micro-kernel

  /// C[0..<8, 0..<32] (+)= Σ_p a_r[p·csA] · b[p·bs + 0..<32].
  ///
  /// Sixteen independent accumulators hide the FMA latency (4 cycles; 2 zmm
  /// FMAs per cycle on Zen 5, 1 on Zen 4, whose 512-bit operations take
  /// both 256-bit pipes); they are named variables, not an array, so they
  /// live in zmm registers. Not inlined: one copy, one register allocation.
  @inline(never)
  static func kernel8x32(
    _ len: Int,
    _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
    _ a2: UnsafePointer<Float>, _ a3: UnsafePointer<Float>,
    _ a4: UnsafePointer<Float>, _ a5: UnsafePointer<Float>,
    _ a6: UnsafePointer<Float>, _ a7: UnsafePointer<Float>,
    _ csA: Int, _ b: UnsafePointer<Float>, _ bs: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ load: Bool,
    segments: Int = 1, segmentJump: Int = 0
  ) {
    typealias V = SIMD16<Float>
    var c00 = V()
    var c01 = V()
    var c10 = V()
    var c11 = V()
    var c20 = V()
    var c21 = V()
    var c30 = V()
    var c31 = V()
    var c40 = V()
    var c41 = V()
    var c50 = V()
    var c51 = V()
    var c60 = V()
    var c61 = V()
    var c70 = V()
    var c71 = V()
    @inline(__always) func ld(_ r: Int, _ h: Int) -> V {
      let offset: Int = r &* ldc &+ h &* 16
      return UnsafeRawPointer(c + offset).loadUnaligned(as: V.self)
    }
    if load {
      c00 = ld(0, 0)
      c01 = ld(0, 1)
      c10 = ld(1, 0)
      c11 = ld(1, 1)
      c20 = ld(2, 0)
      c21 = ld(2, 1)
      c30 = ld(3, 0)
      c31 = ld(3, 1)
      c40 = ld(4, 0)
      c41 = ld(4, 1)
      c50 = ld(5, 0)
      c51 = ld(5, 1)
      c60 = ld(6, 0)
      c61 = ld(6, 1)
      c70 = ld(7, 0)
      c71 = ld(7, 1)
    }
    let bStep = bs &* MemoryLayout<Float>.stride
    // `segments` as in `kernel6x16` (csA = 1): k as runs of `len` steps with
    // a jump of A's offset after each.
    @inline(__always) func steps(_ stride: Int, _ segs: Int, _ jump: Int) {
      var pb = UnsafeRawPointer(b)
      var off = 0
      for _ in 0..<segs {
        for _ in 0..<len {
          let b0 = pb.loadUnaligned(as: V.self)
          let b1 = pb.loadUnaligned(fromByteOffset: 64, as: V.self)
          var x = V(repeating: a0[off])
          c00 = c00.addingProduct(x, b0)
          c01 = c01.addingProduct(x, b1)
          x = V(repeating: a1[off])
          c10 = c10.addingProduct(x, b0)
          c11 = c11.addingProduct(x, b1)
          x = V(repeating: a2[off])
          c20 = c20.addingProduct(x, b0)
          c21 = c21.addingProduct(x, b1)
          x = V(repeating: a3[off])
          c30 = c30.addingProduct(x, b0)
          c31 = c31.addingProduct(x, b1)
          x = V(repeating: a4[off])
          c40 = c40.addingProduct(x, b0)
          c41 = c41.addingProduct(x, b1)
          x = V(repeating: a5[off])
          c50 = c50.addingProduct(x, b0)
          c51 = c51.addingProduct(x, b1)
          x = V(repeating: a6[off])
          c60 = c60.addingProduct(x, b0)
          c61 = c61.addingProduct(x, b1)
          x = V(repeating: a7[off])
          c70 = c70.addingProduct(x, b0)
          c71 = c71.addingProduct(x, b1)
          off &+= stride
          pb += bStep
        }
        off &+= jump
      }
    }
    if segments > 1 {
      steps(1, segments, segmentJump)
    } else {
      steps(csA, 1, 0)
    }
    @inline(__always) func st(_ v: V, _ r: Int, _ h: Int) {
      let offset: Int = r &* ldc &+ h &* 16
      UnsafeMutableRawPointer(c + offset).storeBytes(of: v, as: V.self)
    }
    st(c00, 0, 0)
    st(c01, 0, 1)
    st(c10, 1, 0)
    st(c11, 1, 1)
    st(c20, 2, 0)
    st(c21, 2, 1)
    st(c30, 3, 0)
    st(c31, 3, 1)
    st(c40, 4, 0)
    st(c41, 4, 1)
    st(c50, 5, 0)
    st(c51, 5, 1)
    st(c60, 6, 0)
    st(c61, 6, 1)
    st(c70, 7, 0)
    st(c71, 7, 1)
  }

  /// C[0..<6, 0..<16] (+)= Σ_p a_r[p·csA] · b[p·bs + 0..<16]: the wide
  /// kernel's arithmetic in a tile that fits sixteen ymm registers.
  @inline(never)
  static func kernel6x16(
    _ len: Int,
    _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
    _ a2: UnsafePointer<Float>, _ a3: UnsafePointer<Float>,
    _ a4: UnsafePointer<Float>, _ a5: UnsafePointer<Float>,
    _ csA: Int, _ b: UnsafePointer<Float>, _ bs: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ load: Bool,
    segments: Int = 1, segmentJump: Int = 0
  ) {
    typealias V = SIMD16<Float>
    var c0 = V()
    var c1 = V()
    var c2 = V()
    var c3 = V()
    var c4 = V()
    var c5 = V()
    @inline(__always) func ld(_ r: Int) -> V {
      let offset: Int = r &* ldc
      return UnsafeRawPointer(c + offset).loadUnaligned(as: V.self)
    }
    if load {
      c0 = ld(0)
      c1 = ld(1)
      c2 = ld(2)
      c3 = ld(3)
      c4 = ld(4)
      c5 = ld(5)
    }
    let bStep = bs &* MemoryLayout<Float>.stride
    // The loop body with A's step as an argument: called with the literal
    // strides the callers use (1: im2col rows and in-place windows; 6: a
    // packed sliver), LLVM folds the step into the broadcasts' displacement
    // when it unrolls by two, instead of holding six more row pointers
    // (which spilled one to the stack on every step). Same FMAs, same order.
    //
    // `segments` > 1 (csA = 1): k is `segments` runs of `len` steps, A's
    // offset jumping by `segmentJump` floats after each run (a conv
    // window's kernel rows, read in place): one pass with the sums in
    // registers, in the same k order as the im2col row.
    @inline(__always) func steps(_ stride: Int, _ segs: Int, _ jump: Int) {
      var pb = UnsafeRawPointer(b)
      var off = 0
      for _ in 0..<segs {
        for _ in 0..<len {
          let b0 = pb.loadUnaligned(as: V.self)
          c0 = c0.addingProduct(V(repeating: a0[off]), b0)
          c1 = c1.addingProduct(V(repeating: a1[off]), b0)
          c2 = c2.addingProduct(V(repeating: a2[off]), b0)
          c3 = c3.addingProduct(V(repeating: a3[off]), b0)
          c4 = c4.addingProduct(V(repeating: a4[off]), b0)
          c5 = c5.addingProduct(V(repeating: a5[off]), b0)
          off &+= stride
          pb += bStep
        }
        off &+= jump
      }
    }
    if segments > 1 {
      steps(1, segments, segmentJump)
    } else if csA == 1 {
      steps(1, 1, 0)
    } else if csA == 6 {
      steps(6, 1, 0)
    } else {
      steps(csA, 1, 0)
    }
    @inline(__always) func st(_ v: V, _ r: Int) {
      let offset: Int = r &* ldc
      UnsafeMutableRawPointer(c + offset).storeBytes(of: v, as: V.self)
    }
    st(c0, 0)
    st(c1, 1)
    st(c2, 2)
    st(c3, 3)
    st(c4, 4)
    st(c5, 5)
  }

  /// The 6×16 kernel's arithmetic for 4 rows (edges of the narrow kernel).
  @inline(never)
  static func kernel4x16(
    _ len: Int,
    _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
    _ a2: UnsafePointer<Float>, _ a3: UnsafePointer<Float>,
    _ csA: Int, _ b: UnsafePointer<Float>, _ bs: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ load: Bool,
    segments: Int = 1, segmentJump: Int = 0
  ) {
    typealias V = SIMD16<Float>
    var c0 = V()
    var c1 = V()
    var c2 = V()
    var c3 = V()
    @inline(__always) func ld(_ r: Int) -> V {
      let offset: Int = r &* ldc
      return UnsafeRawPointer(c + offset).loadUnaligned(as: V.self)
    }
    if load {
      c0 = ld(0)
      c1 = ld(1)
      c2 = ld(2)
      c3 = ld(3)
    }
    let bStep = bs &* MemoryLayout<Float>.stride
    // Literal strides, as in `kernel6x16`.
    @inline(__always) func steps(_ stride: Int, _ segs: Int, _ jump: Int) {
      var pb = UnsafeRawPointer(b)
      var off = 0
      for _ in 0..<segs {
        for _ in 0..<len {
          let b0 = pb.loadUnaligned(as: V.self)
          c0 = c0.addingProduct(V(repeating: a0[off]), b0)
          c1 = c1.addingProduct(V(repeating: a1[off]), b0)
          c2 = c2.addingProduct(V(repeating: a2[off]), b0)
          c3 = c3.addingProduct(V(repeating: a3[off]), b0)
          off &+= stride
          pb += bStep
        }
        off &+= jump
      }
    }
    if segments > 1 {
      steps(1, segments, segmentJump)
    } else if csA == 1 {
      steps(1, 1, 0)
    } else if csA == 6 {
      steps(6, 1, 0)
    } else {
      steps(csA, 1, 0)
    }
    @inline(__always) func st(_ v: V, _ r: Int) {
      let offset: Int = r &* ldc
      UnsafeMutableRawPointer(c + offset).storeBytes(of: v, as: V.self)
    }
    st(c0, 0)
    st(c1, 1)
    st(c2, 2)
    st(c3, 3)
  }
}
