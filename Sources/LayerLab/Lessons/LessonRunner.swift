import Engine

/// Where the session's lessons stand: the one running, and how a pause waits.
final class LessonState {
  /// Reads the learner's answer at a pause; nil when nobody is at a terminal
  /// (piped or scripted), and then a pause does not wait.
  var pauseReader: LineReader?
  /// The lesson running now, so a lesson cannot start another inside itself.
  var running: Lesson?
}

/// Shows a lesson one step at a time: each step's narration and commands,
/// then, at a terminal, a wait for Enter.
///
/// The commands run in the learner's own session, so what the lesson built
/// stays when it ends or when the learner leaves it with `q`.
struct LessonRunner {
  let session: Session

  static func prompt(step: Int, of count: Int) -> String {
    "-- Enter: next step (\(step + 1) of \(count)), q: leave the lesson, or type a command -- "
  }

  /// Runs `lesson`; throws when one of its commands failed, naming the step.
  func run(_ lesson: Lesson) throws {
    let state = session.lessons
    if let running = state.running {
      throw LabError(
        message: "\(running.label) is still running", hint: "leave it with q at a pause first")
    }
    state.running = lesson
    defer { state.running = nil }
    try startAfresh(lesson)
    let shell = Shell(session: session)
    let count = lesson.steps.count
    for (index, step) in lesson.steps.enumerated() {
      // A step's lines are read as the shell reads piped input, so a Python
      // statement may go on over several lines.
      let statements = StatementReader(
        reader: ScriptReader(lines: step.map(\.text)), session: session)
      var offset = 0
      while let statement = statements.next() {
        let line = step[min(offset, step.count - 1)]
        offset += statement.lines.count
        guard shell.echoAndHandle(statement, typed: false) else {
          throw LabError(
            message:
              "\(lesson.label) stopped at step \(index + 1) of \(count) (line \(line.number) of \(lesson.fileName))",
            hint:
              "what it built so far stays; 'lesson \(lesson.number.map(String.init) ?? lesson.slug)' starts it again"
          )
        }
        if session.quitRequested { return }
      }
      guard index + 1 < count, let reader = state.pauseReader else { continue }
      guard waitForNext(reader, shell: shell, step: index + 1, of: count) else {
        if !session.quitRequested {
          session.console.out(
            "left \(lesson.label) at step \(index + 1) of \(count); its model and image stay. "
              + "'lesson \(lesson.number.map(String.init) ?? lesson.slug)' starts it again")
        }
        return
      }
    }
    if state.pauseReader != nil {
      session.console.out(
        "-- end of \(lesson.label). Its model and image stay; 'lessons' lists the others --")
    }
  }

  /// Empties the session as a new `layerlab` would have it, with seed 0: a
  /// lesson adds its layers to an empty model, fits no picture to an earlier
  /// lesson's size, and draws the weights its narration quotes. The learner's
  /// own model comes back with 'undo'.
  private func startAfresh(_ lesson: Lesson) throws {
    session.image = nil
    session.imageSource = ""
    session.labels = []
    session.resetPython()
    session.data = nil
    session.dataSource = ""
    session.training = nil
    session.history = []
    session.passes.clear()
    try session.replaceModel("start \(lesson.label)")
    if session.seed != 0 { try session.reseed(0) }
  }

  /// Waits at a pause; false when the learner leaves. A typed command runs
  /// and the pause waits again, so a learner can look around mid-lesson.
  private func waitForNext(_ reader: LineReader, shell: Shell, step: Int, of count: Int) -> Bool {
    while true {
      // Ctrl-D at a pause leaves the lesson, as it leaves the shell at the prompt.
      guard let answer = reader.readLine(prompt: Self.prompt(step: step, of: count)) else {
        return false
      }
      let word = answer.trimmingTrailingSpaces().drop { $0 == " " || $0 == "\t" }
      if word.isEmpty { return true }
      if word == "q" { return false }
      shell.handle(answer)
      if session.quitRequested { return false }
    }
  }
}
