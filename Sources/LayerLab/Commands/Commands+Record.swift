import Engine
import Foundation

extension CommandTable {
  static let record = Command(
    name: "record", group: .files, usage: "record [PATH.lab | stop]",
    summary: "Save the commands you type from now on as a lesson file",
    example: "record my-lesson.lab",
    details: """
      Every command that works is saved as typed, # comments and blank lines too; failed \
      commands, 'record' and 'quit' are not. Type 'pause' where a step should end.
      The file is rewritten whole after each line, so it is complete even without \
      'record stop'. 'record' alone says whether a recording runs, and where.
      A lesson starts from an empty model, no picture and seed 0: record from a fresh \
      start (or after 'reset') and the lesson replays what you saw.
      Play it back with 'lesson PATH.lab' or 'layerlab --script PATH.lab'.
      """,
    keywords: ["stop"], takesPath: true
  ) { session, arguments in
    let recorder = session.recorder
    guard let word = arguments.tokens.first else {
      if let path = recorder.path {
        session.console.out(
          "recording to \(path): \(recorder.lines.count) line\(recorder.lines.count == 1 ? "" : "s") so far; 'record stop' ends it"
        )
      } else {
        session.console.out("not recording; 'record PATH.lab' starts")
      }
      return
    }
    try arguments.noMore(than: 1)
    if word.text == "stop" {
      guard let (path, count) = recorder.stop() else {
        throw LabError(
          message: "nothing is being recorded", column: word.column,
          hint: "start with 'record PATH.lab'")
      }
      session.console.out(
        "saved \(count) line\(count == 1 ? "" : "s") to \(path); play it with 'lesson \(path)'")
      return
    }
    guard word.text.hasSuffix(".lab") else {
      throw LabError(
        message: "'\(word.text)' must end in .lab, as lessons do", column: word.column,
        hint: "usage: \(arguments.usage)")
    }
    if let current = recorder.path {
      throw LabError(
        message: "already recording to \(current)", column: word.column,
        hint: "end it with 'record stop' first")
    }
    let replacing = FileManager.default.fileExists(atPath: word.text)
    try recorder.start(word.text)
    session.console.out(
      "recording to \(word.text)\(replacing ? " (replacing the file that was there)" : ""): "
        + "commands that work are saved as typed; 'pause' ends a step, 'record stop' ends the recording"
    )
    if !session.model.layers.isEmpty || session.image != nil {
      session.console.out(
        "(a lesson starts from an empty model and no picture: the model and image you have now are not in it)"
      )
    }
  }
}
