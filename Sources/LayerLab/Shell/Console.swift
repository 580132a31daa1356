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
/// Every line is also fitted to ``width``, wrapped at spaces (``LineWrap``),
/// except the echo of what the learner typed, which is shown as typed.
///
/// A console implements only ``emit(_:toError:)``; the ways to write below
/// are the extension's, so none can skip the sanitising or the wrapping.
protocol Console: AnyObject {
  /// Columns a line may take before it is wrapped; nil: lines are never wrapped.
  var width: Int? { get set }
  /// Writes the screen lines of one line of output, already safe and fitted
  /// (a newline is added after each).
  func emit(_ lines: [String], toError: Bool)
  /// Shows a line that the next output replaces (a live progress bar); only a
  /// terminal shows it, so transcripts never see it.
  func transient(_ line: String)
}

extension Console {
  func transient(_ line: String) {}

  /// Writes one line of normal output, made safe and wrapped to the width.
  func out(_ line: String) { emit(fitted(SafeText.terminal(line)), toError: false) }
  /// Writes one line of error output, made safe and wrapped to the width.
  func err(_ line: String) { emit(fitted(SafeText.terminal(line)), toError: true) }
  /// Writes one drawn line, colours and all. Drawings are laid out to fit;
  /// one that does not (a caption in a drawing) wraps like text.
  func out(_ line: StyledLine) {
    guard let width, line.cells.count > width else {
      emit([line.text], toError: false)
      return
    }
    let cells = line.cells
    let pieces = LineWrap.pieces(count: cells.count, width: width) { cells[$0].character }
    emit(
      pieces.map {
        (CellLine(repeating: .blank, count: $0.indent) + cells[$0.range]).rendered(
          line.colors)
      }, toError: false)
  }
  /// Writes the learner's own line as it was typed (made safe, never wrapped):
  /// a caret under it must point at the column they typed.
  func echo(_ line: String, toError: Bool = false) {
    emit([SafeText.terminal(line)], toError: toError)
  }

  private func fitted(_ line: String) -> [String] {
    guard let width else { return [line] }
    return LineWrap.lines(line, width: width)
  }
}

/// A drawn line: characters made safe, with the colour escapes LayerLab
/// itself chose. Made only from cells, so no other text can carry escapes
/// to the terminal.
struct StyledLine: Equatable {
  let cells: CellLine
  let colors: ColorDepth

  init(_ cells: CellLine, colors: ColorDepth) {
    self.cells = cells
    self.colors = colors
  }

  init(_ cells: CellLine, color: Bool) { self.init(cells, colors: color ? .palette256 : .none) }

  /// The line as the terminal gets it.
  var text: String { cells.rendered(colors) }
}

/// The real standard output and standard error.
final class TerminalConsole: Console {
  /// Set once a write to standard output failed (a full disk, a closed
  /// pipe): later output is dropped instead of failing again, the shell
  /// stops reading, and the exit status says so.
  private(set) var writeFailed = false
  /// Why the write failed, as `strerror` says it.
  private(set) var failure = ""

  var width: Int?

  func emit(_ lines: [String], toError: Bool) {
    write(lines.map { $0 + "\n" }.joined(), to: toError ? STDERR_FILENO : STDOUT_FILENO)
  }
  /// Carriage return and erase-line, so the next write starts on a clean
  /// line; cut to the width, since a line the terminal wraps cannot be redrawn.
  func transient(_ line: String) {
    let safe = SafeText.terminal(line)
    let shown = width.map { String(safe.prefix(max($0 - 1, 0))) } ?? safe
    write("\r\u{1B}[K" + shown, to: STDOUT_FILENO)
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
  /// Each error line as written: its screen lines, joined by newlines.
  private(set) var errorLines: [String] = []
  var width: Int?

  func emit(_ lines: [String], toError: Bool) {
    transcript += lines.map { $0 + "\n" }.joined()
    if toError { errorLines.append(lines.joined(separator: "\n")) }
  }
}
