import Foundation

/// Python's builtin functions that tutorials use: `print`, `len`, `range`,
/// the type conversions, `round`, `min`/`max`/`sum`, `enumerate`, `zip`, ...
enum PyBuiltins {
  static func all() -> [String: PyValue] {
    var table: [String: PyValue] = [:]
    // What `type(x)` returns for a builtin type. Its own box, holding only
    // the types: a closure that captured `table` would be held by the table
    // it captured (a cycle, so every interpreter's builtins leaked).
    let types = TypeTable()
    func add(_ name: String, _ body: @escaping (CallArguments, any CallContext) throws -> PyValue) {
      table[name] = .object(PyBuiltinFunction(name, body))
    }
    func type(_ name: String, _ body: @escaping (CallArguments, any CallContext) throws -> PyValue)
    {
      let made = PyType(name, body)
      types.byName[name] = made
      table[name] = .object(made)
    }
    add("print") { a, context in
      var sep = " "
      var end = "\n"
      for keyword in a.keywords {
        switch keyword.name {
        case "sep": sep = keyword.item.value.str
        case "end": end = keyword.item.value.str
        case "flush", "file": continue
        default: throw LabError("print() has no argument '\(keyword.name)'")
        }
      }
      context.write(a.positional.map(\.value.str).joined(separator: sep) + end)
      return .none
    }
    add("len") { a, _ in
      let v = try one(a, "len")
      switch v {
      case .string(let s): return .int(s.count)
      case .list(let l): return .int(l.items.count)
      case .tuple(let t): return .int(t.count)
      case .dict(let d): return .int(d.count)
      case .object(let o):
        if let sized = o as? any PySized { return .int(sized.length) }
      default: break
      }
      throw LabError("object of type '\(v.typeName)' has no len()")
    }
    add("range") { a, _ in
      guard a.keywords.isEmpty, (1...3).contains(a.positional.count) else {
        throw LabError("range() takes 1 to 3 whole numbers, e.g. range(10) or range(1, 10, 2)")
      }
      var numbers: [Int] = []
      for item in a.positional {
        guard let n = item.value.integer, item.value.isIntegral else {
          throw LabError(
            "range() takes whole numbers, not \(item.value.typeName)", column: item.location.column,
            line: item.location.line)
        }
        numbers.append(n)
      }
      let (start, stop) = numbers.count == 1 ? (0, numbers[0]) : (numbers[0], numbers[1])
      let step = numbers.count == 3 ? numbers[2] : 1
      guard step != 0 else { throw LabError("range() step cannot be zero") }
      return .object(PyRange(start: start, stop: stop, step: step))
    }
    type("int") { a, _ in
      guard !a.positional.isEmpty else { return .int(0) }
      return .int(try integer(try one(a, "int")))
    }
    type("float") { a, _ in
      guard !a.positional.isEmpty else { return .float(0) }
      let v = try one(a, "float")
      if let x = scalar(v).number { return .float(x) }
      if case .string(let s) = v {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        if let x = Double(t) { return .float(x) }
        if ["nan", "inf", "-inf", "+inf", "infinity", "-infinity"].contains(t) {
          return .float(t == "nan" ? .nan : t.hasPrefix("-") ? -.infinity : .infinity)
        }
      }
      throw LabError("could not convert \(v.repr) to float")
    }
    type("str") { a, _ in .string(a.positional.isEmpty ? "" : try one(a, "str").str) }
    type("bool") { a, context in
      guard !a.positional.isEmpty else { return .bool(false) }
      let v = try one(a, "bool")
      if let interpreter = context as? PyInterpreter {
        return .bool(try interpreter.truth(v, at: a.start))
      }
      return .bool(v.isTrue)
    }
    type("list") { a, context in
      guard !a.positional.isEmpty else { return .list(PyList()) }
      return .list(PyList(try items(try one(a, "list"), a, context)))
    }
    type("tuple") { a, context in
      guard !a.positional.isEmpty else { return .tuple([]) }
      return .tuple(try items(try one(a, "tuple"), a, context))
    }
    type("dict") { a, _ in
      let dict = PyDict()
      for keyword in a.keywords { dict[.string(keyword.name)] = keyword.item.value }
      if let first = a.positional.first, case .dict(let other) = first.value {
        for pair in other.pairs { dict[pair.key] = pair.value }
      }
      return .dict(dict)
    }
    type("object") { _, _ in .none }
    add("abs") { a, context in
      let v = try one(a, "abs")
      switch v {
      case .int(let n):
        guard n != Int.min else { throw PyOperators.tooLarge }
        return .int(abs(n))
      case .float(let x): return .float(abs(x))
      case .bool(let b): return .int(b ? 1 : 0)
      default:
        if case .object(let o) = v, let operand = o as? any PyOperand,
          let r = try operand.binary("abs", .none, reflected: false, context: context)
        {
          return r
        }
        throw LabError("bad operand type for abs(): '\(v.typeName)'")
      }
    }
    add("round") { a, _ in
      let given = a.positional.map(\.value) + a.keywords.map(\.item.value)
      guard a.keywords.allSatisfy({ $0.name == "ndigits" }), (1...2).contains(given.count) else {
        throw LabError("round() takes a number and, maybe, a number of digits: round(x, 3)")
      }
      let v = scalar(given[0])
      guard let x = v.number else { throw LabError("round() takes a number, not \(v.typeName)") }
      if given.count == 2, !given[1].isNone {
        guard let digits = given[1].integer else {
          throw LabError("round()'s digits must be a whole number")
        }
        if v.isIntegral { return v }
        return .float(roundHalfEven(x, min(max(digits, -20), 20)))
      }
      // round(x) gives an int, rounding half to even as Python does.
      guard let r = x.rounded(.toNearestOrEven).checkedInt else {
        throw LabError("cannot round \(pythonFloatRepr(x)) to a whole number")
      }
      return .int(r)
    }
    for name in ["min", "max"] {
      add(name) { a, context in
        let candidates =
          a.positional.count == 1
          ? try items(a.positional[0].value, a, context) : a.positional.map(\.value)
        guard var best = candidates.first else { throw LabError("\(name)() of an empty sequence") }
        for c in candidates.dropFirst() {
          let better = try PyOperators.binary(name == "min" ? "<" : ">", c, best, context: context)
          if better.isTrue { best = c }
        }
        return best
      }
    }
    add("sum") { a, context in
      guard (1...2).contains(a.positional.count) else {
        throw LabError("sum() takes a list of numbers")
      }
      var total = a.positional.count > 1 ? a.positional[1].value : .int(0)
      for v in try items(a.positional[0].value, a, context) {
        total = try PyOperators.binary("+", total, v, context: context)
      }
      return total
    }
    add("enumerate") { a, context in
      let start =
        a.positional.count > 1
        ? a.positional[1].value.integer ?? 0 : a.keywords.first?.item.value.integer ?? 0
      guard let first = a.positional.first else { throw LabError("enumerate() takes a list") }
      return .list(
        PyList(
          try items(first.value, a, context).enumerated().map {
            .tuple([.int($0.offset + start), $0.element])
          }))
    }
    add("zip") { a, context in
      let lists = try a.positional.map { try items($0.value, a, context) }
      let count = lists.map(\.count).min() ?? 0
      return .list(PyList((0..<count).map { i in .tuple(lists.map { $0[i] }) }))
    }
    add("sorted") { a, context in
      guard let first = a.positional.first, a.positional.count == 1 else {
        throw LabError("sorted() takes one list")
      }
      var result = try sorted(try items(first.value, a, context))
      if a.keywords.contains(where: { $0.name == "reverse" && $0.item.value.isTrue }) {
        result.reverse()
      }
      return .list(PyList(result))
    }
    add("reversed") { a, context in
      .list(PyList(try items(try one(a, "reversed"), a, context).reversed()))
    }
    add("any") { a, context in
      .bool(try items(try one(a, "any"), a, context).contains { $0.isTrue })
    }
    add("all") { a, context in
      .bool(try items(try one(a, "all"), a, context).allSatisfy { $0.isTrue })
    }
    add("repr") { a, _ in .string(try one(a, "repr").repr) }
    add("isinstance") { a, _ in
      guard a.positional.count == 2 else { throw LabError("isinstance() takes a value and a type") }
      let value = a.positional[0].value
      let types: [PyValue] = a.positional[1].value.sequence ?? [a.positional[1].value]
      return .bool(types.contains { $0.object(as: PyType.self)?.contains(value) ?? false })
    }
    add("type") { a, _ in
      let v = try one(a, "type")
      if let builtin = types.byName[v.typeName] { return .object(builtin) }
      return .object(
        PyType(v.typeName) { _, _ in throw LabError("\(v.typeName)() cannot be called here") })
    }
    add("input") { _, _ in
      throw LabError("input() is not available: LayerLab's programs do not read the keyboard")
    }
    add("open") { _, _ in
      throw LabError(
        "open() is not available in LayerLab", hint: "load data with np.load or the 'data' command")
    }
    return table
  }

  private static func one(_ a: CallArguments, _ name: String) throws -> PyValue {
    guard a.keywords.isEmpty, a.positional.count == 1 else {
      throw LabError("\(name)() takes one argument, got \(a.positional.count + a.keywords.count)")
    }
    return a.positional[0].value
  }

  private static func items(_ v: PyValue, _ a: CallArguments, _ context: any CallContext) throws
    -> [PyValue]
  {
    guard let interpreter = context as? PyInterpreter else { return v.sequence ?? [] }
    return try interpreter.items(of: v, at: a.start)
  }

  /// A one-number array as its number (for `float(x)`, `round(x)`).
  static func scalar(_ v: PyValue) -> PyValue {
    if case .object(let o) = v, let operand = o as? any PyOperand, let s = operand.scalar {
      return s
    }
    return v
  }

  static func integer(_ v: PyValue) throws -> Int {
    let v = scalar(v)
    switch v {
    case .int(let n): return n
    case .bool(let b): return b ? 1 : 0
    case .float(let x):
      guard x.isFinite else { throw LabError("cannot convert \(pythonFloatRepr(x)) to an integer") }
      guard let n = x.checkedInt else { throw PyOperators.tooLarge }
      return n
    case .string(let s):
      guard
        let n = Int(s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: ""))
      else {
        throw LabError("invalid literal for int(): \(v.repr)")
      }
      return n
    default:
      throw LabError("int() takes a number or a string, not \(v.typeName)")
    }
  }

  /// Python's round(x, digits): to the nearest, ties to even, on the decimal value.
  private static func roundHalfEven(_ x: Double, _ digits: Int) -> Double {
    guard x.isFinite else { return x }
    // Python rounds the exact binary value correctly; formatting with
    // enough digits and reading back matches it for the sizes tutorials use.
    if digits >= 0 {
      let text = String(format: "%.\(digits)f", x)
      return Double(text) ?? x
    }
    let scale = pow(10.0, Double(-digits))
    return (x / scale).rounded(.toNearestOrEven) * scale
  }

  /// Items in Python's order; refuses mixtures Python cannot order.
  static func sorted(_ items: [PyValue]) throws -> [PyValue] {
    var failure: (any Error)?
    let context = PyInterpreter(writeLine: { _ in })
    let result = items.sorted { a, b in
      do {
        return try PyOperators.binary("<", a, b, context: context).isTrue
      } catch {
        failure = error
        return false
      }
    }
    if let failure { throw failure }
    return result
  }
}

/// The builtin types by name, for `type(x)`.
private final class TypeTable {
  var byName: [String: PyType] = [:]
}
