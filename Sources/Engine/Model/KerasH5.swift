import Foundation

/// Keras's legacy HDF5 model file (`model.save("x.h5")`), as Keras 2.x
/// and Keras 3 write it:
///
///     /  attrs keras_version, backend, model_config (JSON), training_config (JSON)
///     /model_weights  attrs layer_names; per layer a group with weight_names
///                     and one dataset per name (`conv2d_1/kernel:0` in Keras 2,
///                     `sequential/conv2d/kernel` in Keras 3)
///     /optimizer_weights  attrs weight_names; one dataset per name
///
/// A weights-only file (`model.save_weights("x.h5")` in Keras 2) has
/// `layer_names` and the layer groups at the root. Weights go to the layers
/// that have weights in order, as Keras's `load_weights_from_hdf5_group`
/// matches them (keras/src/legacy/saving/legacy_h5_format.py).
enum KerasH5 {
  /// Keras 2.2.4 and Keras 3 both open what LayerLab writes; the version
  /// written is the one whose layout it follows.
  static let writtenVersion = "3.15.1"
  static let maxFileBytes = 4 << 30

  static func bytes(_ path: String) throws(EngineError) -> Data {
    try FileBytes.read(path: path, maxBytes: maxFileBytes)
  }

  /// Reads a whole model: architecture, weights, compile settings and optimizer state.
  static func load(path: String, seed: UInt64) throws(EngineError) -> LoadedKerasModel {
    try load(data: try bytes(path), source: path, seed: seed)
  }

  /// ``load(path:seed:)`` for a file's bytes already read (the fuzzer's
  /// way in, with a shorter check); `source` names it in errors.
  static func load(
    data: Data, source path: String, seed: UInt64, check: HDF5.CheckLimits = .standard
  ) throws(EngineError) -> LoadedKerasModel {
    try HDF5.reading(data, source: path, limits: check) { (root) throws(EngineError) in
      guard let configText = try root.text("model_config") else {
        let legacyWeights = try root.nameList("layer_names") != nil
        let keras3Weights = try root.group("layers") != nil
        if legacyWeights || keras3Weights {
          throw .file(
            path: path,
            message:
              "it holds weights only (model.save_weights): build the same layers, then model.load_weights(\"\(SafeText.terminal(path))\")"
          )
        }
        throw .file(path: path, message: "not a Keras model file (no model_config inside)")
      }
      let version = try root.text("keras_version") ?? "unknown"
      var notes: [String] = []
      let config = try KerasModelFile.json(configText, what: "model_config", source: path)
      let model = try KerasModelFile.sequential(
        from: config, source: path, seed: seed, notes: &notes)
      guard let weightsGroup = try root.group("model_weights") else {
        throw .file(path: path, message: "it has no model_weights: the file is incomplete")
      }
      let updates = try legacyWeights(weightsGroup, for: model)
      apply(updates, to: model)
      var compile: KerasCompileSettings?
      var optimizer: (any Optimizer)?
      if let text = try root.text("training_config") {
        let training = try KerasModelFile.json(text, what: "training_config", source: path)
        compile = KerasModelFile.compileSettings(training, notes: &notes)
        if let compile, let variables = try optimizerVariables(root, for: model) {
          optimizer =
            version.hasPrefix("2.") || version.hasPrefix("1.")
            ? KerasModelFile.optimizer(
              compile.optimizer, keras2: variables, for: model, notes: &notes)
            : KerasModelFile.optimizer(
              compile.optimizer, keras3: variables, for: model, notes: &notes)
        }
      }
      if version.hasPrefix("2."), model.layers.contains(where: { usesHardSigmoid($0) }) {
        notes.append(
          "hard_sigmoid is Keras 3's here, relu6(x + 3) / 6; Keras \(version) computed clip(0.2 x + 0.5, 0, 1)"
        )
      }
      let labels = try root.text("layerlab_labels").map { Self.labels($0) } ?? []
      var loaded = LoadedKerasModel(
        model: model, compile: compile, optimizer: optimizer, labels: labels, notes: notes,
        kerasVersion: version)
      loaded.writtenByLayerLab = try root.text("written_by") == "LayerLab"
      return loaded
    }
  }

  static func usesHardSigmoid(_ layer: any Layer) -> Bool {
    layer.spec.activation == .hardSigmoid
      && [.activation, .conv2D, .dense].contains(layer.spec.kind)
  }

  static func labels(_ text: String) -> [String] {
    text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  }

  /// The new value of each weight from a legacy group (`model_weights`, or
  /// the root of a weights-only file), checked whole.
  static func legacyWeights(_ group: HDF5Group, for model: Sequential) throws(EngineError) -> [(
    Parameter, Tensor
  )] {
    let source = group.handles.source
    guard let names = try group.nameList("layer_names") else {
      throw .file(path: source, message: "not a Keras weights file (no layer_names)")
    }
    var fileLayers: [(name: String, weights: [String])] = []
    for name in names {
      guard let layerGroup = try group.group(name) else {
        throw .file(
          path: source, message: "the layer '\(SafeText.terminal(name))' is listed but missing")
      }
      let weightNames = try layerGroup.nameList("weight_names") ?? []
      if !weightNames.isEmpty { fileLayers.append((name, weightNames)) }
    }
    let modelLayers = model.layers.filter { !$0.weights.isEmpty }
    guard fileLayers.count == modelLayers.count else {
      throw .weightsMismatch(
        "\(source) has weights for \(fileLayers.count) layers but the model has \(modelLayers.count) layers with weights: it was saved from a different model (see 'summary')"
      )
    }
    var updates: [(Parameter, Tensor)] = []
    for (fileLayer, layer) in zip(fileLayers, modelLayers) {
      let weights = layer.weights
      guard fileLayer.weights.count == weights.count else {
        throw .weightsMismatch(
          "\(source): '\(SafeText.terminal(fileLayer.name))' has \(fileLayer.weights.count) weights but \(layer.name) (\(layer.typeName)) has \(weights.count): it was saved from a different model"
        )
      }
      guard let layerGroup = try group.group(fileLayer.name) else { continue }
      for (weightName, parameter) in zip(fileLayer.weights, weights) {
        updates.append(
          (
            parameter,
            try KerasWeightsFile.readWeight(
              layerGroup, weightName, as: parameter, label: "\(layer.name)/\(parameter.name)")
          ))
      }
    }
    return updates
  }

  /// `optimizer_weights` in the order its `weight_names` lists them, each
  /// no larger than the model's biggest weight; nil when there are none.
  static func optimizerVariables(_ root: HDF5Group, for model: Sequential) throws(EngineError)
    -> [[Float]]?
  {
    guard let group = try root.group("optimizer_weights"),
      let names = try group.nameList("weight_names"), !names.isEmpty
    else { return nil }
    guard names.count <= 4 * model.parameters.count + 4 else { return [] }
    let largest = model.parameters.map(\.value.count).max() ?? 1
    var result: [[Float]] = []
    for name in names {
      guard let shape = try group.datasetShape(name) else { return [] }
      let size = shape.reduce(1) {
        $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1
      }
      guard size <= largest, let read = try group.floats(name, expected: size),
        read.values.allSatisfy(\.isFinite)
      else { return [] }
      result.append(read.values)
    }
    return result
  }

  /// Puts checked values into the model (after every one was read).
  static func apply(_ updates: [(Parameter, Tensor)], to model: Sequential) {
    for (parameter, value) in updates {
      parameter.value = value
      parameter.zeroGradient()
    }
    model.clearPass()
  }

  // MARK: - Writing

  /// The file's bytes: what Keras 3's `load_model` and Keras 2.2.4's open.
  static func encode(
    _ model: Sequential, compile: KerasCompileSettings?, optimizer: (any Optimizer)?,
    labels: [String], source: String
  ) throws(EngineError) -> Data {
    guard let inputShape = model.inputShape, !model.layers.isEmpty else { throw .noLayers }
    let config = modelConfig(model, input: inputShape, style: .legacyH5)
    return try HDF5.writing(source: source) { (root) throws(EngineError) in
      try root.setText("keras_version", [writtenVersion])
      try root.setText("backend", ["tensorflow"])
      try root.setText("written_by", ["LayerLab"])
      try root.setText("model_config", [config.text])
      if let compile {
        try root.setText("training_config", [trainingConfig(compile).text])
      }
      if !labels.isEmpty { try root.setText("layerlab_labels", [labels.joined(separator: ",")]) }
      let weights = try root.makeGroup("model_weights")
      try weights.setText("layer_names", model.layers.map(\.name), list: true)
      try weights.setText("backend", ["tensorflow"])
      try weights.setText("keras_version", [writtenVersion])
      try writeLegacyLayers(model, into: weights)
      if compile != nil, let optimizer, let state = optimizer.state() {
        let group = try root.makeGroup("optimizer_weights")
        let prefix = optimizer.name
        var names = ["\(prefix)/iteration", "\(prefix)/learning_rate"]
        let slots = KerasWeightsFile.slotsInKerasOrder(optimizer, state, model.parameters)
        let owners = model.layers.flatMap { layer in layer.parameters.map { (layer.name, $0.name) }
        }
        for slot in slots {
          let owner = owners[slot.weight]
          names.append("\(prefix)/\(model.name)_\(owner.0)_\(owner.1)_\(slot.name)")
        }
        try group.setText("weight_names", names, list: true)
        try group.writeInteger(names[0], Int64(state.iterations), bits32: true)
        try group.writeFloats(names[1], shape: [], values: [optimizer.learningRate])
        for (name, slot) in zip(names.dropFirst(2), slots) {
          try group.writeFloats(name, shape: slot.shape.dims, values: slot.values)
        }
      }
    }
  }

  /// One group per layer with `weight_names` (`conv2d/kernel:0`, as Keras 2) and its datasets.
  static func writeLegacyLayers(_ model: Sequential, into group: HDF5Group) throws(EngineError) {
    for layer in model.layers {
      let layerGroup = try group.makeGroup(layer.name)
      let names = layer.weights.map { "\(layer.name)/\($0.name):0" }
      try layerGroup.setText("weight_names", names, list: true)
      for (name, weight) in zip(names, layer.weights) {
        try layerGroup.writeFloats(
          name, shape: weight.value.shape.dims, values: weight.value.scalars)
      }
    }
  }

  /// `{"class_name": "Sequential", "config": {"name": …, "layers": [InputLayer, …]}}`.
  /// An InputLayer comes first: Keras 3 cannot read Keras 2's
  /// `batch_input_shape` on the first layer, and Keras 2.2.4 takes an InputLayer too.
  static func modelConfig(_ model: Sequential, input: Shape, style: KerasLayerConfig.Style)
    -> JSONValue
  {
    var entries: [JSONValue] = []
    let inputConfig: [(String, JSONValue)] =
      style == .keras3
      ? [
        ("batch_shape", KerasLayerConfig.batchShape(input)), ("dtype", .string("float32")),
        ("sparse", .bool(false)), ("name", .string("input_layer")),
      ]
      : [
        ("batch_input_shape", KerasLayerConfig.batchShape(input)), ("dtype", .string("float32")),
        ("sparse", .bool(false)), ("name", .string("input_layer")),
      ]
    entries.append(
      style == .keras3
        ? .object([
          ("module", .string("keras.layers")), ("class_name", .string("InputLayer")),
          ("config", .object(inputConfig)), ("registered_name", .null),
        ])
        : .object([("class_name", .string("InputLayer")), ("config", .object(inputConfig))]))
    var current = input
    for (layer, output) in zip(model.layers, model.outputShapes) {
      entries.append(KerasLayerConfig.entry(for: layer, input: current, style: style))
      current = output
    }
    var config: [(String, JSONValue)] = [
      ("name", .string(model.name)), ("trainable", .bool(true)), ("layers", .array(entries)),
    ]
    var top: [(String, JSONValue)] = []
    if style == .keras3 {
      config.insert(("dtype", .string("float32")), at: 2)
      top.append(("module", .string("keras")))
    }
    top += [("class_name", .string("Sequential")), ("config", .object(config))]
    if style == .keras3 {
      top.append(("registered_name", .null))
      top.append(("build_config", .object([("input_shape", KerasLayerConfig.batchShape(input))])))
    }
    return .object(top)
  }

  /// Keras's `training_config`: what both Keras 2.2.4 (which indexes every
  /// key below) and Keras 3 compile from.
  static func trainingConfig(_ compile: KerasCompileSettings) -> JSONValue {
    .object([
      ("optimizer_config", optimizerConfig(compile.optimizer, keras3Names: false)),
      ("loss", .string(compile.loss.rawValue)), ("metrics", metricsConfig(compile)),
      ("weighted_metrics", .null), ("sample_weight_mode", .null), ("loss_weights", .null),
    ])
  }

  /// `["accuracy"]`, or `[]` for a model compiled without metrics.
  static func metricsConfig(_ compile: KerasCompileSettings) -> JSONValue {
    .array(compile.accuracy ? [.string("accuracy")] : [])
  }

  /// `{"class_name": "Adam", "config": {…}}`. Keras 2.2.4 spells the rate
  /// `lr` and refuses `learning_rate`; Keras 3 the other way round. At the
  /// default rate (the same in both) it is left out, so both read the file;
  /// otherwise Keras 3's spelling wins.
  static func optimizerConfig(_ spec: OptimizerSpec, keras3Names: Bool) -> JSONValue {
    var config: [(String, JSONValue)] = []
    if keras3Names { config.append(("name", .string(spec.make().name))) }
    if keras3Names || spec.learningRate != OptimizerSpec(kind: spec.kind).learningRate {
      config.append(("learning_rate", JSONValue(spec.learningRate)))
    }
    switch spec.kind {
    case .adam:
      config += [
        ("beta_1", JSONValue(spec.beta1)), ("beta_2", JSONValue(spec.beta2)),
        ("epsilon", JSONValue(spec.epsilon)), ("amsgrad", .bool(false)),
      ]
    case .sgd:
      config += [("momentum", JSONValue(spec.momentum)), ("nesterov", .bool(spec.nesterov))]
    case .rmsprop:
      config += [("rho", JSONValue(spec.rho)), ("epsilon", JSONValue(spec.epsilon))]
      if keras3Names || spec.momentum != 0 || spec.centered {
        config += [("momentum", JSONValue(spec.momentum)), ("centered", .bool(spec.centered))]
      }
    }
    return KerasLayerConfig.objectEntry(
      spec.kind.rawValue, module: "keras.optimizers", config, keras3Names ? .keras3 : .legacyH5)
  }
}
