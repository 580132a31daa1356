import Engine

/// `exit()` or `quit()` in Python: ends the program (or the shell), not an error.
struct PythonExit: Error {}

extension Session {
  /// The interpreter for this session: LayerLab's modules, `print` to the
  /// console, Ctrl-C between steps, and the names a shell starts with.
  func makeInterpreter() -> PyInterpreter {
    let interpreter = PyInterpreter(writeLine: { [unowned self] line in self.console.out(line) })
    interpreter.modules = PythonModules.make(for: self)
    interpreter.moduleHint = PythonModules.hint
    interpreter.checkInterrupt = { try Interrupt.check() }
    for name in ["exit", "quit"] {
      interpreter.builtins[name] = .object(
        PyBuiltinFunction(name) { [unowned self] _, _ in
          self.quitRequested = true
          throw PythonExit()
        })
    }
    interpreter.unknownName = { name, known in
      let classes = LayerKind.allCases.map(\.className)
      // Keras's own names in a file that did not import them (the shell
      // knows them without an import; a file, as Python, does not).
      if let module = Self.kerasModule(of: name) {
        return (
          "name '\(name)' is not defined",
          "import it first, as Keras's scripts do: from \(module) import \(name)"
        )
      }
      if let layer = closestMatch(name, in: classes), name.lowercased() != name {
        return ("unknown layer '\(name)'", "did you mean '\(layer)'?")
      }
      if let close = closestMatch(name, in: known) {
        return ("name '\(name)' is not defined", "did you mean '\(close)'?")
      }
      // The names `image` and `data` give, asked for before either ran (the
      // blog's input_shape=X.shape[1:] typed before any picture is loaded).
      if name == "X" {
        return (
          "name 'X' is not defined: no image or data is loaded yet",
          "image PATH or data PATH sets it: e.g. image demo cat, or data demo"
        )
      }
      if DataArray(name: name) != nil {
        return (
          "name '\(name)' is not defined: no data is loaded yet",
          "load a dataset first, e.g. data demo or data data/augumented_images.npy"
        )
      }
      if ActivationFunction(kerasName: name) != nil || Padding(rawValue: name) != nil {
        return (
          "name '\(name)' is not defined",
          "names of activations and paddings go in quotes: '\(name)'"
        )
      }
      return (
        "name '\(name)' is not defined",
        "give it a value first, e.g. \(name) = \(Self.seedScriptValues[name] ?? "6")"
      )
    }
    interpreter.onTopLevel = { [unowned self] statement, result in
      try self.topLevel(statement, result)
    }
    interpreter.globals = preludeNames(of: interpreter)
    return interpreter
  }

  /// What the blog's script gives its settings, for the hint when one is
  /// used before it is given (a learner pasting `model.fit(...)` alone).
  static let seedScriptValues = [
    "batch_size": "32", "epochs": "100", "image_size": "100",
  ]

  /// The Keras module a script imports `name` from, when it is one of the
  /// names the shell offers without an import.
  static func kerasModule(of name: String) -> String? {
    if LayerKind.allCases.contains(where: { $0.className == name }) { return "keras.layers" }
    if name == "Sequential" || name == "load_model" { return "keras.models" }
    if OptimizerSpec.Kind.allCases.contains(where: { $0.rawValue == name }) {
      return "keras.optimizers"
    }
    if name == "to_categorical" { return "keras.utils" }
    return nil
  }

  /// What every shell session can use without importing: Keras's names (the
  /// layer classes, the optimizer classes, `Sequential`, `keras`, `layers`),
  /// `np`, and `model`, so a model definition or a `compile` line from a
  /// tutorial (`optimizer=Adam(learning_rate=1e-3)`) can be pasted as it is.
  private func preludeNames(of interpreter: PyInterpreter) -> [String: PyValue] {
    var names: [String: PyValue] = ["__name__": .string("__main__")]
    guard case .object(let keras as PyModule)? = interpreter.modules["keras"],
      case .object(let layers as PyModule)? = interpreter.modules["keras.layers"]
    else { return names }
    names["keras"] = .object(keras)
    names["layers"] = .object(layers)
    names["np"] = interpreter.modules["numpy"]
    names["np_utils"] = interpreter.modules["keras.utils.np_utils"]
    names["Sequential"] = try? keras.attribute("Sequential")
    for kind in LayerKind.allCases { names[kind.className] = try? layers.attribute(kind.className) }
    if case .object(let optimizers as PyModule)? = interpreter.modules["keras.optimizers"] {
      for kind in OptimizerSpec.Kind.allCases {
        names[kind.rawValue] = try? optimizers.attribute(kind.rawValue)
      }
    }
    names["model"] = .object(ModelObject(self))
    return names
  }

  /// After a Python file (`layerlab -i`), the names a shell starts with that
  /// the file did not define itself.
  func keepPreludeNames() {
    for (name, value) in preludeNames(of: python) where python.globals[name] == nil {
      python.globals[name] = value
    }
    // `model` still naming a model the file replaced (inside a function,
    // as the seed's model_train does) names the new one.
    if let old = python.globals["model"]?.object(as: ModelObject.self),
      old.generation != modelGeneration
    {
      python.globals["model"] = .object(ModelObject(self))
    }
  }

  /// After a line at the prompt: `model` naming a model that was replaced
  /// where no name can reach the new one (inside a function: the blog's
  /// script pasted whole, whose model_train builds its own) names the new
  /// one, as after a file. A new model with a name of its own (`m =
  /// Sequential()`) leaves `model` naming the old one, whose error says to
  /// use that name.
  func followUnnamedNewModel() {
    guard let old = python.globals["model"]?.object(as: ModelObject.self),
      old.generation != modelGeneration
    else { return }
    let named = python.globals.values.contains {
      $0.object(as: ModelObject.self)?.generation == modelGeneration
    }
    if !named { python.globals["model"] = .object(ModelObject(self)) }
  }

  /// A namespace as a fresh Python program has it: only `__name__`.
  func startProgram() {
    python.globals = ["__name__": .string("__main__")]
  }

  /// Forgets every name the learner defined (a lesson starts afresh).
  func resetPython() {
    python = makeInterpreter()
  }

  /// The value of an argument written after a shell command (`epochs=epochs`):
  /// a name that means nothing is its own name as a string (`optimizer=adam`).
  func commandValue(_ expression: PyExpr) throws -> PyValue {
    if case .name(let word) = expression.kind, python.globals[word] == nil,
      python.builtins[word] == nil
    {
      return .string(word)
    }
    return try python.evaluate(expression)
  }

  /// Runs statements typed at the prompt (or piped). If one fails, every
  /// name, the model and the rest of the session are put back as they were
  /// before the line: a wrong line changes nothing.
  func runTyped(_ statements: [PyStmt]) throws {
    let saved = PythonCheckpoint(self)
    pendingFeedback = []
    holdsUndo = true
    defer {
      pendingFeedback = nil
      holdsUndo = false
    }
    do {
      try python.execute(statements)
    } catch is PythonExit {
    } catch {
      saved.restore(self)
      throw error
    }
    followUnnamedNewModel()
    // What the names were given is said once the whole line has worked,
    // so a line that fails and is put back leaves no word of it.
    for line in pendingFeedback ?? [] { console.out(line) }
  }

  /// What the prompt shows after a top-level statement: an expression's
  /// value as Python's prompt does, and what an assignment gave a name.
  private func topLevel(_ statement: PyStmt, _ result: PyInterpreter.TopLevelResult) throws {
    switch result {
    case .value(let value):
      guard !scriptMode, !value.isNone else { return }
      for line in PythonFeedback.lines(value.repr) { say(line) }
    case .assigned(let names):
      for name in names {
        guard let value = python.globals[name] else { continue }
        if name == "labels", let list = value.sequence, !list.isEmpty,
          list.allSatisfy({ if case .string = $0 { true } else { false } })
        {
          labels = list.map(\.str)
          say("labels = \(labels.count) classes: " + labels.joined(separator: ", "))
          continue
        }
        say("\(name) = " + PythonFeedback.describe(value))
      }
    case .other:
      break
    }
  }

  // MARK: - Names the commands give

  /// The class names as the Python list `labels`, as the seed script names them.
  func bindLabelsName() {
    python.globals["labels"] = .list(PyList(labels.map { .string($0) }))
  }

  /// `image` makes the picture `X`, a batch of one.
  func bindImageName() {
    guard let image else { return }
    python.globals["X"] = .object(PyArray(image, prescaled: display.pixelScale))
  }

  /// `data` names its arrays as the seed and Keras's datasets do: `X`,
  /// `X_train`/`x_train`, `y`/`Y_train`/`y_train`, `x_test`, `y_test`.
  /// Labels are class numbers; pictures whose 8-bit pixels were scaled on
  /// loading remember it, so the seed's `/ 256` is noted, not done twice.
  func bindDataNames(demo: Bool) {
    guard let data else { return }
    func pictures(_ set: Dataset) -> PyValue {
      let scaled = demo || PythonFeedback.isEightBit(set.images, scale: display.pixelScale)
      return .object(PyArray(set.images, prescaled: scaled ? display.pixelScale : nil))
    }
    func classes(_ set: Dataset) -> PyValue {
      .object(PyArray(shape: [set.count], values: .int64(set.labels.map { Int64($0) })))
    }
    let trainImages = pictures(data.train)
    let trainLabels = classes(data.train)
    for name in DataArray.trainImageNames { python.globals[name] = trainImages }
    for name in DataArray.trainLabelNames { python.globals[name] = trainLabels }
    if let test = data.test {
      let testImages = pictures(test)
      let testLabels = classes(test)
      for name in DataArray.testImageNames { python.globals[name] = testImages }
      for name in DataArray.testLabelNames { python.globals[name] = testLabels }
    }
  }
}

/// Everything a typed line can change, to put back when it fails.
struct PythonCheckpoint {
  let globals: [String: PyValue]
  let undo: Int
  let modelGeneration: Int
  let image: Tensor?
  let imageSource: String
  let labels: [String]
  let data: DataSplit?
  let dataSource: String
  let training: TrainingSetup?
  let history: [EpochRecord]

  init(_ session: Session) {
    globals = session.python.globals
    undo = session.undoCount
    modelGeneration = session.modelGeneration
    image = session.image
    imageSource = session.imageSource
    labels = session.labels
    data = session.data
    dataSource = session.dataSource
    training = session.training
    history = session.history
  }

  func restore(_ session: Session) {
    session.python.globals = globals
    session.rollBack(to: undo)
    session.modelGeneration = modelGeneration
    session.image = image
    session.imageSource = imageSource
    session.labels = labels
    session.data = data
    session.dataSource = dataSource
    session.training = training
    session.history = history
  }
}

/// How the prompt describes values in a line or two.
enum PythonFeedback {
  /// `name = ...` after an assignment at the prompt.
  static func describe(_ value: PyValue) -> String {
    switch value {
    case .object(let model as ModelObject): return model.described
    case .object(let optimizer as OptimizerObject): return optimizer.spec.expression
    case .object(let array as PyArray):
      guard !array.shape.isEmpty else { return array.str }
      let shape = PyValue.tuple(array.shape.map { .int($0) }).repr
      return "\(array.dtype.rawValue) array of shape \(shape)"
    case .object(let history as HistoryObject):
      let losses = history.records.map(\.loss)
      guard let first = losses.first, let last = losses.last else {
        return "a History of no epochs"
      }
      return
        "a History of \(losses.count) epoch\(losses.count == 1 ? "" : "s"), loss \(ProgressRenderer.four(first)) -> \(ProgressRenderer.four(last))"
    case .object(let layer as LayerObject):
      return "a \(layer.spec.kind.className) layer, \(layer.spec.expression)"
    case .tuple, .list:
      guard let items = value.sequence,
        items.contains(where: { $0.object(as: PyArray.self) != nil })
      else { return shortRepr(value) }
      // What np.load gives for the blog's pickled file: say what each array is.
      let kind = if case .tuple = value { "tuple" } else { "list" }
      let listed = items.prefix(8).map { item in
        item.object(as: PyArray.self).map {
          "\($0.dtype.rawValue) array \(PyValue.tuple($0.shape.map { .int($0) }).repr)"
        } ?? item.typeName
      }
      let more = items.count > 8 ? ", ..." : ""
      return "a \(kind) of \(items.count): " + listed.joined(separator: ", ") + more
    default:
      return shortRepr(value)
    }
  }

  private static func shortRepr(_ value: PyValue) -> String {
    let text = value.repr
    return text.count > 200 ? String(text.prefix(200)) + "... (\(text.count) characters)" : text
  }

  /// A repr as console lines; a huge one is cut, so no line floods the terminal.
  static func lines(_ text: String) -> [String] {
    let limit = 20_000
    let shown =
      text.count > limit
      ? String(text.prefix(limit)) + "... (\(text.count - limit) more characters)" : text
    return shown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// True when every value is an 8-bit pixel times `scale` (what the loader makes of one).
  static func isEightBit(_ images: Tensor, scale: Float) -> Bool {
    images.scalars.allSatisfy { v in
      let k = (v / scale).rounded()
      return k >= 0 && k <= 255 && k * scale == v
    }
  }
}

/// The Python lines typed in this session, numbered one after another, so
/// an error inside a function typed earlier can quote its line.
final class PythonInputLog {
  /// The number the next typed line gets.
  private(set) var nextLine = 1
  private var texts: [Int: String] = [:]
  /// Lines kept for quoting; older ones are forgotten.
  static let kept = 10_000

  /// Keeps `source`'s lines; returns the number of its first line.
  func record(_ source: String) -> Int {
    let first = nextLine
    for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
      texts[nextLine] = String(line)
      texts[nextLine - PythonInputLog.kept] = nil
      nextLine += 1
    }
    return first
  }

  /// Typed line `number`, if it is still kept.
  func text(line number: Int) -> String? { texts[number] }
}
