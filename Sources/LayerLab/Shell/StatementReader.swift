import Engine

/// One statement as typed: a line, or the lines of a pasted block or of a
/// Python statement that continues (an open bracket, a trailing `\`, a
/// block after `:`).
struct TypedStatement {
  var lines: [String]

  /// The blanks before the first line (a paste from inside a `def`).
  var indent: Int { lines.first?.prefix { $0 == " " || $0 == "\t" }.count ?? 0 }

  /// The lines without the first line's indentation, so a block pasted from
  /// inside a function reads as if typed at the left margin.
  var dedented: [String] {
    let base = indent
    return lines.enumerated().map { i, line in
      let trimmed = line.trimmingTrailingSpaces()
      if i == 0 { return String(trimmed.drop { $0 == " " || $0 == "\t" }) }
      var dropped = 0
      return String(
        trimmed.drop { ch in
          guard dropped < base, ch == " " || ch == "\t" else { return false }
          dropped += 1
          return true
        })
    }
  }
}

/// Reads whole statements from a ``LineReader``: a Python line that is not
/// finished is followed by more, with the `...` prompt. At a terminal a
/// blank line ends a block, as in Python's own prompt, and also a bracket
/// left open (which the parser then reports). Piped, a statement ends at
/// the next line back at its margin that does not go on with it (blank
/// lines inside a `def` are kept), and that line is read next. A paste at
/// the terminal (more lines already waiting after a blank one) is read as
/// piped input is, so the blog's script pasted whole keeps its functions'
/// blank lines.
final class StatementReader {
  private let reader: LineReader
  private let session: Session
  private var queue: [String] = []
  /// Guards against a never-ending block: more lines than this are refused.
  static let maxLines = 100_000

  init(reader: LineReader, session: Session) {
    self.reader = reader
    self.session = session
  }

  private func line(prompt: String) -> String? {
    if !queue.isEmpty { return queue.removeFirst() }
    return reader.readLine(prompt: prompt)
  }

  /// The next statement, or nil at the end of the input.
  func next() -> TypedStatement? {
    guard let first = line(prompt: Shell.prompt) else { return nil }
    var statement = TypedStatement(lines: [first])
    let head = statement.dedented[0]
    guard !head.isEmpty, !head.hasPrefix("#"), head.utf8.count <= Shell.maxLineBytes,
      LineKind(of: head, in: session) == .python
    else { return statement }
    var inBlock = false
    var pasted = false
    var held: [String] = []
    while statement.lines.count < Self.maxLines {
      let state = PyLexer.continuation(of: statement.dedented.joined(separator: "\n"))
      if state == .block { inBlock = true }
      if state == .complete, !inBlock { return statement }
      guard let more = line(prompt: Shell.continuationPrompt) else { break }
      let blank = more.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
      if !reader.echoesInput {
        // Lines already waiting: a paste, read by the piped rules below.
        if reader.hasPendingInput { pasted = true }
        // At a terminal a blank line with nothing after it ends the
        // statement: a block as in Python's prompt, and a bracket left open
        // too, which the parser then points at instead of waiting for ever.
        if blank, !reader.hasPendingInput { return statement }
        if !pasted {
          statement.lines.append(more)
          continue
        }
      }
      if blank {
        held.append(more)
        continue
      }
      if ends(statement, at: more, open: state == .openLine, inBlock: inBlock) {
        queue = held + [more] + queue
        return statement
      }
      statement.lines += held + [more]
      held = []
    }
    queue = held + queue
    return statement
  }

  /// Piped, whether `line` starts the next statement: it is back at the
  /// statement's margin, and neither goes on with a block (`else:`) nor
  /// closes an open bracket (continuation lines are indented, as the
  /// blog's are).
  private func ends(_ statement: TypedStatement, at line: String, open: Bool, inBlock: Bool) -> Bool
  {
    let indent = line.prefix { $0 == " " || $0 == "\t" }.count
    guard indent <= statement.indent else { return false }
    let text = line.drop { $0 == " " || $0 == "\t" }
    if open { return !(text.first.map { ")]}".contains($0) } ?? false) }
    return inBlock && endsBlock(line, of: statement)
  }

  /// True when `line` is back at the block's margin and does not go on with
  /// it (`else:`, `elif ...:`).
  private func endsBlock(_ line: String, of statement: TypedStatement) -> Bool {
    let indent = line.prefix { $0 == " " || $0 == "\t" }.count
    guard indent <= statement.indent else { return false }
    let word = line.drop { $0 == " " || $0 == "\t" }.prefix { $0.isLetter }
    return !["elif", "else", "except", "finally"].contains(String(word))
  }
}
