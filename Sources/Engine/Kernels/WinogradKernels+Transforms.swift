/// Winograd's transforms: the kernel's (G g Gᵀ), the input tiles' (Bᵀ d B)
/// and the products' Aᵀ M A (with the bias, ReLU and 2x2 max pooling),
/// with the matrices of `WinogradKernels.swift`.
extension Winograd {
  /// U[ξ][c][f] = (G g Gᵀ)[ξ] for every channel c and filter f, where g is
  /// the 3x3 kernel of (c, f): α² matrices `channels × filters`, each laid
  /// out as the micro-kernel's B (rows of filters, contiguous).
  public static func transformKernel(
    _ kernel: [Float], _ tile: Tile, channels: Int, filters: Int
  ) -> [Float] {
    precondition(kernel.count == 9 * channels * filters && filters % 8 == 0)
    return [Float](unsafeUninitializedCapacity: tile.planes * channels * filters) { u, count in
      kernel.withUnsafeBufferPointer { w in
        // A training step transforms every kernel once per step: the
        // channels (each written by one unit) on the threads.
        let (src, dst) = (SendableConstPointer(w.start), SendablePointer(u.start))
        let groups = max(1, min(channels, 16))
        parallelUnits(groups) { unit, _ in
          let c0 = unit * channels / groups
          let c1 = (unit + 1) * channels / groups
          transformKernel(
            src.p, tile, channels: channels, filters: filters, into: dst.p, channelRange: c0..<c1)
        }
      }
      count = tile.planes * channels * filters
    }
  }

  static func transformKernel(
    _ w: UnsafePointer<Float>, _ tile: Tile, channels: Int, filters: Int,
    into u: UnsafeMutablePointer<Float>, channelRange: Range<Int>
  ) {
    let plane = channels * filters
    let alpha = tile.alpha
    // G applied to three values: α of them.
    @inline(__always) func expand(_ a: V, _ b: V, _ c: V, _ out: (Int, V) -> Void) {
      if tile == .f2 {
        let half = V(repeating: 0.5)
        out(0, a)
        out(1, (a + b + c) * half)
        out(2, (a - b + c) * half)
        out(3, c)
      } else {
        let sixth = V(repeating: 1.0 / 6)
        let twelfth = V(repeating: 1.0 / 12)
        let quarter = V(repeating: 0.25)
        let twentyFourth = V(repeating: 1.0 / 24)
        out(0, a * quarter)
        out(1, -(a + b + c) * sixth)
        out(2, -(a - b + c) * sixth)
        out(3, a * twentyFourth + b * twelfth + c * sixth)
        out(4, a * twentyFourth - b * twelfth + c * sixth)
        out(5, c)
      }
    }
    withUnsafeTemporaryAllocation(of: V.self, capacity: 18) { gg in
      for c in channelRange {
        var f = 0
        while f < filters {
          // g[ky][kx] for 8 filters; kernel layout [ky][kx][c][f].
          @inline(__always) func g(_ ky: Int, _ kx: Int) -> V {
            UnsafeRawPointer(w + ((ky * 3 + kx) * channels + c) * filters + f).loadUnaligned(
              as: V.self)
          }
          // G g: α rows of three (gg[i·3 + kx]), column by column.
          for kx in 0..<3 {
            expand(g(0, kx), g(1, kx), g(2, kx)) { i, v in gg[i * 3 + kx] = v }
          }
          // (G g) Gᵀ: each row of three becomes α.
          for i in 0..<alpha {
            expand(gg[i * 3], gg[i * 3 + 1], gg[i * 3 + 2]) { j, v in
              UnsafeMutableRawPointer(u + (alpha * i + j) * plane + c * filters + f).storeBytes(
                of: v, as: V.self)
            }
          }
          f += 8
        }
      }
    }
  }

  /// V for tiles `first ..< first + count`: (Bᵀ d B)[ξ], d being the tile's
  /// α x α input window (zeros outside the picture). Windows that reach into
  /// the padding are first copied, zero-padded, into `window`, so the
  /// transform itself never tests a bound.
  static func transformInput(
    _ walk: TileWalk, first: Int, count: Int, input: UnsafePointer<Float>,
    v: UnsafeMutablePointer<Float>, window: UnsafeMutablePointer<Float>,
    temp: UnsafeMutablePointer<Float>
  ) {
    let g = walk.g
    let c = g.inChannels
    let h = g.inHeight
    let wd = g.inWidth
    let alpha = walk.tile.alpha
    let m = walk.tile.m
    let perTile = walk.tile.planes * c
    walk.forEach(from: first, count: count) { t, image, ty, tx in
      let y0 = m * ty - g.padTop
      let x0 = m * tx - g.padLeft
      let inside = y0 >= 0 && y0 + alpha <= h && x0 >= 0 && x0 + alpha <= wd
      let from: UnsafePointer<Float>
      let rowStride: Int
      if inside {
        from = input + ((image * h + y0) * wd + x0) * c
        rowStride = wd * c
      } else {
        for i in 0..<alpha {
          for j in 0..<alpha {
            let y = y0 + i
            let x = x0 + j
            let cell = window + (i * alpha + j) * c
            if y >= 0 && y < h && x >= 0 && x < wd {
              cell.update(from: input + ((image * h + y) * wd + x) * c, count: c)
            } else {
              cell.update(repeating: 0, count: c)
            }
          }
        }
        from = UnsafePointer(window)
        rowStride = alpha * c
      }
      if walk.tile == .f2 {
        transformWindow2(from, rowStride: rowStride, channels: c, into: v + t * perTile)
      } else {
        transformWindow4(from, rowStride: rowStride, channels: c, into: v + t * perTile, temp: temp)
      }
    }
  }

  /// One F(2,3) tile's V ([c / 8][ξ][8]) from its 4x4 window: row i,
  /// column j, channel ch at `d + i·rowStride + j·c + ch`.
  @inline(__always)
  static func transformWindow2(
    _ d: UnsafePointer<Float>, rowStride: Int, channels c: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    let r0 = UnsafeRawPointer(d)
    let r1 = r0 + rowStride * 4
    let r2 = r1 + rowStride * 4
    let r3 = r2 + rowStride * 4
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
      let k0 = column(0)
      let k1 = column(1)
      let k2 = column(2)
      let k3 = column(3)
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

  /// F(4,3)'s Bᵀ on six values.
  @inline(__always)
  static func inputRows4(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V)
    -> (V, V, V, V, V, V)
  {
    let four = V(repeating: 4)
    let five = V(repeating: 5)
    let two = V(repeating: 2)
    let s12 = d1 + d2
    let d12 = d1 - d2
    let d31 = d3 - d1
    return (
      (d4 - five * d2) + four * d0,
      (d3 + d4) - four * s12,
      (d4 - d3) + four * d12,
      (d4 - d2) + two * d31,
      (d4 - d2) - two * d31,
      (d5 - five * d3) + four * d1
    )
  }

  /// One F(4,3) tile's V ([c / 8][ξ][8]) from its 6x6 window. The 36
  /// vectors of one channel group do not fit in registers: Bᵀ d goes
  /// through `temp` (36 vectors, in L1).
  @inline(__always)
  static func transformWindow4(
    _ d: UnsafePointer<Float>, rowStride: Int, channels c: Int,
    into out: UnsafeMutablePointer<Float>,
    temp: UnsafeMutablePointer<Float>
  ) {
    let base = UnsafeRawPointer(d)
    let rs = rowStride * 4
    let cb = c * 4
    let tmp = UnsafeMutableRawPointer(temp)
    var o = UnsafeMutableRawPointer(out)
    var byte = 0
    while byte < cb {
      // Bᵀ d, column by column, into tmp[i][j].
      for j in 0..<6 {
        let col = base + (byte &+ j &* cb)
        @inline(__always) func at(_ i: Int) -> V {
          col.loadUnaligned(fromByteOffset: i &* rs, as: V.self)
        }
        let r = inputRows4(at(0), at(1), at(2), at(3), at(4), at(5))
        tmp.storeBytes(of: r.0, toByteOffset: (0 * 6 + j) * 32, as: V.self)
        tmp.storeBytes(of: r.1, toByteOffset: (1 * 6 + j) * 32, as: V.self)
        tmp.storeBytes(of: r.2, toByteOffset: (2 * 6 + j) * 32, as: V.self)
        tmp.storeBytes(of: r.3, toByteOffset: (3 * 6 + j) * 32, as: V.self)
        tmp.storeBytes(of: r.4, toByteOffset: (4 * 6 + j) * 32, as: V.self)
        tmp.storeBytes(of: r.5, toByteOffset: (5 * 6 + j) * 32, as: V.self)
      }
      // (Bᵀ d) B, row by row; ξ = 6i + j.
      for i in 0..<6 {
        @inline(__always) func at(_ j: Int) -> V {
          tmp.load(fromByteOffset: (i * 6 + j) * 32, as: V.self)
        }
        let r = inputRows4(at(0), at(1), at(2), at(3), at(4), at(5))
        let row = i * 6 * 32
        o.storeBytes(of: r.0, toByteOffset: row, as: V.self)
        o.storeBytes(of: r.1, toByteOffset: row + 32, as: V.self)
        o.storeBytes(of: r.2, toByteOffset: row + 64, as: V.self)
        o.storeBytes(of: r.3, toByteOffset: row + 96, as: V.self)
        o.storeBytes(of: r.4, toByteOffset: row + 128, as: V.self)
        o.storeBytes(of: r.5, toByteOffset: row + 160, as: V.self)
      }
      o += 36 * 32
      byte &+= 32
    }
  }

  /// Y = Aᵀ M A for each tile (+ bias, ReLU), written to the output; with
  /// `pool`, the largest of each 2x2 window of Y instead. With `mask` (laid
  /// out as the output), each value is kept only where the mask's is
  /// positive: the gradient of a ReLU whose output is `mask`, applied as
  /// the values are stored (`ElementwiseKernels.reluBackward`'s select, so
  /// the same bits as a second pass).
  static func transformOutput(
    _ walk: TileWalk, first: Int, count: Int, m: UnsafeMutablePointer<Float>, width: Int,
    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, relu: Bool, pool: Bool,
    mask: UnsafePointer<Float>?, temp: UnsafeMutablePointer<Float>
  ) {
    // The width as a literal, so every read is at a constant offset.
    switch (walk.tile, width) {
    case (.f2, 32):
      transformOutput2(walk, first, count, m, 32, bias, output, relu, pool, mask)
    case (.f2, _):
      transformOutput2(walk, first, count, m, 16, bias, output, relu, pool, mask)
    case (.f4, 32):
      transformOutput4(walk, first, count, m, 32, bias, output, relu, pool, mask, temp)
    case (.f4, _):
      transformOutput4(walk, first, count, m, 16, bias, output, relu, pool, mask, temp)
    }
  }

  /// `y` where `mask`'s values at `at` are positive, +0 elsewhere.
  @inline(__always)
  static func masked(_ y: V, _ mask: UnsafePointer<Float>?, _ at: Int) -> V {
    guard let mask else { return y }
    return V().replacing(with: y, where: UnsafeRawPointer(mask + at).loadUnaligned(as: V.self) .> 0)
  }

  /// x > 0 ? x : 0, as `reluInPlace` (NaN and −0 become +0).
  @inline(__always)
  static func relu(_ y: V) -> V {
    let zero = V()
    return zero.replacing(with: y, where: y .> zero)
  }

  /// The largest of four values that are all ≥ +0 with no NaN (after ReLU).
  @inline(__always)
  static func max4(_ a: V, _ b: V, _ c: V, _ d: V) -> V {
    var best = a
    best.replace(with: b, where: b .> best)
    best.replace(with: c, where: c .> best)
    best.replace(with: d, where: d .> best)
    return best
  }

  @inline(__always)
  static func transformOutput2(
    _ walk: TileWalk, _ first: Int, _ count: Int, _ m: UnsafeMutablePointer<Float>, _ w: Int,
    _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>, _ relu: Bool,
    _ pool: Bool, _ mask: UnsafePointer<Float>?
  ) {
    let g = walk.g
    let f = g.filters
    let oh = g.outHeight
    let ow = g.outWidth
    walk.forEach(from: first, count: count) { t, image, ty, tx in
      let tileM = UnsafeRawPointer(m + t * 16 * f)
      let oy = 2 * ty
      let ox = 2 * tx
      let wholeTile = oy + 2 <= oh && ox + 2 <= ow
      // Pooled, tile t is pooled pixel t (one 2x2 window per tile).
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
          let m0 = at(j)
          let m1 = at(4 + j)
          let m2 = at(8 + j)
          let m3 = at(12 + j)
          return (m0 + m1 + m2, m1 - m2 - m3)
        }
        let q0 = column(0)
        let q1 = column(1)
        let q2 = column(2)
        let q3 = column(3)
        // (Aᵀ M) A.
        let b = bias.map { UnsafeRawPointer($0 + k).loadUnaligned(as: V.self) } ?? V()
        var y00 = q0.0 + q1.0 + q2.0 + b
        var y01 = q1.0 - q2.0 - q3.0 + b
        var y10 = q0.1 + q1.1 + q2.1 + b
        var y11 = q1.1 - q2.1 - q3.1 + b
        if relu {
          y00 = Self.relu(y00)
          y01 = Self.relu(y01)
          y10 = Self.relu(y10)
          y11 = Self.relu(y11)
        }
        if pool {
          UnsafeMutableRawPointer(o + k).storeBytes(of: max4(y00, y01, y10, y11), as: V.self)
        } else {
          @inline(__always) func put(_ y: V, _ dy: Int, _ dx: Int) {
            let at = o - output + (dy * ow + dx) * f + k
            UnsafeMutableRawPointer(output + at).storeBytes(
              of: Self.masked(y, mask, at), as: V.self)
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
    }
  }

  /// F(4,3)'s Aᵀ on six values.
  @inline(__always)
  static func outputRows4(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V) -> (V, V, V, V) {
    let s12 = m1 + m2
    let d12 = m1 - m2
    let s34 = m3 + m4
    let d34 = m3 - m4
    let two = V(repeating: 2)
    let four = V(repeating: 4)
    let eight = V(repeating: 8)
    return (m0 + s12 + s34, d12 + two * d34, s12 + four * s34, (d12 + m5) + eight * d34)
  }

  @inline(__always)
  static func transformOutput4(
    _ walk: TileWalk, _ first: Int, _ count: Int, _ m: UnsafeMutablePointer<Float>, _ w: Int,
    _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>, _ relu: Bool,
    _ pool: Bool, _ mask: UnsafePointer<Float>?,
    _ temp: UnsafeMutablePointer<Float>
  ) {
    let g = walk.g
    let f = g.filters
    let oh = g.outHeight
    let ow = g.outWidth
    let ph = oh / 2
    let pw = ow / 2
    let tmp = UnsafeMutableRawPointer(temp)
    walk.forEach(from: first, count: count) { t, image, ty, tx in
      let tileM = UnsafeRawPointer(m + t * 36 * f)
      let oy = 4 * ty
      let ox = 4 * tx
      let rowsHere = pool ? min(2, ph - 2 * ty) : min(4, oh - oy)
      let colsHere = pool ? min(2, pw - 2 * tx) : min(4, ow - ox)
      let o =
        pool
        ? output + ((image * ph + 2 * ty) * pw + 2 * tx) * f
        : output + ((image * oh + oy) * ow + ox) * f
      let rowPitch = pool ? pw : ow
      var k = 0
      while k < f {
        let base = tileM + ((k / w) * 36 * w + k % w) * 4
        // Aᵀ M, column by column, into tmp[i][j] (4 x 6).
        for j in 0..<6 {
          @inline(__always) func at(_ i: Int) -> V {
            base.loadUnaligned(fromByteOffset: (i * 6 + j) * w * 4, as: V.self)
          }
          let r = outputRows4(at(0), at(1), at(2), at(3), at(4), at(5))
          tmp.storeBytes(of: r.0, toByteOffset: (0 * 6 + j) * 32, as: V.self)
          tmp.storeBytes(of: r.1, toByteOffset: (1 * 6 + j) * 32, as: V.self)
          tmp.storeBytes(of: r.2, toByteOffset: (2 * 6 + j) * 32, as: V.self)
          tmp.storeBytes(of: r.3, toByteOffset: (3 * 6 + j) * 32, as: V.self)
        }
        let b = bias.map { UnsafeRawPointer($0 + k).loadUnaligned(as: V.self) } ?? V()
        // (Aᵀ M) A, row by row: y[i][0..<4].
        @inline(__always) func row(_ i: Int) -> (V, V, V, V) {
          @inline(__always) func at(_ j: Int) -> V {
            tmp.load(fromByteOffset: (i * 6 + j) * 32, as: V.self)
          }
          var y = outputRows4(at(0), at(1), at(2), at(3), at(4), at(5))
          y = (y.0 + b, y.1 + b, y.2 + b, y.3 + b)
          if relu { y = (Self.relu(y.0), Self.relu(y.1), Self.relu(y.2), Self.relu(y.3)) }
          return y
        }
        @inline(__always) func put(_ y: V, _ dy: Int, _ dx: Int) {
          let at = o - output + (dy * rowPitch + dx) * f + k
          UnsafeMutableRawPointer(output + at).storeBytes(
            of: Self.masked(y, mask, at), as: V.self)
        }
        if pool {
          for py in 0..<rowsHere {
            let a = row(2 * py)
            let c = row(2 * py + 1)
            put(max4(a.0, a.1, c.0, c.1), py, 0)
            if colsHere > 1 { put(max4(a.2, a.3, c.2, c.3), py, 1) }
          }
        } else {
          for i in 0..<rowsHere {
            let y = row(i)
            put(y.0, i, 0)
            if colsHere > 1 { put(y.1, i, 1) }
            if colsHere > 2 { put(y.2, i, 2) }
            if colsHere > 3 { put(y.3, i, 3) }
          }
        }
        k += 8
      }
    }
  }
}
