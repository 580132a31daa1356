/// Channel conversion and resizing for channels-last pictures.
public enum ImageOps {
  /// Converts the last (channel) axis: 1→3 replicates gray, 3 or 4→1 takes
  /// luminance, 4→3 and 2→1 drop alpha.
  ///
  /// Luminance is ITU-R 601-2, `0.299 R + 0.587 G + 0.114 B`, the formula of
  /// PIL's `convert('L')` (PIL rounds to integers; we keep floats).
  public static func convertChannels(_ image: Tensor, to channels: Int) throws(EngineError)
    -> Tensor
  {
    guard let have = image.shape.dims.last, image.shape.rank >= 3 else {
      throw .badShape("an image is shaped (H, W, C), got \(image.shape)")
    }
    if have == channels { return image }
    let pixels = have == 0 ? 0 : image.count / have
    let s = image.scalars
    var out = [Float]()
    out.reserveCapacity(pixels * channels)
    switch (have, channels) {
    case (1, 3):
      for p in 0..<pixels { out += [s[p], s[p], s[p]] }
    case (3, 1), (4, 1):
      for p in 0..<pixels {
        let i = p * have
        out.append(0.299 * s[i] + 0.587 * s[i + 1] + 0.114 * s[i + 2])
      }
    case (4, 3):
      for p in 0..<pixels { out += s[(p * 4)..<(p * 4 + 3)] }
    case (2, 1):
      for p in 0..<pixels { out.append(s[p * 2]) }
    default:
      throw .badShape(
        "cannot convert an image from \(have) to \(channels) channels; supported: 1→3, 3→1, 4→1, 4→3, 2→1"
      )
    }
    var dims = image.shape.dims
    dims[dims.count - 1] = channels
    return Tensor(validShape: Shape(dims), scalars: out)
  }

  /// Resizes `[H, W, C]` (or a batch `[N, H, W, C]`) with bilinear
  /// interpolation and half-pixel centres, as `tf.image.resize(method='bilinear',
  /// antialias=False)`, i.e. `ResizeBilinear(half_pixel_centers=True)`.
  ///
  /// Output pixel `o` samples input coordinate `(o + 0.5) * in / out - 0.5`,
  /// between `lower = max(floor(x), 0)` and `upper = min(ceil(x), in - 1)` with
  /// weight `x - floor(x)` (TensorFlow's `compute_interpolation_weights` with
  /// `HalfPixelScaler`, tensorflow/core/kernels/image/resize_bilinear_op.cc; the
  /// Python side is `tf.image.resize` in tensorflow/python/ops/image_ops_impl.py).
  /// The shape and sizes are the caller's to validate: both must be positive.
  public static func resizeBilinear(_ image: Tensor, height: Int, width: Int) -> Tensor {
    let dims = image.shape.dims
    precondition(
      dims.count == 3 || dims.count == 4, "internal: resizeBilinear needs (H, W, C) or (N, H, W, C)"
    )
    precondition(height > 0 && width > 0, "internal: resizeBilinear to \(height)x\(width)")
    let batched = dims.count == 4
    let (n, inH, inW, c) =
      batched ? (dims[0], dims[1], dims[2], dims[3]) : (1, dims[0], dims[1], dims[2])
    if inH == height && inW == width { return image }
    let ys = weights(out: height, in: inH)
    let xs = weights(out: width, in: inW)
    let s = image.scalars
    var out = [Float](repeating: 0, count: n * height * width * c)
    for b in 0..<n {
      let inBase = b * inH * inW * c
      let outBase = b * height * width * c
      for oy in 0..<height {
        let y = ys[oy]
        for ox in 0..<width {
          let x = xs[ox]
          for ch in 0..<c {
            let tl = s[inBase + (y.lower * inW + x.lower) * c + ch]
            let tr = s[inBase + (y.lower * inW + x.upper) * c + ch]
            let bl = s[inBase + (y.upper * inW + x.lower) * c + ch]
            let br = s[inBase + (y.upper * inW + x.upper) * c + ch]
            // Same order of operations as TensorFlow's compute_lerp.
            let top = tl + (tr - tl) * x.lerp
            let bottom = bl + (br - bl) * x.lerp
            out[outBase + (oy * width + ox) * c + ch] = top + (bottom - top) * y.lerp
          }
        }
      }
    }
    let shape: Shape = batched ? [n, height, width, c] : [height, width, c]
    return Tensor(validShape: shape, scalars: out)
  }

  private static func weights(out: Int, in size: Int) -> [(lower: Int, upper: Int, lerp: Float)] {
    let scale = Float(size) / Float(out)
    return (0..<out).map { o in
      let x = (Float(o) + 0.5) * scale - 0.5
      let xf = x.rounded(.down)
      return (
        WholeNumber.clamped(xf, in: 0...(size - 1)),
        WholeNumber.clamped(x, in: 0...(size - 1), rounding: .up), x - xf
      )
    }
  }
}
