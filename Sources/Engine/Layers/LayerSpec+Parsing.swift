extension LayerSpec {
  /// Reads a Keras layer constructor call written with literals, as model
  /// files and tests write it: `Conv2D(32, (3, 3), padding='same')`.
  ///
  /// `arrays` maps a Python variable (`X`) to the full shape of the array it
  /// stands for, so `input_shape=X.shape[1:]` reads as that shape without the
  /// batch axis. The shell's interpreter binds calls itself, with any values.
  public init(parsing expression: PyExpr, arrays: [String: Shape] = [:]) throws(LabError) {
    guard case .call(let callee, _, _) = expression.kind, let name = callee.dottedName else {
      throw LabError(
        "expected a layer such as Conv2D(32, (3, 3))", column: expression.start.column,
        line: expression.start.line)
    }
    let kind = try LayerKind.named(name, at: callee.start)
    let call = try expression.callArguments { (e) throws(LabError) in
      try e.literalValue(arrays: arrays)
    }
    try self.init(kind: kind, bound: kind.signature.bind(call))
  }

  /// A shape written as a tuple, `(100, 100, 3)`, or as `X.shape[1:]`.
  public static func shape(_ expression: PyExpr, arrays: [String: Shape]) throws(LabError)
    -> Shape
  {
    do {
      let value = try ArgumentType.shape.convert(
        try expression.literalValue(arrays: arrays), "input_shape")
      return Shape(value.sequence?.compactMap(\.integer) ?? [])
    } catch let error as LabError {
      throw error.located(at: expression.start)
    } catch {
      throw LabError("\(error)", column: expression.start.column, line: expression.start.line)
    }
  }
}

extension LayerKind {
  /// The kind a (dotted) class name names: `Conv2D`, `layers.Conv2D` and
  /// `tf.keras.layers.Conv2D` all mean Conv2D; otherwise "unknown layer" with
  /// the nearest name.
  public static func named(_ dotted: String, at position: SourcePosition) throws(LabError)
    -> LayerKind
  {
    let className = dotted.split(separator: ".").last.map(String.init) ?? dotted
    if let kind = LayerKind(rawValue: className) { return kind }
    let known = LayerKind.allCases.map(\.rawValue)
    throw LabError(
      "unknown layer '\(className)'", column: position.column,
      hint: closestMatch(className, in: known).map { "did you mean '\($0)'?" }
        ?? "layers: " + known.joined(separator: ", "), line: position.line)
  }
}
