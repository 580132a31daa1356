import Engine
import Foundation

extension CommandTable {
  static let model: [Command] = [add, insert, remove, layers, summary, kernel, reset, undo, labels]

  static let add = Command(
    name: "add", group: .model, usage: "add LAYER", summary: "Append a Keras layer to the model",
    example: "add Conv2D(32, (3, 3), padding='same')",
    details: """
      LAYER is a Keras call; model.add(LAYER) works too. input_shape=X.shape[1:] means
      the shape of the loaded image. help LAYER explains one, e.g. help Conv2D.
      """ + "\n" + LayerHelp.catalog,
    signature: addSignature, call: addCall
  ) { session, arguments in
    let layer = try layerValue(session, arguments, argumentIndex: 0)
    var call = CallArguments(
      start: layer.location, end: SourcePosition(column: arguments.line.count))
    call.positional = [layer]
    _ = try addCall(session, try addSignature.bind(call))
  }

  static let addSignature = Signature(
    "model.add", [.required("layer", .anything)], example: "model.add(Dense(10))")

  /// `model.add(layer)`: a layer from a class call, or `keras.Input(shape=...)`.
  @Sendable static func addCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    let at = bound.location(of: "layer")
    let value = bound["layer"]
    if let input = value.object(as: InputObject.self) {
      try session.changeModel {
        try session.model.setInputShape(input.shape)
        return "input shape \(input.shape)"
      }
      session.say("the model's input is now \(input.shape.withNoneBatch)")
      return .none
    }
    guard let object = value.object(as: LayerObject.self) else {
      if let layerClass = value.object(as: LayerClass.self) {
        throw LabError(
          "call the layer class: \(layerClass.kind.className)(...)", column: at.column,
          hint: "e.g. model.add(\(layerClass.kind.example))", line: at.line)
      }
      throw LabError(
        "model.add takes a layer such as Dense(10), got \(value.typeName)", column: at.column,
        hint: "layers: " + LayerKind.allCases.map(\.className).joined(separator: ", "),
        line: at.line)
    }
    if let placed = object.placedName {
      throw LabError(
        "this layer is already in the model, as \(placed)", column: at.column,
        hint: "make another one for a second layer, e.g. model.add(\(object.spec.kind.example))",
        line: at.line)
    }
    try session.changeModel {
      let model = session.model
      // A model made without an input shape is built for the loaded image, as
      // Keras builds a model on the first data it sees.
      if model.inputShape == nil, object.spec.inputShape == nil, let image = session.image {
        try model.setInputShape(image.shape.unbatched)
      }
      let layer = try model.add(object.spec)
      object.placed(in: session, as: layer.name)
      session.say("added " + describe(layer, at: model.layers.count - 1, in: model))
      return "add \(layer.name) (\(layer.typeName))"
    }
    return .none
  }

  static let insert = Command(
    name: "insert", group: .model, usage: "insert N LAYER",
    summary: "Put a layer at position N (1-based, as 'layers' numbers them)",
    example: "insert 2 MaxPooling2D(pool_size=(2, 2))"
  ) { session, arguments in
    let position = try arguments.int(
      at: 0, "the position", in: 1...(session.model.layers.count + 1))
    let spec = try layerSpec(session, arguments, argumentIndex: 1)
    try session.changeModel {
      let layer = try session.model.insert(spec, at: position - 1)
      session.say(
        "inserted at \(position): " + describe(layer, at: position - 1, in: session.model))
      return "insert \(layer.name) (\(layer.typeName))"
    }
  }

  static let remove = Command(
    name: "remove", aliases: ["rm"], group: .model, usage: "remove N|NAME",
    summary: "Take a layer out of the model", example: "remove dropout"
  ) { session, arguments in
    let index = try layerIndex(session, arguments, at: 0)
    try arguments.noMore(than: 1)
    try session.changeModel {
      let layer = try session.model.remove(at: index)
      let left = session.model.layers.count
      session.console.out(
        "removed \(layer.name) (\(layer.typeName)); \(left) layer\(left == 1 ? "" : "s") left")
      return "remove \(layer.name) (\(layer.typeName))"
    }
  }

  static let layers = Command(
    name: "layers", group: .model, usage: "layers",
    summary: "List the layers: position, name, type, output shape, params", example: "layers"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    let model = session.model
    guard !model.layers.isEmpty else {
      session.console.out("the model has no layers yet; add one, e.g. add Conv2D(32, (3, 3))")
      return
    }
    let rows = model.layers.enumerated().map { i, layer in
      [
        "\(i + 1)", layer.name, layer.typeName,
        model.outputShapes.indices.contains(i) ? model.outputShapes[i].withNoneBatch : "?",
        groupedThousands(layer.weightCount),
      ]
    }
    let header = ["#", "name", "type", "output shape", "params"]
    let widths = (0..<5).map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func format(_ row: [String]) -> String {
      let left = (1...3).map { row[$0].padding(widths[$0]) }.joined(separator: "  ")
      return row[0].padded(widths[0]) + "  " + left + "  " + row[4].padded(widths[4])
    }
    session.console.out(format(header).trimmingTrailingSpaces())
    for row in rows { session.console.out(format(row)) }
    let input = model.inputShape.map { "input \($0.withNoneBatch)" } ?? "no input shape yet"
    session.console.out("\(input), \(groupedThousands(model.weightCount)) params")
  }

  static let summary = Command(
    name: "summary", group: .model, usage: "summary",
    summary: "Print the model as Keras's model.summary() does",
    example: "model.summary()", signature: summarySignature, call: summaryCall
  ) { session, arguments in
    try arguments.noMore(than: 0)
    _ = try summaryCall(session, try summarySignature.bind(CallArguments(start: .init(column: 0))))
  }

  static let summarySignature = Signature(
    "model.summary",
    [
      .keptAtDefault("line_length", .none, why: "the width follows the terminal, as Keras's"),
      .keptAtDefault("positions", .none, why: "the columns are Keras's defaults"),
      .keptAtDefault("print_fn", .none, why: "the summary goes to the screen"),
      .keptAtDefault("expand_nested", .bool(false), why: "LayerLab models do not nest"),
      .keptAtDefault("show_trainable", .bool(false), why: "every layer trains"),
      .keptAtDefault("layer_range", .none, why: "the summary shows every layer"),
    ])

  /// `model.summary()`: prints the table and returns None, as Keras's does.
  @Sendable static func summaryCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    let text = session.model.summary(
      style: session.display.unicode ? .unicode : .ascii, columns: session.display.width,
      optimizerParameters: session.training?.optimizer.stateCount ?? 0)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      session.console.out(String(line))
    }
    return .none
  }

  static let reset = Command(
    name: "reset", group: .model, usage: "reset",
    summary: "Start again with an empty model, input shape forgotten (the image stays)",
    example: "reset"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    try session.replaceModel("reset")
    session.console.out(
      "the model is empty again, with no input shape: the next image, dataset or input_shape= gives it one"
        + (session.image == nil ? "" : "; the image stays"))
  }

  static let undo = Command(
    name: "undo", group: .model, usage: "undo",
    summary: "Undo the last change to the model (layers, kernels, weights, seed, fit)",
    example: "undo"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    let what = try session.undo()
    let count = session.model.layers.count
    session.console.out("undid \(what); the model has \(count) layer\(count == 1 ? "" : "s")")
  }

  static let labels = Command(
    name: "labels", group: .model, usage: "labels NAME,NAME,...",
    summary: "Name the classes of a softmax output",
    example: "labels dogs,cats,monkeys,birds,fish,lizards"
  ) { session, arguments in
    guard let (text, column) = arguments.text(from: 0) else {
      let current =
        session.labels.isEmpty
        ? "not set (classes are shown as 0, 1, ...)" : session.labels.joined(separator: ", ")
      session.console.out("labels: " + current)
      return
    }
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: [" ", "'", "\""]) }
    guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else {
      throw LabError(
        message: "labels must be names separated by commas", column: column,
        hint: "usage: \(arguments.usage)")
    }
    session.labels = names
    session.bindLabelsName()
    session.console.out("labels: \(names.count) classes: " + names.joined(separator: ", "))
  }

  // MARK: - Helpers shared by model commands

  /// The layer written from word `argumentIndex` on (`Conv2D(32, (3, 3))`), evaluated.
  static func layerValue(_ session: Session, _ arguments: Arguments, argumentIndex: Int) throws
    -> CallArguments.Item
  {
    guard let (text, column) = arguments.text(from: argumentIndex) else {
      throw LabError(
        message: "the layer is missing", column: arguments.line.count,
        hint:
          "usage: \(arguments.usage), e.g. \(arguments.usage.replacingOccurrences(of: "LAYER", with: "Dense(10)"))"
      )
    }
    let at = SourcePosition(column: column)
    let expression = try PyParser.parseExpression(text, at: at)
    return CallArguments.Item(try session.python.evaluate(expression), at: at)
  }

  /// The layer written from word `argumentIndex` on, as a spec.
  static func layerSpec(_ session: Session, _ arguments: Arguments, argumentIndex: Int) throws
    -> LayerSpec
  {
    let item = try layerValue(session, arguments, argumentIndex: argumentIndex)
    guard let object = item.value.object(as: LayerObject.self) else {
      throw LabError(
        "expected a layer such as Dense(10), got \(item.value.typeName)",
        column: item.location.column)
    }
    return object.spec
  }

  /// The 0-based index of the layer named or numbered (1-based) by word `index`.
  static func layerIndex(_ session: Session, _ arguments: Arguments, at index: Int) throws -> Int {
    let token = try arguments.requiredWord(at: index, "the layer")
    let model = session.model
    if let position = Int(token.text) {
      guard (1...max(model.layers.count, 1)).contains(position), !model.layers.isEmpty else {
        throw LabError(
          message: model.layers.isEmpty
            ? "the model has no layers"
            : "there is no layer \(position): the model has \(model.layers.count)",
          column: token.column, hint: "type 'layers' to see the positions")
      }
      return position - 1
    }
    guard let found = model.layers.firstIndex(where: { $0.name == token.text }) else {
      let names = model.layers.map(\.name)
      throw LabError(
        message: "no layer named '\(token.text)'", column: token.column,
        hint: closestMatch(token.text, in: names).map { "did you mean '\($0)'?" }
          ?? "type 'layers' to see the names")
    }
    return found
  }

  /// `conv2d (Conv2D) -> (None, 100, 100, 32), 896 params`.
  static func describe(_ layer: any Layer, at index: Int, in model: Sequential) -> String {
    let head = "\(layer.name) (\(layer.typeName))"
    guard model.outputShapes.indices.contains(index) else {
      return head + "; its shape waits for an input: load an image or give input_shape="
    }
    let count = layer.weightCount
    return head
      + " -> \(model.outputShapes[index].withNoneBatch), \(groupedThousands(count)) param\(count == 1 ? "" : "s")"
  }
}

extension String {
  /// Left-aligned in `width` columns.
  func padding(_ width: Int) -> String {
    self + String(repeating: " ", count: max(width - count, 0))
  }
  /// Right-aligned in `width` columns.
  func padded(_ width: Int) -> String {
    String(repeating: " ", count: max(width - count, 0)) + self
  }
}
