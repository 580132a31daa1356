import Foundation

/// Netpbm graymaps and pixmaps: P2 (ASCII gray), P3 (ASCII colour),
/// P5 (binary gray), P6 (binary colour), any maxval from 1 to 65535
/// (https://netpbm.sourceforge.net/doc/pgm.html, .../ppm.html).
enum NetpbmCodec {
  static func hasMagic(_ data: Data) -> Bool {
    let b = [UInt8](data.prefix(3))
    return b.count == 3 && b[0] == UInt8(ascii: "P")
      && (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(b[1])
      && [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "#")].contains(b[2])
  }

  /// Decodes to 1 (PGM) or 3 (PPM) channels; levels are rescaled from
  /// 0...maxval to 0...255, so maxval 255 files come out unchanged.
  static func decode(_ data: Data, source: String, maxPixels: Int) throws(EngineError)
    -> RasterImage
  {
    func fail(_ message: String) -> EngineError { .file(path: source, message: message) }
    let b = [UInt8](data)
    let kind = b[1]
    guard
      [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains(kind)
    else {
      throw fail(
        "Netpbm type P\(Character(Unicode.Scalar(kind))) is not supported (P2, P3, P5 and P6 are); convert it to PNG"
      )
    }
    let ascii = kind == UInt8(ascii: "2") || kind == UInt8(ascii: "3")
    let channels = kind == UInt8(ascii: "3") || kind == UInt8(ascii: "6") ? 3 : 1
    var reader = TokenReader(bytes: b, position: 2)
    guard let width = reader.nextNumber(), let height = reader.nextNumber(),
      let maxval = reader.nextNumber()
    else {
      throw fail(
        "the Netpbm header is incomplete or not numeric; expected width, height and maxval")
    }
    guard (1...65535).contains(maxval) else {
      throw fail("the Netpbm maxval \(maxval) is outside 1...65535")
    }
    try checkImageSize(width: width, height: height, maxPixels: maxPixels, source: source)
    let samples = width * height * channels
    let scale = 255 / Float(maxval)
    var levels = [Float]()
    if ascii {
      // Each sample takes at least one digit and one separator.
      guard samples <= (b.count - reader.position + 1) / 2 else {
        throw fail("the file is truncated: a \(width)x\(height) image needs \(samples) samples")
      }
      levels.reserveCapacity(samples)
      for _ in 0..<samples {
        guard let v = reader.nextNumber() else {
          throw fail(
            "the file is truncated or has a non-numeric sample: a \(width)x\(height) image needs \(samples) samples"
          )
        }
        guard v <= maxval else { throw fail("sample \(v) is above the maxval \(maxval)") }
        levels.append(Float(v) * scale)
      }
    } else {
      // Exactly one whitespace byte separates maxval from the raster.
      let start = reader.position + 1
      let bytesPerSample = maxval < 256 ? 1 : 2
      let needed = samples * bytesPerSample
      guard start <= b.count, needed <= b.count - start else {
        throw fail(
          "the file is truncated: a \(width)x\(height) image needs \(needed) bytes of pixels, \(max(0, b.count - start)) follow the header"
        )
      }
      levels.reserveCapacity(samples)
      for s in 0..<samples {
        let v =
          bytesPerSample == 1
          ? Int(b[start + s]) : Int(b[start + 2 * s]) << 8 | Int(b[start + 2 * s + 1])
        guard v <= maxval else { throw fail("sample \(v) is above the maxval \(maxval)") }
        levels.append(Float(v) * scale)
      }
    }
    return RasterImage(height: height, width: width, channels: channels, levels: levels)
  }

  /// Whitespace-separated decimal numbers, skipping `#` comments to end of line.
  private struct TokenReader {
    let bytes: [UInt8]
    var position: Int

    mutating func nextNumber() -> Int? {
      while position < bytes.count {
        let c = bytes[position]
        if c == UInt8(ascii: "#") {
          while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D {
            position += 1
          }
        } else if [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(c) {
          position += 1
        } else {
          break
        }
      }
      var value = 0
      var digits = 0
      while position < bytes.count,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
      {
        // Nine digits already exceed every limit we check against, so stop before overflow.
        guard digits < 9 else { return nil }
        value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
        digits += 1
        position += 1
      }
      return digits > 0 ? value : nil
    }
  }
}
