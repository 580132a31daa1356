/// A function written in Swift: a builtin (`len`, `print`), a Keras class,
/// a module's function (`np.argmax`) or a method bound to its object.
public final class PyBuiltinFunction: PyCallable {
  public let name: String
  /// What `repr` shows: `<built-in function len>` by default.
  public let description: String?
  private let body: (CallArguments, any CallContext) throws -> PyValue

  public init(
    _ name: String, description: String? = nil,
    _ body: @escaping (CallArguments, any CallContext) throws -> PyValue
  ) {
    self.name = name
    self.description = description
    self.body = body
  }

  public var typeName: String { "builtin_function_or_method" }
  public var repr: String { description ?? "<built-in function \(name)>" }

  public func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    try body(arguments, context)
  }
}

/// A function defined with `def`: its parameters, their defaults (evaluated
/// once, when `def` ran, as in Python) and its body.
public final class PyFunction: PyCallable {
  public let definition: PyStmt.FunctionDef
  public let defaults: [PyValue?]
  /// The names the body assigns (its locals), minus those declared `global`.
  let localNames: Set<String>
  let globalNames: Set<String>

  init(definition: PyStmt.FunctionDef, defaults: [PyValue?]) {
    self.definition = definition
    self.defaults = defaults
    var globals: Set<String> = []
    var locals = Set(definition.parameters.map(\.name))
    PyFunction.collect(definition.body, locals: &locals, globals: &globals)
    self.globalNames = globals
    self.localNames = locals.subtracting(globals)
  }

  public var typeName: String { "function" }
  public var repr: String { "<function \(definition.name)>" }

  public func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    guard let interpreter = context as? PyInterpreter else {
      throw LabError("\(definition.name)() can only run inside LayerLab's interpreter")
    }
    return try interpreter.invoke(self, arguments)
  }

  /// Every name a body binds: assignment targets, loop variables, imports, defs.
  private static func collect(
    _ body: [PyStmt], locals: inout Set<String>, globals: inout Set<String>
  ) {
    func targets(_ e: PyExpr) {
      switch e.kind {
      case .name(let n): locals.insert(n)
      case .tuple(let items), .list(let items): items.forEach(targets)
      default: break
      }
    }
    for statement in body {
      switch statement.kind {
      case .assign(let ts, _): ts.forEach(targets)
      case .augmentedAssign(let t, _, _): targets(t)
      case .forLoop(let t, _, let b):
        targets(t)
        collect(b, locals: &locals, globals: &globals)
      case .whileLoop(_, let b): collect(b, locals: &locals, globals: &globals)
      case .ifElse(let branches, let otherwise):
        for branch in branches { collect(branch.body, locals: &locals, globals: &globals) }
        collect(otherwise, locals: &locals, globals: &globals)
      case .functionDef(let d): locals.insert(d.name)
      case .importModules(let names):
        for n in names { locals.insert(n.alias ?? n.path[0]) }
      case .importFrom(_, let names):
        for n in names { locals.insert(n.alias ?? n.path[0]) }
      case .global(let names): globals.formUnion(names)
      default: break
      }
    }
  }
}

/// A module: `keras`, `keras.layers`, `numpy`. Its attributes are fixed
/// when it is made; submodules are attributes too.
public final class PyModule: PyObject {
  public let name: String
  public private(set) var members: [String: PyValue]

  public init(_ name: String, _ members: [String: PyValue] = [:]) {
    self.name = name
    self.members = members
  }

  /// Adds or replaces the member `key`.
  public func set(_ key: String, _ value: PyValue) { members[key] = value }

  public var typeName: String { "module" }
  public var repr: String { "<module '\(name)'>" }
  public var attributeNames: [String] { members.keys.sorted() }
  public func attribute(_ name: String) throws -> PyValue? { members[name] }
}

/// A Python type used as a value: `int`, `str`, `list` (for `isinstance`
/// and `type(x)`); calling it converts, as `int("3")` does.
public final class PyType: PyCallable {
  public let name: String
  private let convert: (CallArguments, any CallContext) throws -> PyValue

  public init(
    _ name: String, _ convert: @escaping (CallArguments, any CallContext) throws -> PyValue
  ) {
    self.name = name
    self.convert = convert
  }

  public var typeName: String { "type" }
  public var repr: String { "<class '\(name)'>" }

  public func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    try convert(arguments, context)
  }

  /// True when `value` is of this type (a bool is an int, as in Python).
  public func contains(_ value: PyValue) -> Bool {
    value.typeName == name || (name == "int" && value.typeName == "bool")
      || (name == "object")
  }
}

/// `range(start, stop, step)`: walked without making the list.
public final class PyRange: PyIterable, PySized, PySubscriptable {
  public let start: Int
  public let stop: Int
  public let step: Int

  public init(start: Int, stop: Int, step: Int) {
    self.start = start
    self.stop = stop
    self.step = step
  }

  public var typeName: String { "range" }
  public var repr: String {
    step == 1 ? "range(\(start), \(stop))" : "range(\(start), \(stop), \(step))"
  }

  public var length: Int {
    if step > 0 { return stop > start ? (stop - start - 1) / step + 1 : 0 }
    return start > stop ? (start - stop - 1) / (-step) + 1 : 0
  }

  /// The `i`th number (0-based).
  public func value(at i: Int) -> Int { start + i * step }

  public func items() throws -> [PyValue] {
    guard length <= PyInterpreter.maxItems else { throw PyInterpreter.tooManyItems(length) }
    return (0..<length).map { .int(value(at: $0)) }
  }

  public func item(_ index: PyValue) throws -> PyValue {
    guard let i = index.integer else { throw LabError("range indices must be whole numbers") }
    let at = i < 0 ? i + length : i
    guard at >= 0, at < length else { throw LabError("range index \(i) is out of range") }
    return .int(value(at: at))
  }
}
