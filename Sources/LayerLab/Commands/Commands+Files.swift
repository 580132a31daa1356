import Engine

extension CommandTable {
  static let files: [Command] = [save, load]

  static let save = Command(
    name: "save", group: .files, usage: "save weights|activations PATH.npz",
    summary: "Write the weights, or every layer's last output, to a NumPy .npz file",
    example: "save weights seed.npz",
    details: """
      weights: one array per parameter, keyed '<layer>/kernel' and '<layer>/bias', in Keras's shapes.
      activations: 'input' and each layer's output of the last pass, float32 NHWC with the batch axis.
      Read them in Python with np.load('seed.npz').
      """,
    keywords: ["weights", "activations"], takesPath: true
  ) { session, arguments in
    let (what, path) = try fileArguments(arguments, ["weights", "activations"])
    let model = session.model
    if what == "weights" {
      try model.saveWeights(to: path)
      let count = model.parameters.count
      session.console.out("saved \(count) arrays (\(groupedThousands(model.parameterCount)) weights) to \(path)")
      return
    }
    guard let input = model.lastInput, model.lastOutputs.count == model.layers.count, !model.layers.isEmpty else {
      throw LayerView.noPass
    }
    var arrays = [(name: "input", array: NDArray(tensor: input))]
    for (layer, output) in zip(model.layers, model.lastOutputs) {
      arrays.append((name: layer.name, array: NDArray(tensor: output)))
    }
    try Npz.write(arrays, path: path)
    session.console.out("saved \(arrays.count) arrays (input and \(model.layers.count) layer outputs) to \(path)")
  }

  static let load = Command(
    name: "load", group: .files, usage: "load weights PATH.npz",
    summary: "Read weights saved by 'save weights' (names and shapes must match)",
    example: "load weights seed.npz", keywords: ["weights"], takesPath: true
  ) { session, arguments in
    let (_, path) = try fileArguments(arguments, ["weights"])
    // Read before the undo snapshot so a missing or corrupt file changes nothing.
    let arrays = try Npz.read(path: path, maxBytes: 1_000_000_000)
    try session.changeModel {
      try session.model.loadWeights(arrays, source: path)
      return "load weights \(path)"
    }
    session.console.out("loaded \(arrays.count) arrays from \(path) into \(session.model.layers.count) layers")
  }

  /// `weights PATH` → ("weights", "PATH"), checking the word and the `.npz` ending.
  private static func fileArguments(_ arguments: Arguments, _ words: [String]) throws(LabError) -> (String, String) {
    let what = try arguments.requiredWord(at: 0, words.joined(separator: " or "))
    guard words.contains(what.text) else {
      throw LabError(
        message: "expected \(words.map { "'\($0)'" }.joined(separator: " or ")), got '\(what.text)'", column: what.column,
        hint: closestMatch(what.text, in: words).map { "did you mean '\($0)'?" } ?? "usage: \(arguments.usage)")
    }
    let path = try arguments.requiredWord(at: 1, "the file name")
    try arguments.noMore(than: 2)
    guard path.text.hasSuffix(".npz") else {
      throw LabError(message: "'\(path.text)' must end in .npz", column: path.column, hint: "usage: \(arguments.usage)")
    }
    return (what.text, path.text)
  }
}
