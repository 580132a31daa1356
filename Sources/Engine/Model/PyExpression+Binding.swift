extension PyNode {
  /// The literal this node writes, with `X.shape[1:]` read from `arrays`.
  func literalValue(arrays: [String: Shape]) throws(LabError) -> PyValue {
    switch value {
    case .int(let n): return .int(n)
    case .float(let x): return .float(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .none: return .none
    case .tuple(let items):
      return .tuple(
        try items.map { (item) throws(LabError) in try item.literalValue(arrays: arrays) })
    case .list(let items):
      return .list(
        PyList(
          try items.map { (item) throws(LabError) in try item.literalValue(arrays: arrays) }))
    case .name(let name):
      let hint =
        ActivationFunction(kerasName: name) != nil || Padding(rawValue: name) != nil
        ? "names of activations and paddings go in quotes: '\(name)'" : nil
      throw LabError("'\(name)' is not defined", column: column, hint: hint)
    case .`subscript`(let base, let index):
      guard case .name(let dotted) = base.value, dotted.hasSuffix(".shape") else { break }
      let variable = String(dotted.dropLast(".shape".count))
      guard let full = arrays[variable] else {
        throw LabError(
          "'\(variable)' is not defined", column: column,
          hint: "load an image or data first, or write the shape, e.g. input_shape=(100, 100, 3)")
      }
      guard index == "1:", full.rank >= 2 else {
        throw LabError("only \(variable).shape[1:] is understood here", column: column)
      }
      return .tuple(full.unbatched.dims.map { .int($0) })
    case .call:
      break
    }
    throw LabError("'\(text)' is not a value LayerLab understands here", column: column)
  }

  /// The call's arguments, evaluated, with their columns.
  func callArguments(arrays: [String: Shape]) throws(LabError) -> CallArguments {
    guard case .call(_, let args, let kwargs) = value else {
      throw LabError("expected a call such as Conv2D(32, (3, 3)), got '\(text)'", column: column)
    }
    var call = CallArguments(
      start: SourcePosition(column: column), end: SourcePosition(column: column + text.count - 1))
    for arg in args {
      call.positional.append(
        .init(try arg.literalValue(arrays: arrays), at: SourcePosition(column: arg.column)))
    }
    for (key, node) in kwargs {
      call.keywords.append(
        .init(
          key, at: SourcePosition(column: max(node.column - key.count - 1, 0)),
          .init(try node.literalValue(arrays: arrays), at: SourcePosition(column: node.column))))
    }
    return call
  }
}

extension LayerSpec {
  /// Reads a Keras layer constructor call such as
  /// `Conv2D(32, (3, 3), padding='same', input_shape=X.shape[1:])`.
  ///
  /// `arrays` maps a Python variable (`X`, `X_train`) to the full shape of the
  /// array it stands for, so `X.shape[1:]` reads as that shape without the
  /// batch axis.
  public init(parsing node: PyNode, arrays: [String: Shape] = [:]) throws(LabError) {
    guard case .call(let callee, _, _) = node.value else {
      throw LabError(
        "expected a layer such as Conv2D(32, (3, 3)), got '\(node.text)'", column: node.column)
    }
    // keras.layers.Conv2D, layers.Conv2D and tf.keras.layers.Conv2D all mean Conv2D.
    let className = callee.split(separator: ".").last.map(String.init) ?? callee
    guard let kind = LayerKind(rawValue: className) else {
      let known = LayerKind.allCases.map(\.rawValue)
      throw LabError(
        "unknown layer '\(className)'", column: node.column,
        hint: closestMatch(className, in: known).map { "did you mean '\($0)'?" } ?? "layers: "
          + known.joined(separator: ", "))
    }
    try self.init(kind: kind, bound: kind.signature.bind(node.callArguments(arrays: arrays)))
  }
}

extension LayerSpec {
  /// A shape written as a tuple, `(100, 100, 3)`, or as `X.shape[1:]`.
  public static func shape(_ node: PyNode, arrays: [String: Shape]) throws(LabError) -> Shape {
    let value = try node.literalValue(arrays: arrays)
    do {
      guard case .tuple(let dims) = try ArgumentType.shape.convert(value, "input_shape") else {
        throw LabError("input_shape must be a tuple such as (100, 100, 3)", column: node.column)
      }
      return Shape(dims.compactMap(\.integer))
    } catch let error as LabError {
      throw error.located(at: SourcePosition(column: node.column))
    } catch {
      throw LabError("\(error)", column: node.column)
    }
  }
}
