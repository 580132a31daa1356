import CJPEG
import Foundation

/// JPEG through libjpeg, via the C shim `cjpeg_decode_rgb` that keeps
/// libjpeg's longjmp error handling out of Swift frames.
///
/// The shim makes libjpeg strict and bounded: its warnings (a truncated
/// scan painted gray, a bad arithmetic code) are errors, a progressive file
/// may have at most ``maxScans`` scans (each one is a pass over the whole
/// picture, and a 1 MB file can hold 100,000 of them), and Ctrl-C is seen
/// between rows.
enum JPEGCodec {
  /// Encoders write about 10 progressive scans (libjpeg's simple
  /// progression: 10 for colour, 6 for gray); 100 is generous.
  static let maxScans: Int32 = 100

  static func hasMagic(_ data: Data) -> Bool { data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) }

  /// Decodes to 3 channels (gray JPEGs are expanded to RGB by libjpeg).
  static func decode(_ data: Data, source: String, maxPixels: Int) throws(EngineError)
    -> RasterImage
  {
    // libjpeg allocates the whole picture once it has read the header, so the
    // size is checked first from our own scan of the frame header.
    guard let size = frameSize(data) else {
      throw .file(
        path: source,
        message: "not a readable JPEG (no frame header before the image data); it may be corrupt")
    }
    // Baseline, extended and progressive Huffman coding only. Arithmetic
    // coding (SOF9 and up) is decoded by libjpeg but by no web browser, and
    // Huffman data under an arithmetic header decodes to noise without a
    // warning; lossless and hierarchical JPEGs libjpeg does not decode at all.
    guard [0xC0, 0xC1, 0xC2].contains(size.process) else {
      throw .file(
        path: source,
        message:
          "the JPEG uses \(size.process >= 0xC9 ? "arithmetic coding" : "a lossless or hierarchical process") (marker SOF\(size.process & 0x0F)), which LayerLab, like web browsers, does not decode; save it again as an ordinary JPEG"
      )
    }
    try checkImageSize(width: size.width, height: size.height, maxPixels: maxPixels, source: source)
    // libjpeg only warns about missing data and paints the rest gray, and the
    // shim hides warnings; an end-of-image marker after the scan is our proof
    // that the file is whole (entropy data cannot contain FF D9).
    guard hasEndMarker(data, after: size.scanStart) else {
      throw .file(
        path: source,
        message:
          "the JPEG is truncated (it has no end-of-image marker); download or export it again")
    }
    var out: UnsafeMutablePointer<UInt8>?
    var width: Int32 = 0
    var height: Int32 = 0
    var message = [CChar](repeating: 0, count: 200)
    let status = data.withUnsafeBytes { raw in
      cjpeg_decode_rgb(
        raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count), &out, &width, &height,
        &message, Int32(message.count), Self.maxScans, maxPixels, Interruption.flag)
    }
    defer { free(out) }
    guard status == 0, let out else {
      let text = String(
        decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      switch status {
      case 2:
        throw .file(
          path: source,
          message:
            "the JPEG has \(text) (encoders write about 10); it is damaged or made to stall decoders, so it is not decoded"
        )
      case 3:
        try Interruption.check()
        throw .interrupted
      default:
        throw .file(
          path: source,
          message: "the JPEG cannot be decoded (libjpeg: \(text)); it is damaged or truncated")
      }
    }
    let (w, h) = (Int(width), Int(height))
    try checkImageSize(width: w, height: h, maxPixels: maxPixels, source: source)
    let levels = UnsafeBufferPointer(start: out, count: w * h * 3).map { Float($0) }
    return RasterImage(height: h, width: w, channels: 3, levels: levels)
  }

  private static func hasEndMarker(_ data: Data, after start: Int) -> Bool {
    let b = [UInt8](data)
    var i = b.count - 2
    while i >= start {
      if b[i] == 0xFF && b[i + 1] == 0xD9 { return true }
      i -= 1
    }
    return false
  }

  /// Width and height from the first SOF marker and the offset of the first
  /// scan, walking the segments from the start; nil when the data ends first
  /// or a scan begins before any frame header.
  static func frameSize(_ data: Data) -> (width: Int, height: Int, scanStart: Int, process: UInt8)?
  {
    let b = [UInt8](data)
    var frame: (width: Int, height: Int, process: UInt8)?
    var i = 2
    while i < b.count {
      guard b[i] == 0xFF else { return nil }
      while i < b.count, b[i] == 0xFF { i += 1 }  // fill bytes
      guard i < b.count else { return nil }
      let marker = b[i]
      i += 1
      if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }  // no length field
      if marker == 0xD9 { return nil }
      if marker == 0xDA { return frame.map { ($0.width, $0.height, i, $0.process) } }
      guard i + 1 < b.count else { return nil }
      let length = Int(b[i]) << 8 | Int(b[i + 1])
      guard length >= 2 else { return nil }
      if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
        guard i + 6 < b.count else { return nil }
        if frame == nil {
          frame = (Int(b[i + 5]) << 8 | Int(b[i + 6]), Int(b[i + 3]) << 8 | Int(b[i + 4]), marker)
        }
      }
      i += length
    }
    return nil
  }
}
