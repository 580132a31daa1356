import Engine
import Foundation
import Testing

/// The real `layerlab`, run on hostile files and lines the way the issue's
/// adversarial test ran it: in a folder of its own, stdout and stderr
/// merged, and killed if it runs past a generous bound (a hang shows up as
/// `killedAfterBound`, never as a test that waits forever).
struct Adversary {
  let folder: URL

  init() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-adversary-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  func remove() { try? FileManager.default.removeItem(at: folder) }

  func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func write(_ bytes: [UInt8], to name: String) throws {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
  }

  func write(_ data: Data, to name: String) throws { try write([UInt8](data), to: name) }

  struct Result {
    var output: String
    var status: Int32
    /// Died by a signal (a trap, SIGXFSZ, SIGPIPE) instead of exiting.
    var signalled: Bool
    var killedAfterBound: Bool
    /// The files left in the folder afterwards, by name, sorted.
    var files: [String]

    /// Every line of output, for "one line per error" checks.
    var lines: [Substring] { output.split(separator: "\n", omittingEmptySubsequences: false) }
    /// True when no raw control character but newline reached the screen.
    var hasNoControlCharacters: Bool {
      !output.unicodeScalars.contains {
        ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value)
          || (0x202A...0x202E).contains($0.value)
      }
    }
  }

  /// Where standard output goes.
  enum Output {
    /// Merged with standard error into the result.
    case merged
    /// A shell redirection such as `> /dev/full` or `>&-`; the result has
    /// standard error alone.
    case redirected(String)
    /// A pipe whose reader has gone (`layerlab | head -1` after head exits).
    case closedPipe
  }

  /// `layerlab ARGUMENTS < input`; `limits` is a shell prefix such as
  /// `ulimit -f 8;` applied to the run.
  func run(
    _ input: String, arguments: [String] = [], stdout: Output = .merged, limits: String = "",
    boundSeconds: Int = 120
  ) throws -> Result {
    let executable = try LayerLabProcess.locate()
    try input.write(to: folder.appendingPathComponent(".input"), atomically: true, encoding: .utf8)
    let quoted = ([executable.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
    // `exec`, so the process that ends is layerlab itself and a signal shows as one.
    var script = "\(limits) exec \(quoted) < .input"
    switch stdout {
    case .merged: script += " 2>&1"
    case .redirected(let redirection): script += " " + redirection
    case .closedPipe: break
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = folder
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = folder.path
    environment.removeValue(forKey: "NO_COLOR")
    process.environment = environment
    let pipe = Pipe()
    let orphan = Pipe()
    switch stdout {
    case .merged, .redirected: process.standardOutput = pipe
    case .closedPipe: process.standardOutput = orphan
    }
    process.standardError = pipe
    try process.run()
    if case .closedPipe = stdout { try orphan.fileHandleForReading.close() }
    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(boundSeconds), execute: watchdog)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    // Nothing but the watchdog sends SIGTERM.
    let killed =
      process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM
    try? FileManager.default.removeItem(at: folder.appendingPathComponent(".input"))
    let files =
      ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    let text = String(decoding: data, as: UTF8.self)
      .replacingOccurrences(of: folder.resolvingSymlinksInPath().path, with: "$TMP")
      .replacingOccurrences(of: folder.path, with: "$TMP")
    return Result(
      output: text, status: process.terminationStatus,
      signalled: process.terminationReason == .uncaughtSignal,
      killedAfterBound: killed, files: files)
  }
}

extension Adversary.Result {
  /// Exited by itself (no signal, no watchdog), with one of the statuses layerlab uses.
  var endedCleanly: Bool { !signalled && !killedAfterBound && (status == 0 || status == 1) }
}
