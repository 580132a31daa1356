import ArgumentParser
import Engine
import Foundation
@preconcurrency import Glibc

/// `layerlab`: the interactive shell, or a script of its commands.
@main
struct LayerLabCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "layerlab",
    abstract: "See how a Keras-style CNN works, layer by layer, in a terminal.")

  @Option(
    help:
      "Run a lesson step by step: its number, name or file (see 'lessons'), then stay in the shell."
  )
  var lesson: String?

  @Option(help: "Run a file of commands, then exit.")
  var script: String?

  @Option(help: "Seed for weights and Dropout masks.")
  var seed: UInt64 = 0

  @Option(help: "Columns every line fits in (default: the terminal's, or 80 when piped).")
  var width: Int?

  @Flag(help: "No ANSI colour, even on a terminal.")
  var noColor = false

  @Flag(
    name: .customShort("i"),
    help: "After running FILE.py, stay in the shell with its names and its model (as python -i).")
  var interactive = false

  @Option(
    help:
      "Draw maps in ascii, or in colour half blocks (the default on a UTF-8 colour terminal; piped output is always ascii)."
  )
  var glyphs: Glyphs?

  @Argument(help: "A Python file to run (FILE.py), or one command, e.g. 'help show'.")
  var command: [String] = []

  /// The Python file to run, when the first argument names one.
  private var scriptFile: String? {
    if let script, script.hasSuffix(".py") { return script }
    guard let first = command.first, first.hasSuffix(".py") else { return nil }
    return first
  }

  func validate() throws {
    if let width, !(20...400).contains(width) {
      throw ValidationError("--width must be from 20 to 400")
    }
    if lesson != nil, script != nil { throw ValidationError("give --lesson or --script, not both") }
    if scriptFile != nil, command.count > 1 {
      throw ValidationError("give one Python file; its own arguments are not supported")
    }
    if interactive, scriptFile == nil {
      throw ValidationError("-i needs a Python file: layerlab -i FILE.py")
    }
  }

  func run() throws {
    MemoryTuning.keepFreedMemoryForReuse()
    OutputFailure.ignoreWriteSignals()
    let stdinIsTerminal = isatty(STDIN_FILENO) == 1
    let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    var display = Display.detect(
      stdoutIsTerminal: stdoutIsTerminal, noColor: noColor, glyphs: glyphs,
      environment: ProcessInfo.processInfo.environment)
    display.width = width ?? TerminalSize.columns(isTerminal: stdoutIsTerminal)
    let console = TerminalConsole()
    let session = Session(console: console, display: display, seed: seed)
    var shell = Shell(session: session)

    if let scriptFile {
      do {
        session.startProgram()
        try PythonScript.run(path: scriptFile, in: session)
      } catch {
        if let failure = error as? PythonScript.Failure {
          session.console.report(failure)
        } else {
          session.console.report(LabError.from(error), promptWidth: 0)
        }
        if !interactive { throw ExitCode(1) }
        session.anyFailed = true
      }
      guard interactive, !session.quitRequested else { return }
      session.keepPreludeNames()
    } else if !command.isEmpty {
      shell.showsCaret = false
      let ok = shell.handle(command.joined(separator: " "))
      let status = OutputFailure.finalStatus(ok ? 0 : 1, console: console)
      if status != 0 { throw ExitCode(status) }
      return
    }
    let reader: LineReader
    if let script, !script.hasSuffix(".py") {
      guard let text = try? String(contentsOfFile: script, encoding: .utf8) else {
        throw ValidationError("cannot read '\(script)'")
      }
      reader = ScriptReader(text: text)
    } else if stdinIsTerminal {
      let home = ProcessInfo.processInfo.environment["HOME"]
      reader = ReadlineReader(
        historyPath: home.map { $0 + "/.layerlab_history" },
        completions: { [session] in completions(for: session) })
      // Lessons' pauses wait for Enter only when someone is there to press it.
      session.lessons.pauseReader = reader
      if lesson == nil {
        session.console.out(
          "LayerLab: build a Keras model and watch it work. Type 'help' to start, 'quit' to leave.")
      }
    } else {
      reader = PlainReader()
    }
    if let lesson {
      // Through the shell like any command, so a missing lesson or a failing
      // step reaches the learner the same way; afterwards the shell goes on
      // with the lesson's model (at a terminal) or with the rest of stdin.
      shell.showsCaret = false
      shell.handle("lesson " + quotedWord(lesson))
      shell.showsCaret = true
    }
    let status = OutputFailure.finalStatus(
      shell.run(StopsWhenOutputFails(reader, console: console)), console: console)
    if status != 0 { throw ExitCode(status) }
  }
}

/// `word` as one shell word, quoted when it holds a blank or a quote.
func quotedWord(_ word: String) -> String {
  guard word.contains(where: { $0 == " " || $0 == "\t" || $0 == "'" || $0 == "\"" }) else {
    return word
  }
  return word.contains("'") ? "\"" + word + "\"" : "'" + word + "'"
}

/// What Tab offers for the session as it is now.
func completions(for session: Session) -> Completions {
  var result = Completions()
  let commands = CommandTable.all
  // One list, from the command table, the layer registry and the names
  // defined so far: Tab never offers what the shell does not know.
  result.commands =
    CommandTable.words.filter { $0 != "NAME" }
    + CommandTable.modelMethods.map { "model.\($0.name)(" }
    + session.python.globals.keys.filter { !$0.hasPrefix("_") }.sorted()
  result.layerTypes = LayerKind.allCases.map { $0.rawValue + "(" }
  result.layerNames = session.model.layers.map(\.name)
  for command in commands { result.keywords[command.name] = command.keywords }
  result.keywords["image", default: []] += session.images.demoNames
  result.pathCommands = Set(commands.filter(\.takesPath).map(\.name) + ["data"])
  return result
}

/// The terminal's width in columns.
enum TerminalSize {
  static func columns(isTerminal: Bool) -> Int {
    guard isTerminal else { return 80 }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 {
      return Int(size.ws_col)
    }
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text),
      columns >= 20
    {
      return columns
    }
    return 80
  }
}
