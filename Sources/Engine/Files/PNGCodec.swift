import CPNG
import Foundation

/// PNG through libpng's simplified API, which reports errors as return
/// values, so no setjmp is needed on the Swift side.
public enum PNGCodec {
  /// Encodes 8-bit gray (`channels` 1) or RGB (`channels` 3) pixels, row-major, as a PNG.
  public static func encode(rgb8 pixels: [UInt8], width: Int, height: Int, channels: Int)
    throws(EngineError) -> Data
  {
    guard channels == 1 || channels == 3 else {
      throw .badShape("a PNG is written from 1 (gray) or 3 (RGB) channels, got \(channels)")
    }
    let (count, overflow) = width.multipliedReportingOverflow(by: height)
    guard width > 0, height > 0, !overflow, width * channels <= Int(Int32.max) else {
      throw .badShape(
        "cannot write a \(width)x\(height) PNG; both sides must be positive and not huge")
    }
    guard pixels.count == count * channels else {
      throw .badShape(
        "a \(width)x\(height)x\(channels) PNG needs \(count * channels) bytes, got \(pixels.count)")
    }
    var image = png_image()
    image.version = png_uint_32(PNG_IMAGE_VERSION)
    image.width = png_uint_32(width)
    image.height = png_uint_32(height)
    image.format = channels == 3 ? png_uint_32(PNG_FORMAT_FLAG_COLOR) : 0  // RGB or GRAY
    let stride = Int32(width * channels)
    // The first call only measures, so the buffer is allocated once at the right size.
    var size = png_alloc_size_t(0)
    guard png_image_write_to_memory(&image, nil, &size, 0, pixels, stride, nil) != 0 else {
      defer { png_image_free(&image) }
      throw .data("cannot encode the PNG (\(libpngMessage(image)))")
    }
    var out = [UInt8](repeating: 0, count: Int(size))
    let ok = out.withUnsafeMutableBytes {
      png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels, stride, nil)
    }
    guard ok != 0 else {
      defer { png_image_free(&image) }
      throw .data("cannot encode the PNG (\(libpngMessage(image)))")
    }
    return Data(out.prefix(Int(size)))
  }

  /// Encodes and writes a PNG atomically.
  public static func write(
    rgb8 pixels: [UInt8], width: Int, height: Int, channels: Int, path: String
  ) throws(EngineError) {
    try AtomicFile.write(
      encode(rgb8: pixels, width: width, height: height, channels: channels), to: path)
  }

  static let magic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Decodes a PNG: gray files to 1 channel, colour (and palette) files to 3.
  ///
  /// Pixels are read with their alpha and the alpha is then dropped by us:
  /// asking libpng for RGB directly would composite transparent pixels onto
  /// a background, while PIL's `convert('RGB')` simply discards alpha.
  static func decode(_ data: Data, source: String, maxPixels: Int) throws(EngineError)
    -> RasterImage
  {
    var image = png_image()
    image.version = png_uint_32(PNG_IMAGE_VERSION)
    defer { png_image_free(&image) }
    let began = data.withUnsafeBytes {
      png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count)
    }
    guard began != 0 else {
      throw .file(
        path: source, message: "not a readable PNG (\(libpngMessage(image))); it may be corrupt")
    }
    let width = Int(image.width)
    let height = Int(image.height)
    try checkImageSize(width: width, height: height, maxPixels: maxPixels, source: source)
    let colour = image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
    let stored = colour ? 4 : 2
    // RGBA or GA; the composite PNG_FORMAT_ macros are not imported into Swift.
    image.format =
      png_uint_32(PNG_FORMAT_FLAG_ALPHA) | (colour ? png_uint_32(PNG_FORMAT_FLAG_COLOR) : 0)
    guard width * stored <= Int(Int32.max) else {
      throw .tooLarge("\(source): the image is \(width) pixels wide, too wide to decode")
    }
    var pixels = [UInt8](repeating: 0, count: width * height * stored)
    let finished = pixels.withUnsafeMutableBytes {
      png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * stored), nil)
    }
    guard finished != 0 else {
      throw .file(
        path: source,
        message: "the PNG cannot be decoded (\(libpngMessage(image))); it may be truncated")
    }
    let kept = stored - 1
    var levels = [Float]()
    levels.reserveCapacity(width * height * kept)
    for p in 0..<(width * height) {
      for c in 0..<kept { levels.append(Float(pixels[p * stored + c])) }
    }
    return RasterImage(height: height, width: width, channels: kept, levels: levels)
  }

  /// libpng's error text, kept in a fixed C char array inside the image struct.
  private static func libpngMessage(_ image: png_image) -> String {
    withUnsafeBytes(of: image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
