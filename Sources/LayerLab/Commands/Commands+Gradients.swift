import Engine

extension CommandTable {
  static let gradientsSignature = Signature(
    "gradients",
    [
      Signature.Argument(
        "batch_size", .optional(.int(32)), .int(in: 1...65_536), keywordOnly: true)
    ], example: "gradients conv2d batch_size=8")

  static let gradients = Command(
    name: "gradients", group: .insight, usage: "gradients [LAYER|input] [batch_size=B]",
    summary: "One batch's backward pass: the gradient each layer gets and sends back",
    example: "gradients conv2d",
    details: """
      Runs the first B training pictures (default 32) forward in training mode, as \
      fit's batches do, measures the loss, and sends its gradient back down the layers, \
      without changing any weight. Alone it lists, last layer first, how large the \
      gradient arriving at each layer's output is (the mean of |dLoss/d value|) and the \
      mean |dLoss/d weight|.
      With LAYER (or input) it draws that layer's gradient maps for the batch's first \
      picture: '+*@' where raising the value would raise the loss, '-=#' where it would \
      lower it; training moves each value the other way. Needs 'data' and 'compile'. \
      See also 'explain gradients'.
      """,
    keywords: ["input", "batch_size="]
  ) { session, arguments in
    var rest = arguments
    var target: Token?
    if let first = arguments.tokens.first, !first.text.contains("=") {
      target = first
      rest.dropFirstWord()
    }
    let options = try rest.bind(gradientsSignature, from: 0, in: session)
    let setup = try session.requireTraining()
    let data = try session.requireData()
    try checkShapes(data.train.images, session: session)
    var index: Int? = nil
    if let target, target.text != "input" {
      index = try layerIndex(
        session,
        Arguments(
          line: arguments.line, tokens: [target], restColumn: target.column, usage: arguments.usage),
        at: 0)
    }
    let size = options.int("batch_size")
    let count = min(size, data.train.count)
    let batch = data.train.images.slice(batch: 0..<count)
    let labels = Array(data.train.labels.prefix(count))
    let model = session.model
    let pass = try model.backpropagate(batch, labels: labels, loss: setup.loss, mode: .training)
    let dropout = model.layers.contains { $0 is Dropout } ? " (Dropout on)" : ""
    let header =
      "one batch: training pictures 0-\(count - 1), training mode\(dropout), loss \(ProgressRenderer.four(pass.loss)); no weight changed"
    if target == nil {
      session.console.out(header)
      for line in gradientTable(pass, model) { session.console.out(line) }
      return
    }
    let gradient: Tensor
    let name: String
    if let index {
      guard let arriving = pass.outputGradients[index] else {
        throw LabError(
          message:
            "\(model.layers[index].name)'s output is the softmax the loss is fused with: the gradient starts below the softmax",
          column: target?.column ?? 0,
          hint: "look at the layer below it, e.g. gradients \(max(index, 1))")
      }
      gradient = arriving
      name = model.layers[index].name
    } else {
      gradient = pass.inputGradient
      name = "the input"
    }
    session.console.out(header)
    for line in gradientPictures(gradient, name: name, session: session) {
      session.console.out(StyledLine(line, colors: session.display.colors))
    }
  }

  /// Last layer first: the mean |gradient| arriving at each output, and at its weights.
  static func gradientTable(_ pass: BackpropPass, _ model: Sequential) -> [String] {
    func meanAbs(_ t: Tensor) -> Float {
      t.scalars.reduce(Float(0)) { $0 + abs($1) } / Float(max(t.count, 1))
    }
    var rows: [[String]] = [["", "layer", "gradient shape", "mean |dLoss/d value|", "weights"]]
    for i in stride(from: model.layers.count - 1, through: 0, by: -1) {
      let layer = model.layers[i]
      let label = "\(layer.name) (\(layer.typeName))"
      guard let g = pass.outputGradients[i] else {
        rows.append(["\(i + 1)", label, "", "(fused with the loss)", ""])
        continue
      }
      let weights = pass.parameterGradients[i]
      let weightText =
        weights.isEmpty
        ? ""
        : scientific(
          weights.reduce(Float(0)) { $0 + meanAbs($1) * Float($1.count) }
            / Float(max(weights.reduce(0) { $0 + $1.count }, 1)))
      rows.append(["\(i + 1)", label, "\(g.shape)", scientific(meanAbs(g)), weightText])
    }
    rows.append([
      "", "input", "\(pass.inputGradient.shape)", scientific(meanAbs(pass.inputGradient)), "",
    ])
    let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines = [
      "the gradient of the loss arriving at each layer's output, from the loss down:"
    ]
    for row in rows {
      let text =
        row[0].padded(widths[0]) + "  " + row[1].padding(widths[1]) + "  "
        + row[2].padding(widths[2]) + "  " + row[3].padding(widths[3]) + "  " + row[4]
      lines.append("  " + text.trimmingTrailingSpaces())
    }
    return lines
  }

  /// The first picture's gradient maps (a few channels) or values, in
  /// diverging glyphs on one scale.
  static func gradientPictures(_ gradient: Tensor, name: String, session: Session) -> [CellLine] {
    let first = Array(gradient.scalars.prefix(gradient.count / max(gradient.shape[0], 1)))
    let largest = first.map(abs).max() ?? 0
    var lines = [
      CellLine(
        text:
          "dLoss/d(\(name == "the input" ? "input" : name + "'s output")) for picture 0, \(gradient.shape.unbatched.withNoneBatch): from "
          + scientific(first.min() ?? 0) + " to " + scientific(first.max() ?? 0))
    ]
    guard largest > 0 else {
      return lines + [CellLine(text: "(all zero: nothing here moves the loss)")]
    }
    lines.append(
      CellLine(
        text:
          "'+*@' raising the value raises the loss, '-=#' lowers it, blank hardly matters; strongest at +-\(scientific(largest))"
      ))
    let view = InsightView(display: session.display)
    if gradient.shape.rank == 4 {
      let (h, w, c) = (gradient.shape[1], gradient.shape[2], gradient.shape[3])
      let shown = min(c, 6)
      let maps = (0..<shown).map { k in
        let values = (0..<(h * w)).map { first[$0 * c + k] }
        return FeatureMap(
          caption: "#\(k) up to +-" + scientific(values.map(abs).max() ?? 0), height: h, width: w,
          values: values)
      }
      lines += view.signedPictures(maps, largest: largest)
      if shown < c { lines.append(CellLine(text: "(channels 0-\(shown - 1) of \(c))")) }
      return lines
    }
    let cells = first.map { Ramp.change($0, largest: largest) }
    lines += stride(from: 0, to: cells.count, by: 64).map {
      Array(cells[$0..<min($0 + 64, cells.count)])
    }
    if first.count <= 16 {
      lines.append(CellLine(text: first.map { scientific($0) }.joined(separator: "  ")))
    }
    return lines
  }

  /// `3.12e-06`, `0.0412`, `-1.25`: small gradients keep their digits.
  static func scientific(_ value: Float) -> String {
    let magnitude = abs(Double(value))
    guard magnitude != 0, magnitude.isFinite, magnitude < 1e-3 else {
      return Fmt.sig(Double(value), 3)
    }
    var exponent = 0
    var mantissa = magnitude
    while mantissa < 1 {
      mantissa *= 10
      exponent -= 1
    }
    if Fmt.fixed(mantissa, 2) == "10.00" {
      mantissa /= 10
      exponent += 1
    }
    let digits = String(-exponent)
    return (value < 0 ? "-" : "") + Fmt.fixed(mantissa, 2) + "e-"
      + String(repeating: "0", count: max(0, 2 - digits.count)) + digits
  }
}
