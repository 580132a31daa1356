/// Runs LayerLab's Python: statements in order, with module-level names
/// (`globals`), functions with their own local names, `import` from the
/// modules the host registers, and `print` through `writeLine`.
///
/// It never traps and never hangs on what it is given: integers are
/// overflow-checked, sizes are bounded (``maxItems``), loops and calls count
/// towards ``stepLimit`` and ``maxCallDepth``, and ``checkInterrupt`` runs
/// between steps so Ctrl-C stops a long loop. Every mistake is a
/// ``LabError`` at the line and column of the expression that made it;
/// errors the engine raises come wrapped in ``PyRuntimeError`` with the
/// position of the call that raised them.
public final class PyInterpreter: CallContext {
  /// The most items a list, a string repetition or a range turned into a
  /// list may have.
  public static let maxItems = 10_000_000

  static func tooManyItems(_ count: Int) -> LabError {
    LabError(
      "that would make \(count) items, more than LayerLab holds (\(maxItems))",
      hint: "work with fewer, e.g. a slice x[:100]")
  }

  /// Names defined at the top level of the program or the prompt.
  public var globals: [String: PyValue] = [:]
  /// Names every program sees unless it defines its own: `print`, `len`, ...
  public var builtins: [String: PyValue] = [:]
  /// What `import` finds, by dotted name: `keras`, `keras.layers`, `numpy`.
  public var modules: [String: PyValue] = [:]
  /// The hint under "no module named ...": what the host does provide.
  public var moduleHint = "LayerLab provides keras, tensorflow.keras and numpy"
  /// Where each finished line of `print` output goes.
  public var writeLine: (String) -> Void
  /// Throws to stop the program (Ctrl-C); called every few hundred steps.
  public var checkInterrupt: () throws -> Void = {}
  /// Statements and loop iterations one `execute` may take before it is stopped.
  public var stepLimit = 10_000_000
  /// How deeply functions may call one another.
  public var maxCallDepth = 100
  /// What to say about a name nobody defined, when the host knows better
  /// than "name 'x' is not defined" (a misspelt layer class, a word that
  /// belongs in quotes): the message and the hint, or nil for Python's.
  public var unknownName: ((_ name: String, _ known: [String]) -> (String, String?)?)?
  /// Told about each top-level statement that finished: the value of an
  /// expression statement, or the names an assignment bound. The prompt
  /// shows values and describes assignments through it.
  public var onTopLevel: ((PyStmt, TopLevelResult) throws -> Void)?

  /// What a top-level statement left for the prompt to show.
  public enum TopLevelResult {
    case value(PyValue)
    case assigned([String])
    case other
  }

  private var frames: [Frame] = []
  private var steps = 0
  private var pending = ""

  /// A running function's local names.
  final class Frame {
    let function: PyFunction
    var locals: [String: PyValue]
    init(function: PyFunction, locals: [String: PyValue]) {
      self.function = function
      self.locals = locals
    }
  }

  /// How a block finished.
  enum Flow {
    case normal
    case returned(PyValue)
    case broke
    case continued
  }

  public init(writeLine: @escaping (String) -> Void) {
    self.writeLine = writeLine
    builtins = PyBuiltins.all()
  }

  // MARK: - Running

  /// Runs `statements` at the top level.
  public func execute(_ statements: [PyStmt]) throws {
    steps = 0
    defer { flush() }
    for statement in statements {
      switch try run(statement, topLevel: true) {
      case .normal: continue
      case .returned:
        throw LabError(
          "'return' outside a function", column: statement.start.column,
          line: statement.start.line)
      case .broke, .continued:
        throw LabError(
          "'break' and 'continue' belong inside a loop", column: statement.start.column,
          line: statement.start.line)
      }
    }
  }

  /// Parses and runs `source` at the top level.
  public func execute(source: String) throws {
    try execute(try PyParser.parseModule(source))
  }

  /// The value of `expression`, evaluated at the top level.
  public func evaluate(_ expression: PyExpr) throws -> PyValue {
    try value(of: expression)
  }

  /// Writes out a `print(..., end='')` line that never got its newline.
  public func flush() {
    if !pending.isEmpty {
      writeLine(pending)
      pending = ""
    }
  }

  public func write(_ text: String) {
    var lines = (pending + text).split(separator: "\n", omittingEmptySubsequences: false)
    pending = String(lines.removeLast())
    for line in lines { writeLine(String(line)) }
  }

  public func call(_ function: PyValue, _ arguments: CallArguments) throws -> PyValue {
    guard case .object(let object) = function, let callable = object as? any PyCallable else {
      throw LabError("'\(function.typeName)' object is not callable")
    }
    return try callable.call(arguments, context: self)
  }

  func step() throws {
    steps += 1
    if steps > stepLimit {
      throw LabError(
        "the program ran more than \(stepLimit) steps without finishing, so LayerLab stopped it",
        hint: "look for a loop that never ends")
    }
    if steps & 1023 == 0 { try checkInterrupt() }
  }

  /// Runs a block; stops at `return`, `break` or `continue` and says which.
  func run(_ block: [PyStmt]) throws -> Flow {
    for statement in block {
      let flow = try run(statement, topLevel: false)
      if case .normal = flow { continue }
      return flow
    }
    return .normal
  }

  private func run(_ statement: PyStmt, topLevel: Bool) throws -> Flow {
    try step()
    do {
      return try runUnlocated(statement, topLevel: topLevel)
    } catch let error as LabError where error.column == nil {
      throw error.located(at: statement.start)
    }
  }

  private func runUnlocated(_ statement: PyStmt, topLevel: Bool) throws -> Flow {
    switch statement.kind {
    case .expression(let e):
      let v = try value(of: e)
      if topLevel { try onTopLevel?(statement, .value(v)) }
    case .assign(let targets, let e):
      let v = try value(of: e)
      for target in targets { try assign(v, to: target) }
      if topLevel { try onTopLevel?(statement, .assigned(targets.flatMap(boundNames))) }
    case .augmentedAssign(let target, let op, let e):
      let current = try value(of: target)
      let result = try binary(op, current, try value(of: e), at: statement.start)
      try assign(result, to: target)
      if topLevel { try onTopLevel?(statement, .assigned(boundNames(target))) }
    case .importModules(let names):
      for name in names {
        let dotted = name.path.joined(separator: ".")
        let module = try lookupModule(dotted, at: name.at)
        if let alias = name.alias {
          try bind(alias, module)
        } else {
          try bind(name.path[0], try lookupModule(name.path[0], at: name.at))
        }
      }
      if topLevel { try onTopLevel?(statement, .other) }
    case .importFrom(let path, let names):
      let dotted = path.joined(separator: ".")
      let module = try lookupModule(dotted, at: statement.start)
      for name in names {
        let member = name.path[0]
        if let v = try attributeIfPresent(module, member) ?? modules[dotted + "." + member] {
          try bind(name.alias ?? member, v)
          continue
        }
        let available = module.object(as: PyModule.self)?.attributeNames ?? []
        throw LabError(
          "cannot import name '\(member)' from '\(dotted)'", column: name.at.column,
          hint: closestMatch(member, in: available).map { "did you mean '\($0)'?" }
            ?? "'\(dotted)' has: " + available.prefix(12).joined(separator: ", "),
          line: name.at.line)
      }
      if topLevel { try onTopLevel?(statement, .other) }
    case .functionDef(let definition):
      var defaults: [PyValue?] = []
      for parameter in definition.parameters {
        defaults.append(try parameter.defaultValue.map { try value(of: $0) })
      }
      try bind(definition.name, .object(PyFunction(definition: definition, defaults: defaults)))
      if topLevel { try onTopLevel?(statement, .other) }
    case .ifElse(let branches, let otherwise):
      for branch in branches
      where try truth(try value(of: branch.condition), at: branch.condition.start) {
        return try run(branch.body)
      }
      return try run(otherwise)
    case .forLoop(let target, let iterable, let body):
      return try loop(over: try value(of: iterable), at: iterable.start) { item in
        try assign(item, to: target)
        return try run(body)
      }
    case .whileLoop(let condition, let body):
      while try truth(try value(of: condition), at: condition.start) {
        try step()
        switch try run(body) {
        case .normal, .continued: continue
        case .broke: return .normal
        case .returned(let v): return .returned(v)
        }
      }
    case .returnValue(let e):
      guard !frames.isEmpty else {
        throw LabError(
          "'return' outside a function", column: statement.start.column,
          line: statement.start.line)
      }
      return .returned(try e.map { try value(of: $0) } ?? .none)
    case .pass:
      break
    case .breakLoop:
      return .broke
    case .continueLoop:
      return .continued
    case .global:
      break
    case .assert(let test, let message):
      guard try truth(try value(of: test), at: test.start) else {
        let text = try message.map { try value(of: $0).str }
        throw LabError(text.map { "assertion failed: \($0)" } ?? "assertion failed")
      }
    }
    return .normal
  }

  /// Runs `body` for each item of `iterable`; a range is walked without a list.
  func loop(over iterable: PyValue, at position: SourcePosition, _ body: (PyValue) throws -> Flow)
    throws -> Flow
  {
    func each(_ item: PyValue) throws -> Flow? {
      try step()
      switch try body(item) {
      case .normal, .continued: return nil
      case .broke: return .normal
      case .returned(let v): return .returned(v)
      }
    }
    if let range = iterable.object(as: PyRange.self) {
      for i in 0..<range.length {
        if let flow = try each(.int(range.value(at: i))) { return flow }
      }
      return .normal
    }
    for item in try items(of: iterable, at: position) {
      if let flow = try each(item) { return flow }
    }
    return .normal
  }

  // MARK: - Names

  private func boundNames(_ target: PyExpr) -> [String] {
    switch target.kind {
    case .name(let n): return [n]
    case .tuple(let items), .list(let items): return items.flatMap(boundNames)
    default: return []
    }
  }

  /// Binds `name` in the running function, or at the top level.
  func bind(_ name: String, _ value: PyValue) throws {
    if let frame = frames.last, frame.function.localNames.contains(name) {
      frame.locals[name] = value
    } else {
      globals[name] = value
    }
  }

  func lookup(_ name: String, at position: SourcePosition) throws -> PyValue {
    if let frame = frames.last, frame.function.localNames.contains(name) {
      guard let v = frame.locals[name] else {
        throw LabError(
          "'\(name)' is used before it is given a value in \(frame.function.definition.name)()",
          column: position.column,
          hint: "give it a value first, or write 'global \(name)' to use the top-level one",
          line: position.line)
      }
      return v
    }
    if let v = globals[name] ?? builtins[name] { return v }
    var known = Array(globals.keys) + Array(builtins.keys)
    if let frame = frames.last { known += frame.locals.keys }
    if let (message, hint) = unknownName?(name, known) {
      throw LabError(message, column: position.column, hint: hint, line: position.line)
    }
    throw LabError(
      "name '\(name)' is not defined", column: position.column,
      hint: closestMatch(name, in: known).map { "did you mean '\($0)'?" }, line: position.line)
  }

  private func lookupModule(_ dotted: String, at position: SourcePosition) throws -> PyValue {
    if let module = modules[dotted] { return module }
    throw LabError(
      "LayerLab has no module '\(dotted)'", column: position.column,
      hint: closestMatch(dotted, in: Array(modules.keys)).map { "did you mean '\($0)'?" }
        ?? moduleHint, line: position.line)
  }

  // MARK: - Functions

  /// Calls a `def` function: binds the arguments as Python does, runs the body.
  func invoke(_ function: PyFunction, _ arguments: CallArguments) throws -> PyValue {
    let definition = function.definition
    let name = definition.name
    let parameters = definition.parameters
    guard frames.count < maxCallDepth else {
      throw LabError(
        "functions call each other more than \(maxCallDepth) deep",
        hint: "look for a function that calls itself without end")
    }
    var locals: [String: PyValue] = [:]
    if arguments.positional.count > parameters.count {
      let extra = arguments.positional[parameters.count]
      throw LabError(
        "\(name)() takes \(parameters.count) positional argument\(parameters.count == 1 ? "" : "s") but \(arguments.positional.count) were given",
        column: extra.location.column, line: extra.location.line)
    }
    for (parameter, item) in zip(parameters, arguments.positional) {
      locals[parameter.name] = item.value
    }
    for keyword in arguments.keywords {
      guard parameters.contains(where: { $0.name == keyword.name }) else {
        throw LabError(
          "\(name)() has no parameter '\(keyword.name)'", column: keyword.nameLocation.column,
          hint: closestMatch(keyword.name, in: parameters.map(\.name)).map {
            "did you mean '\($0)'?"
          }, line: keyword.nameLocation.line)
      }
      guard locals[keyword.name] == nil else {
        throw LabError(
          "\(name)() got two values for '\(keyword.name)'", column: keyword.nameLocation.column,
          line: keyword.nameLocation.line)
      }
      locals[keyword.name] = keyword.item.value
    }
    for (index, parameter) in parameters.enumerated() where locals[parameter.name] == nil {
      guard let fallback = function.defaults[index] else {
        throw LabError(
          "\(name)() needs '\(parameter.name)'", column: arguments.end.column,
          line: arguments.end.line)
      }
      locals[parameter.name] = fallback
    }
    frames.append(Frame(function: function, locals: locals))
    defer { frames.removeLast() }
    if case .returned(let v) = try run(definition.body) { return v }
    return .none
  }
}

/// An error the engine or the host raised while a statement ran, with where.
public struct PyRuntimeError: Error {
  public var underlying: any Error
  public var position: SourcePosition
}
