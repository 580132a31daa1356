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
  /// Through the shim `cpng_decode` (libpng's progressive reader): alpha is
  /// dropped without compositing, as PIL's `convert('RGB')` drops it, and
  /// the work is bounded by the picture's size whatever the stream holds
  /// after the last row (see shim.h).
  static func decode(_ data: Data, source: String, maxPixels: Int) throws(EngineError)
    -> RasterImage
  {
    var out: UnsafeMutablePointer<UInt8>?
    var width: Int32 = 0
    var height: Int32 = 0
    var channels: Int32 = 0
    var message = [CChar](repeating: 0, count: 200)
    let status = data.withUnsafeBytes { raw in
      cpng_decode(
        raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &out, &width, &height, &channels,
        &message, Int32(message.count), maxPixels, Interruption.flag)
    }
    defer { free(out) }
    let text = String(
      decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    switch status {
    case 0: break
    case 2:
      throw .tooLarge(
        "\(source): \(text), more than the limit of \(maxPixels); shrink it first")
    case 3:
      try Interruption.check()
      throw .interrupted
    default:
      throw .file(
        path: source,
        message: "the PNG cannot be decoded (libpng: \(text)); it is damaged or truncated")
    }
    guard let out else { throw .file(path: source, message: "the PNG decoded to nothing") }
    let (w, h, c) = (Int(width), Int(height), Int(channels))
    try checkImageSize(width: w, height: h, maxPixels: maxPixels, source: source)
    let levels = UnsafeBufferPointer(start: out, count: w * h * c).map { Float($0) }
    return RasterImage(height: h, width: w, channels: c, levels: levels)
  }

  /// libpng's error text, kept in a fixed C char array inside the image struct.
  private static func libpngMessage(_ image: png_image) -> String {
    withUnsafeBytes(of: image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
