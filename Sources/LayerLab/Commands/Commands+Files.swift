import Engine

extension CommandTable {
  static let files: [Command] = [save, load, export, record]

  static let save = Command(
    name: "save", group: .files, usage: "save weights|activations|model PATH.npz",
    summary: "Write the weights, the last pass's outputs, or the whole model to .npz",
    example: "save weights seed.npz",
    details: """
      weights: one array per parameter, keyed '<layer>/kernel' and '<layer>/bias', in Keras's shapes.
      activations: 'input' and each layer's output of the last pass, float32 NHWC with the batch axis.
      model: the architecture (as Keras lines) and the weights in one file; 'load model' reads it.
      Keras's model.save("creatures_cnn.h5") works too and writes creatures_cnn.npz in this format.
      Read any of them in Python with np.load('seed.npz'). Files are written whole or not at all.
      """,
    isModelMethod: true, keywords: ["weights", "activations", "model"], takesPath: true
  ) { session, arguments in
    if let call = arguments.call {
      try saveModel(
        path: try pathArgument(call.args, usage: arguments.usage), in: session, keras: true)
      return
    }
    let (what, path) = try fileArguments(arguments, ["weights", "activations", "model"])
    if what == "model" {
      try saveModel(path: path, in: session, keras: false)
      return
    }
    let model = session.model
    if what == "weights" {
      try model.saveWeights(to: path)
      let count = model.parameters.count
      session.console.out(
        "saved \(count) arrays (\(groupedThousands(model.parameterCount)) weights) to \(path)")
      return
    }
    guard let input = model.lastInput, model.lastOutputs.count == model.layers.count,
      !model.layers.isEmpty
    else {
      throw LayerView.noPass
    }
    var arrays = [(name: "input", array: NDArray(tensor: input))]
    for (layer, output) in zip(model.layers, model.lastOutputs) {
      arrays.append((name: layer.name, array: NDArray(tensor: output)))
    }
    try Npz.write(arrays, path: path)
    session.console.out(
      "saved \(arrays.count) arrays (input and \(model.layers.count) layer outputs) to \(path)")
  }

  static let load = Command(
    name: "load", group: .files, usage: "load weights|model PATH.npz",
    summary: "Read weights saved by 'save weights' (names and shapes must match) or a model",
    example: "load weights seed.npz", keywords: ["weights", "model"], takesPath: true
  ) { session, arguments in
    let (what, path) = try fileArguments(arguments, ["weights", "model"])
    if what == "model" {
      try loadModel(path: path, in: session)
      return
    }
    // Every name and shape is checked before anything is inflated or
    // changed, so a missing, corrupt or foreign file changes nothing.
    var count = 0
    try session.changeModel {
      count = try session.model.loadWeights(from: path)
      return "load weights \(path)"
    }
    session.console.out(
      "loaded \(count) arrays from \(path) into \(session.model.layers.count) layers")
  }

  /// `weights PATH` → ("weights", "PATH"), checking the word and the `.npz` ending.
  private static func fileArguments(_ arguments: Arguments, _ words: [String]) throws(LabError) -> (
    String, String
  ) {
    let what = try arguments.requiredWord(at: 0, words.joined(separator: " or "))
    guard words.contains(what.text) else {
      throw LabError(
        message:
          "expected \(words.map { "'\($0)'" }.joined(separator: " or ")), got '\(what.text)'",
        column: what.column,
        hint: closestMatch(what.text, in: words).map { "did you mean '\($0)'?" }
          ?? "usage: \(arguments.usage)")
    }
    let path = try arguments.requiredWord(at: 1, "the file name")
    try arguments.noMore(than: 2)
    guard path.text.hasSuffix(".npz") else {
      throw LabError(
        message: "'\(path.text)' must end in .npz", column: path.column,
        hint: "usage: \(arguments.usage)")
    }
    return (what.text, path.text)
  }

  /// The single string argument of `model.save("PATH")` or `load_model("PATH")`.
  static func pathArgument(_ args: [PyNode], usage: String) throws(SyntaxError) -> String {
    guard args.count == 1, case .string(let path) = args[0].value, !path.isEmpty else {
      throw SyntaxError(
        "expected one file name in quotes", column: args.first?.column ?? 0, hint: "usage: \(usage)"
      )
    }
    return path
  }

  /// Keras's `.h5` and `.keras` names become `.npz`: LayerLab writes its own format.
  static func modelPath(_ path: String) -> String {
    for suffix in [".h5", ".keras", ".hdf5"] where path.hasSuffix(suffix) {
      return String(path.dropLast(suffix.count)) + ".npz"
    }
    return path.hasSuffix(".npz") ? path : path + ".npz"
  }

  static func saveModel(path requested: String, in session: Session, keras: Bool) throws {
    let model = session.model
    guard !model.layers.isEmpty, model.inputShape != nil else {
      throw LabError(
        message: "there is no built model to save", hint: "add layers with an input shape first")
    }
    let path = modelPath(requested)
    try ModelFile.save(model, extras: .init(labels: session.labels), path: path)
    let note = path == requested ? "" : " (LayerLab's own format, an .npz, not HDF5)"
    session.console.out(
      "saved the model (\(model.layers.count) layers, \(groupedThousands(model.parameterCount)) weights) to \(path)\(note)"
    )
    if keras || path != requested { session.console.out("load it again with: load model \(path)") }
  }

  static func loadModel(path requested: String, in session: Session) throws {
    let path = modelPath(requested)
    // Everything is read and checked into a new model first; only then does it replace the old one.
    let (loaded, extras) = try ModelFile.load(path: path, seed: session.seed)
    let (layerCount, weightCount) = (loaded.layers.count, loaded.parameterCount)
    try session.changeModel {
      session.model.take(loaded)
      return "load model \(path)"
    }
    if !extras.labels.isEmpty { session.labels = extras.labels }
    session.training = nil
    session.history = []
    session.console.out(
      "loaded the model from \(path): \(layerCount) layers, \(groupedThousands(weightCount)) weights"
        + (extras.labels.isEmpty
          ? "" : ", labels " + SafeText.terminal(extras.labels.joined(separator: ","), limit: 300)))
    session.console.out("compile it before training or evaluating")
  }

  /// `model = keras.models.load_model("creatures_cnn.h5")`.
  static func loadModel(_ call: PyNode, in session: Session, variable: String) throws {
    guard case .call(_, let args, _) = call.value else { return }
    try loadModel(path: try pathArgument(args, usage: "model = load_model(\"PATH\")"), in: session)
    session.modelVariable = variable
  }
}
