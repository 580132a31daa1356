import Foundation

/// Python's string formatting for f-strings, `format()`, `str.format` and
/// `%`: the format-spec mini-language (`{x:.3f}`, `{n:>5}`, `{p:.1%}`,
/// `{n:,}`) for numbers and strings.
enum PyFormat {
  /// `format(value, spec)`.
  static func format(_ value: PyValue, spec: String) throws -> String {
    let v = PyBuiltins.scalar(value)
    if spec.isEmpty { return value.str }
    var chars = Array(spec)
    var fill: Character = " "
    var align: Character?
    if chars.count >= 2, "<>^=".contains(chars[1]) {
      fill = chars[0]
      align = chars[1]
      chars.removeFirst(2)
    } else if let first = chars.first, "<>^=".contains(first) {
      align = first
      chars.removeFirst()
    }
    var sign: Character = "-"
    if let first = chars.first, "+- ".contains(first) {
      sign = first
      chars.removeFirst()
    }
    if chars.first == "#" { chars.removeFirst() }
    if chars.first == "0" {
      if align == nil {
        fill = "0"
        align = "="
      }
      chars.removeFirst()
    }
    var width = 0
    while let c = chars.first, let d = c.wholeNumberValue, c.isASCII {
      width = min(width * 10 + d, 1000)
      chars.removeFirst()
    }
    var grouping: Character?
    if let first = chars.first, first == "," || first == "_" {
      grouping = first
      chars.removeFirst()
    }
    var precision: Int?
    if chars.first == "." {
      chars.removeFirst()
      var p = 0
      var any = false
      while let c = chars.first, let d = c.wholeNumberValue, c.isASCII {
        p = min(p * 10 + d, 100)
        any = true
        chars.removeFirst()
      }
      guard any else { throw LabError("format spec '\(spec)': '.' needs a number of digits") }
      precision = p
    }
    let type = chars.first
    if chars.count > 1 { throw LabError("invalid format spec '\(spec)'") }
    var body: String
    var numeric = true
    switch (type, v) {
    case (nil, .string(let s)), ("s", .string(let s)):
      numeric = false
      body = precision.map { String(s.prefix($0)) } ?? s
    case ("d", _), ("n", _):
      guard v.isIntegral, let n = v.integer else {
        throw LabError("format code 'd' needs a whole number, not \(v.typeName)")
      }
      body = String(abs(n))
      if let g = grouping { body = group(body, g) }
      body = signed(body, negative: n < 0, sign)
    case ("%", _):
      guard let x = v.number else { throw LabError("format code '%' needs a number") }
      body = signed(fixed(abs(x) * 100, precision ?? 6, grouping) + "%", negative: x < 0, sign)
    case ("f", _), ("F", _):
      guard let x = v.number else { throw LabError("format code 'f' needs a number") }
      body = signed(
        fixed(abs(x), precision ?? 6, grouping), negative: x.sign == .minus && !x.isNaN, sign)
    case ("e", _), ("E", _):
      guard let x = v.number else { throw LabError("format code 'e' needs a number") }
      var text = String(format: "%.\(precision ?? 6)e", abs(x))
      if type == "E" { text = text.uppercased() }
      body = signed(text, negative: x < 0, sign)
    case ("g", _), ("G", _), (nil, _):
      guard let x = v.number else {
        numeric = false
        body = value.str
        break
      }
      if type == nil, precision == nil {
        body = signed(
          v.isIntegral ? String(abs(v.integer ?? 0)) : pythonFloatRepr(abs(x)), negative: x < 0,
          sign)
        if let g = grouping, v.isIntegral {
          body = signed(group(String(abs(v.integer ?? 0)), g), negative: x < 0, sign)
        }
      } else {
        var text = String(format: "%.\(max(precision ?? 6, 1))g", abs(x))
        if type == "G" { text = text.uppercased() }
        body = signed(text, negative: x < 0, sign)
      }
    default:
      throw LabError("format code '\(type.map(String.init) ?? "")' does not apply to \(v.typeName)")
    }
    let pad = max(width - body.count, 0)
    guard pad > 0 else { return body }
    let padding = String(repeating: fill, count: pad)
    switch align ?? (numeric ? ">" : "<") {
    case "<": return body + padding
    case "^":
      return String(repeating: fill, count: pad / 2) + body
        + String(repeating: fill, count: pad - pad / 2)
    case "=":
      if let first = body.first, "+- ".contains(first) {
        return String(first) + padding + body.dropFirst()
      }
      return padding + body
    default: return padding + body
    }
  }

  private static func fixed(_ x: Double, _ precision: Int, _ grouping: Character?) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : "inf" }
    let text = String(format: "%.\(precision)f", x)
    guard let g = grouping else { return text }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return group(String(parts[0]), g) + (parts.count > 1 ? "." + parts[1] : "")
  }

  private static func group(_ digits: String, _ separator: Character) -> String {
    var out: [Character] = []
    for (i, c) in digits.reversed().enumerated() {
      if i > 0, i % 3 == 0 { out.append(separator) }
      out.append(c)
    }
    return String(out.reversed())
  }

  private static func signed(_ body: String, negative: Bool, _ sign: Character) -> String {
    if negative { return "-" + body }
    switch sign {
    case "+": return "+" + body
    case " ": return " " + body
    default: return body
    }
  }

  /// `'%.2f' % x` and `'%s: %d' % (name, n)`.
  static func percent(_ format: String, _ arguments: PyValue) throws -> String {
    var values: [PyValue]
    if case .tuple(let items) = arguments { values = items } else { values = [arguments] }
    var out = ""
    var chars = Array(format)[...]
    while let c = chars.first {
      chars = chars.dropFirst()
      guard c == "%" else {
        out.append(c)
        continue
      }
      var spec = ""
      while let d = chars.first, "-+ #0123456789.".contains(d) {
        spec.append(d)
        chars = chars.dropFirst()
      }
      // Widths and precisions past 100 would only make huge strings.
      let numbers = spec.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0.prefix(4)) }
      guard numbers.allSatisfy({ $0 <= 100 }), spec.count <= 12 else {
        throw LabError("the format '%\(spec)' asks for more than 100 characters")
      }
      guard let code = chars.first else { throw LabError("incomplete format: '%' at the end") }
      chars = chars.dropFirst()
      if code == "%" {
        out.append("%")
        continue
      }
      guard !values.isEmpty else { throw LabError("not enough arguments for the format string") }
      let v = PyBuiltins.scalar(values.removeFirst())
      switch code {
      case "s": out += pad(v.str, spec)
      case "r": out += pad(v.repr, spec)
      case "d", "i":
        guard let x = v.number else { throw LabError("%d needs a number, not \(v.typeName)") }
        guard let n = x.checkedInt else {
          throw LabError("%d needs a whole number that fits, not \(pythonFloatRepr(x))")
        }
        out += pad(String(n), spec)
      case "f", "e", "g", "F", "E", "G":
        guard let x = v.number else { throw LabError("%\(code) needs a number, not \(v.typeName)") }
        out += String(format: "%" + spec + String(code), x)
      default:
        throw LabError("unsupported format character '\(code)'")
      }
    }
    guard values.isEmpty else {
      throw LabError("not all arguments converted during string formatting")
    }
    return out
  }

  private static func pad(_ text: String, _ spec: String) -> String {
    let left = spec.hasPrefix("-")
    let width = Int(spec.filter(\.isNumber).prefix(4)) ?? 0
    let padding = String(repeating: " ", count: max(width - text.count, 0))
    return left ? text + padding : padding + text
  }

  /// `'{} of {}'.format(a, b)`, `'{0:.2f}'.format(x)`, `'{name}'.format(name=x)`.
  static func braces(_ template: String, _ positional: [PyValue], keywords: [CallArguments.Keyword])
    throws -> String
  {
    var out = ""
    var next = 0
    var chars = Array(template)[...]
    while let c = chars.first {
      chars = chars.dropFirst()
      if c == "{", chars.first == "{" {
        out.append("{")
        chars = chars.dropFirst()
        continue
      }
      if c == "}", chars.first == "}" {
        out.append("}")
        chars = chars.dropFirst()
        continue
      }
      guard c == "{" else {
        out.append(c)
        continue
      }
      var field = ""
      while let d = chars.first, d != "}" {
        field.append(d)
        chars = chars.dropFirst()
      }
      guard chars.first == "}" else { throw LabError("a '{' in the format string is never closed") }
      chars = chars.dropFirst()
      let parts = field.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      let key = String(parts[0])
      let spec = parts.count > 1 ? String(parts[1]) : ""
      let value: PyValue
      if key.isEmpty {
        guard next < positional.count else {
          throw LabError("not enough values for the format string")
        }
        value = positional[next]
        next += 1
      } else if let i = Int(key) {
        guard positional.indices.contains(i) else { throw LabError("no value {\(i)} to format") }
        value = positional[i]
      } else if let found = keywords.first(where: { $0.name == key }) {
        value = found.item.value
      } else {
        throw LabError("no value named '\(key)' to format")
      }
      out += try format(value, spec: spec)
    }
    return out
  }
}
