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
/// copy and read the input in place (`convolveImplicit`): with k in one
/// cache block, in one kernel pass over all kernel rows
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
}
