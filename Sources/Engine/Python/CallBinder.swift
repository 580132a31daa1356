/// The arguments of one call after ``Signature/bind(_:)``: every argument of
/// the signature, given or defaulted, in its canonical form.
public struct BoundArguments {
  public let signature: Signature
  /// Each argument's value by its name (aliases resolved), defaults included.
  public private(set) var values: [String: PyValue] = [:]
  /// The names that were given in the call, rather than defaulted.
  public private(set) var given: Set<String> = []
  /// Where each given argument's value was written.
  public private(set) var locations: [String: SourcePosition] = [:]
  /// Where the call ends, for errors about the call as a whole.
  public let end: SourcePosition

  public subscript(name: String) -> PyValue { values[name] ?? .none }

  /// True when the call gave `name` itself.
  public func isGiven(_ name: String) -> Bool { given.contains(name) }

  /// Where `name`'s value was written, or the end of the call.
  public func location(of name: String) -> SourcePosition { locations[name] ?? end }

  /// The whole number bound to `name` (the argument's type made sure of it).
  public func int(_ name: String) -> Int { self[name].integer ?? 0 }
  /// The number bound to `name`.
  public func double(_ name: String) -> Double { self[name].number ?? 0 }
  /// The truth value bound to `name`.
  public func bool(_ name: String) -> Bool { self[name].isTrue }
  /// The string bound to `name`, or nil for `None`.
  public func string(_ name: String) -> String? {
    if case .string(let s) = self[name] { return s }
    return nil
  }

  fileprivate init(signature: Signature, end: SourcePosition) {
    self.signature = signature
    self.end = end
  }

  fileprivate mutating func set(_ name: String, _ value: PyValue, at location: SourcePosition?) {
    values[name] = value
    if let location {
      given.insert(name)
      locations[name] = location
    }
  }
}

extension Signature {
  /// Matches `call` against the signature as Python would (positional
  /// arguments in order, then keywords), checks and converts every value,
  /// and fills in the defaults.
  ///
  /// One ``LabError`` for the first thing wrong, pointing at it: a value of
  /// the wrong kind, an argument Keras has but LayerLab keeps at its
  /// default, a name the signature lacks (with "did you mean"), an argument
  /// given twice, too many positional arguments, a required one missing.
  public func bind(_ call: CallArguments) throws(LabError) -> BoundArguments {
    var bound = BoundArguments(signature: self, end: call.end)
    let positionalSlots = arguments.filter { !$0.keywordOnly }
    if call.positional.count > positionalSlots.count {
      let extra = call.positional[positionalSlots.count]
      let most =
        positionalSlots.isEmpty
        ? "takes no positional arguments"
        : "takes at most \(positionalSlots.count) positional argument\(positionalSlots.count == 1 ? "" : "s")"
      throw LabError(
        message: "\(owner) \(most), got \(call.positional.count)", column: extra.location.column,
        hint: example.map { "e.g. \($0)" }, line: extra.location.line)
    }
    var given: [(Signature.Argument, CallArguments.Item, SourcePosition)] = []
    for (slot, item) in zip(positionalSlots, call.positional) {
      given.append((slot, item, item.location))
    }
    for keyword in call.keywords {
      guard let argument = argument(keyword.name) else {
        let visible = arguments.filter { !$0.isHidden }.map(\.name)
        throw LabError(
          message: "\(owner) has no argument '\(keyword.name)'",
          column: keyword.nameLocation.column,
          hint: closestMatch(keyword.name, in: arguments.flatMap { [$0.name] + $0.aliases }).map {
            "did you mean '\(argument($0)?.name ?? $0)'?"
          } ?? "arguments: " + visible.joined(separator: ", "),
          line: keyword.nameLocation.line)
      }
      if given.contains(where: { $0.0.name == argument.name }) {
        throw LabError(
          message: "'\(argument.name)' is given twice", column: keyword.nameLocation.column,
          line: keyword.nameLocation.line)
      }
      given.append((argument, keyword.item, keyword.nameLocation))
    }
    for (argument, item, _) in given {
      let value = try convert(item.value, for: argument).mapError { $0.located(at: item.location) }
        .get()
      bound.set(argument.name, value, at: item.location)
    }
    for argument in arguments where !bound.isGiven(argument.name) {
      guard let fallback = argument.defaultConstant else {
        throw LabError(
          message: "\(owner) needs '\(argument.name)'", column: call.end.column,
          hint: example.map { "e.g. \($0)" }, line: call.end.line)
      }
      // Defaults go through the same conversion, so a default and the same
      // value typed in are stored alike.
      let value = (try? convert(fallback.value, for: argument).get()) ?? fallback.value
      bound.set(argument.name, value, at: nil)
    }
    return bound
  }

  private func convert(_ value: PyValue, for argument: Argument) -> Result<PyValue, LabError> {
    switch argument.role {
    case .ignored:
      return .success(value)
    case .keptAtDefault(let fallback, let also, let why):
      if let constant = PyConstant(value), ([fallback] + also).contains(where: constant.matches) {
        return .success(fallback.value)
      }
      return .failure(
        LabError(message: "\(argument.name)=\(value.repr) is not supported: \(why)"))
    case .required, .optional:
      do {
        return .success(try argument.type.convert(Self.unwrappingNumpyScalar(value), argument.name))
      } catch let error as LabError {
        return .failure(error)
      } catch {
        return .failure(LabError(message: "\(argument.name): \(error)"))
      }
    }
  }

  /// A numpy scalar (`np.float32(0.001)`, a 0-d array) as the Python number
  /// it stands for: Keras takes `Adam(learning_rate=np.float32(1e-3))` and
  /// `Dense(np.int64(64))` as it takes the numbers themselves. A float32
  /// becomes the decimal it prints as, so the compile line shows 0.001, not
  /// 0.0010000000474974513.
  private static func unwrappingNumpyScalar(_ value: PyValue) -> PyValue {
    guard let array = value.object(as: PyArray.self), array.shape.isEmpty else { return value }
    if case .float32(let v) = array.values, let shown = Double(String(v[0])) {
      return .float(shown)
    }
    return array.element(0)
  }
}
