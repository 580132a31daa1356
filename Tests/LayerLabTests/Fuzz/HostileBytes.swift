import Engine
import Foundation

/// Builders for the adversarial files of issue 16, made in code so no large
/// fixture is committed: zip archives with chosen flags and sizes, a PNG
/// whose compressed stream goes on for gigabytes after the image, a
/// progressive JPEG with any number of scans.
enum HostileBytes {
  /// CRC-32 as zip and PNG use it, a table per byte (tens of MB get summed).
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    bytes.withUnsafeBufferPointer { buffer in
      for b in buffer { crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
    }
    return ~crc
  }

  static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
    return c
  }

  static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
  static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
  static func be32(_ v: UInt32) -> [UInt8] {
    (0..<4).reversed().map { UInt8((v >> (8 * $0)) & 0xFF) }
  }
  static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

  /// One member of a hand-made zip.
  struct ZipMember {
    var name: String
    /// The bytes as stored (raw deflate when `method` is 8).
    var stored: [UInt8]
    var method = 0
    /// What the zip claims the member inflates to; the stored size when nil.
    var declaredSize: UInt32? = nil
    /// The CRC-32 written; that of `stored` when nil (right for method 0).
    var crc: UInt32? = nil
    var flags = 0x0800  // UTF-8 names
  }

  /// A zip archive of `members`, local headers then the central directory.
  static func zip(_ members: [ZipMember]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for m in members {
      let name = Array(m.name.utf8)
      let crc = m.crc ?? crc32(m.stored)
      let size = m.declaredSize ?? UInt32(m.stored.count)
      let offset = UInt32(out.count)
      out +=
        [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(m.flags) + le16(m.method) + le16(0)
        + le16(0x21)
      out += le32(crc) + le32(UInt32(m.stored.count)) + le32(size) + le16(name.count) + le16(0)
      out += name + m.stored
      central += [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(m.flags) + le16(m.method)
      central += le16(0) + le16(0x21) + le32(crc) + le32(UInt32(m.stored.count)) + le32(size)
      central += le16(name.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset)
      central += name
    }
    let start = UInt32(out.count)
    out += central
    out += [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(members.count) + le16(members.count)
    out += le32(UInt32(central.count)) + le32(start) + le16(0)
    return out
  }

  /// A stored zip member holding `array` as numpy writes it.
  static func npyMember(_ name: String, _ array: NDArray) -> ZipMember {
    ZipMember(name: name + ".npy", stored: [UInt8](Npy.encode(array)))
  }

  /// The `.npy` header bytes for `shape` of `descr`, as numpy pads them.
  static func npyHeader(descr: String, shape: [Int]) -> [UInt8] {
    let tuple =
      shape.count == 1
      ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    return npyHeader(dict: "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }")
  }

  /// The `.npy` header bytes for any dict text, as numpy pads them.
  static func npyHeader(dict text: String) -> [UInt8] {
    var dict = Array(text.utf8)
    let padding = (64 - (10 + dict.count + 1) % 64) % 64
    dict += [UInt8](repeating: 0x20, count: padding) + [0x0A]
    return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0] + le16(dict.count) + dict
  }

  /// A deflated member whose header promises `shape` of `descr` and whose
  /// zip entry declares the matching size, but whose compressed data stops
  /// being valid deflate 64 KB after the header: inflating it fails, so a
  /// reader can only refuse it cleanly by its header, before inflating.
  static func bombMember(_ name: String, descr: String, shape: [Int], itemSize: Int) -> ZipMember {
    let header = npyHeader(descr: descr, shape: shape)
    // Non-final stored deflate blocks: the header, then 64 KB of zeros (so a
    // reader of the first kilobytes never meets what follows), then bytes
    // that are not a valid block (BTYPE 11).
    var stored: [UInt8] = [0x00] + le16(header.count) + le16(~header.count & 0xFFFF) + header
    for _ in 0..<2 {
      stored +=
        [0x00] + le16(32_768) + le16(~32_768 & 0xFFFF) + [UInt8](repeating: 0, count: 32_768)
    }
    stored += [0x07, 0xFF, 0xFF, 0xFF]
    let total = header.count + shape.reduce(1, *) * itemSize
    return ZipMember(
      name: name + ".npy", stored: stored, method: 8, declaredSize: UInt32(total), crc: 0)
  }

  // MARK: - PNG

  static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return be32(UInt32(data.count)) + body + be32(crc32(body))
  }

  /// A 16x16 black gray PNG whose zlib stream, after the image's 272 bytes,
  /// goes on inflating zeros: about 2,064 bytes of zeros per 13 bytes of
  /// file, so `periods` of 4 million give a 52 MB file and 8 GB of zeros.
  static func pngWithTrailingZeros(periods: Int) -> [UInt8] {
    let deflate = zerosDeflate(periods: periods)
    let length = 1 + 258 * 8 * (3 + periods)
    // Adler-32 of all zeros: a stays 1, b gains 1 per byte.
    let adler = UInt32(length % 65_521) << 16 | 1
    let zlib = [0x78, 0x01] + deflate + be32(adler)
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    png += pngChunk("IHDR", be32(16) + be32(16) + [8, 0, 0, 0, 0])
    var offset = 0
    while offset < zlib.count {
      let end = min(offset + (1 << 20), zlib.count)
      png += pngChunk("IDAT", Array(zlib[offset..<end]))
      offset = end
    }
    return png + pngChunk("IEND", [])
  }

  /// A fixed-Huffman deflate block: one literal zero, then 8 x (3 +
  /// `periods`) copies of 258 bytes at distance 1, then the end of block.
  /// Eight copies take 104 bits, 13 bytes, so the middle repeats exactly.
  static func zerosDeflate(periods: Int) -> [UInt8] {
    var bits = BitWriter()
    bits.write(1, count: 1)  // BFINAL
    bits.write(1, count: 2)  // BTYPE 01: fixed Huffman
    bits.writeCode(0b0011_0000, length: 8)  // literal 0
    for _ in 0..<24 {
      bits.writeCode(0b1100_0101, length: 8)  // length 258 (code 285)
      bits.writeCode(0, length: 5)  // distance 1 (code 0)
    }
    bits.writeCode(0, length: 7)  // end of block (256)
    let small = bits.bytes
    // Bytes 2... lie wholly in the periodic part: insert whole periods there.
    let period = Array(small[2..<15])
    var out = Array(small[0..<2])
    out.reserveCapacity(small.count + periods * 13)
    for _ in 0..<periods { out += period }
    return out + small[2...]
  }

  struct BitWriter {
    var bytes: [UInt8] = []
    var used = 0
    /// `value`'s low `count` bits, least significant first (deflate's order for data).
    mutating func write(_ value: Int, count: Int) {
      for i in 0..<count { push((value >> i) & 1) }
    }
    /// A Huffman code, most significant bit first.
    mutating func writeCode(_ code: Int, length: Int) {
      for i in stride(from: length - 1, through: 0, by: -1) { push((code >> i) & 1) }
    }
    private mutating func push(_ bit: Int) {
      if used == 0 { bytes.append(0) }
      bytes[bytes.count - 1] |= UInt8(bit << used)
      used = (used + 1) % 8
    }
  }

  // MARK: - JPEG

  static func jpegSegment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
    [0xFF, marker] + be16(body.count + 2) + body
  }

  /// A progressive `side` x `side` gray JPEG (`side` a multiple of 1024),
  /// flat black: one DC scan, then `acScans` identical first-pass AC scans
  /// (all coefficients, Al = 0, so libjpeg finds nothing wrong with
  /// repeating them), each a pass over every block in a few bytes of file.
  static func progressiveJPEG(side: Int = 1024, acScans: Int) -> [UInt8] {
    let blocks = (side / 8) * (side / 8)
    var out: [UInt8] = [0xFF, 0xD8]
    out += jpegSegment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
    out += jpegSegment(0xC2, [8] + be16(side) + be16(side) + [1, 1, 0x11, 0])
    // One code of length 1 in each table: DC category 0, AC EOB run of 2^14.
    out += jpegSegment(0xC4, [0x00, 1] + [UInt8](repeating: 0, count: 15) + [0x00])
    out += jpegSegment(0xC4, [0x10, 1] + [UInt8](repeating: 0, count: 15) + [0xE0])
    out += jpegSegment(0xDA, [1, 1, 0x00, 0, 0, 0x00])
    out += [UInt8](repeating: 0, count: blocks / 8)  // one-bit DC codes
    // AC: per 16,384 blocks one EOB14 (code 0) and 14 zero bits; then 1s pad.
    var bits = BitWriter()
    for _ in 0..<(blocks / 16_384) { bits.writeCode(0, length: 15) }
    while bits.used != 0 { bits.writeCode(1, length: 1) }
    let ac = jpegSegment(0xDA, [1, 1, 0x00, 1, 63, 0x00]) + bits.bytes
    out.reserveCapacity(out.count + acScans * ac.count + 2)
    for _ in 0..<acScans { out += ac }
    return out + [0xFF, 0xD9]
  }
}
