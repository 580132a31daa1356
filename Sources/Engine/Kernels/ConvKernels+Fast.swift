/// The fast paths behind `ConvKernels`' entry points: each product becomes a
/// matrix product on `Gemm`'s micro-kernel.
///
/// NHWC input and the (kh, kw, in, out) kernel make one row of the im2col
/// matrix, `[ky, kx, c]`, a few contiguous runs of the input, and the kernel
/// is already a `(kh·kw·in) × filters` row-major matrix. So
///   forward        = im2col(input) · kernel
///   backwardInput  = a stride-1 convolution of the output gradient (dilated
///                    by the stride) with the kernel rotated 180° and its
///                    in/out axes swapped: a gather, like the forward pass, so
///                    every input-gradient value is produced by one task
///                    (with fewer than 16 input channels: dOut · kernelᵀ,
///                    then col2im, one image per task)
///   kernelGradient = im2col(input)ᵀ · outputGradient, computed transposed
///                    (outputGradientᵀ · im2col) so the big operand is B
///
/// im2col is never materialised for the whole batch: each unit of work
/// unrolls a block of rows (~200 KB) into its thread's scratch and multiplies
/// it while it is still in L2, so memory stays bounded (a few hundred KB per
/// thread) whatever the batch size. Tiles away from the padding skip the
/// copy and read the input in place (`convolveImplicit`): with the 6x16
/// kernel and k in one cache block, in one kernel pass over all kernel rows
/// (any kw·c, so a 3-channel first layer too); otherwise where a kernel row
/// is long (kw·c ≥ 32), one pass per kernel row.
extension ConvKernels {
  // MARK: - im2col

  /// Which input values one im2col row holds. The source is
  /// `[batch, inHeight, inWidth, inChannels]`, virtually dilated by
  /// `dilationY/X` (a zero between neighbours, for the backward pass of a
  /// strided convolution); positions outside it are zero padding.
  struct Im2col: Sendable {
    var inHeight: Int, inWidth: Int, inChannels: Int
    var dilationY = 1, dilationX = 1
    var outHeight: Int, outWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideY: Int, strideX: Int
    var padTop: Int, padLeft: Int

    init(_ g: ConvGeometry) {
      inHeight = g.inHeight
      inWidth = g.inWidth
      inChannels = g.inChannels
      outHeight = g.outHeight
      outWidth = g.outWidth
      kernelHeight = g.kernelHeight
      kernelWidth = g.kernelWidth
      strideY = g.strideY
      strideX = g.strideX
      padTop = g.padTop
      padLeft = g.padLeft
    }

    /// Columns of the im2col matrix.
    var depth: Int { kernelHeight * kernelWidth * inChannels }

    /// A 1x1, stride-1, unpadded convolution reads the input as it is.
    var isIdentity: Bool {
      kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1
        && padTop == 0 && padLeft == 0 && dilationY == 1 && dilationX == 1
        && outHeight == inHeight && outWidth == inWidth
    }

    /// Source row for virtual position `v`, or nil in the padding or between
    /// dilated values.
    @inline(__always)
    static func source(_ v: Int, dilation: Int, length: Int) -> Int? {
      if v < 0 { return nil }
      if dilation == 1 { return v < length ? v : nil }
      if v % dilation != 0 { return nil }
      let s = v / dilation
      return s < length ? s : nil
    }

    /// Writes rows `rows` (row = (n·outHeight + oy)·outWidth + ox) into
    /// `dst`, `depth` floats per row.
    func fill(
      rows: Range<Int>, from src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>
    ) {
      let c = inChannels
      let kw = kernelWidth
      let rowSpan = kw * c
      let depth = self.depth
      var at = GridWalk(at: rows.lowerBound, height: outHeight, width: outWidth)
      var out = dst
      for _ in rows {
        let (n, oy, ox) = (at.image, at.row, at.column)
        let image = src + n * inHeight * inWidth * c
        let x0 = ox * strideX - padLeft
        let inside = dilationX == 1 && x0 >= 0 && x0 + kw <= inWidth
        for ky in 0..<kernelHeight {
          let o = out + ky * rowSpan
          guard
            let iy = Im2col.source(
              oy * strideY - padTop + ky, dilation: dilationY, length: inHeight)
          else {
            o.update(repeating: 0, count: rowSpan)
            continue
          }
          let line = image + iy * inWidth * c
          if inside {
            // The common case: the window row is one contiguous run.
            copyFloats(o, line + x0 * c, rowSpan)
          } else {
            for kx in 0..<kw {
              if let ix = Im2col.source(x0 + kx, dilation: dilationX, length: inWidth) {
                copyFloats(o + kx * c, line + ix * c, c)
              } else {
                (o + kx * c).update(repeating: 0, count: c)
              }
            }
          }
        }
        out += depth
        at.advance()
      }
    }
  }

  /// memmove's call costs more than the copy for the short runs of a
  /// first layer (3 channels × 3 columns = 9 floats).
  @inline(__always)
  static func copyFloats(
    _ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int
  ) {
    if count >= 64 {
      dst.update(from: src, count: count)
      return
    }
    var i = 0
    while i + 8 <= count {
      UnsafeMutableRawPointer(dst + i).storeBytes(
        of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
      i += 8
    }
    while i < count {
      dst[i] = src[i]
      i += 1
    }
  }

  /// dst[i] += src[i], eight at a time where it can.
  @inline(__always)
  static func addFloats(
    _ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int
  ) {
    var i = 0
    while i + 8 <= count {
      let d = UnsafeMutableRawPointer(dst + i)
      let sum =
        d.loadUnaligned(as: SIMD8<Float>.self)
        + UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
      d.storeBytes(of: sum, as: SIMD8<Float>.self)
      i += 8
    }
    while i < count {
      dst[i] += src[i]
      i += 1
    }
  }

  /// Rows of im2col per unit of work: ~192 KB of scratch, so the block is
  /// still in L2 (1 MB/core) when the micro-kernel reads it, and a multiple
  /// of 24 so that both micro-kernels' row counts (8 and 6) divide it.
  static func blockRows(depth: Int, cap: Int = 1032) -> Int {
    max(24, min(cap, (49_152 / max(depth, 1)) / 24 * 24))
  }

  /// `blockRows`, cut so that a small product (one image's first layer:
  /// 1024 rows, one block) is still at least four units for the threads.
  /// Depends on the shape only; and since each output row is its own chain
  /// of fused multiply-adds, the cut never changes a bit anyway.
  static func forwardBlockRows(rows: Int, depth: Int) -> Int {
    let block = blockRows(depth: depth)
    let quarter = (rows + 3) / 4
    return max(24, min(block, (quarter + 23) / 24 * 24))
  }

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
    // With the narrow kernel and the whole of k in one block, the in-place
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

  /// Tests turn this off to check the im2col path gives the same bits.
  nonisolated(unsafe) static var allowImplicit = true

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
    let kind = Gemm.activeKernel
    // One pass over all kernel rows per tile (see `convolveFast`), in the
    // same k order as an im2col row: same bits, no reloads of C between rows.
    let segmented = kind == .narrow6x16 && panels.kBlocks == 1
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
    let segmented =
      Gemm.activeKernel == .narrow6x16 && Gemm.kBlockSize(plan.depth) == plan.depth
    return allowImplicit && !plan.isIdentity && plan.dilationY == 1 && plan.dilationX == 1
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

  // MARK: - Input gradient

  static func backwardInputFast(
    _ g: ConvGeometry, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    precondition(outputGradient.count == g.outputCount && kernel.count == g.kernelCount)
    if g.inputCount == 0 || g.outputCount == 0 || g.kernelCount == 0 {
      return backwardInputReference(g, outputGradient: outputGradient, kernel: kernel)
    }
    if g.inChannels < 16 && allowScatter {
      return backwardInputScatter(g, outputGradient: outputGradient, kernel: kernel)
    }
    let kh = g.kernelHeight
    let kw = g.kernelWidth
    let c = g.inChannels
    let f = g.filters
    // dInput[iy] = Σ_ky dOut[(iy + padTop − ky) / strideY]: a stride-1
    // convolution over the output gradient dilated by the stride, padded by
    // kh − 1 − padTop, with the kernel rotated 180° and in/out swapped.
    var rotated = [Float](repeating: 0, count: kernel.count)
    for ky in 0..<kh {
      for kx in 0..<kw {
        for ci in 0..<c {
          for fi in 0..<f {
            rotated[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * f + fi) * c + ci] =
              kernel[((ky * kw + kx) * c + ci) * f + fi]
          }
        }
      }
    }
    var plan = Im2col(g)
    plan.inHeight = g.outHeight
    plan.inWidth = g.outWidth
    plan.inChannels = f
    plan.dilationY = g.strideY
    plan.dilationX = g.strideX
    plan.outHeight = g.inHeight
    plan.outWidth = g.inWidth
    plan.strideY = 1
    plan.strideX = 1
    plan.padTop = kh - 1 - g.padTop
    plan.padLeft = kw - 1 - g.padLeft
    return [Float](unsafeUninitializedCapacity: g.inputCount) { out, count in
      outputGradient.withUnsafeBufferPointer { dy in
        rotated.withUnsafeBufferPointer { w in
          convolveFast(
            plan, batch: g.batch, filters: c, input: dy.start, weights: w.start,
            bias: nil, output: out.start)
        }
      }
      count = g.inputCount
    }
  }

  /// Tests turn this off to run the gather path on few-channel inputs too.
  nonisolated(unsafe) static var allowScatter = true

  /// The input gradient of a layer with few input channels (an RGB input):
  /// the gather has only `inChannels` output columns, so 16-wide tiles would
  /// waste most of their work. Instead dCol = dOut · kernelᵀ (kh·kw·c
  /// columns, e.g. 27), then each dCol row is added into the window it came
  /// from (col2im). Windows of one image overlap only within that image, so
  /// images are the units of work, each summed in row order: the result is
  /// the same for any thread count.
  static func backwardInputScatter(
    _ g: ConvGeometry, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    let plan = Im2col(g)
    let depth = plan.depth
    let f = g.filters
    let c = g.inChannels
    let kw = g.kernelWidth
    let perImage = g.outHeight * g.outWidth
    let inImage = g.inHeight * g.inWidth * c
    var inputGradient = [Float](repeating: 0, count: g.inputCount)
    let block = blockRows(depth: depth)
    let kind = Gemm.activeKernel
    outputGradient.withUnsafeBufferPointer { dyb in
      kernel.withUnsafeBufferPointer { kb in
        inputGradient.withUnsafeMutableBufferPointer { dxb in
          // op(B) = kernelᵀ: filters × depth.
          let panels = Gemm.allocatePanels(k: f, n: depth, direct: nil)
          defer { panels.deallocate() }
          Gemm.pack(
            Gemm.MatrixView(kb.start, rs: 1, cs: f), into: panels,
            panels: 0..<panels.count)
          let workers = min(EngineThreads.effective, g.batch)
          let scratch = WorkerScratch(
            workers: workers, floatsPerWorker: block * depth + Gemm.tileFloats)
          defer { scratch.deallocate() }
          let dy = SendableConstPointer(dyb.start)
          let dx = SendablePointer(dxb.start)
          parallelUnits(g.batch, workers: workers) { n, w in
            let cols = scratch.of(w)
            let tile = cols + block * depth
            let image = dx.p + n * inImage
            var r0 = 0
            while r0 < perImage {
              let r1 = min(perImage, r0 + block)
              Gemm.multiplyRows(
                kind, 0..<(r1 - r0), panels: 0..<panels.count,
                a: Gemm.MatrixView(dy.p + (n * perImage + r0) * f, rs: f, cs: 1), b: panels,
                c: Gemm.MutableMatrixView(cols, rs: depth, cs: 1), accumulate: false,
                tile: tile)
              for r in r0..<r1 {
                let oy = r / g.outWidth
                let ox = r % g.outWidth
                let row = cols + (r - r0) * depth
                let x0 = ox * g.strideX - g.padLeft
                let inside = x0 >= 0 && x0 + kw <= g.inWidth
                for ky in 0..<g.kernelHeight {
                  let iy = oy * g.strideY - g.padTop + ky
                  if iy < 0 || iy >= g.inHeight { continue }
                  let line = image + iy * g.inWidth * c
                  if inside {
                    // The window row is one run of kw·c floats on both sides.
                    addFloats(line + x0 * c, row + ky * kw * c, kw * c)
                    continue
                  }
                  for kx in 0..<kw {
                    let ix = x0 + kx
                    if ix < 0 || ix >= g.inWidth { continue }
                    addFloats(line + ix * c, row + (ky * kw + kx) * c, c)
                  }
                }
              }
              r0 = r1
            }
          }
        }
      }
    }
    return inputGradient
  }

  // MARK: - Kernel gradient

  static func accumulateKernelGradientFast(
    _ g: ConvGeometry, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    precondition(input.count == g.inputCount && outputGradient.count == g.outputCount)
    precondition(kernelGradient.count == g.kernelCount)
    precondition(biasGradient.isEmpty || biasGradient.count == g.filters)
    let plan = Im2col(g)
    let depth = plan.depth
    let f = g.filters
    let rows = g.batch * g.outHeight * g.outWidth
    if rows == 0 || f == 0 || depth == 0 || g.inputCount == 0 {
      accumulateKernelGradientReference(
        g, input: input, outputGradient: outputGradient,
        kernelGradient: &kernelGradient, biasGradient: &biasGradient)
      return
    }

    // The sum over rows is cut into slices fixed by the shape alone; each
    // slice sums into its own partial gradient, and the partials are added in
    // slice order. So the bits do not depend on the thread count.
    let slices = min(16, max(1, rows / 16_384))
    let block = blockRows(depth: depth, cap: 504)
    let partialSize = depth * f + f
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: slices * partialSize)
    partials.initialize(repeating: 0, count: slices * partialSize)
    defer { partials.deallocate() }
    let workers = min(EngineThreads.effective, slices)
    let identity = plan.isIdentity
    // Per worker: the im2col block, a ragged B panel, one C tile.
    let colFloats = identity ? 0 : block * depth
    let edgeFloats = block * Gemm.nr
    let scratch = WorkerScratch(
      workers: workers, floatsPerWorker: colFloats + edgeFloats + Gemm.tileFloats)
    defer { scratch.deallocate() }
    let hasBias = !biasGradient.isEmpty
    input.withUnsafeBufferPointer { xb in
      outputGradient.withUnsafeBufferPointer { dyb in
        let x = SendableConstPointer(xb.start)
        let dy = SendableConstPointer(dyb.start)
        let part = SendablePointer(partials)
        parallelUnits(slices, workers: workers) { s, w in
          let lo = s * rows / slices
          let hi = (s + 1) * rows / slices
          let mine = scratch.of(w)
          let edge = mine + colFloats
          let tile = edge + edgeFloats
          let dk = part.p + s * partialSize  // filters × depth
          let db = dk + depth * f
          var r0 = lo
          while r0 < hi {
            let r1 = min(hi, r0 + block)
            let len = r1 - r0
            // dKernelᵀ (filters × depth) += dOutᵀ · im2col, with the im2col
            // block as B: it is read in place, 32 columns at a time, and
            // only the 6 or 8 rows of dOutᵀ per tile are repacked. (As
            // im2colᵀ · dOut, A would be the transposed block and every
            // tile would repack it, for only one or two 32-wide panels of
            // filters to amortise it over.)
            let cols: UnsafePointer<Float>
            if identity {
              cols = x.p + r0 * depth
            } else {
              plan.fill(rows: r0..<r1, from: x.p, into: mine)
              cols = UnsafePointer(mine)
            }
            let dyRows = dy.p + r0 * f
            let bView = Gemm.MatrixView(cols, rs: depth, cs: 1)
            let panels = Gemm.Panels(
              k: len, n: depth, count: (depth + Gemm.nr - 1) / Gemm.nr,
              kc: Gemm.kBlockSize(len), direct: cols, rsB: depth,
              packed: depth % Gemm.nr == 0 ? nil : edge)
            Gemm.pack(bView, into: panels, panels: (panels.count - 1)..<panels.count)
            Gemm.multiplyRows(
              0..<f, panels: 0..<panels.count, a: Gemm.MatrixView(dyRows, rs: 1, cs: f),
              b: panels, c: Gemm.MutableMatrixView(dk, rs: depth, cs: 1), accumulate: true,
              tile: tile)
            if hasBias {
              for r in 0..<len {
                let row = dyRows + r * f
                for j in 0..<f { db[j] += row[j] }
              }
            }
            r0 = r1
          }
        }
      }
    }
    // Partials are filters × depth; the gradient is depth × filters.
    kernelGradient.withUnsafeMutableBufferPointer { kg in
      for d in 0..<depth {
        for j in 0..<f {
          let i = j * depth + d
          var sum = partials[i]
          for s in 1..<max(slices, 1) { sum += partials[s * partialSize + i] }
          kg[d * f + j] += sum
        }
      }
    }
    if hasBias {
      for j in 0..<f {
        var sum = partials[depth * f + j]
        for s in 1..<max(slices, 1) { sum += partials[s * partialSize + depth * f + j] }
        biasGradient[j] += sum
      }
    }
  }
}
