/// A mistake in what the learner typed or wrote, which they can fix: an
/// unknown word, a bad number, an unclosed bracket, an argument Keras does
/// not have. Always shown, never fatal.
///
/// The parser, the call binder and every command throw this one type, and
/// the shell shows it in one place: a caret under the guilty column, the
/// message, and the hint.
public struct LabError: Error, Equatable, Sendable, CustomStringConvertible {
  public var message: String
  /// Column (0-based, in characters) of the guilty token, to put a `^` under.
  public var column: Int?
  /// The next step: a usage line, "did you mean", or what to run first.
  public var hint: String?
  /// The line (1-based) of a script or a pasted block the column is on; nil
  /// for a single typed line.
  public var line: Int?

  public init(message: String, column: Int? = nil, hint: String? = nil, line: Int? = nil) {
    self.message = message
    self.column = column
    self.hint = hint.flatMap { $0.isEmpty ? nil : $0 }
    self.line = line
  }

  /// `LabError("'(' is never closed", column: 7)`.
  public init(_ message: String, column: Int? = nil, hint: String? = nil, line: Int? = nil) {
    self.init(message: message, column: column, hint: hint, line: line)
  }

  /// The same mistake, placed at `location` unless it already knows where it is.
  public func located(at location: SourcePosition) -> LabError {
    var copy = self
    if copy.column == nil {
      copy.column = location.column
      copy.line = location.line
    } else if copy.line == nil {
      copy.line = location.line
    }
    return copy
  }

  public var description: String { message }
}

/// Where something starts in the source: a 1-based line and a 0-based column.
public struct SourcePosition: Equatable, Hashable, Sendable {
  public var line: Int
  public var column: Int
  public init(line: Int = 1, column: Int) {
    self.line = line
    self.column = column
  }
}
