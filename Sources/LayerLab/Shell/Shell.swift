import Engine

/// Reads lines, runs them, and shows results or mistakes, then goes on.
///
/// This is the one place errors reach the learner: commands and Python
/// throw, ``handle(_:typed:)`` catches, and nothing below it prints an error
/// or exits.
struct Shell {
  static let prompt = "lab> "
  /// The prompt of a Python line that continues a statement, as wide as
  /// `lab> ` so pasted code keeps its columns.
  static let continuationPrompt = "...  "
  /// Typed lines longer than this are refused whole.
  static let maxLineBytes = 1_000_000
  let session: Session
  /// False for a one-off command from the command line: no typed line is on
  /// screen for a caret to point into.
  var showsCaret = true

  /// Runs every statement `reader` gives until it ends or `quit`; returns the
  /// exit status: piped, 1 if any command failed; at a terminal, 0.
  func run(_ reader: LineReader) -> Int32 {
    let input = StatementReader(reader: reader, session: session)
    while !session.quitRequested, let statement = input.next() {
      if reader.echoesInput {
        echoAndHandle(statement)
      } else {
        handle(statement, typed: statement.lines.joined(separator: "\n"))
      }
    }
    if !reader.echoesInput {
      // Ctrl-D leaves the prompt on its line; end it, as Python's prompt does.
      if !session.quitRequested { session.console.out("") }
      return 0
    }
    return session.anyFailed ? 1 : 0
  }

  /// Shows lines nobody typed at this terminal (a script's, a lesson's) as a
  /// transcript would, then runs them; returns false when they failed.
  /// Comments are the narration, blank lines its paragraphs.
  @discardableResult
  func echoAndHandle(_ raw: String, typed: Bool = false) -> Bool {
    echoAndHandle(TypedStatement(lines: [raw]), typed: typed)
  }

  @discardableResult
  func echoAndHandle(_ statement: TypedStatement, typed: Bool = true) -> Bool {
    let asTyped = typed ? statement.lines.joined(separator: "\n") : nil
    let first = statement.lines[0].trimmingTrailingSpaces().drop { $0 == " " || $0 == "\t" }
    if statement.lines.count == 1 {
      if first.isEmpty {
        session.console.out("")
        return handle(statement, typed: asTyped)
      }
      if first.hasPrefix("#") {
        session.console.out(narration(String(first)))
        return handle(TypedStatement(lines: [""]), typed: asTyped)
      }
      // A lesson's step marker: with nobody at a terminal there is nothing to wait for.
      if Lesson.isPause(String(first)) {
        return handle(TypedStatement(lines: [""]), typed: asTyped)
      }
    }
    session.console.echo(Self.prompt + first)
    for line in statement.dedented.dropFirst() {
      session.console.echo((Self.continuationPrompt + line).trimmingTrailingSpaces())
    }
    return handle(statement, typed: asTyped, echoed: true)
  }

  /// `# An image is a tensor` → `An image is a tensor`.
  private func narration(_ comment: String) -> String {
    var text = comment.dropFirst()
    if text.first == " " { text = text.dropFirst() }
    return String(text)
  }

  /// Runs one typed line; returns false when it failed. `typed` is the line as
  /// the learner typed it, for `record`; nil for a lesson's or a script's own lines.
  @discardableResult
  func handle(_ rawLine: String, typed: String? = nil) -> Bool {
    handle(TypedStatement(lines: [rawLine]), typed: typed)
  }

  /// Runs one statement (a line, or a pasted block); `echoed` says its lines
  /// were shown dedented after the prompts, so a caret goes under those.
  @discardableResult
  func handle(_ statement: TypedStatement, typed: String? = nil, echoed: Bool = false) -> Bool {
    let lines = statement.dedented
    // Columns count from the first non-blank character, as the echo shows it.
    let indent = echoed ? 0 : statement.indent
    let promptWidth = Self.prompt.count + indent
    Interrupt.clear()
    var isPython = false
    var firstLine = 1
    do {
      if let long = statement.lines.first(where: { $0.utf8.count > Self.maxLineBytes }) {
        throw LabError(
          message:
            "the line is \(long.utf8.count) bytes long; LayerLab reads lines of up to 1 MB",
          hint: "put long data in a file and load it, e.g. np.load('data.npz')")
      }
      let line =
        lines.count == 1 ? Tokenizer.strippingComment(lines[0]) : lines.joined(separator: "\n")
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
        try record(typed)
        return true
      }
      if lines.count == 1, line.hasPrefix("#") {
        session.console.out(narration(line))
        try record(typed)
        return true
      }
      isPython = lines.count > 1 || LineKind(of: line, in: session) == .python
      if isPython {
        let source = lines.joined(separator: "\n")
        let form = CommandTable.pythonForm(for: source)
        firstLine = session.pythonInput.nextLine
        try form.run(session, Arguments(line: source, tokens: [], restColumn: 0, usage: form.usage))
      } else {
        try dispatch(line)
      }
      try record(typed)
      return true
    } catch {
      let shown = statement.lines.map { $0.trimmingTrailingSpaces() }
      report(
        error, lines: echoed ? lines : shown, firstLine: isPython ? firstLine : nil,
        promptWidth: promptWidth, echoedIndent: echoed)
    }
    session.anyFailed = true
    return false
  }

  /// The one funnel: any error as at most a quoted line, a caret, the message and a hint.
  private func report(
    _ error: any Error, lines: [String], firstLine: Int?, promptWidth: Int, echoedIndent: Bool
  ) {
    var lab: LabError
    var located = true
    switch error {
    case let failure as PythonScript.Failure:
      session.console.report(failure)
      return
    case let e as PyRuntimeError:
      lab = LabError(message: describe(e.underlying), line: e.position.line)
      located = false
    default:
      lab = LabError.from(error)
    }
    if !showsCaret || !located { lab.column = nil }
    // A command's columns are those of its one line; Python's lines count from `firstLine`.
    guard let firstLine, let line = lab.line, lab.column != nil else {
      lab.line = nil
      session.console.report(lab, promptWidth: promptWidth)
      return
    }
    let index = line - firstLine
    if index == lines.count - 1, lines.count == 1 || echoedIndent {
      lab.line = nil
      session.console.report(lab, promptWidth: promptWidth)
    } else if lines.indices.contains(index) {
      let prefix = "line \(index + 1): "
      session.console.echo(prefix + lines[index], toError: true)
      lab.line = nil
      session.console.report(lab, promptWidth: prefix.count)
    } else if let text = session.pythonInput.text(line: line) {
      let prefix = "earlier line \(line): "
      session.console.echo(prefix + text, toError: true)
      lab.line = nil
      session.console.report(lab, promptWidth: prefix.count)
    } else {
      lab.line = nil
      lab.column = nil
      session.console.report(lab, promptWidth: promptWidth)
    }
  }

  private func describe(_ error: any Error) -> String { LabError.from(error).message }

  /// Saves a line that worked to the recording, if one runs. `record` itself
  /// is left out, and so is `quit`, or the lesson would end the learner's shell.
  private func record(_ typed: String?) throws {
    guard let typed, session.recorder.isRecording, !session.quitRequested else { return }
    let first = (try? Tokenizer.split(typed))?.first.flatMap { CommandTable.find($0.text) }
    if first?.name == CommandTable.record.name { return }
    try session.recorder.note(typed)
  }

  /// Runs a shell command such as `show conv2d`.
  private func dispatch(_ line: String) throws {
    let tokens = try Tokenizer.split(line)
    guard let first = tokens.first else { return }
    let command = try CommandTable.lookup(first)
    let rest = Array(tokens.dropFirst())
    let arguments = Arguments(
      line: line, tokens: rest, restColumn: rest.first?.column ?? line.count, usage: command.usage)
    try command.run(session, arguments)
  }
}
