import Engine
import Foundation

/// Saves what a teacher types, as typed, to a lesson file.
///
/// The whole file is rewritten atomically after every line, so it is always
/// complete: quitting, Ctrl-D or a crash without `record stop` loses nothing,
/// and no reader ever sees half a line.
final class Recorder {
  private(set) var path: String?
  private(set) var lines: [String] = []

  var isRecording: Bool { path != nil }

  /// Starts a new recording at `path`, writing the empty file at once so a bad path fails now.
  func start(_ path: String) throws {
    try AtomicFile.write(Data(), to: path)
    self.path = path
    lines = []
  }

  /// Adds a line that ran without error; nothing happens when not recording.
  func note(_ line: String) throws {
    guard let path else { return }
    lines.append(line)
    try AtomicFile.write(Data(text.utf8), to: path)
  }

  /// Ends the recording; returns where it went and how many lines it holds.
  func stop() -> (path: String, count: Int)? {
    guard let path else { return nil }
    defer {
      self.path = nil
      lines = []
    }
    return (path, lines.count)
  }

  private var text: String { lines.map { $0 + "\n" }.joined() }
}
