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
    isModelMethod: true
  ) { session, arguments in
    let spec = try layerSpec(session, arguments, argumentIndex: 0)
    try session.changeModel {
      let layer = try session.model.add(spec)
      session.console.out(
        "added " + describe(layer, at: session.model.layers.count - 1, in: session.model))
      return "add \(layer.name) (\(layer.typeName))"
    }
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
      session.console.out(
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
    example: "model.summary()", isModelMethod: true
  ) { session, arguments in
    try arguments.noMore(than: 0)
    guard arguments.isEmpty else {
      throw LabError(message: "summary() takes no arguments here", hint: "usage: model.summary()")
    }
    let text = session.model.summary(
      style: session.display.unicode ? .unicode : .ascii, columns: session.display.width,
      optimizerParameters: session.training?.optimizer.stateCount ?? 0)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      session.console.out(String(line))
    }
  }

  static let reset = Command(
    name: "reset", group: .model, usage: "reset",
    summary: "Start again with an empty model (the image stays)",
    example: "reset"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    try session.replaceModel("reset")
    session.console.out(
      "the model is empty again" + (session.image == nil ? "" : "; the image stays"))
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
    session.console.out("labels: \(names.count) classes: " + names.joined(separator: ", "))
  }

  // MARK: - Helpers shared by model commands

  /// The layer described by word `argumentIndex` onward, or by the method call's argument.
  static func layerSpec(_ session: Session, _ arguments: Arguments, argumentIndex: Int) throws
    -> LayerSpec
  {
    let node: PyNode
    if let call = arguments.call {
      guard call.args.count == 1, call.kwargs.isEmpty else {
        throw LabError(
          message: "add() takes one layer", column: call.args.dropFirst().first?.column,
          hint: "e.g. model.add(Dense(10))")
      }
      node = call.args[0]
    } else {
      guard let (text, column) = arguments.text(from: argumentIndex) else {
        throw LabError(
          message: "the layer is missing", column: arguments.line.count,
          hint:
            "usage: \(arguments.usage), e.g. \(arguments.usage.replacingOccurrences(of: "LAYER", with: "Dense(10)"))"
        )
      }
      // Blanks before the layer keep its columns those of the typed line.
      node = try PyParser.parse(String(repeating: " ", count: column) + text)
    }
    let resolved = try PythonLine.substitutingIntegers(node, session.integers)
    return try LayerSpec(parsing: resolved, arrays: session.arrays)
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
