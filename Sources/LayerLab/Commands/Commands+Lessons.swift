import Engine

extension CommandTable {
  static let lessonCommands: [Command] = [lesson, lessonList, pause]

  static let lesson = Command(
    name: "lesson", group: .lessons, usage: "lesson N|NAME|PATH",
    summary: "Run a lesson step by step: Enter goes on, q leaves it", example: "lesson 5",
    details: """
      N is the lesson's number (lesson 5), NAME a word of its file name (lesson dropout), \
      PATH a lesson file (lesson lessons/05-dropout.lab). 'layerlab --lesson 5' starts with one.
      At each pause, Enter shows the next step and q leaves the lesson; any other line runs \
      as a command and the pause waits again. What the lesson built stays in the shell.
      A lesson starts from an empty model, no picture and seed 0, so its numbers are the \
      ones its narration quotes. 'undo', repeated, steps back to the model you had before.
      Piped or in a script, a lesson runs straight through.
      """,
    takesPath: true
  ) { session, arguments in
    let token = try arguments.requiredWord(at: 0, "the lesson")
    try arguments.noMore(than: 1)
    try LessonRunner(session: session).run(try Lesson.named(token))
  }

  static let lessonList = Command(
    name: "lessons", group: .lessons, usage: "lessons",
    summary: "List the lessons with their numbers",
    example: "lessons"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    let entries = try LessonCatalog.current().entries()
    guard let first = entries.first else {
      session.console.out("the lessons folder has no lessons yet")
      return
    }
    let numberWidth = entries.map { $0.number.map(String.init)?.count ?? 0 }.max() ?? 1
    let slugWidth = entries.map(\.slug.count).max() ?? 0
    for entry in entries {
      let number = entry.number.map(String.init) ?? ""
      session.console.out(
        "  " + number.padded(numberWidth) + "  " + entry.slug.padding(slugWidth) + "  "
          + entry.heading)
    }
    let name = first.number.map(String.init) ?? first.slug
    session.console.out(
      "start one with 'lesson \(name)' or by name, e.g. 'lesson \(entries.last?.slug ?? first.slug)'"
    )
  }

  static let pause = Command(
    name: "pause", group: .lessons, usage: "pause",
    summary: "In a lesson file: end a step and wait for Enter", example: "pause",
    details: "Typed at the prompt it does nothing; piped or in a script it is skipped."
  ) { session, arguments in
    try arguments.noMore(than: 0)
    session.console.out("(pause only waits inside a lesson; 'lessons' lists them)")
  }
}
