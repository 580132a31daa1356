/// A first layer's convolution (an RGB or grey picture: at most 4 input
/// channels), done directly across the filters.
///
/// Through `Gemm` such a layer is a product with k = 27 (3x3x3): every
/// 6x16 tile reloads and stores its accumulators for 27 steps, and the
/// windows are gathered row by row (the seed network's first layer ran at
/// ~85 GFLOP/s on two cores, a third of the peak: BENCHMARKS.md, "Fifth
/// pass"). Here six neighbouring output pixels keep 32 filters each (16
/// with AVX2) in twelve vector registers over the whole window, read from
/// a zero-padded strip of input rows. Each output is the same fused multiply-add chain
/// as through `Gemm` (from the bias, or from zero, over the kernel in
/// (ky, kx, c) order, padding included as zeros), so the bits are the
/// same (tested against the GEMM route, `KernelSettings.fewChannelConvolution`).
extension ConvKernels {
  /// Whether `convolveFewChannels` takes this plan: a stride-1, undilated,
  /// unpadded-or-zero-padded window over at most 4 channels, filters in
  /// groups of 32, and a window small enough that `Gemm` sums it as one
  /// chain too.
  static func takesFewChannels(_ plan: Im2col, filters: Int) -> Bool {
    KernelSettings.fewChannelConvolution && plan.inChannels <= 4 && filters > 0
      && filters % 32 == 0 && plan.strideY == 1 && plan.strideX == 1 && plan.dilationY == 1
      && plan.dilationX == 1 && plan.padTop >= 0 && plan.padLeft >= 0 && plan.depth <= 64
      && Gemm.kBlockSize(plan.depth) == plan.depth && plan.outHeight > 0 && plan.outWidth > 0
  }

  /// output[n, oy, ox, f] = (bias[f] +) Σ_(ky, kx, c) input · weights, then
  /// ReLU when `relu`, for `batch` images. Units are blocks of one image's
  /// output rows, fixed by the shape; any thread may take any unit.
  static func convolveFewChannels(
    _ plan: Im2col, batch: Int, filters: Int, input: UnsafePointer<Float>,
    weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool
  ) {
    let (kh, kw, c) = (plan.kernelHeight, plan.kernelWidth, plan.inChannels)
    let (oh, ow) = (plan.outHeight, plan.outWidth)
    // About a million multiply-adds per unit: enough to pay for handing it
    // out, small enough to share one picture between the cores.
    let perRow = ow * filters * plan.depth
    let rowsPerUnit = min(oh, max(1, 1_000_000 / max(perRow, 1)))
    let blocks = (oh + rowsPerUnit - 1) / rowsPerUnit
    // The strip: a unit's input rows, zero-padded left and right to the
    // width the windows cover.
    let stripWidth = ow + kw - 1
    let stripFloats = (rowsPerUnit + kh - 1) * stripWidth * c
    let units = batch * blocks
    let workers = min(EngineThreads.effective, units)
    let scratch = WorkerScratch(workers: workers, floatsPerWorker: stripFloats)
    defer { scratch.deallocate() }
    let src = SendableConstPointer(input)
    let w = SendableConstPointer(weights)
    let b = bias.map(SendableConstPointer.init)
    let dst = SendablePointer(output)
    // Six pixels by 32 filters are twelve 512-bit registers, but 24 of
    // AVX2's 256-bit ones, of which there are 16: the tile spilled to the
    // stack on every step. Where the narrow micro-kernel runs (no AVX-512),
    // each tile takes 16 filters at a time instead (twelve registers), the
    // same chains in the same order.
    let halves = Gemm.activeKernel == .narrow6x16
    parallelUnits(units, workers: workers) { unit, worker in
      let (n, block) = (unit / blocks, unit % blocks)
      let oy0 = block * rowsPerUnit
      let oy1 = min(oh, oy0 + rowsPerUnit)
      let strip = scratch.of(worker)
      fillStrip(
        plan, image: src.p + n * plan.inHeight * plan.inWidth * c, rows: oy0..<oy1, into: strip)
      for oy in oy0..<oy1 {
        let out = dst.p + ((n * oh + oy) * ow) * filters
        let rows = UnsafePointer(strip + (oy - oy0) * stripWidth * c)
        for group in 0..<(filters / 32) {
          var ox = 0
          while ox + 6 <= ow {
            if halves {
              for h in [0, 16] {
                Self.fewChannelTile6Half(
                  rows: rows, stripFloats: stripWidth * c, at: ox * c, channels: c, kh: kh,
                  span: kw * c, weights: w.p + group * 32 + h, filters: filters,
                  bias: b.map { $0.p + group * 32 + h }, out: out + ox * filters + group * 32 + h,
                  relu: relu)
              }
            } else {
              Self.fewChannelTile6(
                rows: rows, stripFloats: stripWidth * c, at: ox * c, channels: c, kh: kh,
                span: kw * c, weights: w.p + group * 32, filters: filters,
                bias: b.map { $0.p + group * 32 }, out: out + ox * filters + group * 32,
                relu: relu)
            }
            ox += 6
          }
          while ox < ow {
            Self.fewChannelTile1(
              rows: rows, stripFloats: stripWidth * c, at: ox * c, kh: kh, span: kw * c,
              weights: w.p + group * 32, filters: filters, bias: b.map { $0.p + group * 32 },
              out: out + ox * filters + group * 32, relu: relu)
            ox += 1
          }
        }
      }
    }
  }

  /// Copies the input rows that output rows `rows` read into `strip`,
  /// zero-padded left and right (and above and below, past the picture) to
  /// the `outWidth + kernelWidth - 1` columns the windows cover.
  private static func fillStrip(
    _ plan: Im2col, image: UnsafePointer<Float>, rows: Range<Int>,
    into strip: UnsafeMutablePointer<Float>
  ) {
    let c = plan.inChannels
    let stripWidth = plan.outWidth + plan.kernelWidth - 1
    // Input columns -padLeft ..< -padLeft + stripWidth, zero outside.
    let x0 = max(0, plan.padLeft)
    let x1 = min(stripWidth, plan.inWidth + plan.padLeft)
    for r in 0..<(rows.count + plan.kernelHeight - 1) {
      let row = strip + r * stripWidth * c
      row.initialize(repeating: 0, count: stripWidth * c)
      let iy = rows.lowerBound + r - plan.padTop
      if iy >= 0 && iy < plan.inHeight && x1 > x0 {
        (row + x0 * c).update(
          from: image + (iy * plan.inWidth + x0 - plan.padLeft) * c, count: (x1 - x0) * c)
      }
    }
  }

  /// `reluInPlace`'s function on one vector: NaN and −0 become +0.
  @inline(__always)
  private static func relu16(_ v: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16<Float>(repeating: 0).replacing(with: v, where: v .> 0)
  }

  /// Six neighbouring pixels of one output row, 32 filters each: the
  /// window's rows start `stripFloats` apart at `rows + at`, each `span`
  /// floats long (kw x c), and pixel p's window starts p·c floats later.
  /// `weights` is the kernel at the group's first filter (row stride
  /// `filters`), `out` pixel 0's first filter (pixel stride `filters`).
  @inline(never)
  private static func fewChannelTile6(
    rows: UnsafePointer<Float>, stripFloats: Int, at: Int, channels c: Int, kh: Int, span: Int,
    weights: UnsafePointer<Float>, filters: Int, bias: UnsafePointer<Float>?,
    out: UnsafeMutablePointer<Float>, relu: Bool
  ) {
    typealias V = SIMD16<Float>
    let s0 = bias.map { UnsafeRawPointer($0).loadUnaligned(as: V.self) } ?? V()
    let s1 = bias.map { UnsafeRawPointer($0 + 16).loadUnaligned(as: V.self) } ?? V()
    var (a0, b0, a1, b1, a2, b2) = (s0, s1, s0, s1, s0, s1)
    var (a3, b3, a4, b4, a5, b5) = (s0, s1, s0, s1, s0, s1)
    var wk = UnsafeRawPointer(weights)
    let wStep = filters &* 4
    for ky in 0..<kh {
      let x = rows + (ky &* stripFloats &+ at)
      for t in 0..<span {
        let w0 = wk.loadUnaligned(as: V.self)
        let w1 = wk.loadUnaligned(fromByteOffset: 64, as: V.self)
        wk += wStep
        var v = V(repeating: x[t])
        a0 = a0.addingProduct(v, w0)
        b0 = b0.addingProduct(v, w1)
        v = V(repeating: x[t &+ c])
        a1 = a1.addingProduct(v, w0)
        b1 = b1.addingProduct(v, w1)
        v = V(repeating: x[t &+ 2 &* c])
        a2 = a2.addingProduct(v, w0)
        b2 = b2.addingProduct(v, w1)
        v = V(repeating: x[t &+ 3 &* c])
        a3 = a3.addingProduct(v, w0)
        b3 = b3.addingProduct(v, w1)
        v = V(repeating: x[t &+ 4 &* c])
        a4 = a4.addingProduct(v, w0)
        b4 = b4.addingProduct(v, w1)
        v = V(repeating: x[t &+ 5 &* c])
        a5 = a5.addingProduct(v, w0)
        b5 = b5.addingProduct(v, w1)
      }
    }
    let o = UnsafeMutableRawPointer(out)
    let step = filters &* 4
    @inline(__always) func store(_ p: Int, _ lo: V, _ hi: V) {
      o.storeBytes(of: relu ? relu16(lo) : lo, toByteOffset: p &* step, as: V.self)
      o.storeBytes(of: relu ? relu16(hi) : hi, toByteOffset: p &* step &+ 64, as: V.self)
    }
    store(0, a0, b0)
    store(1, a1, b1)
    store(2, a2, b2)
    store(3, a3, b3)
    store(4, a4, b4)
    store(5, a5, b5)
  }

  /// `fewChannelTile6` for 16 filters (`weights`, `bias` and `out` at the
  /// first of them).
  @inline(never)
  private static func fewChannelTile6Half(
    rows: UnsafePointer<Float>, stripFloats: Int, at: Int, channels c: Int, kh: Int, span: Int,
    weights: UnsafePointer<Float>, filters: Int, bias: UnsafePointer<Float>?,
    out: UnsafeMutablePointer<Float>, relu: Bool
  ) {
    typealias V = SIMD16<Float>
    let s0 = bias.map { UnsafeRawPointer($0).loadUnaligned(as: V.self) } ?? V()
    var (a0, a1, a2, a3, a4, a5) = (s0, s0, s0, s0, s0, s0)
    var wk = UnsafeRawPointer(weights)
    let wStep = filters &* 4
    for ky in 0..<kh {
      let x = rows + (ky &* stripFloats &+ at)
      for t in 0..<span {
        let w0 = wk.loadUnaligned(as: V.self)
        wk += wStep
        a0 = a0.addingProduct(V(repeating: x[t]), w0)
        a1 = a1.addingProduct(V(repeating: x[t &+ c]), w0)
        a2 = a2.addingProduct(V(repeating: x[t &+ 2 &* c]), w0)
        a3 = a3.addingProduct(V(repeating: x[t &+ 3 &* c]), w0)
        a4 = a4.addingProduct(V(repeating: x[t &+ 4 &* c]), w0)
        a5 = a5.addingProduct(V(repeating: x[t &+ 5 &* c]), w0)
      }
    }
    let o = UnsafeMutableRawPointer(out)
    let step = filters &* 4
    @inline(__always) func store(_ p: Int, _ v: V) {
      o.storeBytes(of: relu ? relu16(v) : v, toByteOffset: p &* step, as: V.self)
    }
    store(0, a0)
    store(1, a1)
    store(2, a2)
    store(3, a3)
    store(4, a4)
    store(5, a5)
  }

  /// `fewChannelTile6` for one pixel (the row's last few).
  @inline(never)
  private static func fewChannelTile1(
    rows: UnsafePointer<Float>, stripFloats: Int, at: Int, kh: Int, span: Int,
    weights: UnsafePointer<Float>, filters: Int, bias: UnsafePointer<Float>?,
    out: UnsafeMutablePointer<Float>, relu: Bool
  ) {
    typealias V = SIMD16<Float>
    var a = bias.map { UnsafeRawPointer($0).loadUnaligned(as: V.self) } ?? V()
    var b = bias.map { UnsafeRawPointer($0 + 16).loadUnaligned(as: V.self) } ?? V()
    var wk = UnsafeRawPointer(weights)
    let wStep = filters &* 4
    for ky in 0..<kh {
      let x = rows + (ky &* stripFloats &+ at)
      for t in 0..<span {
        let v = V(repeating: x[t])
        a = a.addingProduct(v, wk.loadUnaligned(as: V.self))
        b = b.addingProduct(v, wk.loadUnaligned(fromByteOffset: 64, as: V.self))
        wk += wStep
      }
    }
    let o = UnsafeMutableRawPointer(out)
    o.storeBytes(of: relu ? relu16(a) : a, as: V.self)
    o.storeBytes(of: relu ? relu16(b) : b, toByteOffset: 64, as: V.self)
  }

  // MARK: - Kernel gradient

  /// Whether `accumulateKernelGradientFewChannels` takes this plan: the
  /// forward's windows (`takesFewChannels`), with its own switch.
  static func takesFewChannelKernelGradient(_ plan: Im2col, filters: Int) -> Bool {
    KernelSettings.fewChannelKernelGradient && takesFewChannels(plan, filters: filters)
  }

  /// Output rows per strip in `accumulateKernelGradientFewChannels`: a
  /// strip of a 100-pixel RGB row block is about 22 KB, inside L1 with the
  /// rows' gradients beside it.
  private static let gradientStripRows = 16

  /// kernelGradient[t, f] += Σ_(n, oy, ox) window[t] · outputGradient[n, oy, ox, f]
  /// over the taps t = (ky, kx, c), and biasGradient[f] += Σ outputGradient[…, f]
  /// when given: `Gemm`'s sums, bit for bit.
  ///
  /// Through `Gemm` this is a product with k = the pixels (320,000 for a
  /// batch of the seed network's first layer) and a 32 × 27 result, so
  /// every block of rows is gathered by im2col and repacked for a tiny tile
  /// (17-23 ms of a big training step here, 25-30 GFLOP/s: BENCHMARKS.md,
  /// "Eighth pass"). Here two taps' 32 filters stay in eight vector
  /// registers along an output row, read from a zero-padded strip like the
  /// forward's. The work is cut into the `Gemm` route's slices of pixels
  /// (`kernelGradientSlices`), and each sum runs through its slice's
  /// pixels in order as one fused multiply-add chain from zero, the
  /// padding's zeros included, as the GEMM micro-kernel runs it; the
  /// slices' partials are then added in slice order, as there. So the bits
  /// are the `Gemm` route's, for any thread count.
  static func accumulateKernelGradientFewChannels(
    _ plan: Im2col, batch: Int, filters: Int, input: UnsafePointer<Float>,
    outputGradient: UnsafePointer<Float>, kernelGradient: UnsafeMutablePointer<Float>,
    biasGradient: UnsafeMutablePointer<Float>?
  ) {
    let (kh, kw, c) = (plan.kernelHeight, plan.kernelWidth, plan.inChannels)
    let (oh, ow) = (plan.outHeight, plan.outWidth)
    let depth = plan.depth
    let span = kw * c
    let rows = batch * oh * ow
    let slices = kernelGradientSlices(rows: rows)
    let stripWidth = ow + kw - 1
    let stripRows = gradientStripRows
    let stripFloats = (stripRows + kh - 1) * stripWidth * c
    let partialSize = depth * filters + filters
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: slices * partialSize)
    partials.initialize(repeating: 0, count: slices * partialSize)
    defer { partials.deallocate() }
    let workers = min(EngineThreads.effective, slices)
    let scratch = WorkerScratch(workers: workers, floatsPerWorker: stripFloats)
    defer { scratch.deallocate() }
    let src = SendableConstPointer(input)
    let dy = SendableConstPointer(outputGradient)
    let part = SendablePointer(partials)
    let hasBias = biasGradient != nil
    parallelUnits(slices, workers: workers) { s, worker in
      let lo = s * rows / slices
      let hi = (s + 1) * rows / slices
      let strip = scratch.of(worker)
      let dk = part.p + s * partialSize
      var at = lo
      while at < hi {
        // A run of output rows of one image, at most a strip's worth.
        let n = at / (oh * ow)
        let oy0 = at % (oh * ow) / ow
        let imageEnd = (n + 1) * oh * ow
        let oy1 = min(oh, oy0 + stripRows, (min(hi, imageEnd) - n * oh * ow + ow - 1) / ow)
        fillStrip(
          plan, image: src.p + n * plan.inHeight * plan.inWidth * c, rows: oy0..<oy1, into: strip)
        for oy in oy0..<oy1 {
          let rowStart = (n * oh + oy) * ow
          let ox0 = max(at, rowStart) - rowStart
          let ox1 = min(hi, rowStart + ow) - rowStart
          if ox1 <= ox0 { continue }
          let windows = UnsafePointer(strip + (oy - oy0) * stripWidth * c + ox0 * c)
          let dyRow = dy.p + (rowStart + ox0) * filters
          @inline(__always) func tap(_ t: Int) -> UnsafePointer<Float> {
            windows + (t / span) * stripWidth * c + t % span
          }
          for group in 0..<(filters / 32) {
            var t = 0
            while t + 2 <= depth {
              Self.fewChannelGradientPair(
                tap(t), tap(t + 1), channels: c, pixels: ox1 - ox0,
                outputGradient: dyRow + group * 32, filters: filters,
                sums: dk + t * filters + group * 32)
              t += 2
            }
            if t < depth {
              Self.fewChannelGradientTap(
                tap(t), channels: c, pixels: ox1 - ox0, outputGradient: dyRow + group * 32,
                filters: filters, sums: dk + t * filters + group * 32)
            }
          }
          if hasBias {
            sumRows(ox1 - ox0, of: dyRow, width: filters, into: dk + depth * filters)
          }
        }
        at = min(hi, n * oh * ow + oy1 * ow)
      }
    }
    // The slices' partials, in slice order, as `accumulateKernelGradientFast` adds them.
    for i in 0..<(depth * filters) {
      var sum = partials[i]
      for s in 1..<slices { sum += partials[s * partialSize + i] }
      kernelGradient[i] += sum
    }
    if let biasGradient {
      for j in 0..<filters {
        var sum = partials[depth * filters + j]
        for s in 1..<slices { sum += partials[s * partialSize + depth * filters + j] }
        biasGradient[j] += sum
      }
    }
  }

  /// Two taps' chains along one output row: `x0[p·c]` and `x1[p·c]` are
  /// the taps' inputs for pixel p, `outputGradient` pixel 0's first filter
  /// of the group (pixel stride `filters`), `sums` tap 0's 32 running sums
  /// (tap 1's follow `filters` floats later), read at the start and
  /// written back at the end.
  @inline(never)
  private static func fewChannelGradientPair(
    _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, channels c: Int, pixels: Int,
    outputGradient: UnsafePointer<Float>, filters: Int, sums: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD16<Float>
    let s0 = UnsafeMutableRawPointer(sums)
    let s1 = UnsafeMutableRawPointer(sums + filters)
    var a0 = s0.loadUnaligned(as: V.self)
    var a1 = s0.loadUnaligned(fromByteOffset: 64, as: V.self)
    var b0 = s1.loadUnaligned(as: V.self)
    var b1 = s1.loadUnaligned(fromByteOffset: 64, as: V.self)
    var d = UnsafeRawPointer(outputGradient)
    let step = filters &* 4
    var i = 0
    for _ in 0..<pixels {
      let g0 = d.loadUnaligned(as: V.self)
      let g1 = d.loadUnaligned(fromByteOffset: 64, as: V.self)
      d += step
      let v0 = V(repeating: x0[i])
      a0 = a0.addingProduct(v0, g0)
      a1 = a1.addingProduct(v0, g1)
      let v1 = V(repeating: x1[i])
      b0 = b0.addingProduct(v1, g0)
      b1 = b1.addingProduct(v1, g1)
      i &+= c
    }
    s0.storeBytes(of: a0, as: V.self)
    s0.storeBytes(of: a1, toByteOffset: 64, as: V.self)
    s1.storeBytes(of: b0, as: V.self)
    s1.storeBytes(of: b1, toByteOffset: 64, as: V.self)
  }

  /// `fewChannelGradientPair` for one tap (the last of an odd window).
  @inline(never)
  private static func fewChannelGradientTap(
    _ x: UnsafePointer<Float>, channels c: Int, pixels: Int,
    outputGradient: UnsafePointer<Float>, filters: Int, sums: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD16<Float>
    let s = UnsafeMutableRawPointer(sums)
    var a0 = s.loadUnaligned(as: V.self)
    var a1 = s.loadUnaligned(fromByteOffset: 64, as: V.self)
    var d = UnsafeRawPointer(outputGradient)
    let step = filters &* 4
    var i = 0
    for _ in 0..<pixels {
      let v = V(repeating: x[i])
      a0 = a0.addingProduct(v, d.loadUnaligned(as: V.self))
      a1 = a1.addingProduct(v, d.loadUnaligned(fromByteOffset: 64, as: V.self))
      d += step
      i &+= c
    }
    s.storeBytes(of: a0, as: V.self)
    s.storeBytes(of: a1, toByteOffset: 64, as: V.self)
  }
}
