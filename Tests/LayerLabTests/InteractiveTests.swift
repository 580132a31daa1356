import Foundation
import Testing

/// Drives the real `layerlab` in a tmux pane, as a learner at a terminal:
/// Tab completion, a command, quitting, and history recalled after a restart.
/// tmux is declared, not assumed: without it these tests show as skipped
/// (`.ci/run` installs it), never as passed.
@Suite(.enabled(if: Tmux.find() != nil, "needs tmux (apt-get install tmux)"))
struct InteractiveTests {
  @Test func completionAndHistoryAcrossSessions() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try temporaryHome()
    defer { try? FileManager.default.removeItem(at: home) }
    let name = "layerlab-test-\(ProcessInfo.processInfo.processIdentifier)"
    let command = "env HOME=\(home.path) TERM=xterm NO_COLOR=1 \(executable.path)"
    defer { _ = tmux.run(["kill-session", "-t", name]) }

    // First session: Tab completes a command, the command runs, quit exits.
    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "100", "-y", "40", command])
    #expect(tmux.waitFor("lab>", in: name))  // capture-pane trims the space after the prompt
    _ = tmux.run(["send-keys", "-t", name, "hel", "Tab"])
    #expect(tmux.waitFor("lab> help", in: name), "Tab did not complete 'hel'")
    _ = tmux.run(["send-keys", "-t", name, "Enter"])
    #expect(tmux.waitFor("help COMMAND shows usage", in: name))
    _ = tmux.run(["send-keys", "-t", name, "image demo c", "Tab"])
    #expect(tmux.waitFor("lab> image demo cat", in: name), "Tab did not complete the demo name")
    _ = tmux.run(["send-keys", "-t", name, "Enter"])
    #expect(tmux.waitFor("X.shape = (1, 48, 48, 3)", in: name))
    _ = tmux.run(["send-keys", "-t", name, "half typed", "C-c"])
    _ = tmux.run(["send-keys", "-t", name, "quit", "Enter"])
    #expect(tmux.waitForExit(name), "quit did not end the session")
    let history =
      (try? String(contentsOf: home.appendingPathComponent(".layerlab_history"), encoding: .utf8))
      ?? ""
    #expect(history.contains("image demo cat"))
    #expect(!history.contains("half typed"), "Ctrl-C should drop the line")

    // Second session: Up recalls the previous session's lines.
    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "100", "-y", "40", command])
    #expect(tmux.waitFor("lab>", in: name))  // capture-pane trims the space after the prompt
    _ = tmux.run(["send-keys", "-t", name, "Up", "Up"])
    #expect(tmux.waitFor("lab> image demo cat", in: name), "Up did not recall the history")
    _ = tmux.run(["send-keys", "-t", name, "C-e", "C-u", "C-d"])
    #expect(tmux.waitForExit(name), "Ctrl-D did not end the session")
  }

  /// `layerlab --lesson 1` at a terminal: the first pause waits for Enter, q
  /// leaves the lesson, and the shell goes on with the lesson's picture.
  @Test func lessonPausesAndLeavesTheShellRunning() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try temporaryHome()
    defer { try? FileManager.default.removeItem(at: home) }
    let name = "layerlab-lesson-\(ProcessInfo.processInfo.processIdentifier)"
    // From the temporary folder: the lesson must be found from anywhere.
    let command =
      "cd \(home.path) && env HOME=\(home.path) TERM=xterm NO_COLOR=1 \(executable.path) --lesson 1"
    defer { _ = tmux.run(["kill-session", "-t", name]) }

    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "100", "-y", "50", command])
    #expect(tmux.waitFor("-- Enter: next step (2 of", in: name), "the first pause did not wait")
    #expect(
      tmux.run(["capture-pane", "-p", "-t", name])?.contains("lab> image\n") == false,
      "step 2 ran before Enter")
    _ = tmux.run(["send-keys", "-t", name, "Enter"])
    #expect(
      tmux.waitFor("-- Enter: next step (3 of", in: name), "Enter did not move to the next step")
    _ = tmux.run(["send-keys", "-t", name, "q", "Enter"])
    #expect(tmux.waitFor("left lesson 1 at step 2", in: name), "q did not leave the lesson")
    // Step 3 (show input) never ran, so this output can only come from the shell.
    _ = tmux.run(["send-keys", "-t", name, "show input gray", "Enter"])
    #expect(
      tmux.waitFor("input (1, 24, 24, 3) from demo cat", in: name), "the lesson's picture is gone")
    _ = tmux.run(["send-keys", "-t", name, "quit", "Enter"])
    #expect(tmux.waitForExit(name), "quit did not end the session")
  }

  /// Ctrl-C during a load stops it and keeps the session: here a dataset
  /// folder whose pictures each take a quarter of a second (2048 x 2048,
  /// 99 progressive scans), about a minute in all.
  @Test func ctrlCStopsALongLoad() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try temporaryHome()
    defer { try? FileManager.default.removeItem(at: home) }
    let slow = Data(HostileBytes.progressiveJPEG(side: 2048, acScans: 99))
    for folder in ["set/a", "set/b"] {
      try FileManager.default.createDirectory(
        at: home.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    // The first picture is small, so the others are shrunk to it and the
    // whole set takes little memory; only decoding them is slow.
    try Data(contentsOf: HostileFileTests.fixtures.appendingPathComponent("rgb.png")).write(
      to: home.appendingPathComponent("set/a/0.png"))
    for i in 0..<240 {
      try slow.write(to: home.appendingPathComponent("set/b/\(1000 + i).jpg"))
    }
    let name = "layerlab-ctrlc-\(getpid())"
    let command =
      "cd \(home.path) && env HOME=\(home.path) TERM=xterm NO_COLOR=1 \(executable.path)"
    defer { _ = tmux.run(["kill-session", "-t", name]) }
    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "120", "-y", "30", command])
    #expect(tmux.waitFor("lab>", in: name))
    _ = tmux.run(["send-keys", "-t", name, "data set", "Enter"])
    Thread.sleep(forTimeInterval: 1)  // well into the load, far from its end
    _ = tmux.run(["send-keys", "-t", name, "C-c"])
    #expect(
      tmux.waitFor("interrupted (Ctrl-C): nothing was loaded or changed", in: name),
      "Ctrl-C did not stop the load")
    _ = tmux.run(["send-keys", "-t", name, "data", "Enter"])
    #expect(tmux.waitFor("no data loaded", in: name))
    _ = tmux.run(["send-keys", "-t", name, "quit", "Enter"])
    #expect(tmux.waitForExit(name))
  }

  /// Issue 16: two terminals lost each other's history, the last to write
  /// rewriting the file with only its own lines. Lines are appended now.
  @Test func twoTerminalsKeepEachOthersHistory() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try temporaryHome()
    defer { try? FileManager.default.removeItem(at: home) }
    let command = "env HOME=\(home.path) TERM=xterm NO_COLOR=1 \(executable.path)"
    let (first, second) = (
      "layerlab-hist-a-\(getpid())", "layerlab-hist-b-\(getpid())"
    )
    defer {
      _ = tmux.run(["kill-session", "-t", first])
      _ = tmux.run(["kill-session", "-t", second])
    }
    _ = tmux.run(["new-session", "-d", "-s", first, "-x", "100", "-y", "30", command])
    #expect(tmux.waitFor("lab>", in: first))
    _ = tmux.run(["send-keys", "-t", first, "labels alpha,beta", "Enter"])
    #expect(tmux.waitFor("classes: alpha, beta", in: first))
    // The second terminal starts after the first wrote its line, and types its own.
    _ = tmux.run(["new-session", "-d", "-s", second, "-x", "100", "-y", "30", command])
    #expect(tmux.waitFor("lab>", in: second))
    _ = tmux.run(["send-keys", "-t", second, "labels gamma,delta", "Enter"])
    #expect(tmux.waitFor("classes: gamma, delta", in: second))
    _ = tmux.run(["send-keys", "-t", first, "labels epsilon,zeta", "Enter"])
    #expect(tmux.waitFor("classes: epsilon, zeta", in: first))
    _ = tmux.run(["send-keys", "-t", first, "quit", "Enter"])
    _ = tmux.run(["send-keys", "-t", second, "quit", "Enter"])
    #expect(tmux.waitForExit(first) && tmux.waitForExit(second))
    let history =
      (try? String(contentsOf: home.appendingPathComponent(".layerlab_history"), encoding: .utf8))
      ?? ""
    for line in ["labels alpha,beta", "labels gamma,delta", "labels epsilon,zeta"] {
      #expect(history.contains(line), "\(line) is missing from:\n\(history)")
    }
  }

  /// At a terminal: the blog's two-line layer continues at the `...` prompt,
  /// a blank line ends a block, and Ctrl-D ends the line and exits 0.
  @Test func continuationPromptBlocksAndCtrlD() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try temporaryHome()
    defer { try? FileManager.default.removeItem(at: home) }
    let name = "layerlab-paste-\(ProcessInfo.processInfo.processIdentifier)"
    let status = home.appendingPathComponent("status").path
    let command =
      "env HOME=\(home.path) TERM=xterm NO_COLOR=1 \(executable.path); echo exit=$? > \(status)"
    defer { _ = tmux.run(["kill-session", "-t", name]) }
    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "100", "-y", "40", command])
    #expect(tmux.waitFor("lab>", in: name))
    _ = tmux.run(["send-keys", "-t", name, "image demo cat 12x12", "Enter"])
    _ = tmux.run(["send-keys", "-t", name, "model.add(Conv2D(32, (3, 3), padding='same',", "Enter"])
    #expect(tmux.waitFor("...", in: name), "no continuation prompt")
    _ = tmux.run(["send-keys", "-t", name, "                input_shape=X.shape[1:]))", "Enter"])
    #expect(tmux.waitFor("added conv2d (Conv2D) -> (None, 12, 12, 32)", in: name))
    _ = tmux.run(["send-keys", "-t", name, "def twice(x):", "Enter"])
    _ = tmux.run(["send-keys", "-t", name, "    return 2 * x", "Enter"])
    _ = tmux.run(["send-keys", "-t", name, "", "Enter"])
    _ = tmux.run(["send-keys", "-t", name, "print(twice(21))", "Enter"])
    #expect(tmux.waitFor("\n42", in: name), "the blank line did not end the def")
    _ = tmux.run(["send-keys", "-t", name, "frobnicate", "Enter"])
    _ = tmux.run(["send-keys", "-t", name, "C-d"])
    #expect(tmux.waitForExit(name), "Ctrl-D did not end the session")
    let result = try? String(contentsOfFile: status, encoding: .utf8)
    #expect(result == "exit=0\n", "Ctrl-D after a failed command exits \(result ?? "?")")
  }

  /// A script pasted whole at the terminal, shaped like the blog's: blank
  /// lines inside its functions do not end them (the rest of the paste is
  /// already waiting), the functions and the call after them all run, and
  /// one Enter after the paste ends the last block, as in Python's prompt.
  @Test func aWholeScriptPastedKeepsItsFunctions() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try temporaryHome()
    defer { try? FileManager.default.removeItem(at: home) }
    let script = """
      size = 12

      def build(n):
          model.add(Conv2D(n, (3, 3), padding='same',
                           input_shape=(size, size, 3)))

          model.add(Activation('relu'))
          return len(model.layers)

      def main():
          count = build(4)

          print('layers after main:', count)

      if __name__ == "__main__":
          main()
      """
    let file = home.appendingPathComponent("paste.py")
    // As an editor saves it, with a last newline: the paste ends on a line of its own.
    try (script + "\n").write(to: file, atomically: true, encoding: .utf8)
    let name = "layerlab-pasteall-\(getpid())"
    let command = "env HOME=\(home.path) TERM=xterm NO_COLOR=1 \(executable.path)"
    defer { _ = tmux.run(["kill-session", "-t", name]) }
    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "100", "-y", "60", command])
    #expect(tmux.waitFor("lab>", in: name))
    _ = tmux.run(["load-buffer", file.path])
    _ = tmux.run(["paste-buffer", "-t", name])
    #expect(tmux.waitFor("main()", in: name), "the paste did not arrive")
    Thread.sleep(forTimeInterval: 0.5)
    _ = tmux.run(["send-keys", "-t", name, "", "Enter"])
    #expect(
      tmux.waitFor("layers after main: 2", in: name),
      "the pasted functions did not run whole: \(tmux.run(["capture-pane", "-p", "-t", name]) ?? "")"
    )
    let screen = tmux.run(["capture-pane", "-p", "-S", "-100", "-t", name]) ?? ""
    #expect(!screen.contains("error:"), "\(screen)")
    _ = tmux.run(["send-keys", "-t", name, "quit", "Enter"])
    #expect(tmux.waitForExit(name))
  }
}

/// Just enough of tmux to type and read a pane.
/// A fresh, empty HOME for one test's `layerlab` (its history and
/// settings), under the temporary folder; the caller removes it.
func temporaryHome() throws -> URL {
  let home = FileManager.default.temporaryDirectory.appendingPathComponent(
    "layerlab-home-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
  return home
}

struct Tmux {
  let path: String

  static func find() -> Tmux? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(
      separator: ":")
    for folder in folders + ["/usr/bin", "/usr/local/bin"] {
      let candidate = "\(folder)/tmux"
      if FileManager.default.isExecutableFile(atPath: candidate) { return Tmux(path: candidate) }
    }
    return nil
  }

  /// Runs tmux with `arguments`; returns its output, or nil when it failed
  /// or took longer than `seconds`.
  ///
  /// Output goes to a file, not a pipe: `new-session` starts the tmux server,
  /// which can inherit a pipe's write end and keep it open for as long as it
  /// runs, so reading a pipe to its end could wait forever.
  func run(_ arguments: [String], seconds: Double = 10) -> String? {
    let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tmux-out-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
      let output = try? FileHandle(forWritingTo: outputURL)
    else { return nil }
    defer {
      try? output.close()
      try? FileManager.default.removeItem(at: outputURL)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
      process.terminate()
      return nil
    }
    guard process.terminationStatus == 0, let data = try? Data(contentsOf: outputURL) else {
      return nil
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// Polls the pane until it shows `text` (up to `seconds`).
  func waitFor(_ text: String, in session: String, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if let screen = run(["capture-pane", "-p", "-t", session]), screen.contains(text) {
        return true
      }
      Thread.sleep(forTimeInterval: 0.1)
    }
    print(
      "pane never showed \(text.debugDescription):\n"
        + (run(["capture-pane", "-p", "-t", session]) ?? "<no pane>"))
    return false
  }

  /// Polls until the session's program has exited (the session is gone).
  func waitForExit(_ session: String, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if run(["has-session", "-t", session]) == nil { return true }
      Thread.sleep(forTimeInterval: 0.1)
    }
    return false
  }
}
