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
    keywords: ["weights", "activations", "model"], takesPath: true, signature: saveSignature,
    call: saveCall
  ) { session, arguments in
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

  static let saveSignature = Signature(
    "model.save",
    [
      .required("filepath", .string),
      .ignored("overwrite", .bool(true), why: "a saved file always replaces the old one, whole"),
      .ignored("include_optimizer", .bool(true), why: "the optimizer is chosen again by compile"),
      .ignored("save_format", why: "LayerLab writes its own .npz format"),
      .ignored("zipped", why: "LayerLab writes its own .npz format", keywordOnly: true),
    ], example: "model.save('creatures_cnn.h5')")

  /// `model.save("creatures_cnn.h5")`: LayerLab's own format, as an `.npz`.
  @Sendable static func saveCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    try saveModel(path: bound.string("filepath") ?? "", in: session, keras: true)
    return .none
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
    // Read before the undo snapshot so a missing or corrupt file changes nothing.
    let arrays = try Npz.read(path: path, maxBytes: 1_000_000_000)
    if arrays.contains(where: { $0.name == "architecture" }) {
      throw LabError(
        message: "\(path) is a whole model (its layers and their weights), not weights alone",
        hint: "load it with: load model \(path)")
    }
    try session.changeModel {
      try session.model.loadWeights(arrays, source: path)
      return "load weights \(path)"
    }
    session.console.out(
      "loaded \(arrays.count) arrays from \(path) into \(session.model.layers.count) layers")
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
    // A file of another name than asked for is worth saying even while a script runs.
    let tell = path == requested ? session.say : session.console.out
    tell(
      "saved the model (\(model.layers.count) layer\(model.layers.count == 1 ? "" : "s"), \(groupedThousands(model.parameterCount)) weights) to \(path)\(note)"
    )
    if keras || path != requested { session.say("load it again with: load model \(path)") }
  }

  static func loadModel(path requested: String, in session: Session) throws {
    let path = modelPath(requested)
    // Everything is read and checked into a new model first; only then does it replace the old one.
    let (loaded, extras) = try ModelFile.load(path: path, seed: session.seed)
    try session.changeModel {
      try session.model.restore(loaded.snapshot())
      return "load model \(path)"
    }
    if !extras.labels.isEmpty {
      session.labels = extras.labels
      session.bindLabelsName()
    }
    session.training = nil
    session.history = []
    session.say(
      "loaded the model from \(path): \(loaded.layers.count) layers, \(groupedThousands(loaded.parameterCount)) weights"
        + (extras.labels.isEmpty ? "" : ", labels " + extras.labels.joined(separator: ",")))
    session.say("compile it before training or evaluating")
  }
}
