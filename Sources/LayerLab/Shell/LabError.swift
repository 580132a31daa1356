/// A mistake in a typed line that the learner can fix. Always shown, never fatal.
struct LabError: Error, Equatable {
  var message: String
  /// Column (0-based, in characters) of the guilty token, to put a `^` under.
  var column: Int? = nil
  /// The next step: a usage line, "did you mean", or what to run first.
  var hint: String? = nil
}

/// Thrown by long loops when the learner pressed Ctrl-C; the session stays as it was.
struct Interrupted: Error {}

extension Console {
  /// Shows `error` under the line that caused it, in at most three lines
  /// (more when one is wrapped to the width):
  ///
  ///     lab> add Conv2D(32, (3, 3), paddin='same')
  ///                                 ^
  ///     error: Conv2D has no argument 'paddin'
  ///     hint: did you mean 'padding'?
  func report(_ error: LabError, promptWidth: Int) {
    if let column = error.column {
      // Under the echo, which is never wrapped, so neither is the caret.
      echo(String(repeating: " ", count: promptWidth + column) + "^", toError: true)
    }
    err("error: " + error.message)
    if let hint = error.hint, !hint.isEmpty { err("hint: " + hint) }
  }
}
