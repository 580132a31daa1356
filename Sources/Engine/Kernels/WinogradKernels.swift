/// 3x3, stride-1 convolution by Winograd's minimal filtering (Lavin & Gray,
/// "Fast Algorithms for Convolutional Neural Networks", 2015), F(2x2, 3x3)
/// or F(4x4, 3x3): an m x m block of output pixels of one filter costs
/// (m+2)² multiply-adds per input channel instead of 9·m², i.e. 16 instead
/// of 36 (2.25x fewer) or 36 instead of 144 (4x fewer).
///
/// In one dimension, m outputs of a 3-tap filter g over m + 2 inputs d:
///
///     y = Aᵀ [(G g) ⊙ (Bᵀ d)]
///
/// F(2, 3):
///
///     Bᵀ = | 1  0 -1  0 |    G = | 1    0    0  |    Aᵀ = | 1  1  1  0 |
///          | 0  1  1  0 |        | 1/2  1/2  1/2|         | 0  1 -1 -1 |
///          | 0 -1  1  0 |        | 1/2 -1/2  1/2|
///          | 0  1  0 -1 |        | 0    0    1  |
///
/// F(4, 3), interpolation points 0, ±1, ±2, ∞:
///
///     Bᵀ = | 4  0 -5  0  1  0 |    G = | 1/4    0     0  |
///          | 0 -4 -4  1  1  0 |        | -1/6 -1/6  -1/6 |
///          | 0  4 -4 -1  1  0 |        | -1/6  1/6  -1/6 |
///          | 0 -2 -1  2  1  0 |        | 1/24  1/12  1/6 |
///          | 0  2 -1 -2  1  0 |        | 1/24 -1/12  1/6 |
///          | 0  4  0 -5  0  1 |        |  0     0     1  |
///
///     Aᵀ = | 1  1  1  1  1  0 |
///          | 0  1 -1  2 -2  0 |
///          | 0  1  1  4  4  0 |
///          | 0  1 -1  8 -8  1 |
///
/// In two dimensions, Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A on an (m+2)² input
/// tile. Summed over input channels, the (m+2)² element-wise products
/// become as many matrix products, [tiles × channels] · [channels ×
/// filters], which run on the GEMM micro-kernel; the transforms are a few
/// additions per tile and channel.
///
/// Not the same bits as the direct convolution (`forward`): the sums are
/// regrouped, so values agree to rounding (F(4,3)'s larger constants lose a
/// little more; both are tested against the reference loops), which is why
/// only `Sequential.infer(exact: false)` (predict, benchmarks) uses it.
/// `forward`, training and `evaluate` keep the direct sums. Each tile's
/// values are computed the same way whichever block or thread it falls in,
/// and the variant depends on the shape only, so results do not depend on
/// the thread count.
public enum Winograd {
  /// The output tile: 2x2 from 4x4 inputs, or 4x4 from 6x6.
  public enum Tile: Int, Sendable, CaseIterable {
    case f2 = 2
    case f4 = 4

    var m: Int { rawValue }
    var alpha: Int { rawValue + 2 }
    /// Transformed planes: α².
    var planes: Int { alpha * alpha }
  }

  /// Whether Winograd takes this convolution: a 3x3 kernel, stride 1 (any
  /// padding), channels and filters in multiples of 8 and 16 so every
  /// transform and product runs whole vectors. Few channels (an RGB first
  /// layer) gain little, so they stay direct.
  public static func takes(_ g: ConvGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
      && g.inChannels >= 16 && g.inChannels % 8 == 0 && g.filters % 16 == 0
      && g.outHeight > 0 && g.outWidth > 0 && g.batch > 0
  }

  /// Tiles down and across: each covers m x m outputs; pooled, m/2 x m/2
  /// pooled outputs (only whole 2x2 windows count, as valid pooling floors).
  static func tiles(_ g: ConvGeometry, _ tile: Tile, pool: Bool) -> (y: Int, x: Int) {
    if pool {
      let per = tile.m / 2
      return ((g.outHeight / 2 + per - 1) / per, (g.outWidth / 2 + per - 1) / per)
    }
    return ((g.outHeight + tile.m - 1) / tile.m, (g.outWidth + tile.m - 1) / tile.m)
  }

  /// The variant with fewer multiply-adds, counting the outputs a last
  /// partial tile computes for nothing. F(4,3)'s transforms cost more per
  /// output (perf, one image through the seed network's 32-channel layer:
  /// 30% of its time), so it is charged 15% more and F(2,3) keeps the
  /// shapes where the two are close.
  public static func choose(_ g: ConvGeometry, pool: Bool) -> Tile {
    let cost2 = tiles(g, .f2, pool: pool)
    let cost4 = tiles(g, .f4, pool: pool)
    let f2 = Double(cost2.y * cost2.x * Tile.f2.planes)
    let f4 = Double(cost4.y * cost4.x * Tile.f4.planes) * 1.15
    return f4 < f2 ? .f4 : .f2
  }

  /// forward (+ ReLU when `relu`); with `pool`, followed by 2x2 max pooling
  /// with stride 2 (valid), pooled inside the output transform. nil when
  /// `takes(g)` is false (or `pool` with an output under 2x2). `tile`
  /// forces a variant (tests); by default the shape picks it.
  public static func forward(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?,
    relu: Bool, pool: Bool, tile forced: Tile? = nil
  ) -> [Float]? {
    precondition(kernel.count == g.kernelCount)
    guard takes(g) else { return nil }
    let tile = forced ?? choose(g, pool: pool)
    let u = transformKernel(kernel, tile, channels: g.inChannels, filters: g.filters)
    return forward(
      g, input: input, transformedKernel: u, bias: bias, relu: relu, pool: pool, tile: tile)
  }

  /// The same with the kernel already transformed for `tile`
  /// (`transformKernel`), as a layer keeps it between images.
  public static func forward(
    _ g: ConvGeometry, input: [Float], transformedKernel u: [Float], bias: [Float]?,
    relu: Bool, pool: Bool, tile: Tile, keepingWherePositive mask: [Float]? = nil
  ) -> [Float]? {
    precondition(input.count == g.inputCount)
    precondition((bias?.count ?? g.filters) == g.filters)
    precondition(mask == nil || (!pool && mask?.count == g.outputCount))
    // Pooling after ReLU only: values ≥ +0 with no NaN, so the largest of
    // four does not depend on the order of comparison.
    precondition(!pool || relu)
    guard takes(g), !pool || (g.outHeight >= 2 && g.outWidth >= 2) else { return nil }
    precondition(u.count == tile.planes * g.inChannels * g.filters)
    let count =
      pool ? g.batch * (g.outHeight / 2) * (g.outWidth / 2) * g.filters : g.outputCount
    return [Float](unsafeUninitializedCapacity: count) { out, written in
      input.withUnsafeBufferPointer { x in
        u.withUnsafeBufferPointer { uu in
          (mask ?? []).withUnsafeBufferPointer { mk in
            func run(_ b: UnsafePointer<Float>?) {
              convolve(
                g, tile, input: x.start, u: uu.start, bias: b,
                output: out.start, relu: relu, pool: pool, mask: mask == nil ? nil : mk.start)
            }
            if let bias { bias.withUnsafeBufferPointer { run($0.start) } } else { run(nil) }
          }
        }
      }
      written = count
    }
  }

  // MARK: - Input gradient (training)

  /// The input gradient of a 3x3 stride-1 convolution as a convolution
  /// itself: the output gradient, padded by 2 − pad on each side, with the
  /// kernel rotated 180° and its in/out axes swapped (`rotatedKernel`); its
  /// output is dLoss/dInput, `[batch, inHeight, inWidth, inChannels]`.
  public static func inputGradientGeometry(_ g: ConvGeometry) -> ConvGeometry {
    ConvGeometry(
      batch: g.batch, inHeight: g.outHeight, inWidth: g.outWidth, inChannels: g.filters,
      outHeight: g.inHeight, outWidth: g.inWidth, filters: g.inChannels, kernelHeight: 3,
      kernelWidth: 3, strideY: 1, strideX: 1, padTop: 2 - g.padTop, padLeft: 2 - g.padLeft)
  }

  /// Whether Winograd takes both `g`'s forward product and its input
  /// gradient (whose channels are `g`'s filters and the other way round).
  public static func takesInputGradient(_ g: ConvGeometry) -> Bool {
    takes(g) && g.padTop <= 2 && g.padLeft <= 2 && takes(inputGradientGeometry(g))
  }

  /// kernel[ky][kx][c][f] → rotated[2 − ky][2 − kx][f][c]: the kernel of
  /// `inputGradientGeometry`, in the forward kernel's layout.
  public static func rotatedKernel(_ kernel: [Float], channels c: Int, filters f: Int) -> [Float] {
    precondition(kernel.count == 9 * c * f)
    return [Float](unsafeUninitializedCapacity: kernel.count) { out, count in
      kernel.withUnsafeBufferPointer { k in
        for ky in 0..<3 {
          for kx in 0..<3 {
            let from = k.start + (ky * 3 + kx) * c * f
            let to = out.start + ((2 - ky) * 3 + (2 - kx)) * f * c
            for ci in 0..<c {
              for fi in 0..<f { to[fi * c + ci] = from[ci * f + fi] }
            }
          }
        }
      }
      count = kernel.count
    }
  }

  /// dLoss/dInput of `g` from dLoss/dOutput by Winograd's products, with
  /// `u` the transformed `rotatedKernel` for `tile` (`transformKernel` over
  /// `inputGradientGeometry(g)`'s channels and filters). The same values as
  /// the direct gather (`ConvKernels.backwardInput`) up to rounding, and
  /// the same bits for any thread count; nil when
  /// `takesInputGradient(g)` is false.
  ///
  /// With `mask` (the layer's input, the output of a ReLU below it), also
  /// that ReLU's gradient: each value kept only where the mask is positive,
  /// as it is stored; the same bits as `reluBackward` after, one pass over
  /// the input's size fewer.
  public static func backwardInput(
    _ g: ConvGeometry, outputGradient: [Float], transformedKernel u: [Float], tile: Tile,
    keepingWherePositive mask: [Float]? = nil
  ) -> [Float]? {
    guard takesInputGradient(g) else { return nil }
    return forward(
      inputGradientGeometry(g), input: outputGradient, transformedKernel: u, bias: nil,
      relu: false, pool: false, tile: tile, keepingWherePositive: mask)
  }

  typealias V = SIMD8<Float>

  /// Tiles per unit of work: a multiple of the micro-kernel's rows (so its
  /// whole tiles of 6 or 8 rows stay inside the block's scratch), whose
  /// transformed input and products stay in L2 beside the transformed
  /// kernel; smaller for small problems (one small image) so that both
  /// cores get several units.
  static func tilesPerBlock(
    tiles: Int, planes: Int, channels: Int, filters: Int, workers: Int, rows mr: Int
  ) -> Int {
    let fits = max(mr, (120_000 / (planes * (channels + filters))) / mr * mr)
    let share = (tiles + 4 * workers - 1) / (4 * workers)
    return max(mr, min(fits, (share + mr - 1) / mr * mr))
  }

  // Scratch layouts, per tile, chosen so that every transform reads and
  // writes at constant offsets from one pointer (a first version kept one
  // pointer per plane and spilled them; its input transform was 16% of a
  // batch's time):
  // - V, the transformed input: α²·c floats, [c / 8][ξ][8]. The GEMM's A
  //   row for ξ is then c/8 runs of 8 floats, 8·α² apart: the
  //   micro-kernel's segmented walk (`segments`), in channel order.
  // - M, the products: α²·f floats, [f / w][ξ][w] with w the micro-kernel's
  //   tile width (16 or 32), so each kernel call stores whole rows.

  static func convolve(
    _ g: ConvGeometry, _ tile: Tile, input: UnsafePointer<Float>,
    u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, relu: Bool, pool: Bool, mask: UnsafePointer<Float>?
  ) {
    let c = g.inChannels
    let f = g.filters
    let planes = tile.planes
    let (tilesY, tilesX) = tiles(g, tile, pool: pool)
    let count = g.batch * tilesY * tilesX
    let kind: Gemm.MicroKernel =
      Gemm.activeKernel == .wide8x32 && f % 32 == 0 ? .wide8x32 : .narrow6x16
    let block = tilesPerBlock(
      tiles: count, planes: planes, channels: c, filters: f, workers: EngineThreads.effective,
      rows: kind.mr)
    let units = (count + block - 1) / block
    let workers = min(EngineThreads.effective, units)
    // Per worker: V, M, one zero-padded window (α²·c), the transforms'
    // α² intermediate vectors.
    let scratch = WorkerScratch(
      workers: workers, floatsPerWorker: planes * (block * (c + f) + c + 8))
    defer { scratch.deallocate() }
    let src = SendableConstPointer(input)
    let dst = SendablePointer(output)
    let uP = SendableConstPointer(u)
    let biasP = bias.map(SendableConstPointer.init)
    let maskP = mask.map(SendableConstPointer.init)
    let walk = TileWalk(g: g, tile: tile, tilesY: tilesY, tilesX: tilesX)
    parallelUnits(units, workers: workers) { unit, w in
      let t0 = unit * block
      let n = min(block, count - t0)
      let v = scratch.of(w)
      let m = v + planes * block * c
      let window = m + planes * block * f
      let temp = window + planes * c
      transformInput(walk, first: t0, count: n, input: src.p, v: v, window: window, temp: temp)
      multiply(kind, planes: planes, count: n, channels: c, filters: f, v: v, u: uP.p, m: m)
      transformOutput(
        walk, first: t0, count: n, m: m, width: kind == .wide8x32 ? 32 : 16, bias: biasP?.p,
        output: dst.p, relu: relu, pool: pool, mask: maskP?.p, temp: temp)
    }
  }

  /// Where tile t is: image, tile row and column, stepped in order.
  struct TileWalk {
    let g: ConvGeometry
    let tile: Tile
    let tilesY: Int, tilesX: Int

    /// Calls `body(t, image, ty, tx)` for tiles `first ..< first + count`.
    @inline(__always)
    func forEach(from first: Int, count: Int, _ body: (Int, Int, Int, Int) -> Void) {
      var at = GridWalk(at: first, height: tilesY, width: tilesX)
      for t in 0..<count {
        body(t, at.image, at.row, at.column)
        at.advance()
      }
    }
  }

  /// M[ξ] = V[ξ] · U[ξ] for the block's `count` tiles: α² products of
  /// `count × channels` by `channels × filters` on the micro-kernel, A and B
  /// read in place.
  static func multiply(
    _ kind: Gemm.MicroKernel, planes: Int, count: Int, channels c: Int, filters f: Int,
    v: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>
  ) {
    let mr = kind.mr
    let width = kind == .wide8x32 ? 32 : 16
    let rowV = planes * c
    let rowM = planes * f
    let jump = 8 * planes - 8
    for xi in 0..<planes {
      let a = UnsafePointer(v + xi * 8)
      let b = u + xi * c * f
      var r = 0
      while r < count {
        let rows = min(mr, count - r)
        // Rows past the block's last tile repeat it; their sums land in
        // unused rows of M and are never read.
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> {
          a + (r + min(i, rows - 1)) * rowV
        }
        var col = 0
        while col < f {
          let out = m + r * rowM + col * planes + xi * width
          if kind == .wide8x32 {
            Gemm.kernel8x32(
              8, row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7), 1, b + col, f, out,
              rowM, false, segments: c / 8, segmentJump: jump)
          } else if rows <= 4 {
            Gemm.kernel4x16(
              8, row(0), row(1), row(2), row(3), 1, b + col, f, out, rowM, false, segments: c / 8,
              segmentJump: jump)
          } else {
            Gemm.kernel6x16(
              8, row(0), row(1), row(2), row(3), row(4), row(5), 1, b + col, f, out, rowM, false,
              segments: c / 8, segmentJump: jump)
          }
          col += width
        }
        r += mr
      }
    }
  }
}
