import Foundation

/// Indexing and the methods of plain values: `s.upper()`, `xs.append(1)`,
/// `d.items()`, `xs[1:3]`.
enum PyMethods {
  /// `value[index]` for strings, lists, tuples, dicts and objects that index.
  static func item(of value: PyValue, _ index: PyValue) throws -> PyValue {
    switch value {
    case .list(let list): return try sequenceItem(list.items, index, "list") { .list(PyList($0)) }
    case .tuple(let items): return try sequenceItem(items, index, "tuple") { .tuple($0) }
    case .string(let s):
      let chars = s.map { PyValue.string(String($0)) }
      return try sequenceItem(chars, index, "string") {
        .string($0.map(\.str).joined())
      }
    case .dict(let dict):
      guard let key = PyConstant(index), let found = dict[key] else {
        let keys = dict.keys.map(\.description)
        throw LabError(
          "no key \(index.repr) in the dict",
          hint: keys.isEmpty
            ? "the dict is empty" : "keys: " + keys.prefix(10).joined(separator: ", "))
      }
      return found
    case .object(let object):
      if let subscriptable = object as? any PySubscriptable { return try subscriptable.item(index) }
    default: break
    }
    throw LabError("'\(value.typeName)' object cannot be indexed")
  }

  private static func sequenceItem(
    _ items: [PyValue], _ index: PyValue, _ kind: String, _ make: ([PyValue]) -> PyValue
  ) throws -> PyValue {
    if let slice = index.object(as: PySlice.self) {
      return make(try slice.positions(count: items.count).map { items[$0] })
    }
    // A numpy integer (np.argmax's answer) indexes as a Python int does.
    let index = PyBuiltins.scalar(index)
    guard let i = index.integer, index.isIntegral else {
      throw LabError("\(kind) indices must be whole numbers or slices, not \(index.typeName)")
    }
    let at = i < 0 ? i + items.count : i
    guard items.indices.contains(at) else {
      throw LabError(
        "\(kind) index \(i) is out of range (it has \(items.count) item\(items.count == 1 ? "" : "s"))"
      )
    }
    return items[at]
  }

  /// The method `name` of a plain value, bound to it; nil when there is none.
  static func method(of value: PyValue, _ name: String) -> PyValue? {
    let body: ((CallArguments, any CallContext) throws -> PyValue)?
    switch value {
    case .string(let s): body = stringMethod(s, name)
    case .list(let list): body = listMethod(list, name)
    case .dict(let dict): body = dictMethod(dict, name)
    case .tuple(let items): body = tupleMethod(items, name)
    default: body = nil
    }
    return body.map { .object(PyBuiltinFunction(name, description: "<method '\(name)'>", $0)) }
  }

  /// The method names `method(of:_:)` answers, for "did you mean".
  static func names(of value: PyValue) -> [String] {
    switch value {
    case .string:
      [
        "upper", "lower", "strip", "split", "join", "replace", "startswith", "endswith", "format",
        "title", "capitalize", "find", "count",
      ]
    case .list: ["append", "extend", "pop", "insert", "index", "count", "reverse", "copy", "sort"]
    case .dict: ["keys", "values", "items", "get", "copy"]
    case .tuple: ["index", "count"]
    default: []
    }
  }

  private static func only(_ a: CallArguments, _ count: ClosedRange<Int>, _ name: String) throws
    -> [PyValue]
  {
    guard a.keywords.isEmpty, count.contains(a.positional.count) else {
      let wanted =
        count.lowerBound == count.upperBound
        ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
      throw LabError(
        "\(name)() takes \(wanted) argument(s), got \(a.positional.count + a.keywords.count)")
    }
    return a.positional.map(\.value)
  }

  private static func string(_ v: PyValue, _ name: String) throws -> String {
    guard case .string(let s) = v else {
      throw LabError("\(name)() takes a string, not \(v.typeName)")
    }
    return s
  }

  private static func stringMethod(_ s: String, _ name: String) -> (
    (CallArguments, any CallContext) throws -> PyValue
  )? {
    switch name {
    case "upper":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .string(s.uppercased())
      }
    case "lower":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .string(s.lowercased())
      }
    case "title", "capitalize":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .string(
          name == "title" ? s.capitalized : s.prefix(1).uppercased() + s.dropFirst().lowercased())
      }
    case "strip":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .string(
          String(s.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()))
      }
    case "split":
      return { a, _ in
        let args = try only(a, 0...1, name)
        if let sep = args.first, case .string(let separator) = sep, !separator.isEmpty {
          return .list(PyList(s.components(separatedBy: separator).map { .string($0) }))
        }
        return .list(PyList(s.split(whereSeparator: \.isWhitespace).map { .string(String($0)) }))
      }
    case "join":
      return { a, context in
        let args = try only(a, 1...1, name)
        let parts = try (context as? PyInterpreter)?.items(of: args[0], at: a.start) ?? []
        return .string(try parts.map { try string($0, name) }.joined(separator: s))
      }
    case "replace":
      return { a, _ in
        let args = try only(a, 2...2, name)
        return .string(
          s.replacingOccurrences(of: try string(args[0], name), with: try string(args[1], name)))
      }
    case "startswith", "endswith":
      return { a, _ in
        let prefix = try string(try only(a, 1...1, name)[0], name)
        return .bool(name == "startswith" ? s.hasPrefix(prefix) : s.hasSuffix(prefix))
      }
    case "find":
      return { a, _ in
        let sub = try string(try only(a, 1...1, name)[0], name)
        guard let range = s.range(of: sub) else { return .int(-1) }
        return .int(s.distance(from: s.startIndex, to: range.lowerBound))
      }
    case "count":
      return { a, _ in
        let sub = try string(try only(a, 1...1, name)[0], name)
        return .int(sub.isEmpty ? s.count + 1 : s.components(separatedBy: sub).count - 1)
      }
    case "format":
      return { a, _ in
        .string(try PyFormat.braces(s, a.positional.map(\.value), keywords: a.keywords))
      }
    default: return nil
    }
  }

  private static func listMethod(_ list: PyList, _ name: String) -> (
    (CallArguments, any CallContext) throws -> PyValue
  )? {
    switch name {
    case "append":
      return { a, _ in
        let args = try only(a, 1...1, name)
        guard list.items.count < PyInterpreter.maxItems else {
          throw PyInterpreter.tooManyItems(list.items.count + 1)
        }
        list.items.append(args[0])
        return .none
      }
    case "extend":
      return { a, context in
        let args = try only(a, 1...1, name)
        let more = try (context as? PyInterpreter)?.items(of: args[0], at: a.start) ?? []
        guard list.items.count + more.count <= PyInterpreter.maxItems else {
          throw PyInterpreter.tooManyItems(list.items.count + more.count)
        }
        list.items += more
        return .none
      }
    case "pop":
      return { a, _ in
        let args = try only(a, 0...1, name)
        guard !list.items.isEmpty else { throw LabError("pop from an empty list") }
        let i = args.first?.integer ?? -1
        let at = i < 0 ? i + list.items.count : i
        guard list.items.indices.contains(at) else {
          throw LabError("pop index \(i) is out of range")
        }
        return list.items.remove(at: at)
      }
    case "insert":
      return { a, _ in
        let args = try only(a, 2...2, name)
        guard let i = args[0].integer else {
          throw LabError("insert() takes a whole-number position")
        }
        let at = min(max(i < 0 ? i + list.items.count : i, 0), list.items.count)
        list.items.insert(args[1], at: at)
        return .none
      }
    case "index", "count":
      return tupleMethod(list.items, name)
    case "reverse":
      return { a, _ in
        _ = try only(a, 0...0, name)
        list.items.reverse()
        return .none
      }
    case "copy":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .list(PyList(list.items))
      }
    case "sort":
      return { a, _ in
        _ = try only(a, 0...0, name)
        list.items = try PyBuiltins.sorted(list.items)
        return .none
      }
    default: return nil
    }
  }

  private static func tupleMethod(_ items: [PyValue], _ name: String) -> (
    (CallArguments, any CallContext) throws -> PyValue
  )? {
    switch name {
    case "index":
      return { a, _ in
        let x = try only(a, 1...1, name)[0]
        guard let i = items.firstIndex(where: { PyOperators.equal($0, x) }) else {
          throw LabError("\(x.repr) is not in the list")
        }
        return .int(i)
      }
    case "count":
      return { a, _ in
        let x = try only(a, 1...1, name)[0]
        return .int(items.filter { PyOperators.equal($0, x) }.count)
      }
    default: return nil
    }
  }

  private static func dictMethod(_ dict: PyDict, _ name: String) -> (
    (CallArguments, any CallContext) throws -> PyValue
  )? {
    switch name {
    case "keys":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .list(PyList(dict.keys.map(\.value)))
      }
    case "values":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .list(PyList(dict.pairs.map(\.value)))
      }
    case "items":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .list(PyList(dict.pairs.map { .tuple([$0.key.value, $0.value]) }))
      }
    case "get":
      return { a, _ in
        let args = try only(a, 1...2, name)
        return PyConstant(args[0]).flatMap { dict[$0] } ?? (args.count > 1 ? args[1] : .none)
      }
    case "copy":
      return { a, _ in
        _ = try only(a, 0...0, name)
        return .dict(PyDict(dict.pairs.map { ($0.key, $0.value) }))
      }
    default: return nil
    }
  }
}
