import Foundation

/// Loads one picture from disk as a `[height, width, channels]` tensor.
///
/// The project's one pixel rule: 8-bit pixels become floats multiplied by
/// `pixelScale` (1/256 by default, like the seed script's `X / 256`); float
/// `.npy` arrays are taken as they are; integer `.npy` arrays are treated as
/// 8-bit pixels and scaled. Netpbm files with a maxval other than 255 are
/// first brought to the 8-bit range.
public enum ImageFile {
  /// The largest picture accepted, in pixels (2048 x 2048), by `image` and
  /// by every picture of a dataset folder alike, so a huge photo cannot stall the REPL.
  public static let defaultMaxPixels = 4_194_304

  /// Reads a PNG, JPEG, PGM/PPM or `.npy` image, detected by its first bytes.
  public static func load(
    path: String, pixelScale: Float = 1.0 / 256.0, maxPixels: Int = defaultMaxPixels
  ) throws(EngineError) -> Tensor {
    // The largest legitimate file is a float64 RGBA .npy of maxPixels pixels.
    let (raw, overflow) = max(maxPixels, 1).multipliedReportingOverflow(by: 32)
    let data = try FileBytes.read(path: path, maxBytes: overflow ? Int.max : raw + 1_000_000)
    return try decode(data, source: path, pixelScale: pixelScale, maxPixels: maxPixels)
  }

  /// Decodes image bytes held in memory; `source` names them in errors.
  public static func decode(
    _ data: Data, source: String, pixelScale: Float = 1.0 / 256.0,
    maxPixels: Int = defaultMaxPixels
  ) throws(EngineError) -> Tensor {
    // 255 times the scale must stay finite, or every bright pixel becomes infinity.
    guard pixelScale.isFinite, pixelScale > 0, (255 * pixelScale).isFinite else {
      throw .data("the pixel scale must be a positive number such as 1/256, got \(pixelScale)")
    }
    let raster: RasterImage
    if data.prefix(8).elementsEqual(PNGCodec.magic) {
      raster = try PNGCodec.decode(data, source: source, maxPixels: maxPixels)
    } else if JPEGCodec.hasMagic(data) {
      raster = try JPEGCodec.decode(data, source: source, maxPixels: maxPixels)
    } else if NetpbmCodec.hasMagic(data) {
      raster = try NetpbmCodec.decode(data, source: source, maxPixels: maxPixels)
    } else if Npy.hasMagic(data) {
      return try decodeNpy(data, source: source, pixelScale: pixelScale, maxPixels: maxPixels)
    } else {
      throw .file(
        path: source,
        message:
          "not a PNG, JPEG, PGM/PPM or .npy image (the format is recognised by its first bytes, not its name)"
      )
    }
    let shape: Shape = [raster.height, raster.width, raster.channels]
    return Tensor(validShape: shape, scalars: raster.levels.map { $0 * pixelScale })
  }

  /// An `.npy` picture: `(H, W)` becomes one channel, `(H, W, C)` keeps C in 1...4.
  private static func decodeNpy(
    _ data: Data, source: String, pixelScale: Float, maxPixels: Int
  ) throws(EngineError) -> Tensor {
    let header = try Npy.parseHeader(data, source: source)
    let dims = header.shape
    guard dims.count == 2 || (dims.count == 3 && (1...4).contains(dims[2])) else {
      throw .file(
        path: source,
        message:
          "an image array must be shaped (H, W) or (H, W, C) with C from 1 to 4, got \(Shape(dims))"
      )
    }
    try checkImageSize(width: dims[1], height: dims[0], maxPixels: maxPixels, source: source)
    let array = Npy.decodeValues(data, header)
    let shape: Shape = [dims[0], dims[1], dims.count == 3 ? dims[2] : 1]
    // int64 levels times the scale can still overflow Float, so both paths are checked.
    let values = array.isInteger ? array.floats().map { $0 * pixelScale } : array.floats()
    guard values.allSatisfy(\.isFinite) else {
      throw .nonFinite(
        "\(source): the image array holds NaN or infinite values; clean it first, e.g. with np.nan_to_num"
      )
    }
    return Tensor(validShape: shape, scalars: values)
  }
}
