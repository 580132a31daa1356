/// Splits Python source into tokens, as Python's own tokenizer does for the
/// part of the language LayerLab runs: names, numbers, strings (raw, triple
/// quoted, f-strings), operators, and the NEWLINE / INDENT / DEDENT tokens
/// that give lines and blocks their shape. Newlines inside brackets and
/// after a backslash join lines; comments are dropped.
///
/// Every mistake is one ``LabError`` at its line and column: a string or a
/// bracket never closed, a character Python does not have, an indentation
/// that matches no outer block.
public struct PyLexer {
  /// The most characters a source may have: a long script, never a hang.
  public static let maxCharacters = 10_000_000

  private let chars: [Character]
  private var i = 0
  private var line = 1
  private var lineStart = 0
  private var tokens: [PyToken] = []
  private var brackets: [(Character, SourcePosition)] = []
  private var indents = [0]
  private var atLineStart = true

  /// The tokens of `source`, ending with NEWLINE, DEDENTs and END; positions
  /// count from `start` (a piece of a longer line keeps that line's columns).
  public static func tokenize(_ source: String, startingAt start: SourcePosition = .init(column: 0))
    throws(LabError) -> [PyToken]
  {
    var lexer = PyLexer(chars: Array(source))
    lexer.line = start.line
    lexer.lineStart = -start.column
    guard lexer.chars.count <= maxCharacters else {
      throw LabError(
        "the text is \(lexer.chars.count) characters long, more than LayerLab reads (\(maxCharacters))"
      )
    }
    try lexer.run()
    return lexer.tokens
  }

  /// What a source typed so far still waits for, so the shell knows to
  /// read another line (with the `...` prompt).
  public enum Continuation: Equatable, Sendable {
    /// The statement is whole.
    case complete
    /// A bracket is open, a line ends in `\`, or a triple-quoted string runs on.
    case openLine
    /// The last line opens a block (`def f():`, `for x in y:`).
    case block
  }

  /// Whether `source` is a whole statement or needs more lines.
  public static func continuation(of source: String) -> Continuation {
    var lexer = PyLexer(chars: Array(source))
    do {
      try lexer.run()
    } catch {
      // A quote left open on its line can never close later: the line is
      // whole, and wrong, whatever brackets are open around it.
      if lexer.lineEnded { return .complete }
      if !lexer.brackets.isEmpty || lexer.unfinished { return .openLine }
      return .complete
    }
    // The last token before the final NEWLINE/DEDENT/END run.
    let meaningful = lexer.tokens.last { token in
      switch token.kind {
      case .newline, .dedent, .end, .indent: false
      default: true
      }
    }
    return meaningful?.op == ":" ? .block : .complete
  }

  /// Set when the input ended inside a triple-quoted string or after a `\`.
  private var unfinished = false
  /// Set when a one-line string met the end of its line unclosed.
  private var lineEnded = false

  private init(chars: [Character]) { self.chars = chars }

  private var here: SourcePosition { SourcePosition(line: line, column: i - lineStart) }

  private func position(_ index: Int) -> SourcePosition {
    SourcePosition(line: line, column: index - lineStart)
  }

  private mutating func newLine(at index: Int) {
    line += 1
    lineStart = index + 1
  }

  private mutating func emit(_ kind: PyToken.Kind, from start: SourcePosition) {
    tokens.append(PyToken(kind: kind, start: start, end: here))
  }

  private mutating func run() throws(LabError) {
    while i < chars.count {
      if atLineStart, brackets.isEmpty {
        try indentation()
        continue
      }
      let ch = chars[i]
      switch ch {
      case " ", "\t", "\u{0C}", "\r":
        i += 1
      case "\n":
        if brackets.isEmpty {
          emit(.newline, from: here)
          atLineStart = true
        }
        newLine(at: i)
        i += 1
      case "#":
        while i < chars.count, chars[i] != "\n" { i += 1 }
      case "\\":
        let start = here
        i += 1
        while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\r" { i += 1 }
        guard i < chars.count else {
          unfinished = true
          throw LabError(
            "the line ends in '\\' with nothing after it", column: start.column, line: start.line)
        }
        guard chars[i] == "\n" else {
          throw LabError(
            "'\\' must be the last character of a line", column: start.column, line: start.line)
        }
        newLine(at: i)
        i += 1
      default:
        try token()
      }
    }
    if !brackets.isEmpty {
      let (open, at) = brackets[brackets.count - 1]
      throw LabError("'\(open)' is never closed", column: at.column, line: at.line)
    }
    if let last = tokens.last, last.kind != .newline {
      emit(.newline, from: here)
    }
    while indents.count > 1 {
      indents.removeLast()
      emit(.dedent, from: here)
    }
    emit(.end, from: here)
  }

  /// Measures a line's indentation and emits INDENT or DEDENTs; blank and
  /// comment-only lines do not count.
  private mutating func indentation() throws(LabError) {
    var width = 0
    var j = i
    while j < chars.count, chars[j] == " " || chars[j] == "\t" || chars[j] == "\u{0C}" {
      width = chars[j] == "\t" ? (width / 8 + 1) * 8 : width + 1
      j += 1
    }
    if j >= chars.count || chars[j] == "\n" || chars[j] == "#" || chars[j] == "\r" {
      // Blank or comment only: skip to the end of the line without a NEWLINE.
      while j < chars.count, chars[j] != "\n" { j += 1 }
      if j < chars.count {
        newLine(at: j)
        j += 1
      }
      i = j
      return
    }
    i = j
    atLineStart = false
    let current = indents[indents.count - 1]
    if width > current {
      indents.append(width)
      emit(.indent, from: position(i))
    } else if width < current {
      while let last = indents.last, last > width {
        indents.removeLast()
        emit(.dedent, from: position(i))
      }
      guard indents.last == width else {
        throw LabError(
          "this line's indentation matches no block above it", column: 0,
          hint: "indent the lines of one block by the same amount",
          line: line)
      }
    }
  }

  private mutating func token() throws(LabError) {
    let start = here
    let ch = chars[i]
    if ch.isLetter || ch == "_" {
      var j = i
      while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
      let word = String(chars[i..<j])
      // String prefixes: r'..', f'..', rf'..', b'..', u'..'.
      if j < chars.count, chars[j] == "'" || chars[j] == "\"", word.count <= 2,
        word.lowercased().allSatisfy({ "rfbu".contains($0) })
      {
        let prefix = word.lowercased()
        guard !prefix.contains("b") else {
          throw LabError(
            "bytes literals (b'...') are not supported", column: start.column,
            hint: "write a plain string: '...'",
            line: start.line)
        }
        i = j
        try string(from: start, raw: prefix.contains("r"), formatted: prefix.contains("f"))
        return
      }
      i = j
      emit(.name(word), from: start)
      return
    }
    if ch.isNumber || (ch == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
      try number(from: start)
      return
    }
    if ch == "'" || ch == "\"" {
      try string(from: start, raw: false, formatted: false)
      return
    }
    try operatorToken(from: start)
  }

  private static let operators: [String] = [
    "**=", "//=", ">>=", "<<=", "...", "->",
    "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
    ">>", "<<", ":=",
    "+", "-", "*", "/", "%", "@", "<", ">", "=", ".", ",", ":", ";", "(", ")", "[", "]", "{", "}",
    "&", "|", "^", "~",
  ]

  private mutating func operatorToken(from start: SourcePosition) throws(LabError) {
    for op in PyLexer.operators {
      let n = op.count
      guard i + n <= chars.count, String(chars[i..<(i + n)]) == op else { continue }
      if "([{".contains(op) {
        brackets.append((Character(op), start))
      } else if ")]}".contains(op) {
        let expected: Character = op == ")" ? "(" : op == "]" ? "[" : "{"
        guard let (open, _) = brackets.last else {
          throw LabError(
            "'\(op)' has no matching opening bracket", column: start.column, line: start.line)
        }
        guard open == expected else {
          let (_, at) = brackets[brackets.count - 1]
          throw LabError(
            "'\(op)' does not close the '\(open)' opened at column \(at.column + 1)",
            column: start.column, line: start.line)
        }
        brackets.removeLast()
      }
      i += n
      emit(.op(op), from: start)
      return
    }
    let shown = chars[i].unicodeScalars.first.map { SafeText.terminal(String($0)) } ?? "?"
    throw LabError(
      "'\(shown)' is not part of Python", column: start.column,
      hint: chars[i] == "$" || chars[i] == "!" || chars[i] == "?"
        ? "LayerLab reads Python and its own commands, not a system shell" : nil,
      line: start.line)
  }

  private mutating func number(from start: SourcePosition) throws(LabError) {
    let begin = i
    var j = i
    var text = ""
    func isDigit(_ c: Character, _ radix: Int) -> Bool {
      guard let v = c.hexDigitValue else { return false }
      return v < radix
    }
    var radix = 10
    if chars[j] == "0", j + 1 < chars.count, "xXoObB".contains(chars[j + 1]) {
      radix = "xX".contains(chars[j + 1]) ? 16 : "oO".contains(chars[j + 1]) ? 8 : 2
      j += 2
      while j < chars.count, isDigit(chars[j], radix) || chars[j] == "_" {
        if chars[j] != "_" { text.append(chars[j]) }
        j += 1
      }
    } else {
      while j < chars.count,
        chars[j].isASCII && chars[j].isNumber || chars[j] == "_" || chars[j] == "."
          || ((chars[j] == "e" || chars[j] == "E") && j + 1 < chars.count
            && (chars[j + 1].isNumber || "+-".contains(chars[j + 1])))
          || ("+-".contains(chars[j]) && j > i && "eE".contains(chars[j - 1]))
      {
        if chars[j] != "_" { text.append(chars[j]) }
        j += 1
      }
    }
    if j < chars.count, chars[j] == "j" || chars[j] == "J" {
      throw LabError("complex numbers are not supported", column: start.column, line: start.line)
    }
    if j < chars.count, chars[j].isLetter || chars[j] == "_" {
      var end = j
      while end < chars.count, chars[end].isLetter || chars[end].isNumber { end += 1 }
      throw LabError(
        "'\(String(chars[begin..<end]))' is not a number or a name", column: start.column,
        hint: "names start with a letter or '_'", line: start.line)
    }
    let written = String(chars[i..<j])
    i = j
    if radix != 10 {
      guard let value = Int(text, radix: radix) else {
        throw LabError(
          "'\(written)' is too large: LayerLab's whole numbers stop at \(Int.max)",
          column: start.column, line: start.line)
      }
      emit(.int(value), from: start)
      return
    }
    if text.allSatisfy(\.isNumber) {
      guard let value = Int(text) else {
        throw LabError(
          "'\(written)' is too large: LayerLab's whole numbers stop at \(Int.max)",
          column: start.column,
          hint: "write it as a float, e.g. \(text.prefix(1)).0e\(text.count - 1)",
          line: start.line)
      }
      if text.count > 1, text.hasPrefix("0"), value != 0 {
        throw LabError(
          "leading zeros are not allowed in '\(written)'", column: start.column, line: start.line)
      }
      emit(.int(value), from: start)
      return
    }
    guard let value = Double(text) else {
      throw LabError("'\(written)' is not a number", column: start.column, line: start.line)
    }
    emit(.float(value), from: start)
  }

  private mutating func string(from start: SourcePosition, raw: Bool, formatted: Bool)
    throws(LabError)
  {
    let quote = chars[i]
    let triple = i + 2 < chars.count && chars[i + 1] == quote && chars[i + 2] == quote
    i += triple ? 3 : 1
    let contentStart = here
    var content: [Character] = []
    while true {
      guard i < chars.count else {
        if triple { unfinished = true } else { lineEnded = true }
        throw LabError(
          "the string is never closed", column: start.column,
          hint: "close it with the same quote mark",
          line: start.line)
      }
      let ch = chars[i]
      if ch == quote {
        if !triple {
          i += 1
          break
        }
        if i + 2 < chars.count, chars[i + 1] == quote, chars[i + 2] == quote {
          i += 3
          break
        }
      }
      if ch == "\n" {
        guard triple else {
          lineEnded = true
          throw LabError(
            "the string is never closed", column: start.column,
            hint: "close it on the same line, or use triple quotes for several lines",
            line: start.line)
        }
        content.append(ch)
        newLine(at: i)
        i += 1
        continue
      }
      if ch == "\\", i + 1 < chars.count {
        content.append(ch)
        content.append(chars[i + 1])
        if chars[i + 1] == "\n" { newLine(at: i + 1) }
        i += 2
        continue
      }
      content.append(ch)
      i += 1
    }
    if formatted {
      emit(.fstring(String(content), raw: raw, contentStart: contentStart), from: start)
      return
    }
    let value =
      raw
      ? String(content)
      : try PyLexer.unescape(content, at: contentStart)
    emit(.string(value), from: start)
  }

  /// The text of a string literal with its backslash escapes read.
  static func unescape(_ content: [Character], at start: SourcePosition) throws(LabError)
    -> String
  {
    var out = ""
    var k = 0
    func hexValue(_ count: Int) -> UInt32? {
      guard k + count <= content.count else { return nil }
      return UInt32(String(content[k..<(k + count)]), radix: 16)
    }
    while k < content.count {
      let ch = content[k]
      guard ch == "\\", k + 1 < content.count else {
        out.append(ch)
        k += 1
        continue
      }
      let next = content[k + 1]
      k += 2
      switch next {
      case "\n": break
      case "\\": out.append("\\")
      case "'": out.append("'")
      case "\"": out.append("\"")
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "r": out.append("\r")
      case "a": out.append("\u{07}")
      case "b": out.append("\u{08}")
      case "f": out.append("\u{0C}")
      case "v": out.append("\u{0B}")
      case "0"..."7":
        var value = UInt32(String(next), radix: 8) ?? 0
        var digits = 1
        while digits < 3, k < content.count, let d = UInt32(String(content[k]), radix: 8) {
          value = value * 8 + d
          k += 1
          digits += 1
        }
        if let scalar = Unicode.Scalar(value) { out.unicodeScalars.append(scalar) }
      case "x", "u", "U":
        let count = next == "x" ? 2 : next == "u" ? 4 : 8
        guard let value = hexValue(count), let scalar = Unicode.Scalar(value) else {
          throw LabError(
            "'\\\(next)' must be followed by \(count) hexadecimal digits",
            column: start.column, line: start.line)
        }
        out.unicodeScalars.append(scalar)
        k += count
      case "N":
        throw LabError(
          "'\\N{...}' escapes are not supported", column: start.column, line: start.line)
      default:
        // Python keeps an unknown escape as it is written.
        out.append("\\")
        out.append(next)
      }
    }
    return out
  }
}
