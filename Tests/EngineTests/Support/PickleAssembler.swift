/// Pickle bytes written opcode by opcode (names from Lib/pickletools.py),
/// for the hostile and odd pickles no numpy writes. `array` and `dtype` spell
/// what numpy's `__reduce__` writes, so a test can change one field of it.
enum PickleAssembler {
  static let mark: UInt8 = 0x28
  static let tuple: UInt8 = 0x74
  static let tuple1: UInt8 = 0x85
  static let tuple2: UInt8 = 0x86
  static let tuple3: UInt8 = 0x87
  static let emptyTuple: UInt8 = 0x29
  static let emptyList: UInt8 = 0x5D
  static let append: UInt8 = 0x61
  static let appends: UInt8 = 0x65
  static let reduce: UInt8 = 0x52
  static let build: UInt8 = 0x62
  static let stop: UInt8 = 0x2E
  static let none: UInt8 = 0x4E
  static let newFalse: UInt8 = 0x89
  static let memoize: UInt8 = 0x94
  static let stackGlobal: UInt8 = 0x93

  static func proto(_ version: UInt8) -> [UInt8] { [0x80, version] }

  static func global(_ module: String, _ name: String) -> [UInt8] {
    [0x63] + Array("\(module)\n\(name)\n".utf8)
  }

  static func le32(_ n: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } }

  static func le64(_ n: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
  }

  /// BININT1 below 256, LONG1 (8 bytes) above, as pickle writes sizes.
  static func int(_ n: Int) -> [UInt8] {
    (0..<256).contains(n) ? [0x4B, UInt8(n)] : [0x8A, 8] + le64(UInt64(bitPattern: Int64(n)))
  }

  static func unicode(_ text: String) -> [UInt8] {
    [0x58] + le32(text.utf8.count) + Array(text.utf8)
  }

  static func binBytes(_ raw: [UInt8]) -> [UInt8] { [0x42] + le32(raw.count) + raw }

  static func binput(_ key: UInt8) -> [UInt8] { [0x71, key] }
  static func binget(_ key: UInt8) -> [UInt8] { [0x68, key] }

  static func shape(_ dims: [Int]) -> [UInt8] { [mark] + dims.flatMap(int) + [tuple] }

  /// `dtype(name, False, True)` with its version-3 state.
  static func dtype(_ name: String, order: String = "<") -> [UInt8] {
    global("numpy", "dtype") + unicode(name) + [newFalse, 0x88, tuple3, reduce, mark] + int(3)
      + unicode(order) + [none, none, none] + [0x4A] + le32(-1) + [0x4A] + le32(-1) + int(0)
      + [tuple, build]
  }

  /// `_reconstruct(ndarray, (0,), b'b')` then BUILD with `(1, shape, dtype, False, data)`.
  static func array(shape dims: [Int], dtype: [UInt8], data: [UInt8]) -> [UInt8] {
    global("numpy.core.multiarray", "_reconstruct") + global("numpy", "ndarray") + int(0)
      + [tuple1] + binBytes([0x62]) + [tuple3, reduce, mark] + int(1) + shape(dims) + dtype
      + [newFalse] + data + [tuple, build]
  }

  /// A protocol-3 pickle of one uint8 array.
  static func uint8Array(_ values: [UInt8], shape dims: [Int]? = nil) -> [UInt8] {
    proto(3)
      + array(shape: dims ?? [values.count], dtype: dtype("u1", order: "|"), data: binBytes(values))
      + [stop]
  }
}
