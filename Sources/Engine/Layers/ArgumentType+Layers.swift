/// The kinds of value Keras layers (and optimizers) take, with the messages
/// a learner sees for a wrong one. Each converts to the canonical form the
/// layer stores: sizes as `(rows, columns)`, paddings in lower case,
/// activations by name (`None` is `'linear'`).
extension ArgumentType {
  /// `32`: a whole number above zero.
  public static let positiveInt = ArgumentType("a positive whole number") { value, name in
    .int(try positive(value, name))
  }

  /// `(3, 3)`, or `3` for `(3, 3)` as Keras allows.
  public static let pair = ArgumentType("a pair such as (3, 3), or one number") { value, name in
    try pairValue(value, name)
  }

  /// `None` or a pair, for pooling's `strides` (None: the pool size).
  public static let optionalPair = ArgumentType("None or a pair such as (2, 2)") { value, name in
    if case .none = value { return .none }
    return try pairValue(value, name)
  }

  /// `'valid'` or `'same'`, in any case.
  public static let padding = ArgumentType("'valid' or 'same'") { value, name in
    guard case .string(let text) = value, let padding = Padding(rawValue: text.lowercased()) else {
      throw LabError(message: "\(name) must be 'valid' or 'same', got \(value.repr)")
    }
    return .string(padding.rawValue)
  }

  /// An activation's name, or `None` for none (`'linear'`).
  public static let activation = ArgumentType("an activation's name, e.g. 'relu'") {
    value, name in
    if case .none = value { return .string(ActivationFunction.linear.rawValue) }
    guard case .string(let text) = value else {
      throw LabError(message: "\(name) must be a name in quotes, e.g. 'relu'")
    }
    guard let function = ActivationFunction(kerasName: text) else {
      let names = ActivationFunction.kerasNames
      throw LabError(
        message: "unknown activation '\(text)'",
        hint: closestMatch(text, in: names).map { "did you mean '\($0)'?" }
          ?? "activations: " + names.joined(separator: ", "))
    }
    return .string(function.rawValue)
  }

  /// `True` or `False`.
  public static let bool = ArgumentType("True or False") { value, name in
    guard case .bool = value else {
      throw LabError(message: "\(name) must be True or False, got \(value.repr)")
    }
    return value
  }

  /// A fraction in [0, 1), such as Dropout's rate.
  public static let fraction = ArgumentType("a number from 0 up to (not including) 1") {
    value, name in
    let x = try number(value, name)
    guard x >= 0, x < 1 else {
      throw LabError(message: "\(name) must be in [0, 1), e.g. 0.25, got \(value.repr)")
    }
    return .float(x)
  }

  /// A number above zero, such as a learning rate.
  public static let positiveNumber = ArgumentType("a number above 0") { value, name in
    let x = try number(value, name)
    guard x > 0 else { throw LabError(message: "\(name) must be positive, got \(value.repr)") }
    return .float(x)
  }

  /// A number of zero or more.
  public static let nonNegativeNumber = ArgumentType("a number of 0 or more") { value, name in
    let x = try number(value, name)
    guard x >= 0 else { throw LabError(message: "\(name) must be a number ≥ 0, got \(value.repr)") }
    return .float(x)
  }

  /// A number from 0 up to (not including) 1, such as a momentum.
  public static let belowOne = ArgumentType("a number from 0 up to (not including) 1") {
    value, name in
    let x = try number(value, name)
    guard x >= 0 else { throw LabError(message: "\(name) must be a number ≥ 0, got \(value.repr)") }
    guard x < 1 else { throw LabError(message: "\(name) must be below 1, got \(value.repr)") }
    return .float(x)
  }

  /// One sample's shape: `(100, 100, 3)` or `X.shape[1:]`.
  public static let shape = ArgumentType("a shape such as (100, 100, 3)") { value, name in
    guard let items = value.sequence else {
      throw LabError(
        message: "\(name) must be a tuple such as (100, 100, 3) or X.shape[1:], got \(value.repr)")
    }
    guard !items.isEmpty else { throw LabError(message: "\(name) must not be empty") }
    return .tuple(try items.map { .int(try positive($0, name)) })
  }

  /// A layer's own name: a word in quotes.
  public static let layerName = ArgumentType("a word in quotes, e.g. 'edges'") { value, name in
    guard case .string(let s) = value, !s.isEmpty,
      s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
    else {
      throw LabError(message: "\(name) must be a word in quotes, e.g. name='edges'")
    }
    return value
  }

  /// Any text in quotes.
  public static let string = ArgumentType("a string") { value, name in
    guard case .string = value else {
      throw LabError(message: "\(name) must be a string in quotes, got \(value.repr)")
    }
    return value
  }

  /// One of `choices`, in quotes (e.g. a loss's name).
  public static func choice(_ choices: [String]) -> ArgumentType {
    ArgumentType(choices.map { "'\($0)'" }.joined(separator: " or ")) { value, name in
      guard case .string(let text) = value else {
        throw LabError(message: "\(name) must be a name in quotes, got \(value.repr)")
      }
      guard choices.contains(text) else {
        throw LabError(
          message: "unknown \(name) '\(text)'",
          hint: closestMatch(text, in: choices).map { "did you mean '\($0)'?" }
            ?? "\(name): " + choices.joined(separator: ", "))
      }
      return value
    }
  }

  /// A whole number in `range`.
  public static func int(in range: ClosedRange<Int>) -> ArgumentType {
    ArgumentType("a whole number from \(range.lowerBound) to \(range.upperBound)") {
      value, name in
      guard case .int(let n) = value else {
        throw LabError(message: "\(name) must be a whole number, got \(value.repr)")
      }
      guard range.contains(n) else {
        throw LabError(
          message:
            "\(name) must be from \(range.lowerBound) to \(range.upperBound), got \(n)")
      }
      return value
    }
  }

  /// A number in `range`.
  public static func number(in range: ClosedRange<Double>) -> ArgumentType {
    ArgumentType("a number from \(range.lowerBound) to \(range.upperBound)") { value, name in
      let x = try number(value, name)
      guard range.contains(x) else {
        throw LabError(
          message:
            "\(name) must be from \(formatNumber(Float(range.lowerBound))) to \(formatNumber(Float(range.upperBound))), got \(value.repr)"
        )
      }
      return .float(x)
    }
  }

  static func positive(_ value: PyValue, _ name: String) throws(LabError) -> Int {
    guard case .int(let n) = value else {
      throw LabError(message: "\(name) must be a whole number, got \(value.repr)")
    }
    guard n > 0 else { throw LabError(message: "\(name) must be positive, got \(n)") }
    return n
  }

  static func number(_ value: PyValue, _ name: String) throws(LabError) -> Double {
    switch value {
    case .int(let n): return Double(n)
    case .float(let x) where x.isFinite: return x
    default: throw LabError(message: "\(name) must be a number, got \(value.repr)")
    }
  }

  private static func pairValue(_ value: PyValue, _ name: String) throws(LabError) -> PyValue {
    if case .int = value {
      let n = try positive(value, name)
      return .tuple([.int(n), .int(n)])
    }
    guard let items = value.sequence else {
      throw LabError(
        message: "\(name) must be a number or a pair, e.g. (3, 3), got \(value.repr)")
    }
    guard items.count == 2 else {
      throw LabError(message: "\(name) must be two numbers, e.g. (3, 3), got \(value.repr)")
    }
    return .tuple([.int(try positive(items[0], name)), .int(try positive(items[1], name))])
  }
}

extension ArgumentType {
  /// `None`, or a value of `type`.
  public static func orNone(_ type: ArgumentType) -> ArgumentType {
    ArgumentType("None or " + type.description) { value, name in
      if case .none = value { return .none }
      return try type.convert(value, name)
    }
  }

  /// Keras's `verbose`: `'auto'` (1), 0 (silent), 1 (a progress bar), 2 (a line per epoch).
  public static let verbose = ArgumentType("'auto', 0, 1 or 2") { value, name in
    if case .string("auto") = value { return .int(1) }
    guard case .int(let n) = value, (0...2).contains(n) else {
      throw LabError("\(name) must be 'auto', 0, 1 or 2, got \(value.repr)")
    }
    return value
  }
}
