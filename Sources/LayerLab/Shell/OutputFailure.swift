import Engine

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// What LayerLab does when its output cannot be written: a full disk
/// (`> /dev/full`), a closed standard output, a reader that went away
/// (`| head -1`), or a file past `ulimit -f`.
///
/// The default for SIGPIPE and SIGXFSZ is to kill the process without a
/// word; ignored, the failing `write` returns an error instead, which
/// `AtomicFile` reports as a clear message and ``TerminalConsole`` turns
/// into "stop reading, exit 1".
enum OutputFailure {
  static func ignoreWriteSignals() {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGXFSZ, SIG_IGN)
  }

  /// After the run: when standard output failed, says so on standard error
  /// (if that still works) and gives the exit status 1; otherwise `status`.
  static func finalStatus(_ status: Int32, console: TerminalConsole) -> Int32 {
    guard console.writeFailed else { return status }
    console.err(
      "layerlab: cannot write to standard output (\(console.failure)); stopped reading commands")
    return 1
  }
}

/// Hands on lines from `reader` until standard output fails: a script run
/// into a full disk stops at once instead of training for minutes unseen.
final class StopsWhenOutputFails: LineReader {
  private let reader: LineReader
  private let console: TerminalConsole

  init(_ reader: LineReader, console: TerminalConsole) {
    self.reader = reader
    self.console = console
  }

  var echoesInput: Bool { reader.echoesInput }
  var hasPendingInput: Bool { reader.hasPendingInput }

  func readLine(prompt: String) -> String? {
    guard !console.writeFailed else { return nil }
    return reader.readLine(prompt: prompt)
  }
}
