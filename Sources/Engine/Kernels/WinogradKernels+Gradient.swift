/// The kernel gradient of a 3x3 stride-1 convolution by Winograd's
/// products, for a training step.
///
/// With U = G g Gᵀ and each tile's Y = Aᵀ (U ⊙ V) A (`WinogradKernels.swift`),
/// the chain rule gives, per tile, dL/dU = (A dY Aᵀ) ⊙ V, and dL/dg =
/// Gᵀ (dL/dU) G. Summed over tiles, for every plane ξ and every channel c
/// and filter f:
///
///     dU[ξ][c][f] = Σ_tiles V[tile][ξ][c] · W[tile][ξ][f],  W = A dY Aᵀ
///
/// α² products `channels × tiles` by `tiles × filters` on the GEMM
/// micro-kernel (V read in place, W as its B), then G's transform of each
/// (c, f) back to 3x3. F(4x4, 3x3) does 36 multiply-adds per tile, channel
/// and filter where the direct sum does 144.
///
/// The sum over tiles is cut into slices fixed by the shape; each slice sums
/// its tiles in order into its own partial dU (and bias gradient), and the
/// partials are added in slice order: the same bits for any thread count.
/// Not the direct sums' bits (`ConvKernels.accumulateKernelGradient`), the
/// same values up to rounding (tested against the reference loops).
extension Winograd {
  /// kernelGradient += dL/dKernel and biasGradient += dL/dBias (when not
  /// empty) for `g`, from its input and output gradient; false, with
  /// nothing done, when `takes(g)` is false. `tile` forces a variant
  /// (tests); by default the shape picks it, as for the forward pass.
  public static func accumulateKernelGradient(
    _ g: ConvGeometry, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float], tile forced: Tile? = nil
  ) -> Bool {
    precondition(input.count == g.inputCount && outputGradient.count == g.outputCount)
    precondition(kernelGradient.count == g.kernelCount)
    precondition(biasGradient.isEmpty || biasGradient.count == g.filters)
    guard takes(g) else { return false }
    let tile = forced ?? choose(g, pool: false)
    let c = g.inChannels
    let f = g.filters
    let planes = tile.planes
    let (tilesY, tilesX) = tiles(g, tile, pool: false)
    let count = g.batch * tilesY * tilesX
    let kind: Gemm.MicroKernel =
      Gemm.activeKernel == .wide8x32 && f % 32 == 0 ? .wide8x32 : .narrow6x16
    // Slices of at least 128 tiles, at most 8: enough units for two busy
    // cores (a small picture's 512 tiles make 4), few partials to add up.
    let slices = max(1, min(8, count / 128))
    // Each plane's c x f partial has 8 spare rows: the micro-kernel's last
    // row tile may run past c (its extra rows land there, unread).
    let rowsPad = c + 8
    let partialSize = planes * rowsPad * f + f
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: slices * partialSize)
    partials.initialize(repeating: 0, count: slices * partialSize)
    defer { partials.deallocate() }
    let block = max(1, 120_000 / (planes * (c + f)))
    let workers = min(EngineThreads.effective, slices)
    // Per worker: V and W for a block, one zero-padded window, the
    // transforms' temporaries.
    let scratch = WorkerScratch(
      workers: workers, floatsPerWorker: planes * (block * (c + f) + c + 8))
    defer { scratch.deallocate() }
    let walk = TileWalk(g: g, tile: tile, tilesY: tilesY, tilesX: tilesX)
    input.withUnsafeBufferPointer { xb in
      outputGradient.withUnsafeBufferPointer { dyb in
        let x = SendableConstPointer(xb.start)
        let dy = SendableConstPointer(dyb.start)
        let part = SendablePointer(partials)
        parallelUnits(slices, workers: workers) { s, w in
          let lo = s * count / slices
          let hi = (s + 1) * count / slices
          let v = scratch.of(w)
          let wt = v + planes * block * c
          let window = wt + planes * block * f
          let temp = window + planes * c
          let du = part.p + s * partialSize
          var t0 = lo
          while t0 < hi {
            let n = min(block, hi - t0)
            transformInput(walk, first: t0, count: n, input: x.p, v: v, window: window, temp: temp)
            transformOutputGradient(
              walk, first: t0, count: n, outputGradient: dy.p, into: wt,
              bias: du + planes * rowsPad * f)
            multiplyGradient(
              kind, planes: planes, count: n, channels: c, filters: f, v: v, w: wt, du: du,
              rowsPad: rowsPad)
            t0 += n
          }
        }
      }
    }
    kernelGradient.withUnsafeMutableBufferPointer { kg in
      let out = SendablePointer(kg.start)
      let part = SendableConstPointer(UnsafePointer(partials))
      parallelUnits(c) { ci, _ in
        finishKernelGradient(
          tile, channel: ci, channels: c, filters: f, partials: part.p, slices: slices,
          partialSize: partialSize, rowsPad: rowsPad, into: out.p)
      }
    }
    if !biasGradient.isEmpty {
      let offset = planes * rowsPad * f
      for j in 0..<f {
        var sum = partials[offset + j]
        for s in 1..<slices { sum += partials[s * partialSize + offset + j] }
        biasGradient[j] += sum
      }
    }
    return true
  }

  /// W for tiles `first ..< first + count`: A dY Aᵀ on each tile's m x m
  /// block of the output gradient (zeros past the output's edge), laid out
  /// [ξ][f] per tile; the block's values are also added, tile by tile,
  /// into `bias` (the bias gradient).
  static func transformOutputGradient(
    _ walk: TileWalk, first: Int, count: Int, outputGradient dy: UnsafePointer<Float>,
    into w: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
  ) {
    let g = walk.g
    let f = g.filters
    let m = walk.tile.m
    let alpha = walk.tile.alpha
    let perTile = walk.tile.planes * f
    let zero = V()
    withUnsafeTemporaryAllocation(of: V.self, capacity: 36) { tmp in
      walk.forEach(from: first, count: count) { t, image, ty, tx in
        let y0 = m * ty
        let x0 = m * tx
        let rows = min(m, g.outHeight - y0)
        let cols = min(m, g.outWidth - x0)
        let block = dy + ((image * g.outHeight + y0) * g.outWidth + x0) * f
        let out = UnsafeMutableRawPointer(w + t * perTile)
        var f0 = 0
        while f0 < f {
          @inline(__always) func at(_ i: Int, _ j: Int) -> V {
            i < rows && j < cols
              ? UnsafeRawPointer(block + (i * g.outWidth + j) * f + f0).loadUnaligned(as: V.self)
              : zero
          }
          var sum = UnsafeRawPointer(bias + f0).loadUnaligned(as: V.self)
          for i in 0..<rows {
            for j in 0..<cols { sum += at(i, j) }
          }
          UnsafeMutableRawPointer(bias + f0).storeBytes(of: sum, as: V.self)
          // A dY, column by column, into tmp[k][j] (α x m).
          for j in 0..<m {
            if m == 2 {
              let r = gradientRows2(at(0, j), at(1, j))
              tmp[0 * m + j] = r.0
              tmp[1 * m + j] = r.1
              tmp[2 * m + j] = r.2
              tmp[3 * m + j] = r.3
            } else {
              let r = gradientRows4(at(0, j), at(1, j), at(2, j), at(3, j))
              tmp[0 * m + j] = r.0
              tmp[1 * m + j] = r.1
              tmp[2 * m + j] = r.2
              tmp[3 * m + j] = r.3
              tmp[4 * m + j] = r.4
              tmp[5 * m + j] = r.5
            }
          }
          // (A dY) Aᵀ, row by row; ξ = α·k + l.
          for k in 0..<alpha {
            @inline(__always) func put(_ l: Int, _ v: V) {
              out.storeBytes(of: v, toByteOffset: ((k * alpha + l) * f + f0) * 4, as: V.self)
            }
            let row = k * m
            if m == 2 {
              let r = gradientRows2(tmp[row], tmp[row + 1])
              put(0, r.0)
              put(1, r.1)
              put(2, r.2)
              put(3, r.3)
            } else {
              let r = gradientRows4(tmp[row], tmp[row + 1], tmp[row + 2], tmp[row + 3])
              put(0, r.0)
              put(1, r.1)
              put(2, r.2)
              put(3, r.3)
              put(4, r.4)
              put(5, r.5)
            }
          }
          f0 += 8
        }
      }
    }
  }

  /// F(2,3)'s A on two values: (y0, y0 + y1, y0 − y1, −y1).
  @inline(__always)
  static func gradientRows2(_ y0: V, _ y1: V) -> (V, V, V, V) {
    (y0, y0 + y1, y0 - y1, -y1)
  }

  /// F(4,3)'s A on four values: the columns of Aᵀ.
  @inline(__always)
  static func gradientRows4(_ y0: V, _ y1: V, _ y2: V, _ y3: V) -> (V, V, V, V, V, V) {
    let two = V(repeating: 2)
    let four = V(repeating: 4)
    let eight = V(repeating: 8)
    let even = y0 + y2
    let odd = y1 + y3
    let even4 = y0 + four * y2
    let odd4 = two * y1 + eight * y3
    return (y0, even + odd, even - odd, even4 + odd4, even4 - odd4, y3)
  }

  /// dU[ξ] += V[ξ]ᵀ · W[ξ] for the block's `count` tiles: per plane, the
  /// channels are the micro-kernel's rows (A: V read in place, one tile per
  /// step of k), the filters its columns (B: W, one tile per row).
  static func multiplyGradient(
    _ kind: Gemm.MicroKernel, planes: Int, count: Int, channels c: Int, filters f: Int,
    v: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>,
    du: UnsafeMutablePointer<Float>, rowsPad: Int
  ) {
    let mr = kind.mr
    let width = kind == .wide8x32 ? 32 : 16
    let stepA = planes * c
    let stepB = planes * f
    for xi in 0..<planes {
      let a = UnsafePointer(v + xi * 8)
      let b = UnsafePointer(w + xi * f)
      let plane = du + xi * rowsPad * f
      var r = 0
      while r < c {
        let rows = min(mr, c - r)
        // Channel ch of plane ξ: group ch / 8, lane ch % 8. Rows past c
        // repeat the last channel; their sums land in the spare rows.
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> {
          let ch = r + min(i, rows - 1)
          return a + (ch / 8) * 8 * planes + ch % 8
        }
        var col = 0
        while col < f {
          let out = plane + r * f + col
          if kind == .wide8x32 {
            Gemm.kernel8x32(
              count, row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7), stepA,
              b + col, stepB, out, f, true)
          } else if rows <= 4 {
            Gemm.kernel4x16(
              count, row(0), row(1), row(2), row(3), stepA, b + col, stepB, out, f, true)
          } else {
            Gemm.kernel6x16(
              count, row(0), row(1), row(2), row(3), row(4), row(5), stepA, b + col, stepB, out,
              f, true)
          }
          col += width
        }
        r += mr
      }
    }
  }

  /// kernelGradient[·][·][ci][·] += Gᵀ (Σ_slices dU[·][ci][·]) G, eight
  /// filters at a time; the slices are added in order.
  static func finishKernelGradient(
    _ tile: Tile, channel ci: Int, channels c: Int, filters f: Int,
    partials: UnsafePointer<Float>, slices: Int, partialSize: Int, rowsPad: Int,
    into kg: UnsafeMutablePointer<Float>
  ) {
    let alpha = tile.alpha
    let planes = tile.planes
    // z: the summed dU of one (ci, 8 filters), α x α; rows: Gᵀ z, 3 x α.
    withUnsafeTemporaryAllocation(of: V.self, capacity: 36) { z in
      withUnsafeTemporaryAllocation(of: V.self, capacity: 18) { rows in
        var f0 = 0
        while f0 < f {
          for xi in 0..<planes {
            let at = (xi * rowsPad + ci) * f + f0
            var sum = UnsafeRawPointer(partials + at).loadUnaligned(as: V.self)
            for s in 1..<max(slices, 1) {
              sum += UnsafeRawPointer(partials + s * partialSize + at).loadUnaligned(as: V.self)
            }
            z[xi] = sum
          }
          // Gᵀ z, column by column: rows[ky·α + l].
          for l in 0..<alpha {
            let r = finishRows(tile, { z[$0 * alpha + l] })
            rows[0 * alpha + l] = r.0
            rows[1 * alpha + l] = r.1
            rows[2 * alpha + l] = r.2
          }
          // (Gᵀ z) G, row by row, into the kernel layout [ky][kx][c][f].
          for ky in 0..<3 {
            let r = finishRows(tile, { rows[ky * alpha + $0] })
            @inline(__always) func add(_ kx: Int, _ value: V) {
              let p = UnsafeMutableRawPointer(kg + ((ky * 3 + kx) * c + ci) * f + f0)
              p.storeBytes(of: p.loadUnaligned(as: V.self) + value, as: V.self)
            }
            add(0, r.0)
            add(1, r.1)
            add(2, r.2)
          }
          f0 += 8
        }
      }
    }
  }

  /// Gᵀ on α values (`value(i)` is the i-th): three.
  @inline(__always)
  static func finishRows(_ tile: Tile, _ value: (Int) -> V) -> (V, V, V) {
    if tile == .f2 {
      let half = V(repeating: 0.5)
      let z0 = value(0)
      let z1 = value(1)
      let z2 = value(2)
      let z3 = value(3)
      return (z0 + (z1 + z2) * half, (z1 - z2) * half, (z1 + z2) * half + z3)
    }
    let sixth = V(repeating: 1.0 / 6)
    let twelfth = V(repeating: 1.0 / 12)
    let quarter = V(repeating: 0.25)
    let twentyFourth = V(repeating: 1.0 / 24)
    let z0 = value(0)
    let z1 = value(1)
    let z2 = value(2)
    let z3 = value(3)
    let z4 = value(4)
    let z5 = value(5)
    return (
      z0 * quarter - (z1 + z2) * sixth + (z3 + z4) * twentyFourth,
      (z2 - z1) * sixth + (z3 - z4) * twelfth,
      (z3 + z4 - z1 - z2) * sixth + z5
    )
  }
}
