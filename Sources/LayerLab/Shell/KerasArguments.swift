import Engine

/// The arguments of a command given either way a learner may type them:
/// `fit epochs=5 batch_size=32` or `model.fit(X, y, epochs=5, batch_size=32)`.
///
/// Both become Python call arguments with columns in the typed line, so one
/// reader serves both forms and a caret points at the guilty value.
struct KerasArguments {
  var positional: [PyNode]
  var keywords: [(String, PyNode)]

  init(_ arguments: Arguments) throws(LabError) {
    if let call = arguments.call {
      positional = call.args
      keywords = call.kwargs
      return
    }
    // `a=1  b=(2, 3)` → `f(a=1, b=(2, 3))`: the first blank between words
    // becomes a comma, so every character keeps its column.
    var chars = Array(arguments.rest)
    var depth = 0
    var quote: Character?
    var i = 0
    while i < chars.count {
      let ch = chars[i]
      if let q = quote {
        if ch == q { quote = nil }
      } else if ch == "'" || ch == "\"" {
        quote = ch
      } else if "([".contains(ch) {
        depth += 1
      } else if ")]".contains(ch) {
        depth -= 1
      } else if ch == " ", depth == 0, i > 0, chars[i - 1] != " ", chars[i - 1] != ",",
        chars[i - 1] != "="
      {
        var next = i
        while next < chars.count, chars[next] == " " { next += 1 }
        if next < chars.count, chars[next] != "=", chars[next] != "," { chars[i] = "," }
      }
      i += 1
    }
    let start = max(arguments.restColumn - 2, 0)
    let text = String(repeating: " ", count: start) + "f(" + String(chars) + ")"
    let node = try PyParser.parse(text)
    guard case .call(_, let args, let kwargs) = node.value else {
      throw LabError("expected key=value arguments", column: arguments.restColumn)
    }
    positional = args
    keywords = kwargs
  }

  /// The value given for `key`, if any.
  func value(_ key: String) -> PyNode? { keywords.first { $0.0 == key }?.1 }

  /// Refuses keywords outside `allowed`, suggesting the nearest.
  func only(_ allowed: [String], usage: String) throws(LabError) {
    for (key, value) in keywords where !allowed.contains(key) {
      throw LabError(
        "unknown argument '\(key)'", column: max(value.column - key.count - 1, 0),
        hint: closestMatch(key, in: allowed).map { "did you mean '\($0)'?" } ?? "usage: \(usage)")
    }
  }

  /// A whole number for `key` (a literal or an integer variable), within `range`.
  func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>, session: Session)
    throws(LabError) -> Int
  {
    guard let node = value(key) else { return fallback }
    return try KerasArguments.int(node, key, in: range, session: session)
  }

  static func int(_ node: PyNode, _ key: String, in range: ClosedRange<Int>, session: Session)
    throws(LabError) -> Int
  {
    var number: Int?
    switch node.value {
    case .int(let v): number = v
    case .name(let name): number = session.integers[name]
    default: break
    }
    guard let number else {
      if case .name(let name) = node.value {
        throw LabError(
          "'\(name)' is not defined", column: node.column, hint: "set it first, e.g. \(name) = 10")
      }
      throw LabError("\(key) must be a whole number, got \(node.text)", column: node.column)
    }
    guard range.contains(number) else {
      throw LabError(
        "\(key) must be from \(range.lowerBound) to \(range.upperBound), got \(number)",
        column: node.column)
    }
    return number
  }

  /// A number for `key` within `range` (1/256 style fractions allowed).
  func float(_ key: String, default fallback: Float, in range: ClosedRange<Float>)
    throws(LabError) -> Float
  {
    guard let node = value(key) else { return fallback }
    let number: Float
    switch node.value {
    case .int(let v): number = Float(v)
    case .float(let v): number = Float(v)
    default: throw LabError("\(key) must be a number, got \(node.text)", column: node.column)
    }
    guard number.isFinite, range.contains(number) else {
      throw LabError(
        "\(key) must be from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound)), got \(node.text)",
        column: node.column)
    }
    return number
  }

  /// True or False for `key`.
  func bool(_ key: String, default fallback: Bool) throws(LabError) -> Bool {
    guard let node = value(key) else { return fallback }
    guard case .bool(let flag) = node.value else {
      throw LabError("\(key) must be True or False, got \(node.text)", column: node.column)
    }
    return flag
  }
}
