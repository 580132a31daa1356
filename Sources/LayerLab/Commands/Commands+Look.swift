import Engine

extension CommandTable {
  static let look: [Command] = [forward, show, explain, filters, diff, glyphs]

  static let forward = Command(
    name: "forward", group: .look, usage: "forward [training]",
    summary: "Run the image through the model (training: with fresh Dropout masks)",
    example: "forward training",
    details:
      "Inference leaves Dropout switched off; a training pass drops cells at random, which 'show dropout' draws.",
    keywords: ["training", "inference"]
  ) { session, arguments in
    var mode = Mode.inference
    if let word = arguments.tokens.first {
      guard let chosen = Mode(rawValue: word.text) else {
        throw LabError(
          message: "expected 'training' or nothing, got '\(word.text)'", column: word.column,
          hint: "usage: \(arguments.usage)")
      }
      mode = chosen
    }
    try arguments.noMore(than: 1)
    let model = session.model
    guard let image = session.image else {
      throw LabError(
        message: "there is no image to run", hint: "load one first, e.g. image demo cat")
    }
    guard !model.layers.isEmpty else { throw EngineError.noLayers }
    let (input, note) = try fitted(image, to: model, session)
    let output = try model.forward(input, mode: mode)
    if let note { session.console.out(note) }
    session.passes.record(
      .init(
        layerNames: model.layers.map(\.name), outputs: model.lastOutputs,
        label: "\(mode.rawValue) pass on \(session.imageSource)"))
    var line = (mode == .training ? "training pass (fresh Dropout masks): " : "inference pass: ")
    line += "\(input.shape) -> \(output.shape)"
    if let last = model.layers.last, LayerView.isProbability(output, layer: last),
      output.shape.rank == 2
    {
      let row = Array(output.scalars.prefix(output.shape[1]))
      if let top = row.indices.max(by: { row[$0] < row[$1] }) {
        line +=
          "; top class \(LayerView.label(top, session.labels)) at \(Fmt.fixed(row[top] * 100, 1))%"
      }
    } else {
      let range = output.range
      line += "; values " + Fmt.range(range.min, range.max)
    }
    session.console.out(line)
  }

  static let show = Command(
    name: "show", group: .look, usage: ShowRequest.usage,
    summary: "Draw the input, a layer's feature maps, or a Dropout mask",
    example: "show conv2d channels 0-7",
    details: """
      LAYER is a name from 'layers' (conv2d_1) or its position (3). Channels are numbered from 0.
      One map fills the width, several share it side by side; the line under the maps says \
      what one character stands for (1 char = 1x2 px: a character is about twice as tall as \
      it is wide, so a row covers two pixel rows; 'mean of' when it averages) and which value \
      each shade means. Shades run dark to bright: ' .:-=+*#%@', from the lowest to the \
      highest value drawn.
      size N: each map at most N characters wide (up to the width; a map is never drawn \
      wider than 2 characters per pixel, and a size that cannot be met says what was drawn).
      scale each (the default): every map shaded over its own range; scale shared: one \
      range for all, so maps can be compared.
      In Dropout pictures 'x' marks a switched-off cell ('o' a kept one in 'show dropout \
      mask'); 'show dropout' picks the channels with the most non-zero inputs and names the \
      dead ones. 'glyphs blocks' draws in colour on a colour terminal.
      """,
    keywords: [
      "input", "all", "dropout", "channels", "scale", "shared", "each", "size", "mask", "gray",
    ]
  ) { session, arguments in
    let request = try ShowRequest(arguments)
    let view = LayerView(session: session, request: request)
    let lines: [CellLine]
    switch request.target {
    case .input:
      lines = try view.input()
    case .all:
      lines = try view.all()
    case .dropout(let name):
      let index: Int
      if let name {
        index = try layerIndex(
          session,
          Arguments(
            line: arguments.line, tokens: [name], restColumn: name.column, usage: arguments.usage),
          at: 0)
        guard session.model.layers[index] is Dropout else {
          throw LabError(
            message: "'\(name.text)' is not a Dropout layer", column: name.column,
            hint: "type 'layers' to find one")
        }
      } else {
        guard let first = session.model.layers.firstIndex(where: { $0 is Dropout }) else {
          throw LabError(
            message: "the model has no Dropout layer", hint: "add one, e.g. add Dropout(0.25)")
        }
        index = first
      }
      lines = try view.layer(index)
    case .layer(let token):
      let index = try layerIndex(
        session,
        Arguments(
          line: arguments.line, tokens: [token], restColumn: token.column, usage: arguments.usage),
        at: 0)
      lines = try view.layer(index)
    }
    for line in lines { session.console.out(StyledLine(line, colors: session.display.colors)) }
  }

  /// The image as the model takes it: its channels and size adapted when they differ.
  static func fitted(_ image: Tensor, to model: Sequential, _ session: Session) throws -> (
    Tensor, String?
  ) {
    guard let shape = model.inputShape, shape != image.shape.unbatched else { return (image, nil) }
    guard shape.rank == 3 else {
      throw LabError(
        message: "the model takes inputs shaped \(shape.withNoneBatch), not images",
        hint: "start the model with input_shape=X.shape[1:] or reset")
    }
    let picture = try image.reshaped(image.shape.unbatched)
    let converted = try session.images.convert(picture, channels: shape[2])
    let resized = session.images.resize(converted, height: shape[0], width: shape[1])
    let batch = try resized.reshaped(resized.shape.batched(1))
    let from = image.shape
    return (
      batch,
      "(the \(from[1])x\(from[2])x\(from[3]) image was fitted to the model's input \(shape[0])x\(shape[1])x\(shape[2]))"
    )
  }
}
