@preconcurrency import CReadline
import Foundation
@preconcurrency import Glibc

/// GNU readline for a learner at a terminal: line editing, history kept in
/// `~/.layerlab_history`, Tab completion, and Ctrl-C that clears the line.
/// Used only when stdin is a terminal (../shared/PLATFORM.md §1: piped into
/// readline, Tabs would complete and the prompt would be echoed).
final class ReadlineReader: LineReader {
  private let historyPath: String?
  /// What Tab can complete right now (commands, layer names…), asked before each line.
  private let completions: () -> Completions
  var echoesInput: Bool { false }

  init(historyPath: String?, completions: @escaping () -> Completions) {
    self.historyPath = historyPath
    self.completions = completions
    rl_readline_name = UnsafePointer(strdup("layerlab"))
    // Pasted text would be wrapped in \e[?2004h…l codes around every prompt.
    rl_variable_bind("enable-bracketed-paste", "off")
    rl_catch_signals = 0
    Interrupt.install()
    rl_signal_event_hook = {
      if Interrupt.pending != 0 {
        Interrupt.pending = 0
        rl_echo_signal_char(SIGINT)
        rl_replace_line("", 0)
        rl_crlf()
        rl_on_new_line()
        rl_redisplay()  // flushes; a plain fputs to rl_outstream would not
      }
      return 0
    }
    rl_attempted_completion_function = ReadlineCompletion.attempt
    stifle_history(Self.historyLines)
    if let historyPath { _ = read_history(historyPath) }
  }

  /// The most lines the history file keeps.
  static let historyLines: Int32 = 1000

  /// Appends the newest line to the history file, then trims the file to
  /// its last 1,000 lines. Appending, not rewriting: two terminals running
  /// LayerLab at once each add their own lines instead of the last one to
  /// write erasing the other's.
  private func saveHistory(to path: String) {
    if access(path, F_OK) != 0 {
      _ = write_history(path)  // the first line ever: the file is created
    } else {
      _ = append_history(1, path)
    }
    _ = history_truncate_file(path, Self.historyLines)
  }

  /// Bytes already waiting on the terminal: readline reads a byte at a
  /// time, so the rest of a paste is still in the terminal's buffer.
  var hasPendingInput: Bool {
    var waiting: Int32 = 0
    return ioctl(STDIN_FILENO, UInt(FIONREAD), &waiting) == 0 && waiting > 0
  }

  func readLine(prompt: String) -> String? {
    ReadlineCompletion.current = completions()
    Interrupt.clear()
    guard let raw = readline(prompt) else { return nil }
    defer { free(raw) }
    let line = String(cString: raw)
    if !line.trimmingCharacters(in: .whitespaces).isEmpty {
      add_history(line)
      // After every line, so a killed session keeps what was typed.
      if let historyPath { saveHistory(to: historyPath) }
    }
    return line
  }

}

/// The words Tab offers, grouped by where they make sense on the line.
struct Completions: Sendable {
  var commands: [String] = []
  var layerTypes: [String] = []
  var layerNames: [String] = []
  /// Words that make sense after a given command: `image` → `demo`, `cat`…
  var keywords: [String: [String]] = [:]
  /// Commands after which a word is a file path.
  var pathCommands: Set<String> = []

  /// The candidates for `word` when the line so far begins with `firstWord`
  /// (nil when `word` is the first word). Nil result: complete a file path.
  func candidates(for word: String, firstWord: String?) -> [String]? {
    guard let firstWord else { return commands.filter { $0.hasPrefix(word) } }
    let words = (keywords[firstWord] ?? []).filter { $0.hasPrefix(word) }
    if pathCommands.contains(firstWord) {
      return word.contains("/") || words.isEmpty ? nil : words
    }
    return (layerTypes + layerNames + words).filter { $0.hasPrefix(word) }
  }
}

/// Readline's completion callbacks are C function pointers that cannot
/// capture anything, so what they offer lives here, set before each line.
enum ReadlineCompletion {
  nonisolated(unsafe) static var current = Completions()
  nonisolated(unsafe) static var matches: [String] = []
  nonisolated(unsafe) static var nextMatch = 0

  static let generator:
    @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = {
      _, state in
      if state == 0 { nextMatch = 0 }
      guard nextMatch < matches.count else { return nil }
      defer { nextMatch += 1 }
      return strdup(matches[nextMatch])  // readline frees it
    }

  static let attempt:
    @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<
      UnsafeMutablePointer<CChar>?
    >? = {
      text, start, _ in
      let word = text.map { String(cString: $0) } ?? ""
      let before = rl_line_buffer.map { String(String(cString: $0).prefix(Int(start))) } ?? ""
      let firstWord = before.split(separator: " ").first.map(String.init)
      // `model.add(Con` completes the layer type, like `add Con`.
      let effectiveFirst = firstWord.map { $0.hasPrefix("model.") ? "add" : $0 }
      guard let candidates = current.candidates(for: word, firstWord: effectiveFirst) else {
        rl_attempted_completion_over = 0  // let readline complete a file name
        return nil
      }
      rl_attempted_completion_over = 1
      // `Conv2D(` goes on with its arguments, not with a space.
      rl_completion_append_character =
        candidates.count == 1 && candidates[0].hasSuffix("(") ? 0 : 32
      matches = candidates
      return rl_completion_matches(text, generator)
    }
}
