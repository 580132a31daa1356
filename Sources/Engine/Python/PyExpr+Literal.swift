extension PyExpr {
  /// The value of a literal: numbers, strings, `None`, `True`, tuples,
  /// lists and signs, as model files and tests write layers. `NAME.shape`
  /// and `NAME.shape[1:]` read the shape of the array `arrays` names.
  /// Anything else (a name, a call) is refused: literals need no interpreter.
  public func literalValue(arrays: [String: Shape] = [:]) throws(LabError) -> PyValue {
    switch kind {
    case .constant(let c):
      return c.value
    case .tuple(let items):
      return .tuple(try items.map { (e) throws(LabError) in try e.literalValue(arrays: arrays) })
    case .list(let items):
      return .list(
        PyList(try items.map { (e) throws(LabError) in try e.literalValue(arrays: arrays) }))
    case .unary(let op, let operand) where op == "-" || op == "+":
      switch try operand.literalValue(arrays: arrays) {
      case .int(let n) where op == "-": return .int(0 &- n)
      case .float(let x) where op == "-": return .float(-x)
      case .int(let n): return .int(n)
      case .float(let x): return .float(x)
      default: break
      }
      throw LabError(
        "'\(op)' must come before a number", column: start.column, line: start.line)
    case .attribute(let base, "shape", _):
      return .tuple(try shapeOf(base, arrays: arrays).dims.map { .int($0) })
    case .subscript(let base, let index):
      guard case .attribute(let array, "shape", _) = base.kind,
        case .slice(let from, nil, nil) = index.kind,
        case .constant(.int(1))? = from?.kind
      else { break }
      let full = try shapeOf(array, arrays: arrays)
      guard full.rank >= 2 else {
        throw LabError(
          "\(full) has no axes after the first", column: start.column, line: start.line)
      }
      return .tuple(full.unbatched.dims.map { .int($0) })
    case .name(let name):
      let hint =
        ActivationFunction(kerasName: name) != nil || Padding(rawValue: name) != nil
        ? "names of activations and paddings go in quotes: '\(name)'" : nil
      throw LabError("'\(name)' is not defined", column: start.column, hint: hint, line: start.line)
    default:
      break
    }
    throw LabError(
      "only literal values are understood here (numbers, strings, tuples)", column: start.column,
      line: start.line)
  }

  private func shapeOf(_ base: PyExpr, arrays: [String: Shape]) throws(LabError) -> Shape {
    guard case .name(let variable) = base.kind else {
      throw LabError("only NAME.shape is understood here", column: start.column, line: start.line)
    }
    guard let shape = arrays[variable] else {
      throw LabError(
        "'\(variable)' is not defined", column: base.start.column,
        hint: "load an image or data first, or write the shape, e.g. input_shape=(100, 100, 3)",
        line: base.start.line)
    }
    return shape
  }

  /// The arguments of the call this expression writes, each evaluated by
  /// `evaluate`, with where it was written.
  public func callArguments(_ evaluate: (PyExpr) throws(LabError) -> PyValue) throws(LabError)
    -> CallArguments
  {
    guard case .call(_, let arguments, let end) = kind else {
      throw LabError("expected a call such as Dense(10)", column: start.column, line: start.line)
    }
    var call = CallArguments(start: start, end: end)
    for argument in arguments {
      let item = CallArguments.Item(try evaluate(argument.value), at: argument.value.start)
      if let name = argument.name {
        call.keywords.append(.init(name, at: argument.nameAt, item))
      } else {
        call.positional.append(item)
      }
    }
    return call
  }

  /// The dotted name this expression writes (`keras.layers.Dense`), if it is one.
  public var dottedName: String? {
    switch kind {
    case .name(let n): n
    case .attribute(let base, let name, _): base.dottedName.map { $0 + "." + name }
    default: nil
    }
  }
}
