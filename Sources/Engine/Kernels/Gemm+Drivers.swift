/// `Gemm`'s drivers: B packed into panels (or read in place), the product
/// cut into tiles of C for the threads, and each tile handed to a
/// micro-kernel (`Gemm+MicroKernels.swift`).
extension Gemm {
  // MARK: - Blocking over k

  /// Splits k into equal blocks so that a block of B panels stays in L2
  /// (1-2 MB per core on Zen 3-5) and 8 rows of A stay in L1. kc = k
  /// measured best for the conv shapes (k = 288, 576; BENCHMARKS.md, "What
  /// the kernels' design rests on"), so k up to 640 is one block.
  static func kBlockSize(_ k: Int) -> Int {
    if k <= 640 { return max(k, 1) }
    let blocks = (k + 383) / 384
    return (k + blocks - 1) / blocks
  }

  // MARK: - B panels

  /// Where the micro-kernel finds op(B)'s 32-column panel `j` for k block
  /// `b`: either a packed copy (row stride 32, zero-padded past n) or, when
  /// B's rows are already contiguous and few rows of C reuse it, B itself
  /// (row stride rsB), with only a ragged last panel copied.
  struct Panels: @unchecked Sendable {
    let k: Int
    let n: Int
    let count: Int
    let kc: Int
    let direct: UnsafePointer<Float>?
    let rsB: Int
    /// All panels (packed mode), or the ragged last panel only (direct mode).
    let packed: UnsafeMutablePointer<Float>?

    var kBlocks: Int { (k + kc - 1) / kc }

    @inline(__always)
    func panel(block: Int, _ j: Int) -> (UnsafePointer<Float>, Int) {
      let k0 = block * kc
      if let direct, j * 32 + 32 <= n {
        return (direct + k0 * rsB + j * 32, rsB)
      }
      // Every panel not read in place has a packed copy (allocatePanels).
      guard let packed else { preconditionFailure("internal: panel \(j) has no packed copy") }
      if direct != nil { return (UnsafePointer(packed) + k0 * 32, 32) }
      let len = min(kc, k - k0)
      return (UnsafePointer(packed) + k0 * count * 32 + j * len * 32, 32)
    }

    func deallocate() {
      if let packed { UnsafeMutableRawPointer(packed).deallocate() }
    }
  }

  static func allocatePanels(k: Int, n: Int, direct: MatrixView?) -> Panels {
    let count = (n + nr - 1) / nr
    let kc = kBlockSize(k)
    var floats = 0
    if direct == nil {
      floats = k * count * nr
    } else if n % nr != 0 {
      floats = k * nr
    }
    var packed: UnsafeMutablePointer<Float>? = nil
    if floats > 0 {
      packed = UnsafeMutableRawPointer.allocate(
        byteCount: floats * MemoryLayout<Float>.stride, alignment: 64
      ).bindMemory(to: Float.self, capacity: floats)
    }
    return Panels(
      k: k, n: n, count: count, kc: kc, direct: direct?.base, rsB: direct?.rs ?? 0,
      packed: packed)
  }

  /// Copies panels `js` of op(B) (a `k × n` view) into `panels.packed`.
  static func pack(_ b: MatrixView, into panels: Panels, panels js: Range<Int>) {
    guard let dst = panels.packed else { return }
    let k = panels.k
    let n = panels.n
    let kc = panels.kc
    for blk in 0..<panels.kBlocks {
      let k0 = blk * kc
      let len = min(kc, k - k0)
      for j in js {
        let j0 = j * nr
        let cols = min(nr, n - j0)
        if panels.direct != nil && cols == nr { continue }
        let out: UnsafeMutablePointer<Float> =
          panels.direct != nil
          ? dst + k0 * nr
          : dst + k0 * panels.count * nr + j * len * nr
        if b.cs == 1 && cols == nr {
          for p in 0..<len {
            let src = UnsafeRawPointer(b.base + (k0 + p) * b.rs + j0)
            let o = UnsafeMutableRawPointer(out + p * nr)
            o.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
            o.storeBytes(
              of: src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
              toByteOffset: 64, as: SIMD16<Float>.self)
          }
        } else if b.cs == 1 {
          // Ragged last panel: the real columns, then zeros.
          for p in 0..<len {
            let src = b.base + (k0 + p) * b.rs + j0
            let o = out + p * nr
            for q in 0..<cols { o[q] = src[q] }
            for q in cols..<nr { o[q] = 0 }
          }
        } else {
          // Transposed B: walk each source column down k, which is
          // contiguous in memory.
          for jj in 0..<nr {
            if jj < cols {
              let src = b.base + k0 * b.rs + (j0 + jj) * b.cs
              for p in 0..<len { out[p * nr + jj] = src[p * b.rs] }
            } else {
              for p in 0..<len { out[p * nr + jj] = 0 }
            }
          }
        }
      }
    }
  }

  // MARK: - Drivers

  /// Multiplies strided views, on `EngineThreads.count` threads.
  static func multiply(
    m: Int, n: Int, k: Int, a: MatrixView, b: MatrixView, c: MutableMatrixView,
    accumulate: Bool
  ) {
    if m == 0 || n == 0 { return }
    if k == 0 {
      if !accumulate {
        for i in 0..<m { for j in 0..<n { c.base[i * c.rs + j * c.cs] = 0 } }
      }
      return
    }
    // B's rows are contiguous and few rows of C reuse them (a dense layer's
    // forward pass on a batch): read B in place, since copying it would
    // double the memory traffic of a product that is bound by it.
    let useDirect = b.cs == 1 && m <= 64
    // Otherwise B must be packed. If A is the smaller operand, pack A instead
    // by computing Cᵀ = op(B)ᵀ·op(A)ᵀ: same products, same k order, so the
    // same bits. (After the swap m > n, so this happens at most once.)
    if !useDirect && m < n {
      multiply(
        m: n, n: m, k: k, a: b.transposed, b: a.transposed, c: c.transposed,
        accumulate: accumulate)
      return
    }
    let panels = allocatePanels(k: k, n: n, direct: useDirect ? b : nil)
    defer { panels.deallocate() }

    // A fixed grid of C tiles: up to 8 panels (256 columns) wide so a k block
    // of B stays in L2, and row chunks cut so there are enough units to
    // balance two busy cores. The grid depends on the shape only.
    let kind = activeKernel
    let mr = kind.mr
    let rowBlocks = (m + mr - 1) / mr
    let panelsPerChunk = 8
    let colChunks = (panels.count + panelsPerChunk - 1) / panelsPerChunk
    // Row chunks of at least 64 rows: each chunk streams its column chunk of
    // B through L2 once per k block, so thin chunks multiply B's traffic.
    let rowChunkBlocks = max((64 + mr - 1) / mr, (rowBlocks * colChunks + 15) / 16)
    let rowChunks = (rowBlocks + rowChunkBlocks - 1) / rowChunkBlocks

    if panels.packed != nil {
      let panelCount = panels.count
      parallelUnits(min(panelCount, 16)) { u, _ in
        let lo = u * panelCount / min(panelCount, 16)
        let hi = (u + 1) * panelCount / min(panelCount, 16)
        pack(b, into: panels, panels: lo..<hi)
      }
    }
    // A B too big for the caches, read in place, is copied block by block
    // (`streamRows`).
    let stream = useDirect && k * n > 1 << 20
    let kcStream = kBlockSize(k)
    let workers = min(EngineThreads.effective, rowChunks * colChunks)
    let tiles = WorkerScratch(
      workers: workers,
      floatsPerWorker: stream ? streamFloats(kc: kcStream, panels: panelsPerChunk) : tileFloats)
    defer { tiles.deallocate() }
    parallelUnits(rowChunks * colChunks, workers: workers) { u, w in
      let rc = u / colChunks
      let cc = u % colChunks
      let r0 = rc * rowChunkBlocks * mr
      let r1 = min(m, r0 + rowChunkBlocks * mr)
      let p0 = cc * panelsPerChunk
      let p1 = min(panels.count, p0 + panelsPerChunk)
      let tile = tiles.of(w)
      guard stream else {
        multiplyRows(
          kind, r0..<r1, panels: p0..<p1, a: a, b: panels, c: c, accumulate: accumulate,
          tile: tile)
        return
      }
      streamRows(
        kind, r0..<r1, panels: p0..<p1, n: n, k: 0..<k, a: a, b: b, c: c,
        accumulate: accumulate, kc: kcStream, tile: tile)
    }
  }

  /// Scratch of `streamRows` for blocks of `kc` rows over `panels` panels:
  /// a `multiplyRows` tile, then the copied block.
  static func streamFloats(kc: Int, panels: Int) -> Int { tileFloats + kc * panels * nr }

  /// `multiplyRows` for rows `rows` of C and panels `js` of an `n`-column B
  /// read in place (row-major), over its rows `ks` only, on this thread.
  /// For a B too big for the caches: read in place, 32 or 16 floats per
  /// row at a time with rows far apart, DRAM latency and not bandwidth sets
  /// the pace (a dense layer's 33856x512 weights ran at ~2 GB/s). So each
  /// block of `kc` rows is copied row by row (long sequential runs) into
  /// panels after the `multiplyRows` tile in `tile` (`streamFloats` in
  /// all), and multiplied from there. With `accumulate` false, the first
  /// block overwrites C; the sums are `multiplyRows`' chains either way.
  static func streamRows(
    _ kind: MicroKernel, _ rows: Range<Int>, panels js: Range<Int>, n: Int, k ks: Range<Int>,
    a: MatrixView, b: MatrixView, c: MutableMatrixView, accumulate: Bool, kc: Int,
    tile: UnsafeMutablePointer<Float>
  ) {
    precondition(b.cs == 1, "internal: streamRows copies B's rows")
    let buffer = tile + tileFloats
    let col0 = js.lowerBound * nr
    let width = min(n, js.upperBound * nr) - col0
    let count = js.count
    var k0 = ks.lowerBound
    while k0 < ks.upperBound {
      let len = min(kc, ks.upperBound - k0)
      for p in 0..<len {
        let src = b.base + (k0 + p) * b.rs + col0
        for j in 0..<count {
          let dst = buffer + j * len * nr + p * nr
          let cols = min(nr, width - j * nr)
          if cols == nr {
            copyRow(dst, src + j * nr, nr)
          } else {
            for q in 0..<nr { dst[q] = q < cols ? src[j * nr + q] : 0 }
          }
        }
      }
      let block = Panels(
        k: len, n: width, count: count, kc: len, direct: nil, rsB: 0, packed: buffer)
      multiplyRows(
        kind, rows, panels: 0..<count,
        a: MatrixView(a.base + k0 * a.cs, rs: a.rs, cs: a.cs),
        b: block, c: MutableMatrixView(c.base + col0 * c.cs, rs: c.rs, cs: c.cs),
        accumulate: accumulate || k0 > ks.lowerBound, tile: tile)
      k0 += len
    }
  }

  /// Per-thread scratch of `multiplyRows`: one ragged or transposed tile of
  /// C (8×32), then a packed sliver of a transposed A (up to 640 k × 8 rows,
  /// plus the overhang of its last 8-float move), rounded to whole cache
  /// lines so that what callers put after it (B panels) starts on one.
  static let tileFloats = 8 * 32 + 640 * 8 + 16

  /// One thread's share: rows `rows` of C, panels `js`, all of k, with the
  /// kernel this machine runs fastest. `tile` is `tileFloats` of scratch.
  static func multiplyRows(
    _ rows: Range<Int>, panels js: Range<Int>, a: MatrixView, b: Panels,
    c: MutableMatrixView, accumulate: Bool, tile: UnsafeMutablePointer<Float>
  ) {
    multiplyRows(
      activeKernel, rows, panels: js, a: a, b: b, c: c, accumulate: accumulate, tile: tile)
  }

  static func multiplyRows(
    _ kind: MicroKernel, _ rows: Range<Int>, panels js: Range<Int>, a: MatrixView, b: Panels,
    c: MutableMatrixView, accumulate: Bool, tile: UnsafeMutablePointer<Float>
  ) {
    let mr = kind.mr
    // A transposed A (im2colᵀ, a dense layer's inputᵀ) has its k steps far
    // apart: each step of the kernel would touch a new cache line, often a
    // new page, once per panel. Copying the sliver of rows once per block
    // makes it contiguous (k-major, mr floats per step).
    let packA = a.cs != 1 && a.rs == 1
    let sliver = tile + 8 * 32
    let csA = packA ? mr : a.cs
    for blk in 0..<b.kBlocks {
      let k0 = blk * b.kc
      let len = min(b.kc, b.k - k0)
      let load = accumulate || blk > 0
      var i = rows.lowerBound
      while i < rows.upperBound {
        let mRows = min(mr, rows.upperBound - i)
        // Rows past the edge repeat the last real row: the kernel stays the
        // same (and so do the bits of the real rows); the extras are dropped.
        let base: UnsafePointer<Float>
        let rowStride: Int
        if packA {
          let src = a.base + k0 * a.cs + i
          if i + 8 <= rows.upperBound {
            // One 8-float move per step: rows i..<i+8 exist, and with mr = 6
            // the two extra floats land where the next step writes anyway
            // (the sliver has room for the last step's overhang).
            for p in 0..<len {
              UnsafeMutableRawPointer(sliver + p * mr).storeBytes(
                of: UnsafeRawPointer(src + p * a.cs).loadUnaligned(as: SIMD8<Float>.self),
                as: SIMD8<Float>.self)
            }
          } else {
            for p in 0..<len {
              let from = src + p * a.cs
              let to = sliver + p * mr
              for r in 0..<mRows { to[r] = from[r] }
            }
          }
          base = UnsafePointer(sliver)
          rowStride = 1
        } else {
          base = a.base + k0 * a.cs + i * a.rs
          rowStride = a.rs
        }
        @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> {
          base + min(r, mRows - 1) * rowStride
        }
        multiplyTile(
          kind, RowPointers(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)),
          mRows: mRows, csA: csA, len: len, block: blk, b: b, panels: js,
          c: MutableMatrixView(c.base + i * c.rs, rs: c.rs, cs: c.cs), load: load, tile: tile)
        i += mr
      }
    }
  }

  /// Eight row pointers of A for one tile (rows past the real ones repeat
  /// the last real row).
  struct RowPointers {
    var p0, p1, p2, p3, p4, p5, p6, p7: UnsafePointer<Float>
    init(
      _ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>, _ p2: UnsafePointer<Float>,
      _ p3: UnsafePointer<Float>, _ p4: UnsafePointer<Float>, _ p5: UnsafePointer<Float>,
      _ p6: UnsafePointer<Float>, _ p7: UnsafePointer<Float>
    ) {
      (self.p0, self.p1, self.p2, self.p3) = (p0, p1, p2, p3)
      (self.p4, self.p5, self.p6, self.p7) = (p4, p5, p6, p7)
    }
  }

  /// One tile of rows (`mRows` real ones, A rows given by pointer, each at
  /// its k block's first element) against panels `js` of k block `block`;
  /// `c` starts at the tile's first row.
  @inline(__always)
  static func multiplyTile(
    _ kind: MicroKernel, _ a: RowPointers, mRows: Int, csA: Int, len: Int, block blk: Int,
    b: Panels, panels js: Range<Int>, c: MutableMatrixView, load: Bool,
    tile: UnsafeMutablePointer<Float>, segments: Int = 1, segmentJump: Int = 0
  ) {
    // Segments: csA = 1, `len` steps per segment.
    precondition(segments == 1 || csA == 1)
    let n = b.n
    let mr = kind.mr
    let a0 = a.p0
    let a1 = a.p1
    let a2 = a.p2
    let a3 = a.p3
    let a4 = a.p4
    let a5 = a.p5
    // The narrow kernel's last rows (32 filters = 5·6 + 2) go through a
    // 4-row kernel: eight accumulators still keep both FMA pipes busy,
    // and far fewer rows are computed only to be thrown away.
    let short = kind == .narrow6x16 && mRows <= 4
    let tileRows = short ? 4 : mr
    // A tile of C, `width` columns from column `col0`, through the
    // kernel; ragged or transposed tiles go through `tile`.
    @inline(__always) func run(
      _ col0: Int, _ width: Int, _ bp: UnsafePointer<Float>, _ bs: Int
    ) {
      let cols = min(width, n - col0)
      @inline(__always) func kernel(_ out: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if kind == .wide8x32 {
          kernel8x32(
            len, a0, a1, a2, a3, a4, a5, a.p6, a.p7, csA, bp, bs, out, ldc, load,
            segments: segments, segmentJump: segmentJump)
        } else if short {
          kernel4x16(
            len, a0, a1, a2, a3, csA, bp, bs, out, ldc, load, segments: segments,
            segmentJump: segmentJump)
        } else {
          kernel6x16(
            len, a0, a1, a2, a3, a4, a5, csA, bp, bs, out, ldc, load, segments: segments,
            segmentJump: segmentJump)
        }
      }
      if mRows == tileRows && cols == width && c.cs == 1 {
        kernel(c.base + col0, c.rs)
        return
      }
      let cBase = c.base + col0 * c.cs
      if c.cs == 1 && cols == width {
        // Only rows are missing (the last rows of a split): copy whole
        // rows, which is most of the time a conv's interior spends here.
        if load {
          for r in 0..<tileRows {
            if r < mRows {
              copyRow(tile + r * width, cBase + r * c.rs, width)
            } else {
              (tile + r * width).update(repeating: 0, count: width)
            }
          }
        }
        kernel(tile, width)
        for r in 0..<mRows { copyRow(cBase + r * c.rs, tile + r * width, width) }
        return
      }
      if c.cs == 1 {
        // Ragged columns (27 = 16 + 11 of an RGB layer's im2col): row runs.
        if load {
          for r in 0..<tileRows {
            let t = tile + r * width
            if r < mRows { t.update(from: cBase + r * c.rs, count: cols) }
            (t + cols).update(repeating: 0, count: width - cols)
          }
        }
        kernel(tile, width)
        for r in 0..<mRows { (cBase + r * c.rs).update(from: tile + r * width, count: cols) }
        return
      }
      if load {
        for r in 0..<tileRows {
          for q in 0..<width {
            tile[r * width + q] = (r < mRows && q < cols) ? cBase[r * c.rs + q * c.cs] : 0
          }
        }
      }
      kernel(tile, width)
      for r in 0..<mRows {
        for q in 0..<cols { cBase[r * c.rs + q * c.cs] = tile[r * width + q] }
      }
    }
    for j in js {
      let (bp, bs) = b.panel(block: blk, j)
      if kind == .wide8x32 {
        run(j * nr, nr, bp, bs)
      } else {
        run(j * nr, 16, bp, bs)
        if j * nr + 16 < n { run(j * nr + 16, 16, bp + 16, bs) }
      }
    }
  }

  /// Copies 16 or 32 floats with vector moves.
  @inline(__always)
  static func copyRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int)
  {
    var q = 0
    while q < count {
      UnsafeMutableRawPointer(dst + q).storeBytes(
        of: UnsafeRawPointer(src + q).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
      q += 16
    }
  }
}
