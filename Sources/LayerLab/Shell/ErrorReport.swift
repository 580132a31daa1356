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
