/// A numpy dtype as a pickle describes it: `dtype('i2', False, True)`, then
/// `BUILD` with the state `(3, '>', None, None, None, -1, -1, 0)`, which is
/// (version, byte order, subarray, names, fields, elsize, alignment, flags)
/// (numpy's descriptor.c, `arraydescr_reduce`; version 4 adds metadata).
struct PickledDType {
  enum Kind {
    case bool, signed, unsigned, float, object
  }

  var kind: Kind
  /// Bytes per element.
  var size: Int
  var bigEndian = false
  /// numpy's short name, `'u1'`, for messages.
  var name: String

  /// The dtype `numpy.dtype(name)` makes, for the names `arraydescr_reduce`
  /// writes: a kind letter and a size (`'b1'`, `'u1'`, `'f8'`, `'O8'`).
  init(name raw: [UInt8]) throws(PickleError) {
    name = SafeText.terminal(String(decoding: raw.prefix(16), as: UTF8.self), limit: 12)
    let kinds: [UInt8: Kind] = [
      UInt8(ascii: "b"): .bool, UInt8(ascii: "i"): .signed, UInt8(ascii: "u"): .unsigned,
      UInt8(ascii: "f"): .float, UInt8(ascii: "O"): .object,
    ]
    let digits = raw.dropFirst()
    let sizes: [Kind: Set<Int>] = [
      .bool: [1], .signed: [1, 2, 4, 8], .unsigned: [1, 2, 4, 8], .float: [2, 4, 8],
      .object: [4, 8],
    ]
    guard let first = raw.first, let kind = kinds[first], (1...2).contains(digits.count),
      digits.allSatisfy({ (0x30...0x39).contains($0) }),
      let size = Int(String(decoding: digits, as: UTF8.self)), sizes[kind]?.contains(size) == true
    else {
      if let first = raw.first, [UInt8(ascii: "U"), UInt8(ascii: "S")].contains(first) {
        throw PickleError(
          "it holds an array of strings (dtype '\(name)'); LayerLab reads numeric arrays, so save labels as class numbers"
        )
      }
      throw PickleError(
        "it holds an array of dtype '\(name)', which LayerLab does not read; convert it first, e.g. a.astype(np.float32)"
      )
    }
    self.kind = kind
    self.size = size
  }

  /// `BUILD`'s state: the byte order, and no fields or subarray.
  mutating func setState(_ state: [PickleValue]) throws(PickleError) {
    guard state.count == 8 || state.count == 9, case .int = state[0] else {
      throw PickleError(
        "a dtype's state has \(state.count) items; numpy writes 8 or 9 (version 3 or 4)")
    }
    for i in 2...4 {
      guard case .none = state[i] else {
        throw PickleError(
          "it holds a structured or subarray dtype, which LayerLab does not read; save each field as its own array"
        )
      }
    }
    let order: [UInt8]
    switch state[1] {
    case .text(let t), .bytes(let t): order = t
    default: throw PickleError("a dtype's byte order is \(state[1].typeName), not '<', '>' or '|'")
    }
    switch order {
    case [UInt8(ascii: ">")]: bigEndian = true
    // '=' is native order, which numpy never writes into a pickle (it writes
    // '<' or '>'); on every machine LayerLab runs on, native is little-endian.
    case [UInt8(ascii: "<")], [UInt8(ascii: "|")], [UInt8(ascii: "=")]: bigEndian = false
    default:
      throw PickleError(
        "a dtype's byte order is '\(SafeText.terminal(String(decoding: order.prefix(8), as: UTF8.self)))', not '<', '>' or '|'"
      )
    }
  }
}
