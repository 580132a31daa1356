import Foundation

/// How a Keras model was compiled, as far as LayerLab carries it over.
public struct KerasCompileSettings: Equatable, Sendable {
  public var optimizer: OptimizerSpec
  public var loss: LossKind
  /// Whether accuracy is one of the compiled metrics (`metrics=['accuracy']`):
  /// without it Keras reports the loss alone, in `fit`'s lines, `History`
  /// and `evaluate`'s result.
  public var accuracy: Bool
  public init(optimizer: OptimizerSpec, loss: LossKind, accuracy: Bool = true) {
    self.optimizer = optimizer
    self.loss = loss
    self.accuracy = accuracy
  }
}

/// A model read from a Keras file (`.h5` or `.keras`), built fresh: nothing
/// of the caller's changes until it takes this over whole.
public struct LoadedKerasModel {
  public var model: Sequential
  /// nil when the file was saved uncompiled, or compiled with what LayerLab lacks.
  public var compile: KerasCompileSettings?
  /// The optimizer with the file's state, ready to continue `fit`; nil when none was saved.
  public var optimizer: (any Optimizer)?
  /// Class names for softmax charts, when LayerLab wrote the file.
  public var labels: [String]
  /// One line per thing in the file that LayerLab does not carry over.
  public var notes: [String]
  /// `2.2.4`, `3.15.1`: the Keras that wrote it, or whose format LayerLab wrote.
  public var kerasVersion: String
  /// True when LayerLab wrote the file.
  public var writtenByLayerLab = false

  /// `Keras 2.2.4`, or `LayerLab, in Keras 3.15.1's format`.
  public var origin: String {
    writtenByLayerLab ? "saved by LayerLab in Keras's format" : "saved by Keras \(kerasVersion)"
  }
}

/// The parts of a Keras model file that do not depend on the container:
/// the Sequential config, the compile settings and the optimizer's state.
enum KerasModelFile {
  /// More layers than any lesson or tutorial network; a bigger count is a broken file.
  static let maxLayers = 10_000
  /// Config text larger than this is not a model config.
  static let maxConfigBytes = 64 << 20

  /// Parses config text, naming the file on failure.
  static func json(_ text: String, what: String, source: String) throws(EngineError) -> JSONValue {
    guard text.utf8.count <= maxConfigBytes else {
      throw .tooLarge("\(source): its \(what) is larger than \(readableBytes(maxConfigBytes))")
    }
    guard let value = JSONValue.parse(Data(text.utf8)) else {
      throw .file(path: source, message: "its \(what) is not valid JSON; the file may be corrupt")
    }
    return value
  }

  /// Builds a new model from Keras's `{"class_name": "Sequential", "config": {…}}`.
  static func sequential(
    from config: JSONValue, source: String, seed: UInt64, notes: inout [String]
  ) throws(EngineError) -> Sequential {
    func fail(_ message: String) -> EngineError { .file(path: source, message: message) }
    let className = config["class_name"]?.string ?? "?"
    guard className == "Sequential" else {
      if className == "Functional" || className == "Model" {
        throw fail(
          "it holds a functional keras.Model; LayerLab reads Sequential models (one layer after another)"
        )
      }
      throw fail("it holds a \(className), not a Sequential model")
    }
    // Keras 2.0/2.1 wrote the list of layers directly as the config.
    let body = config["config"]
    guard let entries = body?["layers"]?.array ?? body?.array else {
      throw fail("its model config lists no layers")
    }
    guard entries.count <= maxLayers else {
      throw .tooLarge(
        "\(source): it has \(entries.count) layers, more than LayerLab reads (\(maxLayers))")
    }
    let model = Sequential(seed: seed)
    if let name = body?["name"]?.string, isUsableName(name) { model.name = name }
    var inputShape: [Int?]? = nil
    var position = 0
    var specs: [LayerSpec] = []
    for entry in entries {
      let describe = "layer \(position + 1) '\(entry["config"]?["name"]?.string ?? "?")'"
      do throws(KerasConfigError) {
        if entry["class_name"]?.string == "InputLayer" {
          guard specs.isEmpty else {
            throw KerasConfigError("\(describe): an InputLayer after other layers")
          }
          inputShape = try KerasLayerConfig.inputShape(entry, describe: describe)
          continue
        }
        position += 1
        let read = try KerasLayerConfig.read(entry, describe: describe)
        notes += read.notes
        if specs.isEmpty, inputShape == nil { inputShape = read.batchShape }
        var spec = read.spec
        guard let name = read.name, isUsableName(name) else {
          throw KerasConfigError(
            "\(describe): the name \(JSONValue.quoted(read.name ?? "")) is not one LayerLab can use (letters, digits, _ - .)"
          )
        }
        spec.name = name
        specs.append(spec)
      } catch {
        throw fail(error.message)
      }
    }
    // Keras 3 records the shape the model was built for when there is no InputLayer.
    if inputShape == nil,
      let built = body?["build_input_shape"] ?? config["build_config"]?["input_shape"],
      let dims = built.array
    {
      inputShape = dims.map { $0.int }
    }
    guard let inputShape, inputShape.count >= 2, inputShape.dropFirst().allSatisfy({ $0 != nil })
    else {
      throw fail("its model config gives no input shape (no InputLayer or batch_input_shape)")
    }
    let shape = Shape(inputShape.dropFirst().compactMap { $0 })
    do {
      try model.setInputShape(shape)
      for spec in specs { try model.add(spec) }
    } catch {
      throw fail("the layers do not fit together in LayerLab: \(error.description)")
    }
    return model
  }

  /// Keras's names are free text; LayerLab's model files and commands take words.
  static func isUsableName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 200
      && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
  }

  // MARK: - Compile settings

  /// The optimizer, loss and metrics of a training config (`training_config`
  /// in `.h5`, `compile_config` in `.keras`), with a note for each part
  /// LayerLab does not carry over. nil when the optimizer or the loss is one
  /// LayerLab lacks (then the model is left uncompiled and a note says so).
  static func compileSettings(_ config: JSONValue, notes: inout [String]) -> KerasCompileSettings? {
    // Keras 2 and Keras 3's .h5: optimizer_config; Keras 3's .keras: optimizer.
    let optimizerEntry = config["optimizer_config"] ?? config["optimizer"]
    var spec: OptimizerSpec?
    if let optimizerEntry {
      spec = optimizerSpec(optimizerEntry, notes: &notes)
    }
    var loss: LossKind?
    if let lossEntry = config["loss"], !lossEntry.isNull {
      let name = lossEntry.string ?? lossEntry["class_name"]?.string ?? lossEntry.text
      switch name {
      case "categorical_crossentropy", "CategoricalCrossentropy": loss = .categoricalCrossentropy
      case "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy":
        loss = .sparseCategoricalCrossentropy
      default:
        notes.append(
          "the loss \(SafeText.terminal(name)) is not one LayerLab computes (it has categorical_crossentropy and sparse_categorical_crossentropy)"
        )
      }
      if let inner = lossEntry["config"], inner["from_logits"]?.bool == true {
        notes.append("the loss was computed from logits in Keras; LayerLab's reads probabilities")
      }
    }
    let metrics = flatMetrics(config["metrics"])
    let accuracyNames = ["accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy"]
    let extra = metrics.filter { !accuracyNames.contains($0) }
    if !extra.isEmpty {
      notes.append(
        "metrics " + extra.joined(separator: ", ") + " not carried over: LayerLab measures accuracy"
      )
    }
    guard let spec, let loss else {
      if optimizerEntry != nil || config["loss"] != nil {
        notes.append("the model is not compiled: compile it before fit or evaluate")
      }
      return nil
    }
    return KerasCompileSettings(
      optimizer: spec, loss: loss, accuracy: metrics.contains { accuracyNames.contains($0) })
  }

  private static func flatMetrics(_ value: JSONValue?) -> [String] {
    guard let value, !value.isNull else { return [] }
    if let name = value.string { return [name] }
    if let items = value.array { return items.flatMap { flatMetrics($0) } }
    if let name = value["class_name"]?.string { return [value["config"]?["name"]?.string ?? name] }
    if case .object(let members) = value { return members.flatMap { flatMetrics($0.1) } }
    return []
  }

  private static func optimizerSpec(_ entry: JSONValue, notes: inout [String]) -> OptimizerSpec? {
    let className = entry["class_name"]?.string ?? entry.string ?? "?"
    guard
      let kind = OptimizerSpec.Kind.allCases.first(where: {
        $0.rawValue.lowercased() == className.lowercased()
      })
    else {
      notes.append(
        "the optimizer \(SafeText.terminal(className)) is not in LayerLab (it has SGD, RMSprop, Adam)"
      )
      return nil
    }
    var spec = OptimizerSpec(kind: kind)
    let config = entry["config"] ?? .object([])
    func number(_ key: String) -> Float? { config[key]?.number.map { Float($0) } }
    if let rate = number("learning_rate") ?? number("lr"), rate > 0, rate.isFinite {
      spec.learningRate = rate
    } else if let schedule = config["learning_rate"], !schedule.isNull {
      notes.append("the learning-rate schedule is not carried over: LayerLab keeps the rate fixed")
    }
    if let v = number("momentum") { spec.momentum = v }
    if let v = config["nesterov"]?.bool { spec.nesterov = v }
    if let v = number("rho") { spec.rho = v }
    if let v = config["centered"]?.bool { spec.centered = v }
    if let v = number("beta_1") { spec.beta1 = v }
    if let v = number("beta_2") { spec.beta2 = v }
    if let v = number("epsilon") { spec.epsilon = v }
    if config["amsgrad"]?.bool == true {
      notes.append("amsgrad is not carried over: LayerLab's Adam is the plain one")
    }
    if let decay = number("decay"), decay != 0 {
      notes.append("the learning-rate decay (\(formatNumber(decay))) is not carried over")
    }
    var dropped: [String] = []
    for key in ["weight_decay", "clipnorm", "global_clipnorm", "clipvalue"] {
      if let value = config[key], !value.isNull, value.number != 0 { dropped.append(key) }
    }
    if config["use_ema"]?.bool == true { dropped.append("use_ema") }
    if !dropped.isEmpty {
      notes.append("the optimizer's " + dropped.joined(separator: ", ") + " not carried over")
    }
    return spec
  }

  // MARK: - Optimizer state

  /// An optimizer made from `spec` holding the saved `variables`, read in
  /// Keras 3's order: `iteration`, `learning_rate`, then the slots
  /// (``Optimizer/slotGroups``). nil, with a note, when they do not fit.
  static func optimizer(
    _ spec: OptimizerSpec, keras3 variables: [[Float]], for model: Sequential, notes: inout [String]
  ) -> (any Optimizer)? {
    let optimizer = spec.make()
    let parameters = model.parameters
    guard variables.count >= 2, variables[0].count == 1 else {
      notes.append("the optimizer's saved state does not fit this model: it starts afresh")
      return nil
    }
    var slots: [String: [[Float]]] = [:]
    var next = 2
    for group in optimizer.slotGroups {
      for name in group { slots[name] = [] }
      for _ in parameters {
        for name in group {
          guard next < variables.count else { break }
          slots[name, default: []].append(variables[next])
          next += 1
        }
      }
    }
    return adopt(
      optimizer, iterations: variables[0][0], slots: slots, exact: next == variables.count,
      parameters, &notes)
  }

  /// The same from Keras 2's order: Adam `[iterations] + m + v + vhat`, SGD
  /// `[iterations] + moments`, RMSprop its accumulators only.
  static func optimizer(
    _ spec: OptimizerSpec, keras2 variables: [[Float]], for model: Sequential, notes: inout [String]
  ) -> (any Optimizer)? {
    let optimizer = spec.make()
    let n = model.parameters.count
    var slots: [String: [[Float]]] = [:]
    var iterations: Float = 0
    var expected = 0
    switch spec.kind {
    case .adam:
      expected = 1 + 3 * n
      if variables.count == expected {
        iterations = variables[0].first ?? 0
        slots["momentum"] = Array(variables[1..<(1 + n)])
        slots["velocity"] = Array(variables[(1 + n)..<(1 + 2 * n)])
      }
    case .sgd:
      expected = 1 + n
      if variables.count == expected {
        iterations = variables[0].first ?? 0
        slots["momentum"] = Array(variables[1...])
      }
    case .rmsprop:
      expected = n
      if variables.count == expected { slots["velocity"] = variables }
      notes.append(
        "Keras 2's RMSprop adds epsilon outside the square root; LayerLab (as Keras 3) inside")
    }
    guard variables.count == expected else {
      notes.append("the optimizer's saved state does not fit this model: it starts afresh")
      return nil
    }
    return adopt(
      optimizer, iterations: iterations, slots: slots, exact: true, model.parameters, &notes)
  }

  private static func adopt(
    _ optimizer: any Optimizer, iterations: Float, slots: [String: [[Float]]], exact: Bool,
    _ parameters: [Parameter], _ notes: inout [String]
  ) -> (any Optimizer)? {
    guard exact, iterations >= 0, iterations < 1e9 else {
      notes.append("the optimizer's saved state does not fit this model: it starts afresh")
      return nil
    }
    do {
      try optimizer.restore(
        OptimizerState(iterations: WholeNumber.clamped(iterations), slots: slots),
        for: parameters)
    } catch {
      notes.append("the optimizer's saved state does not fit this model: it starts afresh")
      return nil
    }
    return optimizer
  }
}
