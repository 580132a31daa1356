/// A decoded picture before the pixel rule is applied: row-major
/// `[height, width, channels]` levels on the 8-bit scale (0...255).
///
/// Levels are floats so that 16-bit and odd-maxval Netpbm files keep their
/// precision instead of being rounded to 8 bits.
struct RasterImage {
  var height: Int
  var width: Int
  var channels: Int
  var levels: [Float]
}

/// Refuses empty and oversized pictures from their header, before any pixel is decoded.
func checkImageSize(width: Int, height: Int, maxPixels: Int, source: String) throws(EngineError) {
  guard width > 0, height > 0 else {
    throw .file(path: source, message: "the image is empty (\(width)x\(height) pixels)")
  }
  let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
  guard !overflow, pixels <= maxPixels else {
    throw .tooLarge(
      "\(source): the image is \(width)x\(height) pixels, more than the limit of \(maxPixels); shrink it first"
    )
  }
}
