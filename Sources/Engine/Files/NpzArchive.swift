import Foundation
import ZIPFoundation

/// An `.npz` opened for reading, its members known by their `.npy` headers
/// before any array is inflated.
///
/// A 1 MB archive can declare a member of gigabytes (deflate packs zeros
/// a thousandfold), so the header of every member is read first (its first
/// few kilobytes), checked against the size the zip declares, and handed to
/// the caller, who refuses by name, dtype and shape what it has no use for;
/// only then is ``array(_:)`` asked to inflate. Every inflated member is
/// checked against its CRC-32, as numpy's zipfile does.
final class NpzArchive {
  /// One member: its name without `.npy` and what its header promises.
  struct Member {
    var name: String
    var header: Npy.Header
    /// The `.npy` bytes the member inflates to (header and data).
    var size: Int
    fileprivate var entry: Entry
  }

  /// The most members an archive may have; a model of 1,000 layers has 2,001.
  static let maxMembers = 10_000

  let source: String
  private let archive: Archive
  private let file: RegularFile?
  private let staged: URL?
  private(set) var members: [Member] = []

  /// Opens the archive at `path` (a regular file only) and reads every header.
  convenience init(path: String) throws(EngineError) {
    let file = try RegularFile(path: path)
    do {
      try self.init(
        archiveAt: URL(fileURLWithPath: file.reopenablePath), file: file, staged: nil, source: path)
    } catch {
      file.close()
      throw error
    }
  }

  /// Reads an archive held in memory; `source` names it in errors.
  convenience init(data: Data, source: String) throws(EngineError) {
    // ZIPFoundation 0.9.20's in-memory reader traps when a corrupt offset points
    // past the end of the data (weichsel/ZIPFoundation#394); its file reader
    // just reaches end-of-file, so the bytes are read back from a private file.
    let staged = FileManager.default.temporaryDirectory
      .appendingPathComponent("layerlab-\(UUID().uuidString).npz")
    do {
      try data.write(to: staged)
    } catch {
      throw .file(
        path: source,
        message: "cannot stage the archive in the temporary folder (\(error.localizedDescription))")
    }
    do {
      try self.init(archiveAt: staged, file: nil, staged: staged, source: source)
    } catch {
      try? FileManager.default.removeItem(at: staged)
      throw error
    }
  }

  private init(archiveAt url: URL, file: RegularFile?, staged: URL?, source: String)
    throws(EngineError)
  {
    self.source = source
    self.file = file
    self.staged = staged
    if let encrypted = ZipDirectory.firstEncryptedMember(atPath: url.path) {
      throw .file(
        path: source,
        message:
          "the archive is encrypted (its member '\(SafeText.terminal(encrypted, limit: 60))' needs a password), which numpy cannot read either; save the arrays again without a password"
      )
    }
    do {
      archive = try Archive(url: url, accessMode: .read)
    } catch {
      throw .file(
        path: source,
        message:
          "not a readable .npz (zip) archive; it may be corrupt or truncated; save arrays with np.savez"
      )
    }
    var seen = Set<String>()
    for entry in archive where entry.type == .file {
      try Interruption.check()
      guard members.count < Self.maxMembers else {
        throw .tooLarge(
          "\(source): the archive has more than \(Self.maxMembers) members; it is not an .npz LayerLab can use"
        )
      }
      let path = entry.path
      let name = path.hasSuffix(".npy") ? String(path.dropLast(4)) : path
      guard seen.insert(name).inserted else {
        throw .file(
          path: source,
          message: "the archive holds '\(Self.shown(name))' twice; it may be corrupt")
      }
      members.append(try member(entry, name: name))
    }
    guard !members.isEmpty else {
      throw .file(
        path: source, message: "the archive holds no arrays; it may be corrupt or not an .npz")
    }
  }

  deinit {
    file?.close()
    if let staged { try? FileManager.default.removeItem(at: staged) }
  }

  /// A member's name as messages show it: escaped and cut.
  static func shown(_ name: String) -> String { SafeText.terminal(name, limit: 60) }

  /// The place of `member` in messages: `data.npz [x_train]`.
  func place(_ name: String) -> String { "\(source) [\(Self.shown(name))]" }

  /// Reads the member's header: inflates only as far as the header reaches.
  private func member(_ entry: Entry, name: String) throws(EngineError) -> Member {
    let declared = entry.uncompressedSize
    guard declared <= UInt64(Int.max / 2) else {
      throw .tooLarge("\(place(name)): the member declares \(declared) bytes, too many to be real")
    }
    var prefix = Data()
    do {
      _ = try archive.extract(entry, bufferSize: 16_384, skipCRC32: true) { chunk in
        prefix.append(chunk.prefix(Npy.maxPrefixBytes - prefix.count))
        if prefix.count >= Npy.maxPrefixBytes || Self.headerComplete(prefix) {
          throw HeaderRead()
        }
      }
    } catch is HeaderRead {
      // Stopped on purpose: the header is in.
    } catch {
      throw .file(
        path: source,
        message:
          "member '\(Self.shown(name))' cannot be extracted (\(error)); the archive may be corrupt or truncated"
      )
    }
    let header = try Npy.parseHeader(
      prefix: prefix, totalSize: Int(declared), source: place(name))
    return Member(name: name, header: header, size: Int(declared), entry: entry)
  }

  /// True once `prefix` holds the whole header its length field promises.
  private static func headerComplete(_ prefix: Data) -> Bool {
    let b = [UInt8](prefix.prefix(12))
    guard b.count >= 10 else { return false }
    let length =
      b[6] == 1
      ? 10 + (Int(b[8]) | Int(b[9]) << 8)
      : (b.count >= 12
        ? 12 + (Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24) : Int.max)
    return prefix.count >= length
  }

  private struct HeaderRead: Error {}
  private struct TooLong: Error {}
  private struct Cancelled: Error {}

  /// Inflates `member` and decodes its values, checking the CRC-32 and Ctrl-C.
  ///
  /// Little-endian float32 and uint8 arrays (weights and 8-bit pictures,
  /// nearly everything; every machine LayerLab builds for is little-endian)
  /// are inflated straight into their final storage: one copy of a 760 MB
  /// kernel in memory, not two.
  func array(_ member: Member) throws(EngineError) -> NDArray {
    let header = member.header
    switch (header.dtype.kind, header.dtype.size, header.dtype.bigEndian) {
    case (.float, 4, false):
      var values = [Float](repeating: 0, count: header.count)
      try values.withUnsafeMutableBytes { raw in inflate(member, into: raw) }.get()
      return NDArray(validShape: header.shape, storage: .float32(values))
    case (.unsigned, 1, _), (.bool, 1, _):
      var values = [UInt8](repeating: 0, count: header.count)
      try values.withUnsafeMutableBytes { raw in inflate(member, into: raw) }.get()
      return NDArray(validShape: header.shape, storage: .uint8(values))
    default:
      return try decodedWhole(member)
    }
  }

  /// Inflates `member`, putting the bytes after its header into `payload`
  /// (exactly the size its header promises); the outcome as a value, for
  /// `withUnsafeMutableBytes`, whose closure cannot throw a typed error.
  private func inflate(_ member: Member, into payload: UnsafeMutableRawBufferPointer)
    -> Result<Void, EngineError>
  {
    Result { () throws(EngineError) in try inflateOrThrow(member, into: payload) }
  }

  private func inflateOrThrow(_ member: Member, into payload: UnsafeMutableRawBufferPointer)
    throws(EngineError)
  {
    let start = member.header.dataOffset
    var position = 0
    let checksum = try extract(member) { chunk in
      guard position + chunk.count <= member.size else { throw TooLong() }
      chunk.withUnsafeBytes { bytes in
        // The part of this chunk past the header, at its place in the payload.
        let skip = max(start - position, 0)
        if skip < bytes.count, let base = payload.baseAddress, let from = bytes.baseAddress {
          (base + (position + skip - start)).copyMemory(
            from: from + skip, byteCount: bytes.count - skip)
        }
      }
      position += chunk.count
    }
    try check(member, checksum: checksum, received: position)
  }

  /// Runs ZIPFoundation's extraction with Ctrl-C and errors made ours.
  private func extract(_ member: Member, _ consume: (Data) throws -> Void) throws(EngineError)
    -> CRC32
  {
    do {
      return try archive.extract(member.entry) { chunk in
        if Interruption.isPending { throw Cancelled() }
        try consume(chunk)
      }
    } catch is Cancelled {
      try Interruption.check()
      throw .interrupted
    } catch {
      throw .file(
        path: source,
        message:
          "member '\(Self.shown(member.name))' cannot be extracted (\(error is TooLong ? "it holds more than it declares" : "\(error)")); the archive may be corrupt or truncated"
      )
    }
  }

  private func check(_ member: Member, checksum: CRC32, received: Int) throws(EngineError) {
    guard checksum == member.entry.checksum else {
      throw .file(
        path: source,
        message:
          "member '\(Self.shown(member.name))' is damaged: its CRC-32 checksum does not match its data (numpy refuses it too); the file is corrupt, save or download it again"
      )
    }
    guard received == member.size else {
      throw .file(
        path: source,
        message:
          "member '\(Self.shown(member.name))' is truncated: it declares \(member.size) bytes but holds \(received)"
      )
    }
  }

  /// The whole member in memory, then decoded (other dtypes and byte orders).
  private func decodedWhole(_ member: Member) throws(EngineError) -> NDArray {
    var bytes = Data()
    // The declared size is not trusted for a reservation: past 64 MB the
    // buffer grows as data really arrives.
    bytes.reserveCapacity(min(member.size, 1 << 26))
    let checksum = try extract(member) { chunk in
      // A lying size field must not let a member grow without bound.
      guard bytes.count + chunk.count <= member.size else { throw TooLong() }
      bytes.append(chunk)
    }
    try check(member, checksum: checksum, received: bytes.count)
    let header = try Npy.parseHeader(bytes, source: place(member.name))
    return Npy.decodeValues(bytes, header)
  }
}

/// The one fact ZIPFoundation does not expose: whether a member is
/// encrypted (bit 0 of its general-purpose flags). Read from the central
/// directory at the end of the file; anything unexpected answers nil and
/// leaves the archive to ZIPFoundation, which refuses it in its own way.
enum ZipDirectory {
  static func firstEncryptedMember(atPath path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    guard let end = try? handle.seekToEnd(), end >= 22 else { return nil }
    // The end-of-central-directory record is in the last 22 + 65,535 bytes.
    let tailLength = min(end, 22 + 65_535)
    guard (try? handle.seek(toOffset: end - tailLength)) != nil,
      let tailData = try? handle.read(upToCount: Int(tailLength))
    else { return nil }
    let tail = [UInt8](tailData)
    guard
      let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
        tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
      })
    else { return nil }
    func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    func u32(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u16(b, i)) | UInt64(u16(b, i + 2)) << 16 }
    let size = u32(tail, eocd + 12)
    let offset = u32(tail, eocd + 16)
    // ZIP64 archives (over 4 GB) keep the real values elsewhere: not checked here.
    guard size < 0xFFFF_FFFF, offset < 0xFFFF_FFFF, offset + size <= end, size <= 64 << 20,
      (try? handle.seek(toOffset: offset)) != nil,
      let directoryData = try? handle.read(upToCount: Int(size))
    else { return nil }
    let d = [UInt8](directoryData)
    var i = 0
    while i + 46 <= d.count, d[i] == 0x50, d[i + 1] == 0x4B, d[i + 2] == 0x01, d[i + 3] == 0x02 {
      let flags = u16(d, i + 8)
      let nameLength = u16(d, i + 28)
      let next = i + 46 + nameLength + u16(d, i + 30) + u16(d, i + 32)
      if flags & 1 != 0 {
        let nameEnd = min(i + 46 + nameLength, d.count)
        return String(decoding: d[(i + 46)..<nameEnd], as: UTF8.self)
      }
      i = next
    }
    return nil
  }
}
