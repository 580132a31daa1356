import Engine

extension Console {
  /// Shows `error` under the line that caused it, in at most three lines
  /// (more when one is wrapped to the width):
  ///
  ///     lab> add Conv2D(32, (3, 3), paddin='same')
  ///                                 ^
  ///     error: Conv2D has no argument 'paddin'
  ///     hint: did you mean 'padding'?
  ///
  /// `promptWidth` is how far the typed line is indented on screen, so the
  /// caret lands under the guilty column.
  func report(_ error: LabError, promptWidth: Int) {
    if let column = error.column {
      // Under the echo, which is never wrapped, so neither is the caret.
      echo(String(repeating: " ", count: promptWidth + column) + "^", toError: true)
    }
    err("error: " + error.message)
    if let hint = error.hint, !hint.isEmpty { err("hint: " + hint) }
  }
}

extension LabError {
  /// Any error a line can end in, as the learner reads it.
  static func from(_ error: any Error) -> LabError {
    switch error {
    case let e as LabError: return e
    case let e as PyRuntimeError:
      var inner = from(e.underlying)
      inner.line = e.position.line
      inner.column = nil
      return inner
    case let e as EngineError: return LabError(message: e.description)
    case is Interrupted:
      return LabError(message: "interrupted", hint: "the session is as it was before the command")
    case is PythonExit:
      return LabError(message: "the program called exit()")
    default:
      return LabError(message: "unexpected: \(error)")
    }
  }
}

extension Console {
  /// A mistake in a Python file, named by file, line and column, with the
  /// line quoted and a caret under the column:
  ///
  ///     seed.py, line 12, column 3:
  ///       class Net:
  ///       ^
  ///     error: classes are outside the Python LayerLab runs
  ///     hint: LayerLab runs imports, assignments, calls, ...
  func report(_ failure: PythonScript.Failure) {
    var error = LabError.from(failure.error)
    if let line = error.line, failure.source.indices.contains(line - 1) {
      let place = error.column.map { ", column \($0 + 1)" } ?? ""
      err("\(failure.path), line \(line)\(place):")
      let text = failure.source[line - 1].trimmingTrailingSpaces()
      // The quoted line and its caret are never wrapped, so the caret stays under its column.
      echo("  " + text, toError: true)
      if let column = error.column {
        echo(String(repeating: " ", count: 2 + column) + "^", toError: true)
      }
    } else {
      err("\(failure.path):")
    }
    error.column = nil
    report(error, promptWidth: 0)
  }
}
