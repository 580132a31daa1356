import Engine

extension CommandTable {
  static let explain = Command(
    name: "explain", group: .look,
    usage: "explain LAYER Y X C | explain LAYER I | explain TOOL",
    summary: "Show how one number of the last pass was computed, step by step",
    example: "explain conv2d 5 7 0",
    details: """
      LAYER is a name from 'layers' or its position. Y X C pick a cell of an image-shaped \
      output (row, column, channel, from 0); I picks an entry of a flat one (Flatten, Dense).
      Conv2D: the input window, the kernel, their products, the sum and the bias.
      Pooling: the window and the winner (max) or the mean. Dropout: kept or dropped.
      Dense: the largest input x weight terms, the rest summed, the bias.
      Activation: the function applied; softmax shows the whole row.
      TOOL, one of saliency, gradcam, receptive, maximize, gradients: the idea behind that \
      command.
      """,
    keywords: InsightTopic.allCases.map(\.rawValue)
  ) { session, arguments in
    if arguments.count == 1, let word = arguments.word(at: 0),
      let topic = InsightTopic(rawValue: word)
    {
      for line in topic.lines { session.console.out(line) }
      return
    }
    let index = try layerIndex(session, arguments, at: 0)
    let model = session.model
    guard model.lastOutputs.indices.contains(index) else { throw LayerView.noPass }
    let shape = model.lastOutputs[index].shape
    let indices = try cellIndices(arguments, shape: shape, layer: model.layers[index].name)
    let explanation = try Explainer(model: model).explain(layer: index, at: indices)
    // Training updates the weights after its forward pass, so the stored
    // outputs can be older than the weights; an explanation must add up.
    let actual = Double(explanation.cell.actual)
    guard abs(explanation.value - actual) <= 1e-4 * max(1, abs(actual)) else {
      throw LabError(
        message:
          "the weights changed after the last pass: it stored \(Fmt.sig(actual)), today's weights give \(Fmt.sig(explanation.value))",
        hint: "run 'forward' again, then explain")
    }
    let renderer = ExplainRenderer(width: session.display.width, labels: session.labels)
    for line in renderer.lines(explanation) { session.console.out(line) }
  }

  /// The Y X C (or I) after the layer, each checked against `shape` (batched).
  private static func cellIndices(_ arguments: Arguments, shape: Shape, layer: String)
    throws(LabError) -> [Int]
  {
    let axes =
      shape.rank == 4
      ? ["row", "column", "channel"] : Array(repeating: "index", count: shape.rank - 1)
    let spelled =
      shape.rank == 4 ? "Y X C" : (1..<shape.rank).map { "I\($0)" }.joined(separator: " ")
    guard arguments.count - 1 >= axes.count else {
      throw LabError(
        message:
          "\(layer)'s output is \(shape): give \(shape.rank == 4 ? "Y X C" : spelled == "I1" ? "I" : spelled), numbered from 0",
        column: arguments.line.count, hint: "usage: \(arguments.usage)")
    }
    if arguments.count - 1 > axes.count {
      let extra = arguments.tokens[axes.count + 1]
      throw LabError(
        message:
          "\(layer)'s output is \(shape): give \(shape.rank == 4 ? "Y X C" : spelled == "I1" ? "I" : spelled), no more",
        column: extra.column, hint: "usage: \(arguments.usage)")
    }
    var result: [Int] = []
    for (axis, name) in axes.enumerated() {
      let token = arguments.tokens[axis + 1]
      let size = shape[axis + 1]
      guard let value = Int(token.text), (0..<size).contains(value) else {
        throw LabError(
          message:
            "there is no \(name) \(token.text): \(layer)'s output has \(size) \(name == "index" ? "entries" : name + "s"), 0-\(size - 1)",
          column: token.column, hint: "usage: \(arguments.usage)")
      }
      result.append(value)
    }
    return result
  }
}
