/// The forward fast paths: im2col rows (or windows read in place) times
/// the kernel on `Gemm`'s micro-kernel, with the bias, ReLU and 2x2 max
/// pooling applied while the block is in cache. The scheme is described
/// in `ConvKernels+Im2col.swift`.
extension ConvKernels {
  // MARK: - Forward

  /// output[row, f] = (bias[f] +) Σ_d im2col[row, d] · weights[d, f] for
  /// `batch` images; `weights` is `depth × filters`, row-major.
  static func convolveFast(
    _ plan: Im2col, batch: Int, filters: Int, input: UnsafePointer<Float>,
    weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool = false
  ) {
    let rows = batch * plan.outHeight * plan.outWidth
    let depth = plan.depth
    if rows == 0 || filters == 0 { return }
    if takesFewChannels(plan, filters: filters) {
      return convolveFewChannels(
        plan, batch: batch, filters: filters, input: input, weights: weights, bias: bias,
        output: output, relu: relu)
    }
    // With the whole of k in one block, the in-place
    // tiles are one kernel pass over all kernel rows (`segments`), so even
    // a first layer's 9-float rows (3x3, RGB) are worth reading in place
    // (`takesImplicit`).
    if takesImplicit(plan) {
      return convolveImplicit(
        plan, batch: batch, filters: filters, input: input, weights: weights, bias: bias,
        output: output, relu: relu)
    }
    let panels = Gemm.allocatePanels(k: depth, n: filters, direct: nil)
    defer { panels.deallocate() }
    Gemm.pack(
      Gemm.MatrixView(weights, rs: filters, cs: 1), into: panels, panels: 0..<panels.count)

    let identity = plan.isIdentity
    let block = forwardBlockRows(rows: rows, depth: depth)
    let units = (rows + block - 1) / block
    let workers = min(EngineThreads.effective, units)
    let scratch = WorkerScratch(
      workers: workers, floatsPerWorker: (identity ? 0 : block * depth) + Gemm.tileFloats)
    defer { scratch.deallocate() }
    let src = SendableConstPointer(input)
    let dst = SendablePointer(output)
    let biasP = bias.map(SendableConstPointer.init)
    parallelUnits(units, workers: workers) { u, w in
      let r0 = u * block
      let r1 = min(rows, r0 + block)
      let mine = scratch.of(w)
      let tile = identity ? mine : mine + block * depth
      let a: Gemm.MatrixView
      if identity {
        a = Gemm.MatrixView(src.p + r0 * depth, rs: depth, cs: 1)
      } else {
        plan.fill(rows: r0..<r1, from: src.p, into: mine)
        a = Gemm.MatrixView(UnsafePointer(mine), rs: depth, cs: 1)
      }
      let out = dst.p + r0 * filters
      if let biasP {
        // The sum starts from the bias, as in the reference loop.
        for r in 0..<(r1 - r0) { copyFloats(out + r * filters, biasP.p, filters) }
      }
      Gemm.multiplyRows(
        0..<(r1 - r0), panels: 0..<panels.count, a: a, b: panels,
        c: Gemm.MutableMatrixView(out, rs: filters, cs: 1), accumulate: biasP != nil,
        tile: tile)
      if relu { reluInPlace(out, (r1 - r0) * filters) }
    }
  }

  /// x = x > 0 ? x : 0 on a block the caller has just written (still in
  /// cache): `ElementwiseKernels.relu`'s function, element by element (NaN
  /// and −0 become +0 in both), so a fused ReLU gives the unfused bits.
  @inline(__always)
  static func reluInPlace(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
    typealias V = SIMD8<Float>
    var i = 0
    while i + 8 <= count {
      let r = UnsafeMutableRawPointer(p + i)
      let v = r.loadUnaligned(as: V.self)
      r.storeBytes(of: V(repeating: 0).replacing(with: v, where: v .> 0), as: V.self)
      i += 8
    }
    while i < count {
      p[i] = p[i] > 0 ? p[i] : 0
      i += 1
    }
  }

  /// The same product without copying most of im2col ("indirect"
  /// convolution). For kernel row ky, an output pixel's im2col row is one
  /// run of kw·c floats in the input, and the micro-kernel takes one pointer
  /// per row of A anyway: so a tile of pixels whose windows are wholly
  /// inside the input is kh products, one per kernel row, against that row
  /// of the kernel, accumulated in k order: the same multiply-adds in the
  /// same order as through im2col, so the same bits. Tiles touching the
  /// padding still go through im2col. Worth it when a kernel row is long
  /// (kw·c ≥ 32): the copy it saves was ~13% of a 3x3x32 layer's time.
  static func convolveImplicit(
    _ plan: Im2col, batch: Int, filters: Int, input: UnsafePointer<Float>,
    weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool = false, pool: Bool = false
  ) {
    let kh = plan.kernelHeight
    let kw = plan.kernelWidth
    let c = plan.inChannels
    let span = kw * c
    let depth = plan.depth
    let ow = plan.outWidth
    let sx = plan.strideX
    let panels = Gemm.allocatePanels(k: depth, n: filters, direct: nil)
    Gemm.pack(
      Gemm.MatrixView(weights, rs: filters, cs: 1), into: panels, panels: 0..<panels.count)
    // One pass over all kernel rows per tile (see `convolveFast`), in the
    // same k order as an im2col row: same bits, no reloads of C between rows
    // (either kernel walks the segments). Only k in several blocks keeps
    // one product per kernel row.
    let segmented = panels.kBlocks == 1
    let kind = Gemm.activeKernel
    let rowPanels: [Gemm.Panels] =
      segmented
      ? []
      : (0..<kh).map { ky in
        let p = Gemm.allocatePanels(k: span, n: filters, direct: nil)
        Gemm.pack(
          Gemm.MatrixView(weights + ky * span * filters, rs: filters, cs: 1), into: p,
          panels: 0..<p.count)
        return p
      }
    defer {
      panels.deallocate()
      for p in rowPanels { p.deallocate() }
    }
    // Output columns [interiorStart, interiorEnd) read no horizontal padding.
    let interiorStart = plan.padLeft <= 0 ? 0 : min(ow, (plan.padLeft + sx - 1) / sx)
    let last = plan.inWidth + plan.padLeft - kw
    let interiorEnd = max(interiorStart, last < 0 ? 0 : min(ow, last / sx + 1))

    let rows = batch * plan.outHeight * ow
    // `pool`: one unit is the two output rows of one pooled row, computed
    // into scratch, then 2x2 max-pooled into `output`.
    let pooledHeight = plan.outHeight / 2
    let pooledWidth = ow / 2
    let block = pool ? 2 * ow : forwardBlockRows(rows: rows, depth: depth)
    let units = pool ? batch * pooledHeight : (rows + block - 1) / block
    let workers = min(EngineThreads.effective, units)
    let convFloats = pool ? block * filters : 0
    let scratch = WorkerScratch(
      workers: workers, floatsPerWorker: block * depth + Gemm.tileFloats + convFloats)
    defer { scratch.deallocate() }
    let src = SendableConstPointer(input)
    let dst = SendablePointer(output)
    let biasP = bias.map(SendableConstPointer.init)
    let hasBias = bias != nil
    let mr = kind.mr
    let inRow = plan.inWidth * c
    // Pooled units apply the ReLU to the four values as they pool them.
    let reluRows = relu && !pool
    // Rows [r0, r1) of the product (+ bias, ReLU) into `out` (row r0 first).
    @Sendable func compute(
      _ r0: Int, _ r1: Int, _ out: UnsafeMutablePointer<Float>, _ mine: UnsafeMutablePointer<Float>
    ) {
      let tile = mine + block * depth
      let base = out - r0 * filters  // row r's sums start at base + r·filters
      if let biasP {
        for r in r0..<r1 { copyFloats(base + r * filters, biasP.p, filters) }
      }
      // Rows [from, to) through im2col.
      func viaIm2col(_ from: Int, _ to: Int) {
        guard from < to else { return }
        plan.fill(rows: from..<to, from: src.p, into: mine)
        Gemm.multiplyRows(
          kind, 0..<(to - from), panels: 0..<panels.count,
          a: Gemm.MatrixView(UnsafePointer(mine), rs: depth, cs: 1), b: panels,
          c: Gemm.MutableMatrixView(base + from * filters, rs: filters, cs: 1),
          accumulate: hasBias, tile: tile)
      }
      // Each row's window start in the input, when the whole window is inside.
      withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 8) { starts in
        var pending = r0  // first row not yet computed
        var i = r0
        // Row i's (image, oy, ox), stepped instead of divided per row.
        var rowAt = GridWalk(at: r0, height: plan.outHeight, width: ow)
        while i < r1 {
          let m = min(mr, r1 - i)
          var found = 0
          var at = rowAt
          for _ in 0..<m {
            let (n, oy, ox) = (at.image, at.row, at.column)
            let y0 = oy * plan.strideY - plan.padTop
            guard y0 >= 0 && y0 + kh <= plan.inHeight && ox >= interiorStart && ox < interiorEnd
            else { break }
            starts[found] =
              src.p + ((n * plan.inHeight + y0) * plan.inWidth + ox * sx - plan.padLeft) * c
            found += 1
            at.advance()
          }
          for _ in 0..<m { rowAt.advance() }
          if found == m {
            viaIm2col(pending, i)
            if segmented {
              @inline(__always) func at(_ r: Int) -> UnsafePointer<Float> { starts[min(r, m - 1)] }
              Gemm.multiplyTile(
                kind, Gemm.RowPointers(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)),
                mRows: m, csA: 1, len: span, block: 0, b: panels, panels: 0..<panels.count,
                c: Gemm.MutableMatrixView(base + i * filters, rs: filters, cs: 1),
                load: hasBias, tile: tile, segments: kh, segmentJump: inRow - span)
              pending = i + m
              i += m
              continue
            }
            for ky in 0..<kh {
              let b = rowPanels[ky]
              for blk in 0..<b.kBlocks {
                let k0 = blk * b.kc
                let off = ky * inRow + k0
                @inline(__always) func at(_ r: Int) -> UnsafePointer<Float> {
                  starts[min(r, m - 1)] + off
                }
                Gemm.multiplyTile(
                  kind, Gemm.RowPointers(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)),
                  mRows: m, csA: 1, len: min(b.kc, span - k0), block: blk, b: b,
                  panels: 0..<b.count,
                  c: Gemm.MutableMatrixView(base + i * filters, rs: filters, cs: 1),
                  load: hasBias || ky > 0 || blk > 0, tile: tile)
              }
            }
            pending = i + m
          }
          i += m
        }
        viaIm2col(pending, r1)
      }
      if reluRows { reluInPlace(out, (r1 - r0) * filters) }
    }
    if !pool {
      parallelUnits(units, workers: workers) { u, w in
        let r0 = u * block
        compute(r0, min(rows, r0 + block), dst.p + r0 * filters, scratch.of(w))
      }
      return
    }
    parallelUnits(units, workers: workers) { u, w in
      let n = u / pooledHeight
      let py = u % pooledHeight
      let r0 = (n * plan.outHeight + 2 * py) * ow
      let mine = scratch.of(w)
      let conv = mine + block * depth + Gemm.tileFloats
      compute(r0, r0 + 2 * ow, conv, mine)
      // After ReLU every value is +0 or more (no NaN, no −0), so the
      // largest of four is the same bits in any order of comparison. The
      // ReLU is applied here, on the values as they are read (`relu` is
      // always set with `pool`).
      let o = dst.p + u * pooledWidth * filters
      let below = conv + ow * filters
      for px in 0..<pooledWidth {
        let a = conv + 2 * px * filters
        let b = below + 2 * px * filters
        let out = o + px * filters
        var f = 0
        typealias V = SIMD8<Float>
        // `reluInPlace`'s function on each value (NaN and −0 become +0).
        @inline(__always) func ld(_ p: UnsafeMutablePointer<Float>) -> V {
          let v = UnsafeRawPointer(p + f).loadUnaligned(as: V.self)
          return V(repeating: 0).replacing(with: v, where: v .> 0)
        }
        while f + 8 <= filters {
          var best = ld(a)
          let v1 = ld(a + filters)
          let v2 = ld(b)
          let v3 = ld(b + filters)
          best.replace(with: v1, where: v1 .> best)
          best.replace(with: v2, where: v2 .> best)
          best.replace(with: v3, where: v3 .> best)
          UnsafeMutableRawPointer(out + f).storeBytes(of: best, as: V.self)
          f += 8
        }
        while f < filters {
          let x0 = a[f] > 0 ? a[f] : 0
          let x1 = a[f + filters] > 0 ? a[f + filters] : 0
          let x2 = b[f] > 0 ? b[f] : 0
          let x3 = b[f + filters] > 0 ? b[f + filters] : 0
          out[f] = max(max(x0, x1), max(x2, x3))
          f += 1
        }
      }
    }
  }

  /// Whether `convolveImplicit` takes this shape (what `convolveFast` checks).
  static func takesImplicit(_ plan: Im2col) -> Bool {
    // Rows under 32 floats are worth reading in place only in one pass.
    let segmented = Gemm.kBlockSize(plan.depth) == plan.depth
    return KernelSettings.implicitConvolution && !plan.isIdentity && plan.dilationY == 1
      && plan.dilationX == 1
      && (plan.kernelWidth * plan.inChannels >= 32 || segmented)
  }

  /// forward, ReLU, then 2x2 max pooling with stride 2 (valid), the conv's
  /// rows pooled while in cache and its full output never stored: the bits
  /// of the three passes. nil where the in-place path does not apply.
  static func forwardReLUMaxPool2Fast(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float]? {
    precondition(input.count == g.inputCount && kernel.count == g.kernelCount)
    precondition((bias?.count ?? g.filters) == g.filters)
    let plan = Im2col(g)
    let count = g.batch * (g.outHeight / 2) * (g.outWidth / 2) * g.filters
    guard takesImplicit(plan), count > 0, g.kernelCount > 0 else { return nil }
    return [Float](unsafeUninitializedCapacity: count) { out, written in
      input.withUnsafeBufferPointer { x in
        kernel.withUnsafeBufferPointer { k in
          func run(_ b: UnsafePointer<Float>?) {
            convolveImplicit(
              plan, batch: g.batch, filters: g.filters, input: x.start,
              weights: k.start, bias: b, output: out.start, relu: true, pool: true)
          }
          if let bias { bias.withUnsafeBufferPointer { run($0.start) } } else { run(nil) }
        }
      }
      written = count
    }
  }

  static func forwardFast(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?, relu: Bool = false
  ) -> [Float] {
    precondition(input.count == g.inputCount && kernel.count == g.kernelCount)
    precondition((bias?.count ?? g.filters) == g.filters)
    if g.inputCount == 0 || g.outputCount == 0 || g.kernelCount == 0 {
      // Nothing to speed up.
      let out = forwardReference(g, input: input, kernel: kernel, bias: bias)
      return relu ? out.map { $0 > 0 ? $0 : 0 } : out
    }
    return [Float](unsafeUninitializedCapacity: g.outputCount) { out, count in
      let o = out.start
      input.withUnsafeBufferPointer { x in
        kernel.withUnsafeBufferPointer { k in
          func run(_ b: UnsafePointer<Float>?) {
            convolveFast(
              Im2col(g), batch: g.batch, filters: g.filters, input: x.start,
              weights: k.start, bias: b, output: o, relu: relu)
          }
          if let bias { bias.withUnsafeBufferPointer { run($0.start) } } else { run(nil) }
        }
      }
      count = g.outputCount
    }
  }
}
