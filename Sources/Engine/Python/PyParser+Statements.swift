extension PyParser {
  mutating func statement() throws(LabError) -> [PyStmt] {
    let token = current
    if let word = token.name {
      switch word {
      case "def": return [try functionDef()]
      case "if": return [try ifStatement()]
      case "for": return [try forStatement()]
      case "while": return [try whileStatement()]
      case "elif", "else":
        throw error("'\(word)' must follow an if block (or its elif)", at: token.start)
      default:
        if PyParser.unsupported[word] != nil { throw unsupportedError(word, at: token.start) }
      }
    }
    if token.op == "@" {
      throw error(
        "decorators (@) are outside the Python LayerLab runs", at: token.start,
        hint: PyParser.supported)
    }
    return try simpleStatements()
  }

  /// `a = 1; print(a)` up to the end of the line.
  mutating func simpleStatements() throws(LabError) -> [PyStmt] {
    var statements = [try smallStatement()]
    while isOp(";") {
      advance()
      if case .newline = current.kind { break }
      if case .end = current.kind { break }
      statements.append(try smallStatement())
    }
    switch current.kind {
    case .newline: advance()
    case .end: break
    default: throw unexpected("after the statement", expected: "the end of the line")
    }
    return statements
  }

  mutating func smallStatement() throws(LabError) -> PyStmt {
    let start = current.start
    if let word = current.name {
      switch word {
      case "pass":
        advance()
        return PyStmt(kind: .pass, start: start)
      case "break":
        advance()
        return PyStmt(kind: .breakLoop, start: start)
      case "continue":
        advance()
        return PyStmt(kind: .continueLoop, start: start)
      case "return":
        advance()
        if atStatementEnd { return PyStmt(kind: .returnValue(nil), start: start) }
        return PyStmt(kind: .returnValue(try expressionList()), start: start)
      case "import": return try importStatement()
      case "from": return try fromImport()
      case "global":
        advance()
        var names = [try identifier("after 'global'")]
        while isOp(",") {
          advance()
          names.append(try identifier("after ','"))
        }
        return PyStmt(kind: .global(names), start: start)
      case "assert":
        advance()
        let test = try expression()
        var message: PyExpr?
        if isOp(",") {
          advance()
          message = try expression()
        }
        return PyStmt(kind: .assert(test, message: message), start: start)
      default:
        if PyParser.unsupported[word] != nil { throw unsupportedError(word, at: start) }
      }
    }
    let first = try expressionList()
    if isOp("=") {
      var targets = [first]
      var value = first
      while isOp("=") {
        advance()
        value = try expressionList()
        targets.append(value)
      }
      targets.removeLast()
      for target in targets { try checkTarget(target) }
      return PyStmt(kind: .assign(targets, value), start: start)
    }
    if let op = current.op, op.count >= 2, op.hasSuffix("="),
      !["==", "!=", "<=", ">="].contains(op)
    {
      advance()
      try checkTarget(first)
      if case .tuple = first.kind {
        throw error("a tuple cannot take '\(op)'", at: first.start)
      }
      let value = try expressionList()
      return PyStmt(kind: .augmentedAssign(first, String(op.dropLast()), value), start: start)
    }
    if isOp(":") {
      throw error(
        "annotations (x: int = ...) are outside the Python LayerLab runs", at: current.start,
        hint: "leave the type out: x = ...")
    }
    return PyStmt(kind: .expression(first), start: start)
  }

  var atStatementEnd: Bool {
    switch current.kind {
    case .newline, .end: true
    default: current.op == ";"
    }
  }

  /// Only names, tuples or lists of targets, subscripts and attributes take a value.
  func checkTarget(_ target: PyExpr) throws(LabError) {
    switch target.kind {
    case .name, .subscript, .attribute: return
    case .tuple(let items), .list(let items):
      for item in items { try checkTarget(item) }
    case .call:
      throw error(
        "a call cannot be assigned to", at: target.start,
        hint: "to compare, write '=='; to name a result, put the name first: x = f()")
    default:
      throw error(
        "this cannot be assigned to", at: target.start,
        hint: "the left of '=' must be a name, e.g. total_num = 6")
    }
  }

  mutating func identifier(_ context: String) throws(LabError) -> String {
    guard let name = current.name, !PyParser.keywords.contains(name) else {
      throw unexpected(context, expected: "a name")
    }
    advance()
    return name
  }

  mutating func dottedName() throws(LabError) -> [String] {
    var path = [try identifier("in the module name")]
    while isOp(".") {
      advance()
      path.append(try identifier("after '.'"))
    }
    return path
  }

  mutating func importStatement() throws(LabError) -> PyStmt {
    let start = current.start
    advance()
    var names: [PyStmt.ImportedName] = []
    repeat {
      if !names.isEmpty { advance() }
      let at = current.start
      let path = try dottedName()
      var alias: String?
      if isName("as") {
        advance()
        alias = try identifier("after 'as'")
      }
      names.append(PyStmt.ImportedName(path: path, alias: alias, at: at))
    } while isOp(",")
    return PyStmt(kind: .importModules(names), start: start)
  }

  mutating func fromImport() throws(LabError) -> PyStmt {
    let start = current.start
    advance()
    if isOp(".") || isOp("...") {
      throw error("relative imports are outside the Python LayerLab runs", at: current.start)
    }
    let module = try dottedName()
    guard isName("import") else { throw unexpected("after the module name", expected: "'import'") }
    advance()
    if isOp("*") {
      throw error(
        "'import *' is not supported", at: current.start,
        hint: "name what you use, e.g. from keras.layers import Conv2D, Dense")
    }
    let bracketed = isOp("(")
    if bracketed { advance() }
    var names: [PyStmt.ImportedName] = []
    while true {
      let at = current.start
      let name = try identifier("in the import list")
      var alias: String?
      if isName("as") {
        advance()
        alias = try identifier("after 'as'")
      }
      names.append(PyStmt.ImportedName(path: [name], alias: alias, at: at))
      guard isOp(",") else { break }
      advance()
      if bracketed, isOp(")") { break }
    }
    if bracketed { _ = try expect(")", "after the imported names") }
    return PyStmt(kind: .importFrom(module: module, names: names), start: start)
  }

  /// A block after `:`: statements on the same line, or an indented block.
  mutating func suite() throws(LabError) -> [PyStmt] {
    _ = try expect(":", "to open the block")
    blockDepth += 1
    defer { blockDepth -= 1 }
    guard blockDepth <= PyParser.maxBlockDepth else {
      throw error("blocks nest more than \(PyParser.maxBlockDepth) deep", at: current.start)
    }
    guard case .newline = current.kind else { return try simpleStatements() }
    advance()
    skipNewlines()
    guard case .indent = current.kind else {
      throw error(
        "the block after ':' is empty", at: current.start,
        hint: "indent the lines that belong to it (write 'pass' for none)")
    }
    advance()
    var body: [PyStmt] = []
    while true {
      skipNewlines()
      if case .dedent = current.kind {
        advance()
        break
      }
      if case .end = current.kind { break }
      body += try statement()
    }
    return body
  }

  mutating func functionDef() throws(LabError) -> PyStmt {
    let start = current.start
    advance()
    let name = try identifier("after 'def'")
    _ = try expect("(", "after the function's name")
    var parameters: [(name: String, defaultValue: PyExpr?)] = []
    while !isOp(")") {
      if isOp("*") || isOp("**") || isOp("/") {
        throw error(
          "*args, **kwargs and / are outside the Python LayerLab runs", at: current.start,
          hint: "name each parameter, with a default if it has one: def f(x, y=2)")
      }
      let at = current.start
      let parameter = try identifier("in the parameter list")
      if parameters.contains(where: { $0.name == parameter }) {
        throw error("the parameter '\(parameter)' appears twice", at: at)
      }
      var defaultValue: PyExpr?
      if isOp(":") {
        throw error(
          "annotations are outside the Python LayerLab runs", at: current.start,
          hint: "leave the type out: def f(x)")
      }
      if isOp("=") {
        advance()
        defaultValue = try expression()
      } else if parameters.contains(where: { $0.defaultValue != nil }) {
        throw error("a parameter without a default cannot follow one with a default", at: at)
      }
      parameters.append((parameter, defaultValue))
      guard isOp(",") else { break }
      advance()
    }
    _ = try expect(")", "after the parameters")
    if isOp("->") {
      throw error(
        "return annotations are outside the Python LayerLab runs", at: current.start,
        hint: "leave the type out")
    }
    let body = try suite()
    return PyStmt(
      kind: .functionDef(PyStmt.FunctionDef(name: name, parameters: parameters, body: body)),
      start: start)
  }

  mutating func ifStatement() throws(LabError) -> PyStmt {
    let start = current.start
    advance()
    var branches = [(condition: try expression(), body: try suite())]
    var otherwise: [PyStmt] = []
    while true {
      skipNewlines()
      if isName("elif") {
        advance()
        branches.append((try expression(), try suite()))
      } else if isName("else") {
        advance()
        otherwise = try suite()
        break
      } else {
        break
      }
    }
    return PyStmt(kind: .ifElse(branches, otherwise: otherwise), start: start)
  }

  mutating func forStatement() throws(LabError) -> PyStmt {
    let start = current.start
    advance()
    let target = try targetList()
    guard isName("in") else { throw unexpected("after the loop's name", expected: "'in'") }
    advance()
    let iterable = try expressionList()
    let body = try suite()
    try noLoopElse()
    return PyStmt(kind: .forLoop(target: target, iterable: iterable, body: body), start: start)
  }

  mutating func whileStatement() throws(LabError) -> PyStmt {
    let start = current.start
    advance()
    let condition = try expression()
    let body = try suite()
    try noLoopElse()
    return PyStmt(kind: .whileLoop(condition: condition, body: body), start: start)
  }

  mutating func noLoopElse() throws(LabError) {
    var j = k
    while case .newline = tokens[min(j, tokens.count - 1)].kind { j += 1 }
    if tokens[min(j, tokens.count - 1)].name == "else" {
      throw error(
        "an else after a loop is outside the Python LayerLab runs",
        at: tokens[min(j, tokens.count - 1)].start)
    }
  }

  /// `a`, `a, b` or `(a, b)` before `in`.
  mutating func targetList() throws(LabError) -> PyExpr {
    let start = current.start
    var items = [try bitOr()]
    while isOp(",") {
      advance()
      if isName("in") { break }
      items.append(try bitOr())
    }
    let target = items.count == 1 ? items[0] : make(.tuple(items), at: start)
    try checkTarget(target)
    return target
  }
}
