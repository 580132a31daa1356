extension PyInterpreter {
  /// The value of `expression`; a mistake without a place gets this expression's.
  func value(of expression: PyExpr) throws -> PyValue {
    do {
      return try unlocatedValue(of: expression)
    } catch let error as LabError where error.column == nil {
      throw error.located(at: expression.start)
    }
  }

  private func unlocatedValue(of expression: PyExpr) throws -> PyValue {
    switch expression.kind {
    case .name(let name):
      return try lookup(name, at: expression.start)
    case .constant(let c):
      return c.value
    case .formatted(let parts):
      var text = ""
      for part in parts {
        switch part {
        case .text(let s): text += s
        case .value(let e, let conversion, let spec):
          let v = try value(of: e)
          let converted: PyValue =
            switch conversion {
            case "r"?, "a"?: .string(v.repr)
            case "s"?: .string(v.str)
            default: v
            }
          do {
            text += try PyFormat.format(converted, spec: spec)
          } catch let error as LabError where error.column == nil {
            throw error.located(at: e.start)
          }
        }
        guard text.count <= PyInterpreter.maxItems else {
          throw PyInterpreter.tooManyItems(text.count)
        }
      }
      return .string(text)
    case .tuple(let items):
      return .tuple(try items.map { try value(of: $0) })
    case .list(let items):
      return .list(PyList(try items.map { try value(of: $0) }))
    case .dict(let pairs):
      let dict = PyDict()
      for pair in pairs {
        let key = try value(of: pair.key)
        dict[try PyInterpreter.dictKey(key, at: pair.key.start)] = try value(of: pair.value)
      }
      return .dict(dict)
    case .attribute(let base, let name, let at):
      return try attribute(of: try value(of: base), name, at: at)
    case .call(let callee, let arguments, let end):
      let function = try value(of: callee)
      var call = CallArguments(start: expression.start, end: end)
      for argument in arguments {
        let item = CallArguments.Item(try value(of: argument.value), at: argument.value.start)
        if let name = argument.name {
          call.keywords.append(.init(name, at: argument.nameAt, item))
        } else {
          call.positional.append(item)
        }
      }
      do {
        return try self.call(function, call)
      } catch let error as LabError where error.column == nil {
        throw error.located(at: callee.start)
      } catch let error as EngineError {
        throw PyRuntimeError(underlying: error, position: expression.start)
      }
    case .subscript(let base, let index):
      return try item(of: try value(of: base), try value(of: index), at: index.start)
    case .slice(let start, let stop, let step):
      return .object(
        PySlice(
          start: try start.map { try value(of: $0) } ?? .none,
          stop: try stop.map { try value(of: $0) } ?? .none,
          step: try step.map { try value(of: $0) } ?? .none))
    case .unary(let op, let operand):
      let v = try value(of: operand)
      if op == "not" { return .bool(!(try truth(v, at: operand.start))) }
      return try PyOperators.unary(op, v)
    case .binary(let op, let left, let right):
      return try binary(op, try value(of: left), try value(of: right), at: expression.start)
    case .logical(let op, let left, let right):
      let l = try value(of: left)
      let isTrue = try truth(l, at: left.start)
      if op == "and" { return isTrue ? try value(of: right) : l }
      return isTrue ? l : try value(of: right)
    case .compare(let first, let rest):
      var left = try value(of: first)
      for (op, operand, at) in rest {
        let right = try value(of: operand)
        let result = try binary(op, left, right, at: at)
        if rest.count == 1 { return result }
        guard try truth(result, at: at) else { return result }
        left = right
      }
      return .bool(true)
    case .conditional(let condition, let then, let otherwise):
      return try truth(try value(of: condition), at: condition.start)
        ? try value(of: then) : try value(of: otherwise)
    case .listComprehension(let element, let clauses):
      return .list(PyList(try comprehension(element, clauses)))
    }
  }

  /// `left op right`, for arithmetic, comparisons and `in`.
  func binary(_ op: String, _ left: PyValue, _ right: PyValue, at position: SourcePosition)
    throws -> PyValue
  {
    do {
      return try PyOperators.binary(op, left, right, context: self)
    } catch let error as LabError where error.column == nil {
      throw error.located(at: position)
    }
  }

  /// The items of a comprehension; its loop names are its own, as in Python 3.
  private func comprehension(_ element: PyExpr, _ clauses: [PyExpr.Comprehension]) throws
    -> [PyValue]
  {
    var names: [String] = []
    for clause in clauses { names += targetNames(clause.target) }
    let saved = names.map { (name: $0, value: savedValue($0)) }
    defer { for s in saved { restore(s.name, s.value) } }
    var out: [PyValue] = []
    func walk(_ index: Int) throws {
      guard index < clauses.count else {
        out.append(try value(of: element))
        guard out.count <= PyInterpreter.maxItems else {
          throw PyInterpreter.tooManyItems(out.count)
        }
        return
      }
      let clause = clauses[index]
      _ = try loop(over: try value(of: clause.iterable), at: clause.iterable.start) { item in
        try assign(item, to: clause.target)
        for condition in clause.conditions
        where !(try truth(try value(of: condition), at: condition.start)) {
          return .continued
        }
        try walk(index + 1)
        return .normal
      }
    }
    try walk(0)
    return out
  }

  private func targetNames(_ target: PyExpr) -> [String] {
    switch target.kind {
    case .name(let n): return [n]
    case .tuple(let items), .list(let items): return items.flatMap(targetNames)
    default: return []
    }
  }

  private func savedValue(_ name: String) -> PyValue? {
    (try? lookup(name, at: SourcePosition(column: 0))).flatMap { v in
      globals[name] != nil || builtins[name] == nil ? v : nil
    }
  }

  private func restore(_ name: String, _ value: PyValue?) {
    if let value {
      try? bind(name, value)
    } else {
      globals[name] = nil
    }
  }

  // MARK: - Assignment

  /// Gives `value` to `target`: a name, `a, b` (unpacking), `x[i]` or `x.y`.
  func assign(_ value: PyValue, to target: PyExpr) throws {
    switch target.kind {
    case .name(let name):
      try bind(name, value)
    case .tuple(let targets), .list(let targets):
      let names = targets.compactMap { if case .name(let n) = $0.kind { n } else { nil } }
      var parts: [PyValue]
      if names.count == targets.count,
        let named = value.object(as: (any PyNamedUnpacking).self)?.unpack(into: names)
      {
        parts = named
      } else {
        parts = try items(of: value, at: target.start)
      }
      guard parts.count == targets.count else {
        throw LabError(
          parts.count < targets.count
            ? "not enough values to unpack: \(targets.count) names, \(parts.count) values"
            : "too many values to unpack: \(targets.count) names, \(parts.count) values",
          column: target.start.column, line: target.start.line)
      }
      for (part, t) in zip(parts, targets) { try assign(part, to: t) }
    case .subscript(let base, let index):
      let container = try self.value(of: base)
      let key = try self.value(of: index)
      switch container {
      case .list(let list):
        guard let i = key.integer else {
          throw LabError("list indices must be whole numbers, not \(key.typeName)")
        }
        let at = i < 0 ? i + list.items.count : i
        guard list.items.indices.contains(at) else {
          throw LabError("list index \(i) is out of range (the list has \(list.items.count) items)")
        }
        list.items[at] = value
      case .dict(let dict):
        dict[try PyInterpreter.dictKey(key, at: index.start)] = value
      default:
        throw LabError("'\(container.typeName)' object does not support item assignment")
      }
    case .attribute(let base, let name, _):
      let object = try self.value(of: base)
      throw LabError("cannot set '\(name)' on a '\(object.typeName)' object in LayerLab")
    default:
      throw LabError("this cannot be assigned to")
    }
  }

  static func dictKey(_ value: PyValue, at position: SourcePosition) throws -> PyConstant {
    guard let key = PyConstant(value) else {
      throw LabError(
        "dict keys must be numbers, strings or tuples of them, not \(value.typeName)",
        column: position.column, line: position.line)
    }
    if case .tuple = value { return key }
    if case .list = value {
      throw LabError("a list cannot be a dict key", column: position.column, line: position.line)
    }
    return key
  }

  // MARK: - Values' parts

  /// The items of anything `for` can walk: lists, tuples, strings, dicts (their keys), objects.
  func items(of value: PyValue, at position: SourcePosition) throws -> [PyValue] {
    switch value {
    case .list(let list): return list.items
    case .tuple(let items): return items
    case .string(let s): return s.map { .string(String($0)) }
    case .dict(let dict): return dict.keys.map(\.value)
    case .object(let object):
      if let iterable = object as? any PyIterable { return try iterable.items() }
    default: break
    }
    throw LabError(
      "'\(value.typeName)' object cannot be looped over", column: position.column,
      line: position.line)
  }

  /// Python's truth value; an array of several numbers has none, as in numpy.
  func truth(_ value: PyValue, at position: SourcePosition) throws -> Bool {
    if case .object(let object) = value, let operand = object as? any PyOperand {
      guard let scalar = operand.scalar else {
        throw LabError(
          "the truth value of an array with more than one element is ambiguous",
          column: position.column, hint: "use a.any() or a.all()", line: position.line)
      }
      return scalar.isTrue
    }
    return value.isTrue
  }

  func attributeIfPresent(_ value: PyValue, _ name: String) throws -> PyValue? {
    if case .object(let object) = value { return try object.attribute(name) }
    return PyMethods.method(of: value, name)
  }

  /// `value.name`, or "has no attribute" with the nearest name.
  func attribute(of value: PyValue, _ name: String, at position: SourcePosition) throws -> PyValue {
    if let found = try attributeIfPresent(value, name) { return found }
    let names: [String]
    if case .object(let object) = value {
      names = object.attributeNames
    } else {
      names = PyMethods.names(of: value)
    }
    let owner =
      value.object(as: PyModule.self).map { "module '\($0.name)'" } ?? "'\(value.typeName)' object"
    let listed = names.filter { !$0.hasPrefix("_") }
    throw LabError(
      "\(owner) has no attribute '\(name)'", column: position.column,
      hint: closestMatch(name, in: names).map { "did you mean '\($0)'?" }
        ?? (listed.isEmpty ? nil : "it has: " + listed.prefix(12).joined(separator: ", ")),
      line: position.line)
  }

  /// `value[index]`.
  func item(of value: PyValue, _ index: PyValue, at position: SourcePosition) throws -> PyValue {
    do {
      return try PyMethods.item(of: value, index)
    } catch let error as LabError where error.column == nil {
      throw error.located(at: position)
    }
  }
}

/// `start:stop:step` as a value, for indexing.
public final class PySlice: PyObject {
  public let start: PyValue
  public let stop: PyValue
  public let step: PyValue

  public init(start: PyValue, stop: PyValue, step: PyValue) {
    self.start = start
    self.stop = stop
    self.step = step
  }

  public var typeName: String { "slice" }
  public var repr: String { "slice(\(start.repr), \(stop.repr), \(step.repr))" }

  /// The positions the slice takes from a sequence of `count` items, as Python's `slice.indices`.
  public func positions(count: Int) throws -> [Int] {
    func int(_ v: PyValue, _ what: String) throws -> Int? {
      if case .none = v { return nil }
      guard let n = v.integer else {
        throw LabError("slice \(what) must be a whole number or None, not \(v.typeName)")
      }
      return n
    }
    let step = try int(self.step, "step") ?? 1
    guard step != 0 else { throw LabError("a slice's step cannot be zero") }
    func clamp(_ v: Int?, _ fallback: Int, low: Int, high: Int) -> Int {
      guard var v else { return fallback }
      if v < 0 { v += count }
      return min(max(v, low), high)
    }
    if step > 0 {
      let from = clamp(try int(start, "start"), 0, low: 0, high: count)
      let to = clamp(try int(stop, "stop"), count, low: 0, high: count)
      return Array(stride(from: from, to: to, by: step))
    }
    let from = clamp(try int(start, "start"), count - 1, low: -1, high: count - 1)
    let to = clamp(try int(stop, "stop"), -1, low: -1, high: count - 1)
    return Array(stride(from: from, to: to, by: step))
  }
}
