/// Reads LayerLab's Python: the statements and expressions of Keras
/// tutorials (imports, assignments, calls, `def`, `if`/`elif`/`else`, `for`,
/// `while`, f-strings, comprehensions), with the position of every node.
///
/// Anything outside that part of Python (a class, a lambda, `try`, `with`)
/// is refused with one ``LabError`` saying what LayerLab runs instead. The
/// whole source is read before anything runs, so a mistake on the last line
/// stops a script before its first.
public struct PyParser {
  /// How deeply brackets, operators and calls may nest. Keras code never
  /// goes past a handful; the bound keeps a hostile line from exhausting the stack.
  public static let maxDepth = 64
  /// How many operators may follow one another (`1 + 1 + ...`), and how
  /// deeply blocks may nest: both make trees as deep, and are bounded too.
  public static let maxChain = 1000
  public static let maxBlockDepth = 50

  /// Python's reserved words: never names.
  public static let keywords: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield",
  ]

  /// The statements LayerLab runs, for the hint under an unsupported one.
  public static let supported =
    "LayerLab runs imports, assignments, calls, def/return, if/elif/else, for, while and f-strings"

  var tokens: [PyToken]
  var k = 0
  var depth = 0
  var blockDepth = 0

  init(tokens: [PyToken]) { self.tokens = tokens }

  /// Parses all of `source` as statements (a script, or lines typed at the
  /// prompt); its first line is numbered `firstLine`.
  public static func parseModule(_ source: String, firstLine: Int = 1) throws(LabError)
    -> [PyStmt]
  {
    var parser = PyParser(
      tokens: try PyLexer.tokenize(source, startingAt: SourcePosition(line: firstLine, column: 0)))
    var body: [PyStmt] = []
    while true {
      parser.skipNewlines()
      if case .end = parser.current.kind { break }
      body += try parser.statement()
    }
    return body
  }

  /// Parses all of `text` as one expression: a layer such as `Conv2D(32, (3, 3))`.
  public static func parse(_ text: String) throws(LabError) -> PyExpr {
    try parseExpression(text, at: SourcePosition(column: 0))
  }

  /// Parses `text`, which starts at `position` of a longer line, as one expression.
  public static func parseExpression(_ text: String, at position: SourcePosition)
    throws(LabError) -> PyExpr
  {
    var parser = PyParser(tokens: try expressionTokens(text, at: position))
    let expression = try parser.expressionList()
    parser.skipNewlines()
    guard case .end = parser.current.kind else {
      throw parser.unexpected("after the expression")
    }
    return expression
  }

  /// Parses the arguments of a shell command, `epochs=5 batch_size=32` or
  /// `epochs=5, batch_size=32`, starting at `position` of the typed line.
  public static func parseArguments(_ text: String, at position: SourcePosition)
    throws(LabError) -> [PyExpr.Argument]
  {
    var parser = PyParser(tokens: try expressionTokens(text, at: position))
    var arguments: [PyExpr.Argument] = []
    parser.skipNewlines()
    while true {
      if case .end = parser.current.kind { break }
      arguments.append(try parser.argument(after: arguments))
      if parser.current.op == "," { parser.advance() }
      parser.skipNewlines()
    }
    return arguments
  }

  /// Tokens of a piece of a line: its leading blanks are not an indented block.
  private static func expressionTokens(_ text: String, at position: SourcePosition)
    throws(LabError) -> [PyToken]
  {
    try PyLexer.tokenize(text, startingAt: position).filter {
      $0.kind != .indent && $0.kind != .dedent
    }
  }

  // MARK: - Tokens

  var current: PyToken { tokens[min(k, tokens.count - 1)] }
  var nextToken: PyToken { tokens[min(k + 1, tokens.count - 1)] }

  mutating func advance() { k += 1 }

  /// A node that starts at `start` and ends where the last token read ends.
  func make(_ kind: PyExpr.Kind, at start: SourcePosition) -> PyExpr {
    PyExpr(kind, at: start, end: tokens[max(k - 1, 0)].end)
  }

  mutating func skipNewlines() {
    while case .newline = current.kind { advance() }
  }

  func isOp(_ op: String) -> Bool { current.op == op }
  func isName(_ name: String) -> Bool { current.name == name }

  mutating func expect(_ op: String, _ context: String) throws(LabError) -> PyToken {
    guard current.op == op else { throw unexpected(context, expected: "'\(op)'") }
    defer { advance() }
    return current
  }

  func error(_ message: String, at position: SourcePosition, hint: String? = nil)
    -> LabError
  {
    LabError(message, column: position.column, hint: hint, line: position.line)
  }

  /// "expected ')' after the arguments, got ':'".
  func unexpected(_ context: String, expected: String? = nil) -> LabError {
    let token = current
    if let word = token.name, PyParser.unsupported[word] != nil {
      return unsupportedError(word, at: token.start)
    }
    if token.kind == .indent {
      return error(
        "this line is indented more than the one before it", at: token.start,
        hint: "indent only the lines inside a def, if, for or while")
    }
    let what = expected.map { "expected \($0) \(context), got \(token.described)" }
    return error(what ?? "unexpected \(token.described) \(context)", at: token.start)
  }

  /// Statements and expressions Python has and LayerLab does not run, with why.
  static let unsupported: [String: String] = [
    "class": "classes are outside the Python LayerLab runs",
    "lambda": "lambda is outside the Python LayerLab runs; write a def",
    "try": "try/except is outside the Python LayerLab runs",
    "except": "try/except is outside the Python LayerLab runs",
    "finally": "try/finally is outside the Python LayerLab runs",
    "with": "'with' is outside the Python LayerLab runs",
    "raise": "'raise' is outside the Python LayerLab runs",
    "del": "'del' is outside the Python LayerLab runs",
    "yield": "generators (yield) are outside the Python LayerLab runs",
    "async": "async code is outside the Python LayerLab runs",
    "await": "async code is outside the Python LayerLab runs",
    "nonlocal": "'nonlocal' is outside the Python LayerLab runs",
  ]

  func unsupportedError(_ word: String, at position: SourcePosition) -> LabError {
    error(
      PyParser.unsupported[word] ?? "'\(word)' is outside the Python LayerLab runs", at: position,
      hint: PyParser.supported)
  }

  mutating func enter() throws(LabError) {
    depth += 1
    guard depth <= PyParser.maxDepth else {
      throw error(
        "the expression is nested more than \(PyParser.maxDepth) deep", at: current.start,
        hint: "write it with fewer brackets, e.g. Conv2D(32, (3, 3))")
    }
  }
}
