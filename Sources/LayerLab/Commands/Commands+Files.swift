import Engine

extension CommandTable {
  static let files: [Command] = [save, load, export, record]

  static let save = Command(
    name: "save", group: .files,
    usage: "save weights|activations|model PATH | save MAP PATH.npy",
    summary: "Write the weights, the last pass, the model (.h5, .keras, .npz) or a map",
    example: "save model creatures_cnn.keras",
    details: """
      model PATH.keras: Keras 3's format; PATH.h5: Keras's HDF5 format, which Keras 3 and \
      the blog's Keras 2.2.4 open. Both keep the layers and their names, the weights, the \
      compile settings and the optimizer's state. PATH.npz: LayerLab's own format; 'load \
      model' reads all three.
      weights PATH.weights.h5 as Keras 3's model.save_weights writes it; PATH.npz: one array \
      per weight, keyed '<layer>/kernel', '<layer>/bias', … in Keras's shapes (np.load reads it).
      activations PATH.npz: 'input' and each layer's output of the last pass, float32 NHWC \
      with the batch axis.
      MAP, one of saliency, gradcam, receptive, maximized: the map the command of that \
      name drew last, as one float32 .npy (see 'help saliency' and the others for the shapes).
      Keras's forms work too: model.save("creatures_cnn.h5"), model.save_weights("w.weights.h5").
      Files are written whole or not at all.
      """,
    keywords: ["weights", "activations", "model"] + InsightMaps.Kind.allCases.map(\.rawValue),
    takesPath: true, signature: saveSignature, call: saveCall,
    otherMethods: [
      ModelMethod(name: "save_weights", signature: saveWeightsSignature, call: saveWeightsCall)
    ]
  ) { session, arguments in
    if let word = arguments.word(at: 0), let kind = InsightMaps.Kind(rawValue: word) {
      try saveInsight(kind, session, arguments)
      return
    }
    let (what, path) = try fileArguments(arguments, ["weights", "activations", "model"])
    if what == "model" {
      try saveModel(path: path, in: session, keras: false)
      return
    }
    let model = session.model
    if what == "weights" {
      try saveWeights(path: path, in: session)
      return
    }
    guard path.hasSuffix(".npz") else {
      throw LabError(
        message: "activations are saved as .npz", hint: "e.g. save activations last.npz")
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
    session.say(
      "saved \(arrays.count) arrays (input and \(model.layers.count) layer outputs) to \(path)")
  }

  // Keras 3's Model.save(filepath, overwrite=True, zipped=None, **kwargs) and
  // Keras 2.2.4's save(filepath, overwrite=True, include_optimizer=True).
  static let saveSignature = Signature(
    "model.save",
    [
      .required("filepath", .string),
      .ignored("overwrite", .bool(true), why: "a saved file always replaces the old one, whole"),
      .keptAtDefault(
        "include_optimizer", .bool(true),
        why: "the optimizer's state is always saved with the model, so fit can continue"),
      .ignored("save_format", why: "the file's ending chooses the format: .keras, .h5 or .npz"),
      .keptAtDefault(
        "zipped", .none, also: [.bool(true)], why: "a .keras file is always one zip",
        keywordOnly: true),
    ], example: "model.save('creatures_cnn.keras')")

  /// `model.save("creatures_cnn.keras")`: Keras's format for `.keras` and
  /// `.h5`, LayerLab's own for `.npz`.
  @Sendable static func saveCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    try saveModel(path: bound.string("filepath") ?? "", in: session, keras: true)
    return .none
  }

  // Keras 3's Model.save_weights(filepath, overwrite=True, max_shard_size=None);
  // Keras 2.2.4's save_weights(filepath, overwrite=True).
  static let saveWeightsSignature = Signature(
    "model.save_weights",
    [
      .required("filepath", .string),
      .ignored("overwrite", .bool(true), why: "a saved file always replaces the old one, whole"),
      .keptAtDefault(
        "max_shard_size", .none, why: "the weights are written as one file", keywordOnly: true),
    ], example: "model.save_weights('creatures.weights.h5')")

  /// `model.save_weights("creatures.weights.h5")`, as `save weights PATH`.
  @Sendable static func saveWeightsCall(_ session: Session, _ bound: BoundArguments) throws
    -> PyValue
  {
    try saveWeights(path: bound.string("filepath") ?? "", in: session)
    return .none
  }

  static let load = Command(
    name: "load", group: .files, usage: "load weights|model PATH",
    summary: "Read weights into the same layers, or a whole model (.h5, .keras, .npz)",
    example: "load model creatures_cnn.h5",
    details: """
      model: a Keras .h5 (Keras 2 or 3) or .keras file, or LayerLab's .npz; the layers come with
        their names, and the compile settings and optimizer state when the file has them.
      weights: Keras's .weights.h5, .h5 or .keras, or LayerLab's .npz, into the same layers.
      Keras's forms work too: model = keras.models.load_model("creatures_cnn.h5"),
        model.load_weights("w.weights.h5"). A file that does not fit changes nothing.
      """,
    keywords: ["weights", "model"], takesPath: true,
    otherMethods: [
      ModelMethod(name: "load_weights", signature: loadWeightsSignature, call: loadWeightsCall)
    ]
  ) { session, arguments in
    let (what, path) = try fileArguments(arguments, ["weights", "model"])
    if what == "model" {
      try loadModel(path: path, in: session)
      return
    }
    try loadWeights(path: path, in: session)
  }

  // Keras 3's Model.load_weights(filepath, skip_mismatch=False, **kwargs);
  // Keras 2.2.4's load_weights(filepath, by_name=False, skip_mismatch=False, reshape=False).
  static let loadWeightsSignature = Signature(
    "model.load_weights",
    [
      .required("filepath", .string),
      .keptAtDefault(
        "skip_mismatch", .bool(false), why: "weights that do not fit change nothing, all or none"),
      .keptAtDefault(
        "by_name", .bool(false), why: "weights go into the layers in order, as Keras 3 does"),
      .keptAtDefault("reshape", .bool(false), why: "every weight must have its layer's shape"),
    ], example: "model.load_weights('creatures.weights.h5')")

  /// `model.load_weights("creatures.weights.h5")`, as `load weights PATH`.
  @Sendable static func loadWeightsCall(_ session: Session, _ bound: BoundArguments) throws
    -> PyValue
  {
    try loadWeights(path: bound.string("filepath") ?? "", in: session)
    return .none
  }

  /// `save weights PATH` and `model.save_weights(PATH)`: Keras's layouts for `.h5`, LayerLab's `.npz`.
  static func saveWeights(path: String, in session: Session) throws {
    let model = session.model
    if path.lowercased().hasSuffix(".h5") {
      try KerasFile.saveWeights(model, optimizer: session.training?.optimizer, path: path)
    } else {
      guard path.hasSuffix(".npz") else {
        throw LabError(
          message: "'\(path)' must end in .weights.h5 or .npz",
          hint: "e.g. save weights seed.weights.h5")
      }
      try model.saveWeights(to: path)
    }
    let count = model.layers.reduce(0) { $0 + $1.weights.count }
    session.say(
      "saved \(count) arrays (\(groupedThousands(model.weightCount)) weights) to \(path)")
  }

  /// `load weights PATH` and `model.load_weights(PATH)`: read whole and checked before any weight changes.
  static func loadWeights(path: String, in session: Session) throws {
    if KerasFile.isModelPath(path) {
      var kind = ""
      try session.changeModel {
        kind = try KerasFile.loadWeights(into: session.model, path: path)
        return "load weights \(path)"
      }
      session.say(
        "loaded the weights of \(session.model.layers.filter { !$0.weights.isEmpty }.count) layers from \(path) (\(kind))"
      )
      return
    }
    if try ModelFile.isWholeModel(path: path) {
      throw LabError(
        message: "\(path) is a whole model (its layers and their weights), not weights alone",
        hint: "load it with: load model \(path)")
    }
    // Every name and shape is checked before anything is inflated or
    // changed, so a missing, corrupt or foreign file changes nothing.
    var count = 0
    try session.changeModel {
      count = try session.model.loadWeights(from: path)
      return "load weights \(path)"
    }
    session.say(
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
    guard path.text.hasSuffix(".npz") || KerasFile.isModelPath(path.text) else {
      throw LabError(
        message: "'\(path.text)' must end in .h5, .keras or .npz", column: path.column,
        hint: "usage: \(arguments.usage)")
    }
    return (what.text, path.text)
  }

  /// The compile settings a Keras file records, from `compile`.
  static func kerasCompile(_ session: Session) -> KerasCompileSettings? {
    session.training.map {
      KerasCompileSettings(optimizer: $0.optimizerSpec, loss: $0.loss, accuracy: $0.accuracy)
    }
  }

  static func saveModel(path: String, in session: Session, keras: Bool) throws {
    let model = session.model
    guard !model.layers.isEmpty, model.inputShape != nil else {
      throw LabError(
        message: "there is no built model to save", hint: "add layers with an input shape first")
    }
    let summary = "\(model.layers.count) layers, \(groupedThousands(model.weightCount)) weights"
    if KerasFile.isModelPath(path) {
      let notes = try KerasFile.save(
        model, compile: kerasCompile(session), optimizer: session.training?.optimizer,
        labels: session.labels, path: path)
      let format =
        path.lowercased().hasSuffix(".keras")
        ? "Keras 3's .keras" : "Keras's HDF5, which Keras 3 and Keras 2.2.4 open"
      session.say("saved the model (\(summary)) to \(path) (\(format))")
      for note in notes { session.tell("note: " + note) }
    } else {
      guard path.hasSuffix(".npz") else {
        throw LabError(
          message: "'\(path)' must end in .keras, .h5 or .npz",
          hint: "e.g. save model creatures_cnn.keras")
      }
      try ModelFile.save(model, extras: .init(labels: session.labels), path: path)
      session.say("saved the model (\(summary)) to \(path) (LayerLab's own format)")
    }
    if keras { session.say("load it again with: load model \(path)") }
  }

  static func loadModel(path: String, in session: Session) throws {
    guard KerasFile.isModelPath(path) else {
      // Everything is read and checked into a new model first; only then does it replace the old one.
      let (loaded, extras) = try ModelFile.load(path: path, seed: session.seed)
      let (layerCount, weightCount) = (loaded.layers.count, loaded.weightCount)
      try session.changeModel {
        session.model.take(loaded)
        return "load model \(path)"
      }
      if !extras.labels.isEmpty {
        session.labels = extras.labels
        session.bindLabelsName()
      }
      session.training = nil
      session.history = []
      session.say(
        "loaded the model from \(path): \(layerCount) layers, \(groupedThousands(weightCount)) weights"
          + (extras.labels.isEmpty
            ? ""
            : ", labels " + SafeText.terminal(extras.labels.joined(separator: ","), limit: 300)))
      session.say("compile it before training or evaluating")
      return
    }
    let loaded = try KerasFile.load(path: path, seed: session.seed)
    try session.changeModel {
      session.model.take(loaded.model)
      return "load model \(path)"
    }
    if !loaded.labels.isEmpty {
      session.labels = loaded.labels
      session.bindLabelsName()
    }
    session.history = []
    let model = session.model
    session.say(
      "loaded the model from \(path) (\(loaded.origin)): \(model.layers.count) layers, \(groupedThousands(model.weightCount)) weights"
        + (loaded.labels.isEmpty
          ? "" : ", labels " + SafeText.terminal(loaded.labels.joined(separator: ","), limit: 300)))
    if let compile = loaded.compile {
      let optimizer = loaded.optimizer ?? compile.optimizer.make()
      session.training = TrainingSetup(
        loss: compile.loss, optimizerSpec: compile.optimizer, optimizer: optimizer,
        accuracy: compile.accuracy)
      let state =
        optimizer.state().map {
          ", its state after \($0.iterations) step\($0.iterations == 1 ? "" : "s"), so fit continues"
        } ?? ""
      session.say(
        "compiled as saved: loss \(compile.loss.rawValue), optimizer \(compile.optimizer.expression), \(session.training?.metricsPhrase ?? "")\(state)"
      )
    } else {
      session.training = nil
      session.say("compile it before training or evaluating")
    }
    for note in loaded.notes { session.tell("note: " + note) }
  }
}
