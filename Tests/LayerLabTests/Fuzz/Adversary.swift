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

  /// True when a run can be made subject to file permissions: always for
  /// a normal user; for root (CI containers) by dropping the two
  /// capabilities that let root read and write anything, with setpriv.
  static let canDropPermissions =
    getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

  /// `layerlab ARGUMENTS < input`; `limits` is a shell prefix such as
  /// `ulimit -f 8;` applied to the run; `unprivileged` makes file
  /// permissions apply even when the tests run as root.
  ///
  /// Spawned with every signal unblocked and at its default: a test
  /// runner's threads block signals (SIGTERM, SIGXFSZ among them), and a
  /// child inheriting that mask would neither die by SIGXFSZ nor be
  /// stopped by the bound. The bound is enforced with SIGKILL.
  func run(
    _ input: String, arguments: [String] = [], stdout: Output = .merged, limits: String = "",
    unprivileged: Bool = false, boundSeconds: Int = 120
  ) throws -> Result {
    let executable = try LayerLabProcess.locate()
    try input.write(to: folder.appendingPathComponent(".input"), atomically: true, encoding: .utf8)
    // Wide, so a message is one line however long: these tests read what
    // was said, not how it wrapped (WidthTests checks the wrapping).
    let wide = arguments.contains("--width") ? [] : ["--width", "400"]
    var command = [executable.path] + wide + arguments
    if unprivileged, getuid() == 0 {
      command = ["/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search"] + command
    }
    let quoted = command.map { "'" + $0 + "'" }.joined(separator: " ")
    // `exec`, so the process that ends is layerlab itself and a signal shows as one.
    var script = "cd '\(folder.path)' && \(limits) exec \(quoted) < .input"
    if case .redirected(let redirection) = stdout { script += " " + redirection }
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = folder.path
    environment.removeValue(forKey: "NO_COLOR")
    let spawned = try Spawned(
      ["/bin/sh", "-c", script], environment: environment, stdout: stdout)
    let pid = spawned.pid
    let watchdog = Thread {
      var waited = 0
      while waited < boundSeconds * 10 {
        usleep(100_000)
        waited += 1
        if kill(pid, 0) != 0 { return }
      }
      kill(pid, SIGKILL)
    }
    watchdog.start()
    let data = spawned.readAll()
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    try? FileManager.default.removeItem(at: folder.appendingPathComponent(".input"))
    let files =
      ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    let text = String(decoding: data, as: UTF8.self)
      .replacingOccurrences(of: folder.resolvingSymlinksInPath().path, with: "$TMP")
      .replacingOccurrences(of: folder.path, with: "$TMP")
    let signal = status & 0x7F
    let signalled = signal != 0 && signal != 0x7F
    return Result(
      output: text, status: signalled ? signal : (status >> 8) & 0xFF, signalled: signalled,
      killedAfterBound: signalled && signal == SIGKILL, files: files)
  }
}

/// A child process started with posix_spawn: a clean signal mask, default
/// dispositions, and its output (standard output and/or error) in a pipe.
private struct Spawned {
  let pid: pid_t
  let reader: Int32

  init(_ argv: [String], environment: [String: String], stdout: Adversary.Output) throws {
    var pipeEnds: [Int32] = [0, 0]
    var orphan: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0, pipe(&orphan) == 0 else { throw POSIXError(.EMFILE) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    switch stdout {
    case .merged, .redirected:
      posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    case .closedPipe:
      posix_spawn_file_actions_adddup2(&actions, orphan[1], 1)
    }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
    for fd in [pipeEnds[0], pipeEnds[1], orphan[0], orphan[1]] {
      posix_spawn_file_actions_addclose(&actions, fd)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in cArguments { free(p) }
      for p in cEnvironment { free(p) }
    }
    var child: pid_t = 0
    let result = posix_spawn(&child, argv[0], &actions, &attributes, cArguments, cEnvironment)
    close(pipeEnds[1])
    close(orphan[1])
    close(orphan[0])  // the reader of a closed pipe is gone from the start
    guard result == 0 else {
      close(pipeEnds[0])
      throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EPERM)
    }
    pid = child
    reader = pipeEnds[0]
  }

  func readAll() -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = read(reader, &buffer, buffer.count)
      if n < 0, errno == EINTR { continue }
      if n <= 0 { break }
      data.append(contentsOf: buffer[0..<n])
    }
    close(reader)
    return data
  }
}

extension Adversary.Result {
  /// Exited by itself (no signal, no watchdog), with one of the statuses layerlab uses.
  var endedCleanly: Bool { !signalled && !killedAfterBound && (status == 0 || status == 1) }
}
