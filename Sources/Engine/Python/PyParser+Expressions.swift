extension PyParser {

  /// `a, b` (a tuple) or one expression.
  mutating func expressionList() throws(LabError) -> PyExpr {
    let start = current.start
    let first = try expression()
    guard isOp(",") else { return first }
    var items = [first]
    while isOp(",") {
      advance()
      if atExpressionListEnd { break }
      items.append(try expression())
    }
    return make(.tuple(items), at: start)
  }

  var atExpressionListEnd: Bool {
    switch current.kind {
    case .newline, .end: return true
    default:
      guard let op = current.op else { return false }
      return ["=", ")", "]", "}", ":", ";"].contains(op) || (op.hasSuffix("=") && op.count >= 2)
    }
  }

  mutating func expression() throws(LabError) -> PyExpr {
    try enter()
    defer { depth -= 1 }
    if isName("lambda") { throw unsupportedError("lambda", at: current.start) }
    let start = current.start
    let value = try orTest()
    guard isName("if") else { return value }
    advance()
    let condition = try orTest()
    guard isName("else") else {
      throw unexpected("in 'x if condition else y'", expected: "'else'")
    }
    advance()
    let otherwise = try expression()
    return make(.conditional(condition: condition, then: value, otherwise: otherwise), at: start)
  }

  mutating func orTest() throws(LabError) -> PyExpr {
    var left = try andTest()
    var chain = 0
    while isName("or") {
      chain += 1
      guard chain <= PyParser.maxChain else {
        throw error(
          "the expression has more than \(PyParser.maxChain) operators in a row", at: current.start)
      }
      advance()
      left = make(.logical("or", left, try andTest()), at: left.start)
    }
    return left
  }

  mutating func andTest() throws(LabError) -> PyExpr {
    var left = try notTest()
    var chain = 0
    while isName("and") {
      chain += 1
      guard chain <= PyParser.maxChain else {
        throw error(
          "the expression has more than \(PyParser.maxChain) operators in a row", at: current.start)
      }
      advance()
      left = make(.logical("and", left, try notTest()), at: left.start)
    }
    return left
  }

  mutating func notTest() throws(LabError) -> PyExpr {
    guard isName("not") else { return try comparison() }
    let start = current.start
    advance()
    try enter()
    defer { depth -= 1 }
    return make(.unary("not", try notTest()), at: start)
  }

  mutating func comparison() throws(LabError) -> PyExpr {
    let left = try bitOr()
    var rest: [(op: String, operand: PyExpr, at: SourcePosition)] = []
    while true {
      let at = current.start
      var op: String
      if let o = current.op, ["<", ">", "==", ">=", "<=", "!="].contains(o) {
        op = o
        advance()
      } else if isName("in") {
        op = "in"
        advance()
      } else if isName("not"), nextToken.name == "in" {
        op = "not in"
        advance()
        advance()
      } else if isName("is") {
        advance()
        op = "is"
        if isName("not") {
          advance()
          op = "is not"
        }
      } else {
        break
      }
      rest.append((op, try bitOr(), at))
    }
    return rest.isEmpty ? left : make(.compare(left, rest), at: left.start)
  }

  mutating func binaryLevel(
    _ ops: [String], _ next: (inout PyParser) throws(LabError) -> PyExpr
  ) throws(LabError) -> PyExpr {
    var left = try next(&self)
    var chain = 0
    while let op = current.op, ops.contains(op) {
      // A chain nests to the left (((a + b) + c) + ...): bounded like brackets.
      chain += 1
      guard chain <= PyParser.maxChain else {
        throw error(
          "the expression has more than \(PyParser.maxChain) operators in a row", at: current.start,
          hint: "split it into steps: total = a + b, then total += c")
      }
      advance()
      left = make(.binary(op, left, try next(&self)), at: left.start)
    }
    return left
  }

  mutating func bitOr() throws(LabError) -> PyExpr {
    try binaryLevel(["|"]) { (p) throws(LabError) in try p.bitXor() }
  }
  mutating func bitXor() throws(LabError) -> PyExpr {
    try binaryLevel(["^"]) { (p) throws(LabError) in try p.bitAnd() }
  }
  mutating func bitAnd() throws(LabError) -> PyExpr {
    try binaryLevel(["&"]) { (p) throws(LabError) in try p.shift() }
  }
  mutating func shift() throws(LabError) -> PyExpr {
    try binaryLevel(["<<", ">>"]) { (p) throws(LabError) in try p.arithmetic() }
  }
  mutating func arithmetic() throws(LabError) -> PyExpr {
    try binaryLevel(["+", "-"]) { (p) throws(LabError) in try p.term() }
  }
  mutating func term() throws(LabError) -> PyExpr {
    try binaryLevel(["*", "/", "//", "%", "@"]) { (p) throws(LabError) in try p.factor() }
  }

  mutating func factor() throws(LabError) -> PyExpr {
    if let op = current.op, ["-", "+", "~"].contains(op) {
      let start = current.start
      advance()
      try enter()
      defer { depth -= 1 }
      return make(.unary(op, try factor()), at: start)
    }
    return try power()
  }

  mutating func power() throws(LabError) -> PyExpr {
    let base = try primary()
    guard isOp("**") else { return base }
    advance()
    try enter()
    defer { depth -= 1 }
    return make(.binary("**", base, try factor()), at: base.start)
  }

  mutating func primary() throws(LabError) -> PyExpr {
    var value = try atom()
    var chained = 0
    while true {
      if isOp(".") {
        advance()
        let at = current.start
        let name = try identifier("after '.'")
        value = make(.attribute(value, name: name, at: at), at: value.start)
      } else if isOp("(") {
        advance()
        var arguments: [PyExpr.Argument] = []
        while !isOp(")") {
          arguments.append(try argument(after: arguments))
          guard isOp(",") else { break }
          advance()
        }
        let end = try expect(")", "after the arguments").start
        value = make(.call(value, arguments, end: end), at: value.start)
      } else if isOp("[") {
        advance()
        let index = try subscriptList()
        _ = try expect("]", "after the index")
        value = make(.subscript(value, index), at: value.start)
      } else {
        return value
      }
      // A chain such as x[0][0][0]... nests as deep as brackets do.
      chained += 1
      if chained + depth > PyParser.maxDepth {
        throw error(
          "the expression is nested more than \(PyParser.maxDepth) deep", at: current.start)
      }
    }
  }

  mutating func argument(after previous: [PyExpr.Argument]) throws(LabError)
    -> PyExpr.Argument
  {
    let at = current.start
    if isOp("*") || isOp("**") {
      throw error(
        "*args and **kwargs in calls are outside the Python LayerLab runs", at: at,
        hint: "write each argument out")
    }
    if let name = current.name, !PyParser.keywords.contains(name), nextToken.op == "=" {
      advance()
      advance()
      if previous.contains(where: { $0.name == name }) {
        throw error("'\(name)' is given twice", at: at)
      }
      return PyExpr.Argument(name: name, nameAt: at, value: try expression())
    }
    if previous.contains(where: { $0.name != nil }) {
      throw error("a positional argument cannot follow a keyword argument", at: at)
    }
    let value = try expression()
    if isName("for") {
      throw error(
        "generator expressions are outside the Python LayerLab runs", at: current.start,
        hint: "use a list: f([x for x in items])")
    }
    return PyExpr.Argument(name: nil, nameAt: at, value: value)
  }

  /// `i`, `i:j:k`, or several separated by commas (a tuple).
  mutating func subscriptList() throws(LabError) -> PyExpr {
    let start = current.start
    var items = [try subscriptItem()]
    var sawComma = false
    while isOp(",") {
      sawComma = true
      advance()
      if isOp("]") { break }
      items.append(try subscriptItem())
    }
    return sawComma ? make(.tuple(items), at: start) : items[0]
  }

  mutating func subscriptItem() throws(LabError) -> PyExpr {
    let start = current.start
    var parts: [PyExpr?] = [nil, nil, nil]
    if !isOp(":") {
      let first = try expression()
      guard isOp(":") else { return first }
      parts[0] = first
    }
    advance()
    if !isOp(":"), !isOp("]"), !isOp(",") { parts[1] = try expression() }
    if isOp(":") {
      advance()
      if !isOp("]"), !isOp(",") { parts[2] = try expression() }
    }
    return make(.slice(parts[0], parts[1], parts[2]), at: start)
  }

  mutating func atom() throws(LabError) -> PyExpr {
    let token = current
    let start = token.start
    switch token.kind {
    case .int(let n):
      advance()
      return make(.constant(.int(n)), at: start)
    case .float(let x):
      advance()
      return make(.constant(.float(x)), at: start)
    case .string, .fstring:
      return try strings()
    case .name(let name):
      switch name {
      case "True":
        advance()
        return make(.constant(.bool(true)), at: start)
      case "False":
        advance()
        return make(.constant(.bool(false)), at: start)
      case "None":
        advance()
        return make(.constant(.none), at: start)
      default:
        if PyParser.unsupported[name] != nil { throw unsupportedError(name, at: start) }
        if PyParser.keywords.contains(name) { throw unexpected("here") }
        advance()
        return make(.name(name), at: start)
      }
    case .op("("):
      advance()
      if isOp(")") {
        advance()
        return make(.tuple([]), at: start)
      }
      let first = try expression()
      if isName("for") {
        throw error(
          "generator expressions are outside the Python LayerLab runs", at: current.start,
          hint: "use a list: [x for x in items]")
      }
      guard isOp(",") else {
        _ = try expect(")", "to close the '(' at column \(start.column + 1)")
        var inner = first
        inner.start = start
        inner.end = tokens[max(k - 1, 0)].end
        return inner
      }
      var items = [first]
      while isOp(",") {
        advance()
        if isOp(")") { break }
        items.append(try expression())
      }
      _ = try expect(")", "to close the '(' at column \(start.column + 1)")
      return make(.tuple(items), at: start)
    case .op("["):
      advance()
      var items: [PyExpr] = []
      while !isOp("]") {
        let item = try expression()
        if isName("for"), items.isEmpty {
          let clauses = try comprehensionClauses()
          _ = try expect("]", "to close the list")
          return make(.listComprehension(item, clauses), at: start)
        }
        items.append(item)
        guard isOp(",") else { break }
        advance()
      }
      _ = try expect("]", "to close the '[' at column \(start.column + 1)")
      return make(.list(items), at: start)
    case .op("{"):
      advance()
      var pairs: [(key: PyExpr, value: PyExpr)] = []
      while !isOp("}") {
        let key = try expression()
        guard isOp(":") else {
          throw error(
            "sets are outside the Python LayerLab runs", at: key.start,
            hint: "use a list [a, b] or a dict {'key': value}")
        }
        advance()
        let value = try expression()
        if isName("for") {
          throw error("dict comprehensions are outside the Python LayerLab runs", at: current.start)
        }
        pairs.append((key, value))
        guard isOp(",") else { break }
        advance()
      }
      _ = try expect("}", "to close the '{' at column \(start.column + 1)")
      return make(.dict(pairs), at: start)
    case .op("..."):
      throw error("'...' (Ellipsis) is outside the Python LayerLab runs", at: start)
    case .newline, .end:
      throw error("the expression ends too early", at: start)
    default:
      throw unexpected("here", expected: "a value")
    }
  }

  mutating func comprehensionClauses() throws(LabError) -> [PyExpr.Comprehension] {
    var clauses: [PyExpr.Comprehension] = []
    while isName("for") {
      advance()
      let target = try targetList()
      guard isName("in") else { throw unexpected("in the comprehension", expected: "'in'") }
      advance()
      let iterable = try orTest()
      var conditions: [PyExpr] = []
      while isName("if") {
        advance()
        conditions.append(try orTest())
      }
      clauses.append(
        PyExpr.Comprehension(target: target, iterable: iterable, conditions: conditions))
    }
    return clauses
  }
}
