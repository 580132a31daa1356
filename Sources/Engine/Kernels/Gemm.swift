import Dispatch
import Foundation

/// Single-precision matrix product on row-major storage:
/// `C (+)= op(A) · op(B)`, op(A) `m × k`, op(B) `k × n`, C `m × n`.
///
/// The fast path is a register-blocked micro-kernel on `SIMD16<Float>`:
/// 8×32 (sixteen accumulators, one broadcast of A and two loads of B per
/// step of k) where there are 32 vector registers (AVX-512: ~245 GFLOP/s
/// per core on a Zen 5, against ~266 for pure FMA chains), 6×16 where
/// there are 16 (AVX2: ~75% of the FMA ceiling). B is packed into
/// zero-padded 32-column panels so the kernel streams it contiguously; A is
/// read in place, which measured faster than packing it for the conv
/// shapes (a transposed A is copied in small slivers). The measurements
/// are in BENCHMARKS.md, "What the kernels' design rests on".
///
/// Threads: `sgemm` splits C into a grid of tiles fixed by the shape and
/// hands them to `EngineThreads.count` threads on demand.
///
/// Reproducibility: every element of C is computed by one fused
/// multiply-add chain `c = fma(a[i,p], b[p,j], c)` for p = 0, 1, …, k-1,
/// starting from 0 (or from C's old value when accumulating). Edge tiles run
/// the same kernel (missing rows repeat the last real row, missing columns
/// are zeros in the packed panel, and both are thrown away), cache blocking
/// over k only stores and reloads the running sum (exact), and the work is
/// split between threads by whole tiles of C. So the result does not depend
/// on the tile, on which thread computes it, or on `EngineThreads.count`: it
/// is bit-identical from run to run and for any thread count.
public enum Gemm {
  /// Width of a packed B panel: the wide kernel's tile width, two of the
  /// narrow kernel's.
  static let nr = 32

  // MARK: - Micro-kernel choice

  /// Two micro-kernels with the same arithmetic per element of C (one fused
  /// multiply-add chain in k order), so they give the same bits; they differ
  /// in how many vector registers they need.
  enum MicroKernel: String, Sendable, CaseIterable {
    /// 8×32: sixteen SIMD16 accumulators. Needs 32 vector registers
    /// (AVX-512: 32 zmm; ~245 GFLOP/s per core on a Zen 5, BENCHMARKS.md).
    case wide8x32
    /// 6×16: six SIMD16 accumulators, i.e. twelve ymm registers where a
    /// SIMD16 is two ymm halves (AVX2, 16 registers), where the wide kernel
    /// would spill its accumulators to the stack every step.
    case narrow6x16

    var mr: Int { self == .wide8x32 ? 8 : 6 }
  }

  /// The kernel in use: `KernelSettings.microKernel` if a test forces one,
  /// else the faster on this machine.
  static var activeKernel: MicroKernel { KernelSettings.microKernel ?? fastestKernel }

  /// The micro-kernel in use ("wide8x32" or "narrow6x16"), for reports.
  public static var microKernelName: String { activeKernel.rawValue }

  /// Swift cannot ask at compile time how many vector registers the target
  /// has (`-march=native` gives AVX-512 on some hosts and only AVX2 on
  /// others of the "same" machine kind), and x86 feature intrinsics are not
  /// portable. So the first product times both kernels on a small problem
  /// (well under a millisecond) and keeps the faster by `preferred`. The
  /// choice changes speed only, never results.
  /// `LAYERLAB_GEMM_KERNEL=wide8x32|narrow6x16` forces one.
  static let fastestKernel: MicroKernel = {
    if let name = ProcessInfo.processInfo.environment["LAYERLAB_GEMM_KERNEL"],
      let forced = MicroKernel(rawValue: name)
    {
      return forced
    }
    let m = 96
    let n = 64
    let k = 256
    var rng = SeededGenerator(seed: 1)
    let a = (0..<(m * k)).map { _ in rng.nextFloat(in: -1, 1) }
    let b = (0..<(k * n)).map { _ in rng.nextFloat(in: -1, 1) }
    var c = [Float](repeating: 0, count: m * n)
    let tile = UnsafeMutablePointer<Float>.allocate(capacity: 256)
    defer { tile.deallocate() }
    var best: [MicroKernel: UInt64] = [:]
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          let bv = MatrixView(bp.start, rs: n, cs: 1)
          let panels = allocatePanels(k: k, n: n, direct: nil)
          defer { panels.deallocate() }
          pack(bv, into: panels, panels: 0..<panels.count)
          // Interleaved rounds, best of each: a burst of load from another
          // process then hits both kernels alike.
          for _ in 0..<7 {
            for kind in MicroKernel.allCases {
              let start = DispatchTime.now().uptimeNanoseconds
              multiplyRows(
                kind, 0..<m, panels: 0..<panels.count,
                a: MatrixView(ap.start, rs: k, cs: 1), b: panels,
                c: MutableMatrixView(cp.start, rs: n, cs: 1), accumulate: false,
                tile: tile)
              let t = DispatchTime.now().uptimeNanoseconds - start
              best[kind] = min(best[kind] ?? .max, t)
            }
          }
        }
      }
    }
    return preferred(wide: best[.wide8x32] ?? .max, narrow: best[.narrow6x16] ?? .max)
  }()

  /// The kernel to keep from the probe's best times (any unit). Where the
  /// wide kernel spills (AVX2) the narrow one is ~1.7x faster on the probe
  /// (0.31 against 0.54 ms for a 256³ product on a Zen 4 built for Zen 3);
  /// where both fit in registers the probe cannot tell them apart (a Zen 4:
  /// 0.30 and 0.30 ms, and 12 starts of the bench picked narrow 7 times),
  /// yet in the network's products, whose Winograd GEMMs have only 32-64
  /// steps of k, the wide kernel's 8 rows and 16 accumulators per B load
  /// win: a big training step 238 against 270 ms, a batch of 32 big images
  /// 60 against 66 (medians of three interleaved rounds, BENCHMARKS.md,
  /// "Sixth pass"). So the narrow kernel must beat the wide one clearly.
  static func preferred(wide: UInt64, narrow: UInt64) -> MicroKernel {
    Double(narrow) * narrowMargin < Double(wide) ? .narrow6x16 : .wide8x32
  }

  /// How much faster the narrow kernel must be on the probe to be kept.
  static let narrowMargin = 1.25

  // MARK: - Public API

  /// `C = op(A)·op(B)`, or `C += op(A)·op(B)` with `accumulate`.
  ///
  /// `transA`: A is stored `k × m` (so op(A) = Aᵀ), else `m × k`.
  /// `transB`: B is stored `n × k`, else `k × n`. `lda`, `ldb`, `ldc` are the
  /// distances between consecutive stored rows, as in BLAS (row-major).
  public static func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false
  ) {
    let av = MatrixView(a, rs: transA ? 1 : lda, cs: transA ? lda : 1)
    let bv = MatrixView(b, rs: transB ? 1 : ldb, cs: transB ? ldb : 1)
    multiply(
      m: m, n: n, k: k, a: av, b: bv, c: MutableMatrixView(c, rs: ldc, cs: 1),
      accumulate: accumulate)
  }

  /// The same on arrays; leading dimensions default to packed storage.
  public static func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    a: [Float], lda: Int? = nil, b: [Float], ldb: Int? = nil,
    c: inout [Float], ldc: Int? = nil, accumulate: Bool = false
  ) {
    let lda = lda ?? (transA ? m : k)
    let ldb = ldb ?? (transB ? k : n)
    let ldc = ldc ?? n
    precondition(m == 0 || k == 0 || a.count >= (transA ? (k - 1) * lda + m : (m - 1) * lda + k))
    precondition(k == 0 || n == 0 || b.count >= (transB ? (n - 1) * ldb + k : (k - 1) * ldb + n))
    precondition(m == 0 || n == 0 || c.count >= (m - 1) * ldc + n)
    if m == 0 || n == 0 { return }
    if k == 0 {
      // Empty arrays have no base address; the sum over nothing is zero.
      if !accumulate { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
      return
    }
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k,
            a: ap.start, lda: lda, b: bp.start, ldb: ldb,
            c: cp.start, ldc: ldc, accumulate: accumulate)
        }
      }
    }
  }

  /// The plain triple loop: the readable definition, and the tests' oracle.
  public static func reference(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    a: [Float], lda: Int? = nil, b: [Float], ldb: Int? = nil,
    c: inout [Float], ldc: Int? = nil, accumulate: Bool = false
  ) {
    let lda = lda ?? (transA ? m : k)
    let ldb = ldb ?? (transB ? k : n)
    let ldc = ldc ?? n
    for i in 0..<m {
      for j in 0..<n {
        var sum: Float = accumulate ? c[i * ldc + j] : 0
        for p in 0..<k {
          let x = transA ? a[p * lda + i] : a[i * lda + p]
          let y = transB ? b[j * ldb + p] : b[p * ldb + j]
          sum += x * y
        }
        c[i * ldc + j] = sum
      }
    }
  }

  // MARK: - Strided views

  /// A matrix as (base, row stride, column stride): a transpose is a swap of
  /// strides, which is how all four NN/NT/TN/TT cases share one code path.
  struct MatrixView: @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rs: Int
    let cs: Int
    init(_ base: UnsafePointer<Float>, rs: Int, cs: Int) {
      self.base = base
      self.rs = rs
      self.cs = cs
    }
    var transposed: MatrixView { MatrixView(base, rs: cs, cs: rs) }
  }

  struct MutableMatrixView: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let rs: Int
    let cs: Int
    init(_ base: UnsafeMutablePointer<Float>, rs: Int, cs: Int) {
      self.base = base
      self.rs = rs
      self.cs = cs
    }
    var transposed: MutableMatrixView { MutableMatrixView(base, rs: cs, cs: rs) }
  }
}
