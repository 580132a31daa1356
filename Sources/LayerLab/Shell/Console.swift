import Engine
import Foundation

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// Where everything the shell says goes: results to `out`, mistakes to `err`.
///
/// Commands never print directly, so tests can record the exact screen with
/// ``RecordingConsole`` and compare it with a golden transcript. Every line
/// is made safe here, the one way to the terminal: plain lines through
/// ``SafeText/terminal(_:limit:)``, so a name read from a file can neither
/// send an escape sequence nor break one message into several lines, and
/// drawings as a ``StyledLine``, whose only escapes are LayerLab's colours.
protocol Console: AnyObject {
  /// Writes one line (a newline is added) of normal output, made safe.
  func out(_ line: String)
  /// Writes one line (a newline is added) of error output, made safe.
  func err(_ line: String)
  /// Writes one drawn line (a newline is added), colours and all.
  func out(_ line: StyledLine)
  /// Shows a line that the next output replaces (a live progress bar); only a
  /// terminal shows it, so transcripts never see it.
  func transient(_ line: String)
}

extension Console {
  func transient(_ line: String) {}
}

/// A drawn line: characters made safe, with the colour escapes LayerLab
/// itself chose. Made only from cells, so no other text can carry escapes
/// to the terminal.
struct StyledLine: Equatable {
  let text: String

  init(_ cells: CellLine, color: Bool) { text = cells.rendered(color: color) }
}

/// The real standard output and standard error.
final class TerminalConsole: Console {
  /// Set once a write to standard output failed (a full disk, a closed
  /// pipe): later output is dropped instead of failing again, the shell
  /// stops reading, and the exit status says so.
  private(set) var writeFailed = false
  /// Why the write failed, as `strerror` says it.
  private(set) var failure = ""

  func out(_ line: String) { write(SafeText.terminal(line) + "\n", to: STDOUT_FILENO) }
  func err(_ line: String) { write(SafeText.terminal(line) + "\n", to: STDERR_FILENO) }
  func out(_ line: StyledLine) { write(line.text + "\n", to: STDOUT_FILENO) }
  /// Carriage return and erase-line, so the next write starts on a clean line.
  func transient(_ line: String) {
    write("\r\u{1B}[K" + SafeText.terminal(line), to: STDOUT_FILENO)
  }

  // Unbuffered writes keep stdout and stderr in the order they were made when
  // both go to one file (`2>&1`), which is what a transcript reader sees.
  // POSIX write, not FileHandle.write, which traps on a failed write.
  private func write(_ text: String, to descriptor: Int32) {
    guard !(writeFailed && descriptor == STDOUT_FILENO) else { return }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return 0 }
        return Glibc.write(descriptor, base + offset, buffer.count - offset)
      }
      if written > 0 {
        offset += written
      } else if written < 0, errno == EINTR {
        continue
      } else {
        // Standard error failing alone (2>/dev/full) does not stop a script
        // whose results still reach standard output.
        if descriptor == STDOUT_FILENO {
          failure = written < 0 ? String(cString: strerror(errno)) : "nothing was written"
          writeFailed = true
        }
        return
      }
    }
  }
}

/// Keeps both streams, in order, as one transcript.
final class RecordingConsole: Console {
  private(set) var transcript = ""
  private(set) var errorLines: [String] = []

  func out(_ line: String) { transcript += SafeText.terminal(line) + "\n" }
  func err(_ line: String) {
    let safe = SafeText.terminal(line)
    transcript += safe + "\n"
    errorLines.append(safe)
  }
  func out(_ line: StyledLine) { transcript += line.text + "\n" }
}
