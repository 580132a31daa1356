/// The few Python literals a `.npy` header uses: strings, booleans, None,
/// integers, tuples, lists and dicts with string keys.
enum PyLiteral: Equatable, CustomStringConvertible {
  case string(String)
  case bool(Bool)
  case none
  case int(Int)
  case tuple([PyLiteral])
  case list([PyLiteral])
  case dict([String: PyLiteral])

  var description: String {
    switch self {
    case .string(let s): "'\(s)'"
    case .bool(let b): b ? "True" : "False"
    case .none: "None"
    case .int(let n): String(n)
    case .tuple(let items):
      items.count == 1
        ? "(\(items[0]),)" : "(" + items.map(\.description).joined(separator: ", ") + ")"
    case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .dict(let d): "{" + d.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ") + "}"
    }
  }
}

/// Why a header literal could not be parsed.
struct PyLiteralError: Error {
  var message: String
}

/// A recursive-descent parser for ``PyLiteral``, bounded in depth so a
/// hostile header cannot exhaust the stack.
struct PyLiteralParser {
  private let bytes: [UInt8]
  private var i = 0
  private var depth = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// Parses one dict literal followed only by whitespace.
  mutating func parseDict() throws(PyLiteralError) -> [String: PyLiteral] {
    guard case .dict(let d) = try parseValue() else {
      throw PyLiteralError(message: "expected a dict")
    }
    skipSpace()
    guard i == bytes.count else { throw PyLiteralError(message: "unexpected text after the dict") }
    return d
  }

  private mutating func skipSpace() {
    while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
  }

  private mutating func parseValue() throws(PyLiteralError) -> PyLiteral {
    skipSpace()
    guard i < bytes.count else { throw PyLiteralError(message: "unexpected end") }
    switch bytes[i] {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "("): return .tuple(try parseSequence(close: UInt8(ascii: ")")))
    case UInt8(ascii: "["): return .list(try parseSequence(close: UInt8(ascii: "]")))
    case UInt8(ascii: "{"): return try parseDictBody()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInt())
    default:
      for (word, value) in [
        ("True", PyLiteral.bool(true)), ("False", .bool(false)), ("None", .none),
      ]
      where bytes[i...].starts(with: word.utf8) {
        i += word.utf8.count
        return value
      }
      throw PyLiteralError(message: "unexpected character at offset \(i)")
    }
  }

  private mutating func parseString() throws(PyLiteralError) -> String {
    let quote = bytes[i]
    i += 1
    let start = i
    while i < bytes.count, bytes[i] != quote {
      if bytes[i] == UInt8(ascii: "\\") {
        throw PyLiteralError(message: "escapes in strings are not supported")
      }
      i += 1
    }
    guard i < bytes.count else { throw PyLiteralError(message: "unterminated string") }
    let s = String(decoding: bytes[start..<i], as: UTF8.self)
    i += 1
    return s
  }

  private mutating func parseInt() throws(PyLiteralError) -> Int {
    var negative = false
    if bytes[i] == UInt8(ascii: "-") {
      negative = true
      i += 1
    }
    var value = 0
    var digits = 0
    while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
      let (m, o1) = value.multipliedReportingOverflow(by: 10)
      let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
      guard !o1, !o2 else { throw PyLiteralError(message: "integer too large") }
      value = a
      digits += 1
      i += 1
    }
    // numpy < 2 wrote `3L` for longs on Python 2; accept the suffix.
    if i < bytes.count, bytes[i] == UInt8(ascii: "L") { i += 1 }
    guard digits > 0 else { throw PyLiteralError(message: "expected digits") }
    return negative ? -value : value
  }

  private mutating func enter() throws(PyLiteralError) {
    depth += 1
    guard depth <= 32 else { throw PyLiteralError(message: "nested too deeply") }
  }

  private mutating func parseSequence(close: UInt8) throws(PyLiteralError) -> [PyLiteral] {
    try enter()
    defer { depth -= 1 }
    i += 1
    var items = [PyLiteral]()
    while true {
      skipSpace()
      guard i < bytes.count else { throw PyLiteralError(message: "unterminated sequence") }
      if bytes[i] == close {
        i += 1
        return items
      }
      items.append(try parseValue())
      skipSpace()
      guard i < bytes.count else { throw PyLiteralError(message: "unterminated sequence") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
      } else if bytes[i] != close {
        throw PyLiteralError(message: "expected ',' at offset \(i)")
      }
    }
  }

  private mutating func parseDictBody() throws(PyLiteralError) -> PyLiteral {
    try enter()
    defer { depth -= 1 }
    i += 1
    var dict = [String: PyLiteral]()
    while true {
      skipSpace()
      guard i < bytes.count else { throw PyLiteralError(message: "unterminated dict") }
      if bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .dict(dict)
      }
      guard case .string(let key) = try parseValue() else {
        throw PyLiteralError(message: "dict keys must be strings")
      }
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
        throw PyLiteralError(message: "expected ':'")
      }
      i += 1
      dict[key] = try parseValue()
      skipSpace()
      guard i < bytes.count else { throw PyLiteralError(message: "unterminated dict") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
      } else if bytes[i] != UInt8(ascii: "}") {
        throw PyLiteralError(message: "expected ',' at offset \(i)")
      }
    }
  }
}
