/// Where typed lines come from: readline on a terminal, plain stdin when
/// piped, an array of lines in tests.
protocol LineReader: AnyObject {
  /// The next line without its newline, or nil at the end of input (Ctrl-D).
  func readLine(prompt: String) -> String?
  /// True when the reader does not show what was typed, so the shell echoes
  /// `lab> command` itself to make the output read as a transcript.
  var echoesInput: Bool { get }
  /// True when more input has already arrived and waits to be read: at a
  /// terminal, the rest of a paste. Only readers at a terminal can tell.
  var hasPendingInput: Bool { get }
}

extension LineReader {
  var hasPendingInput: Bool { false }
}

/// Reads standard input with no prompt, no editing, no history and no escape
/// codes: piped input must come out byte for byte the same on every run.
final class PlainReader: LineReader {
  var echoesInput: Bool { true }
  func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
}

/// Hands out fixed lines: a script file, a lesson, or a test.
final class ScriptReader: LineReader {
  private var lines: [String]
  private var next = 0
  var echoesInput: Bool { true }

  init(lines: [String]) { self.lines = lines }

  /// The lines of `text`; a final newline does not make an extra empty line.
  convenience init(text: String) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    self.init(lines: lines)
  }

  func readLine(prompt: String) -> String? {
    guard next < lines.count else { return nil }
    defer { next += 1 }
    return lines[next]
  }
}
