import Engine

/// Reads lines, runs them, and shows results or mistakes, then goes on.
///
/// This is the one place errors reach the learner: commands throw,
/// ``handle(_:)`` catches, and nothing below it prints an error or exits.
struct Shell {
  static let prompt = "lab> "
  let session: Session
  /// False for a one-off command from the command line: no typed line is on
  /// screen for a caret to point into.
  var showsCaret = true

  /// Runs every line `reader` gives until it ends or `quit`; returns the
  /// exit status: 1 if any command failed, else 0.
  func run(_ reader: LineReader) -> Int32 {
    while !session.quitRequested, let raw = reader.readLine(prompt: Self.prompt) {
      if reader.echoesInput {
        echoAndHandle(raw, typed: true)
      } else {
        let line = raw.trimmingTrailingSpaces()
        handle(line, typed: line)
      }
    }
    return session.anyFailed ? 1 : 0
  }

  /// Shows a line nobody typed at this terminal (a script's, a lesson's) as a
  /// transcript would, then runs it; returns false when it failed. Comments
  /// are the narration, blank lines its paragraphs.
  /// `typed` is true for lines from the learner's own input (not a lesson's),
  /// which `record` saves.
  @discardableResult
  func echoAndHandle(_ raw: String, typed: Bool = false) -> Bool {
    let asTyped = typed ? raw.trimmingTrailingSpaces() : nil
    let trimmed = raw.trimmingTrailingSpaces().drop { $0 == " " || $0 == "\t" }
    if trimmed.isEmpty {
      session.console.out("")
      return handle("", typed: asTyped)
    }
    if trimmed.hasPrefix("#") {
      session.console.out(narration(String(trimmed)))
      return handle("", typed: asTyped)
    }
    // A lesson's step marker: with nobody at a terminal there is nothing to wait for.
    if Lesson.isPause(String(trimmed)) { return handle("", typed: asTyped) }
    session.console.echo(Self.prompt + trimmed)
    return handle(String(trimmed), typed: asTyped)
  }

  /// `# An image is a tensor` → `An image is a tensor`.
  private func narration(_ comment: String) -> String {
    var text = comment.dropFirst()
    if text.first == " " { text = text.dropFirst() }
    return String(text)
  }

  /// Runs one line; returns false when it failed. `typed` is the line as the
  /// learner typed it, for `record`; nil for a lesson's or a script's own lines.
  @discardableResult
  func handle(_ rawLine: String, typed: String? = nil) -> Bool {
    // Columns count from the first non-blank character, as the echo shows it.
    let indent = rawLine.prefix { $0 == " " || $0 == "\t" }.count
    let line = Tokenizer.strippingComment(String(rawLine.dropFirst(indent)))
    let promptWidth = Self.prompt.count + indent
    Interrupt.clear()
    do {
      if line.isEmpty {
        try record(typed)
        return true
      }
      if line.hasPrefix("#") {
        session.console.out(narration(line))
        try record(typed)
        return true
      }
      try dispatch(line)
      try record(typed)
      return true
    } catch var error as LabError {
      if !showsCaret { error.column = nil }
      session.console.report(error, promptWidth: promptWidth)
    } catch let error as EngineError {
      session.console.report(LabError(message: error.description), promptWidth: promptWidth)
    } catch is Interrupted {
      session.console.report(
        LabError(message: "interrupted", hint: "the session is as it was before the command"),
        promptWidth: promptWidth)
    } catch {
      session.console.report(LabError(message: "unexpected: \(error)"), promptWidth: promptWidth)
    }
    session.anyFailed = true
    return false
  }

  /// Saves a line that worked to the recording, if one runs. `record` itself
  /// is left out, and so is `quit`, or the lesson would end the learner's shell.
  private func record(_ typed: String?) throws {
    guard let typed, session.recorder.isRecording, !session.quitRequested else { return }
    let first = (try? Tokenizer.split(typed))?.first.flatMap { CommandTable.find($0.text) }
    if first?.name == CommandTable.record.name { return }
    try session.recorder.note(typed)
  }

  /// Sends `line` to the command it names: a Keras line or a shell command.
  private func dispatch(_ line: String) throws {
    switch try PythonLine.classify(line) {
    case .importStatement:
      session.console.out("(import noted: LayerLab's Keras names are always available)")
    case .assignment(let name, let value):
      try PythonLine.assign(name, value, in: session)
    case .tupleAssignment(let names, let value):
      try CommandTable.loadArrays(names, value, in: session)
    case .arrayPreparation(let name, let text):
      CommandTable.noteArrayPreparation(name.text, text, in: session)
    case .printCall(let node):
      try PythonLine.printLine(node, in: session)
    case .shapeQuery(let name, let node):
      try PythonLine.printShape(of: name, node: node, in: session)
    case .methodCall(let object, let method, let node):
      try callMethod(object: object, method: method, node: node, line: line)
    case .command:
      let tokens = try Tokenizer.split(line)
      guard let first = tokens.first else { return }
      let command = try CommandTable.lookup(first)
      let rest = Array(tokens.dropFirst())
      let arguments = Arguments(
        line: line, tokens: rest, restColumn: rest.first?.column ?? line.count, usage: command.usage
      )
      try command.run(session, arguments)
    }
  }

  /// `model.add(Dense(10))` runs the `add` command with the call's arguments.
  private func callMethod(object: Token, method: String, node: PyNode, line: String) throws {
    guard object.text == session.modelVariable else {
      throw LabError(
        message: "'\(object.text)' is not defined", column: object.column,
        hint:
          "the model is called '\(session.modelVariable)'; start one with \(session.modelVariable) = Sequential()"
      )
    }
    let methods = CommandTable.all.filter(\.isModelMethod)
    guard
      let command = methods.first(where: { $0.name == method || $0.kerasMethods.contains(method) }),
      case .call(_, let args, let kwargs) = node.value
    else {
      let methodColumn = object.column + object.text.count + 1
      throw LabError(
        message: "LayerLab's model has no method '\(method)'", column: methodColumn,
        hint: closestMatch(method, in: methods.flatMap { [$0.name] + $0.kerasMethods }).map {
          "did you mean '\($0)'?"
        }
          ?? "methods: "
          + methods.flatMap { [$0.name] + $0.kerasMethods }.map { $0 + "()" }.joined(
            separator: ", "))
    }
    var arguments = Arguments(
      line: line, tokens: [], restColumn: line.count, call: (args, kwargs), usage: command.usage)
    arguments.method = method
    try command.run(session, arguments)
  }
}
