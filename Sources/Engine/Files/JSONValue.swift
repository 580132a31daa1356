import Foundation

/// A JSON value as Keras writes its configs (`model_config`, `config.json`):
/// read with Foundation's decoder, written by hand so keys keep the order
/// they were given in and numbers keep their shortest spelling.
public indirect enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  /// Members in order; lookups take the first with the key.
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// Parses `text`; nil when it is not JSON.
  public static func parse(_ text: Data) -> JSONValue? {
    try? JSONDecoder().decode(Decoded.self, from: text).value
  }

  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0 == key }?.1
  }

  public var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }
  public var number: Double? {
    if case .number(let n) = self { return n }
    return nil
  }
  /// A whole number (Keras writes `3`, never `3.0`, but both read).
  public var int: Int? {
    guard case .number(let n) = self, n.rounded() == n, abs(n) < 1e15 else { return nil }
    return Int(n)
  }
  public var bool: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }
  public var array: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }
  public var isNull: Bool { self == .null }

  /// The text, compact with `", "` and `": "` separators as Python's `json.dumps`.
  public var text: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n):
      if n.rounded() == n, abs(n) < 1e15 { return String(Int(n)) }
      // A value that came from a Float keeps the Float's short spelling (0.99, not 0.9900000095367432).
      let float = Float(n)
      if Double(float) == n { return "\(float)" }
      return "\(n)"
    case .string(let s): return JSONValue.quoted(s)
    case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
    case .object(let members):
      return "{" + members.map { JSONValue.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ")
        + "}"
    }
  }

  /// A JSON string literal: quotes, backslashes and control characters escaped.
  static func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7f {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// Foundation's decoder sees booleans and numbers apart, unlike JSONSerialization's NSNumber.
  private struct Decoded: Decodable {
    let value: JSONValue
    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() {
        value = .null
      } else if let b = try? container.decode(Bool.self) {
        value = .bool(b)
      } else if let n = try? container.decode(Double.self) {
        value = .number(n)
      } else if let s = try? container.decode(String.self) {
        value = .string(s)
      } else if let items = try? container.decode([Decoded].self) {
        value = .array(items.map(\.value))
      } else {
        let members = try container.decode([String: Decoded].self)
        value = .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) })
      }
    }
  }
}

extension JSONValue {
  public init(_ value: Float) { self = .number(Double(value)) }
  public init(_ value: Int) { self = .number(Double(value)) }
  public init(_ values: [Int]) { self = .array(values.map { JSONValue($0) }) }
}
