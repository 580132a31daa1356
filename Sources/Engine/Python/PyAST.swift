/// An expression of LayerLab's Python, with where it starts.
public struct PyExpr: Sendable {
  public indirect enum Kind: Sendable {
    case name(String)
    case constant(PyConstant)
    /// An f-string: literal text and `{expression!conversion:spec}` parts.
    case formatted([FormattedPart])
    case tuple([PyExpr])
    case list([PyExpr])
    case dict([(key: PyExpr, value: PyExpr)])
    /// `base.name`; `at` is where the name is written.
    case attribute(PyExpr, name: String, at: SourcePosition)
    /// `callee(arguments)`; `end` is the closing bracket.
    case call(PyExpr, [Argument], end: SourcePosition)
    /// `base[index]`; a slice or a tuple of indices and slices is one index.
    case `subscript`(PyExpr, PyExpr)
    /// `start:stop:step` inside brackets.
    case slice(PyExpr?, PyExpr?, PyExpr?)
    /// `-x`, `+x`, `~x`, `not x`.
    case unary(String, PyExpr)
    /// `a + b`, `a ** b`, ...
    case binary(String, PyExpr, PyExpr)
    /// `a and b`, `a or b` (short-circuit).
    case logical(String, PyExpr, PyExpr)
    /// `a < b <= c`: each operator with the operand after it.
    case compare(PyExpr, [(op: String, operand: PyExpr, at: SourcePosition)])
    /// `then if condition else otherwise`.
    case conditional(condition: PyExpr, then: PyExpr, otherwise: PyExpr)
    /// `[element for target in iterable if condition ...]`.
    case listComprehension(PyExpr, [Comprehension])
  }

  /// One argument of a call: by position, or `name=value`.
  public struct Argument: Sendable {
    public var name: String?
    public var nameAt: SourcePosition
    public var value: PyExpr
  }

  /// A `for ... in ... [if ...]` clause of a comprehension.
  public struct Comprehension: Sendable {
    public var target: PyExpr
    public var iterable: PyExpr
    public var conditions: [PyExpr]
  }

  /// One piece of an f-string.
  public enum FormattedPart: Sendable {
    case text(String)
    /// `{value!conversion:spec}`; conversion is `r`, `s`, `a` or nil.
    case value(PyExpr, conversion: Character?, spec: String)
  }

  public var kind: Kind
  public var start: SourcePosition
  /// Just past the expression's last character.
  public var end: SourcePosition

  public init(_ kind: Kind, at start: SourcePosition, end: SourcePosition? = nil) {
    self.kind = kind
    self.start = start
    self.end = end ?? start
  }
}

/// A statement of LayerLab's Python, with where it starts.
public struct PyStmt: Sendable {
  public indirect enum Kind: Sendable {
    case expression(PyExpr)
    /// `a = b = value`: every target, then the value.
    case assign([PyExpr], PyExpr)
    /// `a += value`: the operator without `=`.
    case augmentedAssign(PyExpr, String, PyExpr)
    /// `import a.b as c, d`.
    case importModules([ImportedName])
    /// `from a.b import c as d, e`.
    case importFrom(module: [String], names: [ImportedName])
    case functionDef(FunctionDef)
    /// `if`/`elif` branches in order, then `else`.
    case ifElse([(condition: PyExpr, body: [PyStmt])], otherwise: [PyStmt])
    case forLoop(target: PyExpr, iterable: PyExpr, body: [PyStmt])
    case whileLoop(condition: PyExpr, body: [PyStmt])
    case returnValue(PyExpr?)
    case pass
    case breakLoop
    case continueLoop
    case global([String])
    case assert(PyExpr, message: PyExpr?)
  }

  /// `a.b as c` in an import: the dotted path, the name it is bound to, where.
  public struct ImportedName: Sendable {
    public var path: [String]
    public var alias: String?
    public var at: SourcePosition
  }

  /// `def name(parameters): body`.
  public struct FunctionDef: Sendable {
    public var name: String
    public var parameters: [(name: String, defaultValue: PyExpr?)]
    public var body: [PyStmt]
  }

  public var kind: Kind
  public var start: SourcePosition
}
