import Foundation

/// A parsed piece of Python call syntax, as learners copy it from Keras code:
/// `Conv2D(32, (3, 3), padding='same', input_shape=X.shape[1:])`.
///
/// Only literals, names, attribute access, calls, tuples, lists and
/// subscripts are understood; that is all a Keras model definition uses.
public indirect enum PyNodeValue: Equatable, Sendable {
  case int(Int)
  case float(Double)
  case string(String)
  case bool(Bool)
  case none
  /// A dotted name such as `keras.optimizers.Adam` or `X`.
  case name(String)
  case tuple([PyNode])
  case list([PyNode])
  /// `callee(args, key=value)`.
  case call(callee: String, args: [PyNode], kwargs: [(String, PyNode)])
  /// `base[raw]`, with the text between the brackets kept as written.
  case `subscript`(base: PyNode, index: String)

  public static func == (a: PyNodeValue, b: PyNodeValue) -> Bool {
    switch (a, b) {
    case (.int(let x), .int(let y)): x == y
    case (.float(let x), .float(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.none, .none): true
    case (.name(let x), .name(let y)): x == y
    case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): x == y
    case (.call(let c1, let a1, let k1), .call(let c2, let a2, let k2)):
      c1 == c2 && a1 == a2 && k1.map(\.0) == k2.map(\.0) && k1.map(\.1) == k2.map(\.1)
    case (.`subscript`(let b1, let i1), .`subscript`(let b2, let i2)): b1 == b2 && i1 == i2
    default: false
    }
  }
}

/// A value with the column (0-based, in characters) where it starts, so
/// errors can point at the exact token.
public struct PyNode: Equatable, Sendable {
  public var value: PyNodeValue
  public var column: Int
  /// The source text of the node, as typed.
  public var text: String
}

/// A small recursive-descent parser for one Python expression.
public struct PyParser {
  /// How deeply brackets and signs may nest. Keras code never goes past a
  /// handful; the bound keeps a hostile line from exhausting the stack.
  public static let maxDepth = 64

  private let chars: [Character]
  private var pos = 0
  private var depth = 0

  /// Parses all of `text` as one expression.
  public static func parse(_ text: String) throws(LabError) -> PyNode {
    var parser = PyParser(chars: Array(text))
    let node = try parser.expression()
    parser.skipSpace()
    if parser.pos < parser.chars.count {
      throw LabError(
        "unexpected '\(parser.chars[parser.pos])' after the expression", column: parser.pos)
    }
    return node
  }

  private init(chars: [Character]) { self.chars = chars }

  private mutating func skipSpace() {
    while pos < chars.count, chars[pos] == " " || chars[pos] == "\t" { pos += 1 }
  }

  private func text(from start: Int) -> String { String(chars[start..<pos]) }

  private func tooDeep() -> LabError {
    LabError(
      "the expression is nested more than \(PyParser.maxDepth) deep", column: pos,
      hint: "write it with fewer brackets, e.g. Conv2D(32, (3, 3))")
  }

  private mutating func expression() throws(LabError) -> PyNode {
    skipSpace()
    depth += 1
    defer { depth -= 1 }
    guard depth <= PyParser.maxDepth else {
      throw tooDeep()
    }
    let start = pos
    guard pos < chars.count else { throw LabError("the expression ends too early", column: pos) }
    var node: PyNode
    let ch = chars[pos]
    if ch == "-" || ch == "+" {
      pos += 1
      let inner = try expression()
      switch inner.value {
      case .int(let v):
        node = PyNode(value: .int(ch == "-" ? -v : v), column: start, text: text(from: start))
      case .float(let v):
        node = PyNode(value: .float(ch == "-" ? -v : v), column: start, text: text(from: start))
      default: throw LabError("'\(ch)' must come before a number", column: start)
      }
      return node
    } else if ch.isNumber || ch == "." {
      node = try number()
    } else if ch == "'" || ch == "\"" {
      node = try string()
    } else if ch == "(" || ch == "[" {
      node = try sequence()
    } else if ch.isLetter || ch == "_" {
      node = try nameOrCall()
    } else {
      throw LabError("unexpected '\(ch)'", column: pos)
    }
    // Subscripts such as X.shape[1:] may follow any value. Each one wraps the
    // node once more, so a chain counts towards the nesting limit.
    var chained = 0
    while true {
      skipSpace()
      guard pos < chars.count, chars[pos] == "[" else { break }
      chained += 1
      guard depth + chained <= PyParser.maxDepth else {
        throw tooDeep()
      }
      let open = pos
      var level = 0
      var end = pos
      while end < chars.count {
        if chars[end] == "[" { level += 1 }
        if chars[end] == "]" {
          level -= 1
          if level == 0 { break }
        }
        end += 1
      }
      guard end < chars.count else { throw LabError("'[' is never closed", column: open) }
      let index = String(chars[(open + 1)..<end]).filter { $0 != " " }
      pos = end + 1
      node = PyNode(
        value: .`subscript`(base: node, index: index), column: start, text: text(from: start))
    }
    return node
  }

  private mutating func number() throws(LabError) -> PyNode {
    let start = pos
    while pos < chars.count,
      chars[pos].isNumber || chars[pos] == "." || chars[pos] == "_" || chars[pos] == "e"
        || chars[pos] == "E"
        || ((chars[pos] == "-" || chars[pos] == "+") && pos > start
          && "eE".contains(chars[pos - 1]))
    {
      pos += 1
    }
    let raw = text(from: start).replacingOccurrences(of: "_", with: "")
    if let v = Int(raw) { return PyNode(value: .int(v), column: start, text: raw) }
    if let v = Double(raw), v.isFinite { return PyNode(value: .float(v), column: start, text: raw) }
    throw LabError("'\(raw)' is not a number", column: start)
  }

  private mutating func string() throws(LabError) -> PyNode {
    let start = pos
    let quote = chars[pos]
    pos += 1
    var value = ""
    while pos < chars.count, chars[pos] != quote {
      if chars[pos] == "\\", pos + 1 < chars.count { pos += 1 }
      value.append(chars[pos])
      pos += 1
    }
    guard pos < chars.count else { throw LabError("the string is never closed", column: start) }
    pos += 1
    return PyNode(value: .string(value), column: start, text: text(from: start))
  }

  private mutating func sequence() throws(LabError) -> PyNode {
    let start = pos
    let open = chars[pos]
    let close: Character = open == "(" ? ")" : "]"
    pos += 1
    var items: [PyNode] = []
    var sawComma = false
    while true {
      skipSpace()
      guard pos < chars.count else { throw LabError("'\(open)' is never closed", column: start) }
      if chars[pos] == close {
        pos += 1
        break
      }
      items.append(try expression())
      skipSpace()
      guard pos < chars.count else { throw LabError("'\(open)' is never closed", column: start) }
      if chars[pos] == "," {
        sawComma = true
        pos += 1
      } else if chars[pos] != close {
        throw LabError("expected ',' or '\(close)'", column: pos)
      }
    }
    let t = text(from: start)
    if open == "[" { return PyNode(value: .list(items), column: start, text: t) }
    // (x) is just x in Python; (x,) and () are tuples.
    if items.count == 1, !sawComma { return PyNode(value: items[0].value, column: start, text: t) }
    return PyNode(value: .tuple(items), column: start, text: t)
  }

  private mutating func identifier() -> String {
    let start = pos
    while pos < chars.count, chars[pos].isLetter || chars[pos].isNumber || chars[pos] == "_" {
      pos += 1
    }
    return text(from: start)
  }

  private mutating func nameOrCall() throws(LabError) -> PyNode {
    let start = pos
    var dotted = identifier()
    while pos + 1 < chars.count, chars[pos] == ".", chars[pos + 1].isLetter || chars[pos + 1] == "_"
    {
      pos += 1
      dotted += "." + identifier()
    }
    skipSpace()
    guard pos < chars.count, chars[pos] == "(" else {
      switch dotted {
      case "True": return PyNode(value: .bool(true), column: start, text: dotted)
      case "False": return PyNode(value: .bool(false), column: start, text: dotted)
      case "None": return PyNode(value: .none, column: start, text: dotted)
      default: return PyNode(value: .name(dotted), column: start, text: dotted)
      }
    }
    let open = pos
    pos += 1
    var args: [PyNode] = []
    var kwargs: [(String, PyNode)] = []
    // A set, so a line with thousands of keywords is not checked in quadratic time.
    var keys: Set<String> = []
    while true {
      skipSpace()
      guard pos < chars.count else { throw LabError("'(' is never closed", column: open) }
      if chars[pos] == ")" {
        pos += 1
        break
      }
      // A keyword argument is NAME '=' value (but not '==').
      let save = pos
      if chars[pos].isLetter || chars[pos] == "_" {
        let key = identifier()
        skipSpace()
        if pos < chars.count, chars[pos] == "=", !(pos + 1 < chars.count && chars[pos + 1] == "=") {
          pos += 1
          guard keys.insert(key).inserted else {
            throw LabError("'\(key)' is given twice", column: save)
          }
          kwargs.append((key, try expression()))
        } else {
          pos = save
          if !kwargs.isEmpty {
            throw LabError(
              "a positional argument cannot follow a keyword argument", column: save)
          }
          args.append(try expression())
        }
      } else {
        if !kwargs.isEmpty {
          throw LabError("a positional argument cannot follow a keyword argument", column: save)
        }
        args.append(try expression())
      }
      skipSpace()
      guard pos < chars.count else { throw LabError("'(' is never closed", column: open) }
      if chars[pos] == "," {
        pos += 1
      } else if chars[pos] != ")" {
        throw LabError("expected ',' or ')'", column: pos)
      }
    }
    return PyNode(
      value: .call(callee: dotted, args: args, kwargs: kwargs), column: start,
      text: text(from: start))
  }
}
