import Engine

/// One word of a typed command, with the column where it starts.
struct Token: Equatable, Sendable {
  var text: String
  var column: Int
}

/// Splits command lines into words, keeping quoted text together.
enum Tokenizer {
  /// The words of `line`; `'a b'` and `"a b"` are one word without the quotes.
  static func split(_ line: String) throws(LabError) -> [Token] {
    var tokens: [Token] = []
    var current = ""
    var start: Int?
    var quote: Character?
    var quoteColumn = 0
    for (i, ch) in line.enumerated() {
      if let q = quote {
        if ch == q { quote = nil } else { current.append(ch) }
      } else if ch == " " || ch == "\t" {
        if let s = start { tokens.append(Token(text: current, column: s)) }
        current = ""
        start = nil
      } else {
        if start == nil { start = i }
        if ch == "'" || ch == "\"" {
          quote = ch
          quoteColumn = i
        } else {
          current.append(ch)
        }
      }
    }
    if quote != nil {
      throw LabError(
        message: "the quote is never closed", column: quoteColumn,
        hint: "close it with the same quote mark")
    }
    if let s = start { tokens.append(Token(text: current, column: s)) }
    return tokens
  }

  /// `line` without a trailing Python comment (`add Dense(10)  # classifier`);
  /// a `#` inside quotes or glued to a word (`#3`) is kept.
  static func strippingComment(_ line: String) -> String {
    var quote: Character?
    var previous: Character = " "
    var index = line.startIndex
    while index < line.endIndex {
      let ch = line[index]
      if let q = quote {
        if ch == q { quote = nil }
      } else if ch == "'" || ch == "\"" {
        quote = ch
      } else if ch == "#", previous == " " || previous == "\t" {
        return String(line[..<index]).trimmingTrailingSpaces()
      }
      previous = ch
      index = line.index(after: index)
    }
    return line
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var s = Substring(self)
    while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
    return String(s)
  }
}
