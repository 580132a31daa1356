import Foundation

/// Where everything the shell says goes: results to `out`, mistakes to `err`.
///
/// Commands never print directly, so tests can record the exact screen with
/// ``RecordingConsole`` and compare it with a golden transcript.
protocol Console: AnyObject {
  /// Writes one line (a newline is added) of normal output.
  func out(_ line: String)
  /// Writes one line (a newline is added) of error output.
  func err(_ line: String)
  /// Shows a line that the next output replaces (a live progress bar); only a
  /// terminal shows it, so transcripts never see it.
  func transient(_ line: String)
}

extension Console {
  func transient(_ line: String) {}
}

/// The real standard output and standard error.
final class TerminalConsole: Console {
  func out(_ line: String) { write(line + "\n", to: FileHandle.standardOutput) }
  func err(_ line: String) { write(line + "\n", to: FileHandle.standardError) }
  /// Carriage return and erase-line, so the next write starts on a clean line.
  func transient(_ line: String) { write("\r\u{1B}[K" + line, to: FileHandle.standardOutput) }

  // Unbuffered writes keep stdout and stderr in the order they were made when
  // both go to one file (`2>&1`), which is what a transcript reader sees.
  private func write(_ text: String, to handle: FileHandle) {
    handle.write(Data(text.utf8))
  }
}

/// Keeps both streams, in order, as one transcript.
final class RecordingConsole: Console {
  private(set) var transcript = ""
  private(set) var errorLines: [String] = []

  func out(_ line: String) { transcript += line + "\n" }
  func err(_ line: String) {
    transcript += line + "\n"
    errorLines.append(line)
  }
}
