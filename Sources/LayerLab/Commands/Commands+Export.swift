import Engine
import Foundation

extension CommandTable {
  static let export = Command(
    name: "export", group: .files,
    usage: "export keras PATH.py | export png PATH.png input|LAYER [channels 0-7]",
    summary: "Write the model as a Keras 3 script, or a layer's maps as a PNG",
    example: "export keras model.py",
    details: """
      keras: PATH.py rebuilds the same layers (same names) in Keras 3 and loads the weights \
      from PATH.npz, written beside it. Run it with: python3 PATH.py. PATH.keras, written \
      beside them too, is the same model as one file for keras.saving.load_model, compiled \
      as 'compile' set it. To check Keras computes what LayerLab did: forward, save \
      activations activations.npz, then: python3 PATH.py --check activations.npz. It needs \
      Python 3 with keras>=3 and numpy, and any Keras backend.
      png: the maps 'show' draws (the first 12 channels, or the ones chosen), each scaled \
      from its lowest (black) to its highest (white) value, side by side with gaps, \
      at least 4 pixels per cell; 'input' writes the picture itself (in colour). LAYER is any \
      layer name or position, 'dropout' and other words 'show' knows included.
      Files are written whole or not at all.
      """,
    keywords: ["keras", "png", "input", "channels"], takesPath: true
  ) { session, arguments in
    let what = try arguments.requiredWord(at: 0, "keras or png")
    switch what.text {
    case "keras": try exportKeras(session, arguments)
    case "png": try exportPNG(session, arguments)
    default:
      throw LabError(
        message: "expected 'keras' or 'png', got '\(what.text)'", column: what.column,
        hint: closestMatch(what.text, in: ["keras", "png"]).map { "did you mean '\($0)'?" }
          ?? "usage: \(arguments.usage)")
    }
  }

  private static func exportKeras(_ session: Session, _ arguments: Arguments) throws {
    let path = try arguments.requiredWord(at: 1, "the script's file name")
    try arguments.noMore(than: 2)
    guard path.text.hasSuffix(".py"), path.text.count > 3 else {
      throw LabError(
        message: "'\(path.text)' must end in .py", column: path.column,
        hint: "usage: \(arguments.usage)")
    }
    let model = session.model
    guard !model.layers.isEmpty, model.inputShape != nil else {
      throw LabError(
        message: "there is no built model to export",
        hint: "add layers and load an image (or give input_shape=) first")
    }
    let weightsPath = String(path.text.dropLast(3)) + ".npz"
    let weightsFile = URL(fileURLWithPath: weightsPath).lastPathComponent
    let script = try KerasExport.script(
      for: model, weightsFile: weightsFile, labels: session.labels)
    // Weights first: a script must never name a weights file that is not there.
    try model.saveWeights(to: weightsPath)
    try AtomicFile.write(Data(script.utf8), to: path.text)
    let kerasPath = String(path.text.dropLast(3)) + ".keras"
    try KerasFile.save(
      model, compile: kerasCompile(session), optimizer: session.training?.optimizer,
      labels: session.labels, path: kerasPath)
    session.console.out(
      "wrote \(path.text) (Keras 3, \(model.layers.count) layers) and \(weightsPath) "
        + "(\(model.layers.reduce(0) { $0 + $1.weights.count }) arrays, \(groupedThousands(model.weightCount)) weights)"
    )
    session.console.out(
      "and \(kerasPath): keras.saving.load_model(\"\(kerasPath)\") opens it as it is")
    session.console.out("run it:        python3 \(path.text)")
    session.console.out(
      "compare it:    save activations activations.npz, then python3 \(path.text) --check activations.npz"
    )
  }

  private static func exportPNG(_ session: Session, _ arguments: Arguments) throws {
    let path = try arguments.requiredWord(at: 1, "the PNG's file name")
    guard path.text.hasSuffix(".png") else {
      throw LabError(
        message: "'\(path.text)' must end in .png", column: path.column,
        hint: "usage: \(arguments.usage)")
    }
    let target = try arguments.requiredWord(at: 2, "input or a layer")
    // Only the channel choice carries over from 'show'; its other options shape ASCII, not pixels.
    var channels: [Int]?
    var channelsColumn = 0
    var index = 3
    while index < arguments.count {
      let token = arguments.tokens[index]
      index += 1
      var spec = token
      if token.text == "channels" || token.text == "channel" {
        spec = try arguments.requiredWord(at: index, "the channel list")
        index += 1
      } else if token.text.first?.isNumber != true {
        throw LabError(
          message: "unexpected '\(token.text)'", column: token.column,
          hint: "usage: \(arguments.usage)")
      }
      channels = try ShowRequest.channelList(spec, arguments.usage)
      channelsColumn = spec.column
    }
    let sheet: MapSheet
    let described: String
    if target.text == "input" {
      guard let image = session.image else {
        throw LabError(message: "there is no image yet", hint: "load one, e.g. image demo cat")
      }
      sheet = MapSheet.picture(image)
      described = "the input \(image.shape)"
    } else {
      // Any layer name or position, keywords of 'show' included: a layer
      // called 'dropout' is that layer, not show's "first Dropout".
      let layerArguments = Arguments(
        line: arguments.line, tokens: [target], restColumn: target.column, usage: arguments.usage)
      let index = try layerIndex(session, layerArguments, at: 0)
      let model = session.model
      guard model.lastOutputs.indices.contains(index) else { throw LayerView.noPass }
      let output = model.lastOutputs[index]
      let count = output.shape.rank == 4 ? output.shape[3] : 1
      let chosen = channels ?? Array(0..<min(count, LayerView.defaultChannels))
      if let bad = chosen.first(where: { $0 >= count }) {
        throw LabError(
          message: "there is no channel \(bad): this output has \(count) (0-\(count - 1))",
          column: channelsColumn, hint: "choose channels from 0 to \(count - 1)")
      }
      sheet = MapSheet.maps(output, channels: chosen)
      described =
        "\(model.layers[index].name) "
        + (output.shape.rank == 4 ? "channels \(MapSheet.spelled(chosen))" : "\(output.shape)")
    }
    try PNGCodec.write(
      rgb8: sheet.pixels, width: sheet.width, height: sheet.height, channels: sheet.channels,
      path: path.text)
    session.console.out(
      "wrote \(path.text): \(described), \(sheet.count) map\(sheet.count == 1 ? "" : "s") at \(sheet.scale) px per cell, "
        + "\(sheet.width)x\(sheet.height) \(sheet.channels == 3 ? "RGB" : "gray")")
  }
}
