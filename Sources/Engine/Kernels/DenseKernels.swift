import Synchronization

/// The three products of a fully connected layer on row-major matrices.
///
/// The entry points run on `Gemm`; the `…Reference` loops are the readable
/// definitions and the tests' oracle.
///
/// Shapes: input `[rows, inFeatures]`, kernel `[inFeatures, units]` (Keras's
/// layout), output `[rows, units]`. `rows` is the batch times any leading
/// axes, since Keras's Dense acts on the last axis only.
public enum DenseKernels {
  /// output = input · kernel + bias
  public static func forward(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    precondition(input.count == rows * inFeatures && kernel.count == inFeatures * units)
    precondition((bias?.count ?? units) == units)
    if rows >= 1 && rows <= fewRows && inFeatures > 0 && units > 0 {
      return forwardFewRows(
        rows: rows, inFeatures: inFeatures, units: units, input: input, kernel: kernel, bias: bias)
    }
    var output = [Float](repeating: 0, count: rows * units)
    if let bias {
      // The sum starts from the bias, as in the reference loop.
      for r in 0..<rows { output.replaceSubrange(r * units..<(r + 1) * units, with: bias) }
    }
    Gemm.sgemm(
      m: rows, n: units, k: inFeatures, a: input, b: kernel, c: &output,
      accumulate: bias != nil)
    return output
  }

  /// Up to this many rows, `forward` streams the kernel once (`forwardFewRows`).
  public static let fewRows = 4

  /// `forward` for 1…`fewRows` rows (one image at a time: the REPL, `predict`
  /// on one picture): a matrix–vector product, bound by reading the kernel
  /// (69 MB for the seed network's first Dense). Each thread takes a fixed
  /// range of units (columns) and walks the kernel's rows in order, so every
  /// row is read as one long run and the running sums of its
  /// columns stay in L1. Every output is one fused multiply-add chain over
  /// the inputs in order, starting from the bias: the same operations as
  /// `Gemm` (and so the same bits as the batched path), for any thread count,
  /// since columns never share a sum.
  static func forwardFewRows(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    // Each worker's columns: a multiple of 16 floats (whole cache lines), so
    // threads never write into one line.
    // A kernel bigger than the caches is bound by DRAM: two threads each
    // reading their half of every row pull in whole rows anyway (measured
    // here: 8.8 ms with two against 6.4 with one for 33856x512), so it gets
    // one thread; inference splits it over the cores through a panelled
    // copy (`forwardPanels`, the same bits) or slices (`forwardSlicedK`).
    let vectors = (units + 15) / 16
    let big = inFeatures * units >= bigKernel
    let parts = big ? 1 : max(1, min(EngineThreads.effective, vectors))
    // A big kernel on one thread, but with a second core reading ahead
    // (`streamAhead`), so that both cores pull it from DRAM.
    let ahead = big && EngineThreads.effective >= 2 && WorkerPool.maxHelpers >= 1
    return [Float](unsafeUninitializedCapacity: rows * units) { out, count in
      let o = SendablePointer(out.start)
      for r in 0..<rows {
        if let bias {
          bias.withUnsafeBufferPointer {
            (o.p + r * units).update(from: $0.start, count: units)
          }
        } else {
          (o.p + r * units).initialize(repeating: 0, count: units)
        }
      }
      input.withUnsafeBufferPointer { xb in
        kernel.withUnsafeBufferPointer { wb in
          let x = SendableConstPointer(xb.start)
          let w = SendableConstPointer(wb.start)
          if ahead {
            streamAhead(rows: inFeatures, rowFloats: units, w: w.p) { p0, p1 in
              gemvColumns(
                x.p + p0, rows: rows, inFeatures: p1 - p0, strideX: inFeatures,
                w: w.p + p0 * units, units: units, columns: 0..<units, out: o.p)
            }
            return
          }
          parallelUnits(parts, workers: parts) { part, _ in
            let u0 = part * vectors / parts * 16
            let u1 = min(units, (part + 1) * vectors / parts * 16)
            if u0 >= u1 { return }
            gemvColumns(
              x.p, rows: rows, inFeatures: inFeatures, w: w.p, units: units, columns: u0..<u1,
              out: o.p)
          }
        }
      }
      count = rows * units
    }
  }

  /// A big kernel's columns cut into `parts` panels, each stored on its own
  /// (`[inFeatures, width]`, contiguous), so that one image's exact product
  /// (`forwardPanels`) can split the columns over the cores and each core
  /// still reads one long sequential stream. Splitting the columns in place
  /// has each core read every other kilobyte of every row, which is slower
  /// than one core alone (measured here, 33856x512 on 2 cores: 5.0 ms
  /// against 2.5).
  public struct ColumnPanels: Sendable {
    public let inFeatures: Int
    public let units: Int
    /// Column boundaries: panel p holds columns `bounds[p]..<bounds[p + 1]`,
    /// at `inFeatures * bounds[p]` in `scalars`.
    let bounds: [Int]
    let scalars: [Float]
    public var parts: Int { bounds.count - 1 }
  }

  /// Kernels up to this many floats (128 MB) are worth a panel copy for one
  /// image: a bigger one would double a large share of the model's memory.
  public static let panelledKernelLimit = 1 << 25

  /// Whether `Dense` keeps a `ColumnPanels` copy for one image through this
  /// kernel: big enough to be bound by DRAM, small enough to copy, and more
  /// than one core to split it over.
  public static func panelParts(rows: Int, inFeatures: Int, units: Int) -> Int? {
    let floats = inFeatures * units
    guard rows >= 1, rows <= fewRows, floats >= bigKernel, floats <= panelledKernelLimit
    else { return nil }
    let parts = min(EngineThreads.effective, (units + 15) / 16)
    return parts >= 2 ? parts : nil
  }

  public static func columnPanels(kernel: [Float], inFeatures: Int, units: Int, parts: Int)
    -> ColumnPanels
  {
    precondition(kernel.count == inFeatures * units && parts >= 1)
    let vectors = (units + 15) / 16
    // Whole cache lines per panel, as `forwardFewRows` splits its columns.
    let bounds = (0...parts).map { min(units, $0 * vectors / parts * 16) }
    let scalars = [Float](unsafeUninitializedCapacity: kernel.count) { out, count in
      let o = SendablePointer(out.start)
      kernel.withUnsafeBufferPointer { kb in
        let k = SendableConstPointer(kb.start)
        parallelUnits(parts) { part, _ in
          let (u0, u1) = (bounds[part], bounds[part + 1])
          let panel = o.p + inFeatures * u0
          for row in 0..<inFeatures {
            (panel + row * (u1 - u0)).initialize(from: k.p + row * units + u0, count: u1 - u0)
          }
        }
      }
      count = kernel.count
    }
    return ColumnPanels(inFeatures: inFeatures, units: units, bounds: bounds, scalars: scalars)
  }

  /// `forward` for 1…`fewRows` rows through a kernel's `ColumnPanels`: each
  /// core takes whole panels, and every output is the same fused
  /// multiply-add chain as in `forward` (from the bias, over the inputs in
  /// order), so the bits are `forward`'s, for any thread count.
  public static func forwardPanels(
    rows: Int, input: [Float], panels: ColumnPanels, bias: [Float]?
  ) -> [Float] {
    let (inFeatures, units) = (panels.inFeatures, panels.units)
    precondition(input.count == rows * inFeatures && (bias?.count ?? units) == units)
    let bounds = panels.bounds
    // Panel p's sums, `[rows, width]`, at `rows * bounds[p]`.
    var staged = [Float](repeating: 0, count: rows * units)
    staged.withUnsafeMutableBufferPointer { sb in
      let st = SendablePointer(sb.start)
      input.withUnsafeBufferPointer { xb in
        panels.scalars.withUnsafeBufferPointer { wb in
          let x = SendableConstPointer(xb.start)
          let w = SendableConstPointer(wb.start)
          parallelUnits(panels.parts) { part, _ in
            let (u0, u1) = (bounds[part], bounds[part + 1])
            let width = u1 - u0
            if width == 0 { return }
            let out = st.p + rows * u0
            if let bias {
              for r in 0..<rows {
                for u in 0..<width { out[r * width + u] = bias[u0 + u] }
              }
            }
            gemvColumns(
              x.p, rows: rows, inFeatures: inFeatures, w: w.p + inFeatures * u0, units: width,
              columns: 0..<width, out: out)
          }
        }
      }
    }
    return [Float](unsafeUninitializedCapacity: rows * units) { out, count in
      for part in 0..<panels.parts {
        let (u0, u1) = (bounds[part], bounds[part + 1])
        for r in 0..<rows {
          for u in u0..<u1 { out[r * units + u] = staged[rows * u0 + r * (u1 - u0) + (u - u0)] }
        }
      }
      count = rows * units
    }
  }

  /// Runs `body(p0, p1)` over consecutive row ranges of a big matrix `w`
  /// (`rows` x `rowFloats`), in order, on this thread, while a second core
  /// reads every other chunk of rows shortly before `body` gets there.
  /// One core alone cannot keep enough reads in flight to reach DRAM's
  /// bandwidth; two streams do, and `body` finds half its chunks in L3.
  /// `body`'s sums are untouched (same order, one thread), so this changes
  /// no bit. The reader never waits for more than a few spins without
  /// progress, so it cannot hold anything up where both units end up on
  /// one thread.
  static func streamAhead(
    rows: Int, rowFloats: Int, w: UnsafePointer<Float>, _ body: (Int, Int) -> Void
  ) {
    // 256 KB chunks: the reader stays at most two ahead (well inside L3).
    let chunkRows = max(1, 65_536 / max(rowFloats, 1))
    let chunks = (rows + chunkRows - 1) / chunkRows
    let progress = StreamProgress()
    let src = SendableConstPointer(w)
    withoutActuallyEscaping(body) { body in
      let run = SendableBody(body)
      parallelUnits(2, workers: 2) { unit, _ in
        if unit == 0 {
          for chunk in 0..<chunks {
            run.body(chunk * chunkRows, min(rows, (chunk + 1) * chunkRows))
            progress.done.store(chunk + 1, ordering: .releasing)
          }
          return
        }
        var next = 1
        var idle = 0
        var sink: Float = 0
        while next < chunks {
          let done = progress.done.load(ordering: .acquiring)
          if next < done { next = done | 1 }
          if next >= chunks { break }
          if next > done + 2 {
            idle += 1
            if idle > 20_000 { break }
            continue
          }
          idle = 0
          let start = src.p + next * chunkRows * rowFloats
          let count = (min(rows, (next + 1) * chunkRows) - next * chunkRows) * rowFloats
          var i = 0
          while i < count {
            sink += start[i]
            i += 16
          }
          next += 2
        }
        let bits = sink.bitPattern
        progress.sink.store(Int(bits), ordering: .relaxed)
      }
    }
  }

  /// Kernels of at least this many floats (16 MB, half this host's L3) are
  /// read from DRAM on every pass; smaller ones mostly stay in L3.
  static let bigKernel = 1 << 22

  /// Kernels of at least this many floats (1 MB) are worth slicing in
  /// `forwardSlicedK` (cifar's 2304x512 Dense too: it streams from L3).
  static let sliceableKernel = 1 << 18

  /// At least this many kernel rows per slice in `forwardSlicedK`, and at
  /// most 16 slices.
  static let sliceRows = 512

  /// Up to this many rows (a batch of 32, `predict`'s), `forwardSlicedK`
  /// slices the sum; more rows reuse each block of the kernel enough for
  /// the batched `forward` to be bound by arithmetic, not by reading it.
  public static let slicedRows = 64

  /// `forward` for 1…`slicedRows` rows and a big kernel, for inference only:
  /// the sum over the inputs is cut into up to 16 slices of at least
  /// `sliceRows` consecutive kernel rows (a partition fixed by the shape), each slice is one fused
  /// multiply-add chain from zero over a contiguous block of the kernel (one
  /// sequential stream per thread, so both cores pull from DRAM), and the
  /// partial sums are added to the bias in slice order. Bit-identical for
  /// any thread count, but not to `forward`'s single chain (the order of the
  /// additions differs): the same values up to rounding. Measured here,
  /// 33856x512: ~3 ms against 6.4 for the single chain for one row, 12-17
  /// ms against 18-27 for 32 rows (BENCHMARKS.md, "Eighth pass").
  public static func forwardSlicedK(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    precondition(input.count == rows * inFeatures && kernel.count == inFeatures * units)
    precondition((bias?.count ?? units) == units)
    let slices = max(1, min(16, inFeatures / sliceRows))
    if slices == 1 || rows > slicedRows || units == 0 || rows == 0 {
      return forward(
        rows: rows, inFeatures: inFeatures, units: units, input: input, kernel: kernel, bias: bias)
    }
    let size = rows * units
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: slices * size)
    partials.initialize(repeating: 0, count: slices * size)
    defer { partials.deallocate() }
    let part = SendablePointer(partials)
    // A batch: each slice's product on the GEMM micro-kernel, its block of
    // kernel rows copied as whole rows (`Gemm.streamRows`), so that each
    // core reads one sequential stream. The batched `forward` splits the
    // columns between the cores instead, and a core reading half of every
    // row pays about as much as reading whole rows (measured here, one
    // core over 33856x512: 7.2 ms for either), so both cores paid for the
    // whole kernel.
    let panels = (units + Gemm.nr - 1) / Gemm.nr
    // Blocks of 128 KB (64 rows of 512 floats): 32 to 128 rows measured
    // alike here, 16 at half the speed (per-block overhead), 256 slower.
    let kc = max(32, (1 << 15) / (panels * Gemm.nr))
    let kind = Gemm.activeKernel
    let workers = min(EngineThreads.effective, slices)
    let scratch = WorkerScratch(
      workers: workers,
      floatsPerWorker: rows > fewRows ? Gemm.streamFloats(kc: kc, panels: panels) : 0)
    defer { scratch.deallocate() }
    input.withUnsafeBufferPointer { xb in
      kernel.withUnsafeBufferPointer { wb in
        let x = SendableConstPointer(xb.start)
        let w = SendableConstPointer(wb.start)
        parallelUnits(slices, workers: workers) { slice, worker in
          let p0 = slice * inFeatures / slices
          let p1 = (slice + 1) * inFeatures / slices
          let out = part.p + slice * size
          if rows > fewRows {
            Gemm.streamRows(
              kind, 0..<rows, panels: 0..<panels, n: units, k: p0..<p1,
              a: Gemm.MatrixView(x.p, rs: inFeatures, cs: 1),
              b: Gemm.MatrixView(w.p, rs: units, cs: 1),
              c: Gemm.MutableMatrixView(out, rs: units, cs: 1), accumulate: false, kc: kc,
              tile: scratch.of(worker))
            return
          }
          // The slice's rows of x: a view with x's row stride.
          gemvColumns(
            x.p + p0, rows: rows, inFeatures: p1 - p0, strideX: inFeatures, w: w.p + p0 * units,
            units: units, columns: 0..<units, out: out)
        }
      }
    }
    return [Float](unsafeUninitializedCapacity: size) { out, count in
      for r in 0..<rows {
        for u in 0..<units {
          var sum: Float = bias?[u] ?? 0
          for slice in 0..<slices { sum += partials[slice * size + r * units + u] }
          out[r * units + u] = sum
        }
      }
      count = size
    }
  }

  /// out[r, u] += Σ_p x[r, p] · w[p, u] for u in `columns` and r < rows, as
  /// one fused multiply-add chain per output in p order. All rows share each
  /// pass over the kernel.
  @inline(__always)
  static func gemvColumns(
    _ x: UnsafePointer<Float>, rows: Int, inFeatures k: Int, strideX: Int? = nil,
    w: UnsafePointer<Float>, units: Int, columns: Range<Int>, out: UnsafeMutablePointer<Float>
  ) {
    let ldx = strideX ?? k
    typealias V = SIMD16<Float>
    // Full 16-wide vectors, then a scalar tail with the same fma chain.
    let vEnd = columns.lowerBound + (columns.count / 16) * 16
    // One kernel row at a time: a single sequential stream per thread
    // (measured here: 4 rows at a time, i.e. 4 interleaved streams, read
    // the kernel ~25% slower).
    var p = 0
    if rows == 1 {
      // One image (predict, the REPL): the same chain with nothing but the
      // stream in the loop. The general loop below reloads its bounds from
      // the stack around a one-trip inner loop, ~25 instructions per 64
      // bytes of kernel, and read the kernel at ~13 GB/s where a plain
      // sum reads ~21 (one core, this host).
      let o = UnsafeMutableRawPointer(out)
      let start = columns.lowerBound &* 4
      let end = vEnd &* 4
      while p < k {
        let row = UnsafeRawPointer(w + p &* units)
        let xv = V(repeating: x[p])
        var b = start
        while b < end {
          o.storeBytes(
            of: o.loadUnaligned(fromByteOffset: b, as: V.self).addingProduct(
              xv, row.loadUnaligned(fromByteOffset: b, as: V.self)),
            toByteOffset: b, as: V.self)
          b &+= 64
        }
        for u in vEnd..<columns.upperBound {
          out[u] = out[u].addingProduct(x[p], w[p * units + u])
        }
        p += 1
      }
      return
    }
    while p < k {
      let row = UnsafeRawPointer(w + p * units)
      var u = columns.lowerBound
      while u < vEnd {
        let wv = row.loadUnaligned(fromByteOffset: u &* 4, as: V.self)
        for r in 0..<rows {
          let c = UnsafeMutableRawPointer(out + (r &* units &+ u))
          c.storeBytes(
            of: c.loadUnaligned(as: V.self).addingProduct(V(repeating: x[r &* ldx &+ p]), wv),
            as: V.self)
        }
        u &+= 16
      }
      for u in vEnd..<columns.upperBound {
        for r in 0..<rows {
          out[r * units + u] = out[r * units + u].addingProduct(x[r * ldx + p], w[p * units + u])
        }
      }
      p += 1
    }
  }

  /// dInput = outputGradient · kernelᵀ
  public static func backwardInput(
    rows: Int, inFeatures: Int, units: Int, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    precondition(outputGradient.count == rows * units && kernel.count == inFeatures * units)
    var inputGradient = [Float](repeating: 0, count: rows * inFeatures)
    Gemm.sgemm(
      transB: true, m: rows, n: inFeatures, k: units, a: outputGradient, b: kernel,
      c: &inputGradient)
    return inputGradient
  }

  /// dKernel += inputᵀ · outputGradient; dBias += column sums of outputGradient.
  ///
  /// With `overwrite`, kernelGradient = inputᵀ · outputGradient (what it
  /// holds is never read): the bits of adding into zeros, without zeroing
  /// it first or reading it back (2 x 69 MB for the seed network's Dense).
  public static func accumulateKernelGradient(
    rows: Int, inFeatures: Int, units: Int, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float], overwrite: Bool = false
  ) {
    precondition(input.count == rows * inFeatures && outputGradient.count == rows * units)
    precondition(kernelGradient.count == inFeatures * units)
    precondition(biasGradient.isEmpty || biasGradient.count == units)
    Gemm.sgemm(
      transA: true, m: inFeatures, n: units, k: rows, a: input, b: outputGradient,
      c: &kernelGradient, accumulate: !overwrite)
    if !biasGradient.isEmpty {
      // Row by row, the reference loop's order.
      outputGradient.withUnsafeBufferPointer { dy in
        biasGradient.withUnsafeMutableBufferPointer { db in
          for r in 0..<rows { for u in 0..<units { db[u] += dy[r * units + u] } }
        }
      }
    }
  }

  // MARK: - Reference loops

  public static func forwardReference(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    var output = [Float](repeating: 0, count: rows * units)
    for r in 0..<rows {
      for u in 0..<units {
        var sum: Float = bias?[u] ?? 0
        for i in 0..<inFeatures { sum += input[r * inFeatures + i] * kernel[i * units + u] }
        output[r * units + u] = sum
      }
    }
    return output
  }

  public static func backwardInputReference(
    rows: Int, inFeatures: Int, units: Int, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    var inputGradient = [Float](repeating: 0, count: rows * inFeatures)
    for r in 0..<rows {
      for i in 0..<inFeatures {
        var sum: Float = 0
        for u in 0..<units { sum += outputGradient[r * units + u] * kernel[i * units + u] }
        inputGradient[r * inFeatures + i] = sum
      }
    }
    return inputGradient
  }

  public static func accumulateKernelGradientReference(
    rows: Int, inFeatures: Int, units: Int, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    for r in 0..<rows {
      for u in 0..<units {
        let grad = outputGradient[r * units + u]
        if !biasGradient.isEmpty { biasGradient[u] += grad }
        for i in 0..<inFeatures {
          kernelGradient[i * units + u] += input[r * inFeatures + i] * grad
        }
      }
    }
  }
}

/// `streamAhead`'s shared state: chunks done by the summing thread, and
/// where the reader leaves what it read (so the reads are not optimised
/// away).
private final class StreamProgress: Sendable {
  let done = Atomic<Int>(0)
  let sink = Atomic<Int>(0)
}

/// A closure that does not escape, carried into the threads' units.
private struct SendableBody: @unchecked Sendable {
  let body: (Int, Int) -> Void
  init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
}
