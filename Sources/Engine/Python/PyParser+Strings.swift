extension PyParser {
  /// Adjacent string literals, joined as Python joins them; f-strings among them.
  mutating func strings() throws(LabError) -> PyExpr {
    let start = current.start
    var parts: [PyExpr.FormattedPart] = []
    var formatted = false
    while true {
      switch current.kind {
      case .string(let s):
        parts.append(.text(s))
        advance()
        continue
      case .fstring(let content, let raw, let at):
        formatted = true
        parts += try PyParser.formattedParts(content, raw: raw, at: at)
        advance()
        continue
      default:
        break
      }
      break
    }
    if !formatted {
      let text = parts.map { if case .text(let s) = $0 { s } else { "" } }.joined()
      return make(.constant(.string(text)), at: start)
    }
    return make(.formatted(parts), at: start)
  }

  /// The pieces of an f-string's text: literal runs and `{...}` fields.
  static func formattedParts(_ content: String, raw: Bool, at start: SourcePosition)
    throws(LabError) -> [PyExpr.FormattedPart]
  {
    let chars = Array(content)
    var parts: [PyExpr.FormattedPart] = []
    var literal: [Character] = []
    var line = start.line
    var column = start.column
    var j = 0
    func flush() throws(LabError) {
      guard !literal.isEmpty else { return }
      let text =
        raw
        ? String(literal)
        : try PyLexer.unescape(literal, at: SourcePosition(line: line, column: column))
      parts.append(.text(text))
      literal = []
    }
    func step() {
      if chars[j] == "\n" {
        line += 1
        column = 0
      } else {
        column += 1
      }
      j += 1
    }
    while j < chars.count {
      let ch = chars[j]
      if ch == "{", j + 1 < chars.count, chars[j + 1] == "{" {
        literal.append("{")
        step()
        step()
        continue
      }
      if ch == "}" {
        guard j + 1 < chars.count, chars[j + 1] == "}" else {
          throw LabError(
            "a single '}' in an f-string must be written '}}'", column: column, line: line)
        }
        literal.append("}")
        step()
        step()
        continue
      }
      guard ch == "{" else {
        literal.append(ch)
        step()
        continue
      }
      try flush()
      let open = SourcePosition(line: line, column: column)
      step()
      let exprStart = SourcePosition(line: line, column: column)
      var expression: [Character] = []
      var nesting = 0
      var quote: Character?
      while j < chars.count {
        let c = chars[j]
        if let q = quote {
          if c == q { quote = nil }
        } else if c == "'" || c == "\"" {
          quote = c
        } else if "([{".contains(c) {
          nesting += 1
        } else if ")]}".contains(c), nesting > 0 {
          nesting -= 1
        } else if nesting == 0,
          c == "}" || c == ":" || (c == "!" && j + 1 < chars.count && chars[j + 1] != "=")
        {
          break
        }
        expression.append(c)
        step()
      }
      var conversion: Character?
      if j < chars.count, chars[j] == "!" {
        step()
        guard j < chars.count, "rsa".contains(chars[j]) else {
          throw LabError(
            "after '!' in an f-string comes r, s or a", column: column, line: line)
        }
        conversion = chars[j]
        step()
      }
      var spec = ""
      if j < chars.count, chars[j] == ":" {
        step()
        while j < chars.count, chars[j] != "}" {
          if chars[j] == "{" {
            throw LabError(
              "nested fields in a format spec are outside the Python LayerLab runs",
              column: column, line: line)
          }
          spec.append(chars[j])
          step()
        }
      }
      guard j < chars.count, chars[j] == "}" else {
        throw LabError(
          "the '{' in the f-string is never closed", column: open.column, line: open.line)
      }
      step()
      let text = String(expression)
      guard !text.allSatisfy(\.isWhitespace) else {
        throw LabError(
          "an f-string field needs an expression: {name}", column: open.column, line: open.line)
      }
      let value = try PyParser.parseExpression(text, at: exprStart)
      parts.append(.value(value, conversion: conversion, spec: spec))
    }
    try flush()
    return parts
  }
}
