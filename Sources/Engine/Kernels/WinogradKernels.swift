/// 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
/// 2015): each 2x2 block of output pixels of one filter costs 16
/// multiply-adds per input channel instead of 36, so the three big layers
/// of the seed network do 2.25 times fewer multiply-adds.
///
/// In one dimension, two outputs of a 3-tap filter g over four inputs d:
///
///     y = Aᵀ [(G g) ⊙ (Bᵀ d)]
///
///     Bᵀ = | 1  0 -1  0 |    G = | 1    0    0  |    Aᵀ = | 1  1  1  0 |
///          | 0  1  1  0 |        | 1/2  1/2  1/2|         | 0  1 -1 -1 |
///          | 0 -1  1  0 |        | 1/2 -1/2  1/2|
///          | 0  1  0 -1 |        | 0    0    1  |
///
/// and in two, Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A on a 4x4 input tile. Summed
/// over input channels, the 16 element-wise products become 16 matrix
/// products, [tiles × channels] · [channels × filters], which run on the
/// GEMM micro-kernel; the transforms are a few additions per tile.
///
/// Not the same bits as the direct convolution (`forward`): the sums are
/// regrouped, so values agree to rounding (relative error ~1e-6 for the
/// seed network, tested), which is why only `Sequential.infer(exact: false)`
/// (predict, benchmarks) uses it. `forward`, training and `evaluate` keep
/// the direct sums. Each tile's values are computed the same way whichever
/// block or thread it falls in, so results still do not depend on the
/// thread count.
public enum Winograd {
  /// Whether F(2x2, 3x3) takes this convolution: a 3x3 kernel, stride 1
  /// (any padding), channels and filters in multiples of 8 and 16 so every
  /// transform and product runs whole vectors. Few channels (an RGB first
  /// layer) gain little, so they stay direct.
  public static func takes(_ g: ConvGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
      && g.inChannels >= 16 && g.inChannels % 8 == 0 && g.filters % 16 == 0
      && g.outHeight > 0 && g.outWidth > 0 && g.batch > 0
  }

  /// forward (+ ReLU when `relu`); with `pool`, followed by 2x2 max pooling
  /// with stride 2 (valid), each output tile being one pooling window.
  /// nil when `takes(g)` is false (or `pool` with an output under 2x2).
  public static func forward(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?,
    relu: Bool, pool: Bool
  ) -> [Float]? {
    precondition(input.count == g.inputCount && kernel.count == g.kernelCount)
    precondition(bias == nil || bias!.count == g.filters)
    // Pooling after ReLU only: values ≥ +0 with no NaN, so the largest of
    // four does not depend on the order of comparison.
    precondition(!pool || relu)
    guard takes(g), !pool || (g.outHeight >= 2 && g.outWidth >= 2) else { return nil }
    // Pooled, only whole 2x2 windows count (valid pooling floors); else the
    // last tile of an odd side is half used.
    let tilesY = pool ? g.outHeight / 2 : (g.outHeight + 1) / 2
    let tilesX = pool ? g.outWidth / 2 : (g.outWidth + 1) / 2
    let count = pool ? g.batch * tilesY * tilesX * g.filters : g.outputCount
    return [Float](unsafeUninitializedCapacity: count) { out, written in
      input.withUnsafeBufferPointer { x in
        kernel.withUnsafeBufferPointer { k in
          let u = transformKernel(k.baseAddress!, channels: g.inChannels, filters: g.filters)
          defer { u.deallocate() }
          func run(_ b: UnsafePointer<Float>?) {
            convolve(
              g, tilesY: tilesY, tilesX: tilesX, input: x.baseAddress!, u: u, bias: b,
              output: out.baseAddress!, relu: relu, pool: pool)
          }
          if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
        }
      }
      written = count
    }
  }

  typealias V = SIMD8<Float>

  /// U[ξ][c][f] = (G g Gᵀ)[ξ] for every channel c and filter f, where g is
  /// the 3x3 kernel of (c, f): 16 matrices `channels × filters`, each laid
  /// out as the micro-kernel's B (rows of filters, contiguous).
  static func transformKernel(
    _ w: UnsafePointer<Float>, channels: Int, filters: Int
  ) -> UnsafeMutablePointer<Float> {
    let plane = channels * filters
    let u = UnsafeMutablePointer<Float>.allocate(capacity: 16 * plane)
    for c in 0..<channels {
      var f = 0
      while f < filters {
        // g[ky][kx] for 8 filters; kernel layout [ky][kx][c][f].
        @inline(__always) func g(_ ky: Int, _ kx: Int) -> V {
          UnsafeRawPointer(w + ((ky * 3 + kx) * channels + c) * filters + f).loadUnaligned(as: V.self)
        }
        let half = V(repeating: 0.5)
        // G applied to three values: four.
        @inline(__always) func expand(_ a: V, _ b: V, _ c: V) -> (V, V, V, V) {
          (a, (a + b + c) * half, (a - b + c) * half, c)
        }
        // G g: four rows of three, column by column.
        let e0 = expand(g(0, 0), g(1, 0), g(2, 0))
        let e1 = expand(g(0, 1), g(1, 1), g(2, 1))
        let e2 = expand(g(0, 2), g(1, 2), g(2, 2))
        // (G g) Gᵀ: each row of three becomes four.
        @inline(__always) func store(_ i: Int, _ r: (V, V, V, V)) {
          let p = u + 4 * i * plane + c * filters + f
          UnsafeMutableRawPointer(p).storeBytes(of: r.0, as: V.self)
          UnsafeMutableRawPointer(p + plane).storeBytes(of: r.1, as: V.self)
          UnsafeMutableRawPointer(p + 2 * plane).storeBytes(of: r.2, as: V.self)
          UnsafeMutableRawPointer(p + 3 * plane).storeBytes(of: r.3, as: V.self)
        }
        store(0, expand(e0.0, e1.0, e2.0))
        store(1, expand(e0.1, e1.1, e2.1))
        store(2, expand(e0.2, e1.2, e2.2))
        store(3, expand(e0.3, e1.3, e2.3))
        f += 8
      }
    }
    return u
  }

  /// Tiles per unit of work: a multiple of 24, so that the micro-kernels'
  /// whole tiles of 6 or 8 rows stay inside the block's scratch, whose
  /// transformed input and products stay in L2 beside the transformed
  /// kernel; smaller for small problems so that both cores get several units.
  static func tilesPerBlock(tiles: Int, channels: Int, filters: Int, workers: Int) -> Int {
    let fits = max(24, (120_000 / (16 * (channels + filters))) / 24 * 24)
    let share = (tiles + 4 * workers - 1) / (4 * workers)
    return max(24, min(fits, (share + 23) / 24 * 24))
  }

  // Scratch layouts, per tile, chosen so that every transform reads and
  // writes at constant offsets from one pointer (the first version kept 16
  // planes' pointers and spilled them; the input transform was 16% of a
  // batch's time):
  // - V, the transformed input: 16·c floats, [c / 8][ξ][8]. The GEMM's A
  //   row for ξ is then c/8 runs of 8 floats, 128 apart: the micro-kernel's
  //   segmented walk (`segments`), in channel order.
  // - M, the products: 16·f floats, [f / w][ξ][w] with w the micro-kernel's
  //   tile width (16 or 32), so each kernel call stores whole rows.

  static func convolve(
    _ g: ConvGeometry, tilesY: Int, tilesX: Int, input: UnsafePointer<Float>,
    u: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool, pool: Bool
  ) {
    let c = g.inChannels, f = g.filters
    let tilesPerImage = tilesY * tilesX
    let tiles = g.batch * tilesPerImage
    let kind: Gemm.MicroKernel =
      Gemm.activeKernel == .wide8x32 && f % 32 == 0 ? .wide8x32 : .narrow6x16
    let block = tilesPerBlock(
      tiles: tiles, channels: c, filters: f, workers: EngineThreads.effective)
    let units = (tiles + block - 1) / block
    let workers = min(EngineThreads.effective, units)
    // Per worker: V (block × 16c), M (block × 16f), one zero-padded window.
    let scratch = WorkerScratch(workers: workers, floatsPerWorker: 16 * block * (c + f) + 16 * c)
    defer { scratch.deallocate() }
    let src = SendableConstPointer(input)
    let dst = SendablePointer(output)
    let uP = SendableConstPointer(UnsafePointer(u))
    let biasP = bias.map(SendableConstPointer.init)
    parallelUnits(units, workers: workers) { unit, w in
      let t0 = unit * block
      let n = min(block, tiles - t0)
      let v = scratch.of(w)
      let m = v + 16 * block * c
      let window = m + 16 * block * f
      transformInput(
        g, tilesY: tilesY, tilesX: tilesX, first: t0, count: n, input: src.p, v: v, window: window)
      multiply(kind, count: n, channels: c, filters: f, v: v, u: uP.p, m: m)
      let width = kind == .wide8x32 ? 32 : 16
      transformOutput(
        g, tilesY: tilesY, tilesX: tilesX, first: t0, count: n, m: m, width: width,
        bias: biasP?.p, output: dst.p, relu: relu, pool: pool)
    }
  }

  /// V for tiles `first ..< first + count`: (Bᵀ d B)[ξ], d being the tile's
  /// 4x4 input window (zeros outside the picture). Windows that reach into
  /// the padding are first copied, zero-padded, into `window` (4x4xc), so
  /// the transform itself never tests a bound.
  static func transformInput(
    _ g: ConvGeometry, tilesY: Int, tilesX: Int, first: Int, count: Int,
    input: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>,
    window: UnsafeMutablePointer<Float>
  ) {
    let c = g.inChannels
    let h = g.inHeight, wd = g.inWidth
    var image = first / (tilesY * tilesX)
    var ty = (first / tilesX) % tilesY
    var tx = first % tilesX
    for t in 0..<count {
      let y0 = 2 * ty - g.padTop, x0 = 2 * tx - g.padLeft
      let inside = y0 >= 0 && y0 + 4 <= h && x0 >= 0 && x0 + 4 <= wd
      let from: UnsafePointer<Float>
      let rowStride: Int
      if inside {
        from = input + ((image * h + y0) * wd + x0) * c
        rowStride = wd * c
      } else {
        for i in 0..<4 {
          for j in 0..<4 {
            let y = y0 + i, x = x0 + j
            let cell = window + (i * 4 + j) * c
            if y >= 0 && y < h && x >= 0 && x < wd {
              cell.update(from: input + ((image * h + y) * wd + x) * c, count: c)
            } else {
              cell.update(repeating: 0, count: c)
            }
          }
        }
        from = UnsafePointer(window)
        rowStride = 4 * c
      }
      transformWindow(from, rowStride: rowStride, channels: c, into: v + t * 16 * c)
      tx += 1
      if tx == tilesX {
        tx = 0
        ty += 1
        if ty == tilesY {
          ty = 0
          image += 1
        }
      }
    }
  }

  /// One tile's V ([c / 8][ξ][8]) from its 4x4 window: row i, column j,
  /// channel ch at `d + i·rowStride + j·c + ch`.
  @inline(__always)
  static func transformWindow(
    _ d: UnsafePointer<Float>, rowStride: Int, channels c: Int, into out: UnsafeMutablePointer<Float>
  ) {
    let r0 = UnsafeRawPointer(d), r1 = r0 + rowStride * 4
    let r2 = r1 + rowStride * 4, r3 = r2 + rowStride * 4
    let cb = c * 4
    var o = UnsafeMutableRawPointer(out)
    var byte = 0
    while byte < cb {
      // Bᵀ d, column j: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
      @inline(__always) func column(_ j: Int) -> (V, V, V, V) {
        let at = byte &+ j &* cb
        let d0 = r0.loadUnaligned(fromByteOffset: at, as: V.self)
        let d1 = r1.loadUnaligned(fromByteOffset: at, as: V.self)
        let d2 = r2.loadUnaligned(fromByteOffset: at, as: V.self)
        let d3 = r3.loadUnaligned(fromByteOffset: at, as: V.self)
        return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
      }
      let k0 = column(0), k1 = column(1), k2 = column(2), k3 = column(3)
      // (Bᵀ d) B: the same combination along row i; ξ = 4i + j.
      @inline(__always) func store(_ i: Int, _ a: V, _ b: V, _ c: V, _ d: V) {
        let at = i * 4 * 32
        o.storeBytes(of: a - c, toByteOffset: at, as: V.self)
        o.storeBytes(of: b + c, toByteOffset: at + 32, as: V.self)
        o.storeBytes(of: c - b, toByteOffset: at + 64, as: V.self)
        o.storeBytes(of: b - d, toByteOffset: at + 96, as: V.self)
      }
      store(0, k0.0, k1.0, k2.0, k3.0)
      store(1, k0.1, k1.1, k2.1, k3.1)
      store(2, k0.2, k1.2, k2.2, k3.2)
      store(3, k0.3, k1.3, k2.3, k3.3)
      o += 16 * 32
      byte &+= 32
    }
  }

  /// M[ξ] = V[ξ] · U[ξ] for the block's `count` tiles: 16 products of
  /// `count × channels` by `channels × filters` on the micro-kernel, A and B
  /// read in place.
  static func multiply(
    _ kind: Gemm.MicroKernel, count: Int, channels c: Int, filters f: Int,
    v: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>
  ) {
    let mr = kind.mr
    let width = kind == .wide8x32 ? 32 : 16
    let rowV = 16 * c, rowM = 16 * f
    for xi in 0..<16 {
      let a = UnsafePointer(v + xi * 8)
      let b = u + xi * c * f
      var r = 0
      while r < count {
        let rows = min(mr, count - r)
        // Rows past the block's last tile repeat it; their sums land in
        // unused rows of M and are never read.
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { a + (r + min(i, rows - 1)) * rowV }
        var col = 0
        while col < f {
          let out = m + r * rowM + col * 16 + xi * width
          if kind == .wide8x32 {
            Gemm.kernel8x32(
              8, row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7), 1, b + col, f, out,
              rowM, false, segments: c / 8, segmentJump: 120)
          } else if rows <= 4 {
            Gemm.kernel4x16(
              8, row(0), row(1), row(2), row(3), 1, b + col, f, out, rowM, false, segments: c / 8,
              segmentJump: 120)
          } else {
            Gemm.kernel6x16(
              8, row(0), row(1), row(2), row(3), row(4), row(5), 1, b + col, f, out, rowM, false,
              segments: c / 8, segmentJump: 120)
          }
          col += width
        }
        r += mr
      }
    }
  }

  /// Y = Aᵀ M A for each tile (+ bias, ReLU), written to the output; with
  /// `pool`, the largest of the tile's four values, at the tile's index.
  static func transformOutput(
    _ g: ConvGeometry, tilesY: Int, tilesX: Int, first: Int, count: Int,
    m: UnsafeMutablePointer<Float>, width: Int, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool, pool: Bool
  ) {
    // The width as a literal, so every read is at a constant offset.
    if width == 32 {
      transformOutput(
        g, tilesY: tilesY, tilesX: tilesX, first: first, count: count, m: m, w: 32, bias: bias,
        output: output, relu: relu, pool: pool)
    } else {
      transformOutput(
        g, tilesY: tilesY, tilesX: tilesX, first: first, count: count, m: m, w: 16, bias: bias,
        output: output, relu: relu, pool: pool)
    }
  }

  @inline(__always)
  static func transformOutput(
    _ g: ConvGeometry, tilesY: Int, tilesX: Int, first: Int, count: Int,
    m: UnsafeMutablePointer<Float>, w: Int, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool, pool: Bool
  ) {
    let f = g.filters
    let oh = g.outHeight, ow = g.outWidth
    var image = first / (tilesY * tilesX)
    var ty = (first / tilesX) % tilesY
    var tx = first % tilesX
    let zero = V()
    for t in 0..<count {
      let tileM = UnsafeRawPointer(m + t * 16 * f)
      let oy = 2 * ty, ox = 2 * tx
      let wholeTile = oy + 2 <= oh && ox + 2 <= ow
      let o =
        pool
        ? output + (first + t) * f
        : output + ((image * oh + oy) * ow + ox) * f
      var k = 0
      while k < f {
        // Filters k ..< k+8: group k / w, offset k % w.
        let base = tileM + ((k / w) * 16 * w + k % w) * 4
        @inline(__always) func at(_ xi: Int) -> V {
          base.loadUnaligned(fromByteOffset: xi * w * 4, as: V.self)
        }
        // Aᵀ M, column j: (m0 + m1 + m2, m1 − m2 − m3).
        @inline(__always) func column(_ j: Int) -> (V, V) {
          let m0 = at(j), m1 = at(4 + j), m2 = at(8 + j), m3 = at(12 + j)
          return (m0 + m1 + m2, m1 - m2 - m3)
        }
        let q0 = column(0), q1 = column(1), q2 = column(2), q3 = column(3)
        // (Aᵀ M) A.
        let b = bias.map { UnsafeRawPointer($0 + k).loadUnaligned(as: V.self) } ?? zero
        var y00 = q0.0 + q1.0 + q2.0 + b
        var y01 = q1.0 - q2.0 - q3.0 + b
        var y10 = q0.1 + q1.1 + q2.1 + b
        var y11 = q1.1 - q2.1 - q3.1 + b
        if relu {
          // x > 0 ? x : 0, as `reluInPlace` (NaN and −0 become +0).
          y00 = zero.replacing(with: y00, where: y00 .> zero)
          y01 = zero.replacing(with: y01, where: y01 .> zero)
          y10 = zero.replacing(with: y10, where: y10 .> zero)
          y11 = zero.replacing(with: y11, where: y11 .> zero)
        }
        if pool {
          var best = y00
          best.replace(with: y01, where: y01 .> best)
          best.replace(with: y10, where: y10 .> best)
          best.replace(with: y11, where: y11 .> best)
          UnsafeMutableRawPointer(o + k).storeBytes(of: best, as: V.self)
        } else {
          @inline(__always) func put(_ y: V, _ dy: Int, _ dx: Int) {
            UnsafeMutableRawPointer(o + (dy * ow + dx) * f + k).storeBytes(of: y, as: V.self)
          }
          if wholeTile {
            put(y00, 0, 0)
            put(y01, 0, 1)
            put(y10, 1, 0)
            put(y11, 1, 1)
          } else {
            put(y00, 0, 0)
            if ox + 1 < ow { put(y01, 0, 1) }
            if oy + 1 < oh {
              put(y10, 1, 0)
              if ox + 1 < ow { put(y11, 1, 1) }
            }
          }
        }
        k += 8
      }
      tx += 1
      if tx == tilesX {
        tx = 0
        ty += 1
        if ty == tilesY {
          ty = 0
          image += 1
        }
      }
    }
  }
}
