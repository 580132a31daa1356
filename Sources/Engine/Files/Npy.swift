import Foundation

/// numpy's `.npy` format: read versions 1.0, 2.0 and 3.0, write version 1.0.
///
/// A file is the magic `\x93NUMPY`, a version, a little-endian header length
/// and a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, padded so the
/// data starts on a 64-byte boundary, then the raw values
/// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
public enum Npy {
  /// Parses a whole `.npy` file held in memory; `source` names it in errors.
  public static func decode(_ data: Data, source: String) throws(EngineError) -> NDArray {
    let header = try parseHeader(data, source: source)
    return decodeValues(data, header)
  }

  /// The `.npy` bytes numpy itself would write for `array` with `np.save`.
  public static func encode(_ array: NDArray) -> Data {
    let descr: String
    switch array.storage {
    case .float32: descr = "<f4"
    case .float64: descr = "<f8"
    case .uint8: descr = "|u1"
    case .int32: descr = "<i4"
    case .int64: descr = "<i8"
    }
    let tuple =
      array.shape.count == 1
      ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
    var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
    // numpy leaves room for the first axis to grow to 21 digits so that
    // appending to a file in place never has to move the data; matching it
    // keeps our files byte-identical to `np.save`'s.
    if let first = array.shape.first {
      dict += String(repeating: " ", count: max(0, 21 - String(first).count))
    }
    let textLength = dict.utf8.count + 1
    let version1 = 10 + textLength + 64 <= 65_535
    let prefix = version1 ? 10 : 12
    let padding = 64 - (prefix + textLength) % 64
    var out = [UInt8](magic)
    out += version1 ? [1, 0] : [2, 0]
    if version1 {
      appendLittleEndian(UInt16(textLength + padding), to: &out)
    } else {
      appendLittleEndian(UInt32(textLength + padding), to: &out)
    }
    out += Array(dict.utf8)
    out += [UInt8](repeating: 0x20, count: padding)
    out.append(0x0A)
    switch array.storage {
    case .float32(let v): for x in v { appendLittleEndian(x.bitPattern, to: &out) }
    case .float64(let v): for x in v { appendLittleEndian(x.bitPattern, to: &out) }
    case .uint8(let v): out += v
    case .int32(let v): for x in v { appendLittleEndian(x, to: &out) }
    case .int64(let v): for x in v { appendLittleEndian(x, to: &out) }
    }
    return Data(out)
  }

  /// Reads a `.npy` file.
  public static func read(path: String) throws(EngineError) -> NDArray {
    try decode(FileBytes.read(path: path), source: path)
  }

  /// Writes `array` to `path` as `.npy` version 1.0, atomically.
  public static func write(_ array: NDArray, path: String) throws(EngineError) {
    try AtomicFile.write(encode(array), to: path)
  }

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

  /// True when `data` starts with the `.npy` magic.
  static func hasMagic(_ data: Data) -> Bool { data.prefix(6).elementsEqual(magic) }

  /// What the header says, checked against the bytes that follow it.
  struct Header {
    var dtype: DType
    var shape: [Int]
    var dataOffset: Int
    var count: Int
  }

  /// The subset of numpy dtypes the engine understands.
  struct DType {
    enum Kind { case float, signed, unsigned, bool, object }
    var kind: Kind
    var size: Int
    var bigEndian: Bool
  }

  /// numpy's own bound on the header text (`np.load(max_header_size=10000)`,
  /// numpy 1.24 on): a longer one is refused before it is parsed.
  static let maxHeaderBytes = 10_000

  /// How many leading bytes of a file ``parseHeader(prefix:totalSize:source:)``
  /// needs at most: the fixed prefix and the longest header allowed.
  static let maxPrefixBytes = 12 + maxHeaderBytes

  /// Parses and checks the header without touching the values, so callers can
  /// refuse an array by its shape before paying for it.
  static func parseHeader(_ data: Data, source: String, pickled: Bool = false) throws(EngineError)
    -> Header
  {
    try parseHeader(prefix: data, totalSize: data.count, source: source, pickled: pickled)
  }

  /// The header of a file of `totalSize` bytes that starts with `prefix`
  /// (which must hold the whole header when the file has one): checks that
  /// the size the shape and dtype need is exactly what the file declares,
  /// before any value is read, or inflated from a zip. With `pickled`, an
  /// object array (descr `|O`) comes back with kind `.object` and the offset
  /// of its pickle, for Pickle.swift to read.
  static func parseHeader(
    prefix data: Data, totalSize: Int, source: String, pickled: Bool = false
  ) throws(EngineError)
    -> Header
  {
    func fail(_ message: String) -> EngineError { .file(path: source, message: message) }
    let bytes = [UInt8](data.prefix(12))
    guard bytes.count >= 6, Array(bytes[0..<6]) == magic else {
      throw fail("not a .npy file (it does not start with \\x93NUMPY); save arrays with np.save")
    }
    guard bytes.count >= 10 else { throw fail("the .npy file is truncated inside its header") }
    let major = bytes[6]
    let minor = bytes[7]
    let textStart: Int
    let textLength: Int
    switch major {
    case 1:
      textStart = 10
      textLength = Int(bytes[8]) | Int(bytes[9]) << 8
    case 2, 3:
      guard bytes.count >= 12 else { throw fail("the .npy file is truncated inside its header") }
      textStart = 12
      textLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    default:
      throw fail(".npy format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)")
    }
    guard textLength <= maxHeaderBytes else {
      throw fail(
        "the .npy header is \(textLength) bytes, more than numpy's own limit of \(maxHeaderBytes) (max_header_size); the file may be corrupt"
      )
    }
    guard textLength <= totalSize - textStart, textLength <= data.count - textStart else {
      throw fail(
        "the .npy file is truncated: its header says \(textLength) header bytes, but the file is \(totalSize) bytes"
      )
    }
    let start = data.startIndex + textStart
    let text = [UInt8](data[start..<(start + textLength)])
    let dict: [String: PyLiteral]
    do throws(PyLiteralError) {
      var parser = PyLiteralParser(text)
      dict = try parser.parseDict()
    } catch let error {
      throw fail(
        "the .npy header is not a valid dict literal (\(error.message)); the file may be corrupt")
    }
    guard case .string(let rawDescr)? = dict["descr"] else {
      if case .list? = dict["descr"] {
        throw fail(
          "structured arrays (with named fields) are not supported; save each field as its own array"
        )
      }
      throw fail("the .npy header has no 'descr' string; the file may be corrupt")
    }
    guard case .bool(let fortran)? = dict["fortran_order"] else {
      throw fail("the .npy header has no 'fortran_order'; the file may be corrupt")
    }
    // Text from the file, cut so a 10 KB descr cannot fill the screen.
    let descr = SafeText.terminal(rawDescr, limit: 40)
    guard case .tuple(let dims)? = dict["shape"] else {
      throw fail("the .npy header has no 'shape' tuple; the file may be corrupt")
    }
    var shape = [Int]()
    for d in dims {
      guard case .int(let n) = d, n >= 0 else {
        throw fail(
          "the .npy shape \(SafeText.terminal("\(dims)", limit: 80)) is not a tuple of sizes")
      }
      shape.append(n)
    }
    if pickled, descr == "|O" {
      let object = DType(kind: .object, size: 0, bigEndian: false)
      return Header(dtype: object, shape: shape, dataOffset: textStart + textLength, count: 0)
    }
    if fortran && shape.filter({ $0 > 1 }).count > 1 {
      throw fail(
        "the array is stored in Fortran order, which is not supported; save np.ascontiguousarray(a) instead"
      )
    }
    let dtype = try parseDType(rawDescr, shown: descr, fail: fail)
    guard let count = Shape(shape).checkedScalarCount else {
      throw fail("the .npy shape \(Shape(shape)) is too large to be real; the file may be corrupt")
    }
    let available = totalSize - textStart - textLength
    let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow, needed <= available else {
      throw fail(
        "the .npy file is truncated: shape \(Shape(shape)) of '\(descr)' needs \(overflow ? "too many" : String(needed)) bytes of data, but \(available) follow the header"
      )
    }
    guard needed == available else {
      throw fail(
        "the .npy file has \(available - needed) unexpected bytes after the data of shape \(Shape(shape)); it may be corrupt"
      )
    }
    return Header(dtype: dtype, shape: shape, dataOffset: textStart + textLength, count: count)
  }

  /// `descr` as the file spells it; `shown`, the same made short for messages.
  private static func parseDType(
    _ raw: String, shown descr: String, fail: (String) -> EngineError
  ) throws(EngineError) -> DType {
    let chars = Array(raw.prefix(8))
    guard raw.count <= 8 else { throw fail("the .npy dtype '\(descr)' is not understood") }
    guard chars.count >= 2 else { throw fail("the .npy dtype '\(descr)' is not understood") }
    var rest = chars[...]
    var bigEndian = false
    switch chars[0] {
    case "<", "|": rest = chars.dropFirst()
    case "=": rest = chars.dropFirst()
    case ">":
      bigEndian = true
      rest = chars.dropFirst()
    default: break
    }
    guard let kindChar = rest.first else {
      throw fail("the .npy dtype '\(descr)' is not understood")
    }
    let size = Int(String(rest.dropFirst())) ?? 0
    let unsupported =
      "dtype '\(descr)' is not supported; convert it first, e.g. a.astype(np.float32)"
    switch kindChar {
    case "f":
      if size == 4 || size == 8 { return DType(kind: .float, size: size, bigEndian: bigEndian) }
      throw fail(unsupported)
    case "i":
      if [1, 2, 4, 8].contains(size) {
        return DType(kind: .signed, size: size, bigEndian: bigEndian)
      }
      throw fail(unsupported)
    case "u":
      if [1, 2, 4].contains(size) {
        return DType(kind: .unsigned, size: size, bigEndian: bigEndian)
      }
      throw fail(unsupported)
    case "b":
      if size == 1 { return DType(kind: .bool, size: 1, bigEndian: false) }
      throw fail(unsupported)
    case "O":
      throw fail(
        "object arrays (dtype=object) hold pickled Python objects and cannot be read; save a numeric array"
      )
    case "U", "S":
      throw fail("string arrays (dtype '\(descr)') cannot be read; save a numeric array")
    default:
      throw fail(unsupported)
    }
  }

  /// Converts the values the header promised (their size already checked).
  static func decodeValues(_ data: Data, _ header: Header) -> NDArray {
    let t = header.dtype
    let n = header.count
    let base = header.dataOffset
    let storage: NDArray.Storage = data.withUnsafeBytes { raw in
      switch (t.kind, t.size) {
      case (.float, 4):
        return .float32(load(raw, base, n, t.bigEndian, UInt32.self).map { Float(bitPattern: $0) })
      case (.float, _):
        return .float64(load(raw, base, n, t.bigEndian, UInt64.self).map { Double(bitPattern: $0) })
      case (.unsigned, 1), (.bool, _):
        return .uint8(Array(raw[base..<(base + n)]))
      case (.signed, 1):
        return .int32(Array(raw[base..<(base + n)]).map { Int32(Int8(bitPattern: $0)) })
      case (.signed, 2):
        return .int32(load(raw, base, n, t.bigEndian, Int16.self).map { Int32($0) })
      case (.unsigned, 2):
        return .int32(load(raw, base, n, t.bigEndian, UInt16.self).map { Int32($0) })
      case (.signed, 4):
        return .int32(load(raw, base, n, t.bigEndian, Int32.self))
      case (.unsigned, _):
        return .int64(load(raw, base, n, t.bigEndian, UInt32.self).map { Int64($0) })
      case (.signed, _):
        return .int64(load(raw, base, n, t.bigEndian, Int64.self))
      case (.object, _):
        preconditionFailure("internal: object arrays are unpickled (Pickle.swift), not decoded")
      }
    }
    return NDArray(validShape: header.shape, storage: storage)
  }

  private static func load<T: FixedWidthInteger>(
    _ raw: UnsafeRawBufferPointer, _ offset: Int, _ count: Int, _ bigEndian: Bool, _: T.Type
  ) -> [T] {
    let size = MemoryLayout<T>.size
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      for i in 0..<count {
        let v = raw.loadUnaligned(fromByteOffset: offset + i * size, as: T.self)
        buffer[i] = bigEndian ? T(bigEndian: v) : T(littleEndian: v)
      }
      initialized = count
    }
  }

  private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out += $0 }
  }
}
