/// One token of LayerLab's Python, with where it starts and ends.
public struct PyToken: Equatable, Sendable {
  public enum Kind: Equatable, Sendable {
    case name(String)
    case int(Int)
    case float(Double)
    case string(String)
    /// An f-string: its text between the quotes as written (escapes not yet
    /// read), raw or not, and where that text starts.
    case fstring(String, raw: Bool, contentStart: SourcePosition)
    /// An operator or a bracket: `+`, `**=`, `(`, `:`.
    case op(String)
    case newline
    case indent
    case dedent
    case end
  }

  public var kind: Kind
  public var start: SourcePosition
  /// Just past the token's last character.
  public var end: SourcePosition

  /// The operator's text, or nil for other tokens.
  public var op: String? {
    if case .op(let text) = kind { return text }
    return nil
  }

  /// The name's text, or nil for other tokens.
  public var name: String? {
    if case .name(let text) = kind { return text }
    return nil
  }

  /// The token as an error message quotes it: `'('`, `'model'`, `the end of the line`.
  public var described: String {
    switch kind {
    case .name(let n): "'\(n)'"
    case .int(let n): "'\(n)'"
    case .float(let x): "'\(pythonFloatRepr(x))'"
    case .string, .fstring: "a string"
    case .op(let o): "'\(o)'"
    case .newline: "the end of the line"
    case .indent: "an indented line"
    case .dedent: "the end of the block"
    case .end: "the end of the input"
    }
  }
}
