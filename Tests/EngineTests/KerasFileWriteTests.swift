import Foundation
import Testing

@testable import Engine

/// A model with every kind of weight: kernels, biases, BatchNormalization's
/// trained and moving statistics; trained one step so the optimizer has state.
func trainedKerasStyleModel(optimizer spec: OptimizerSpec) throws -> (
  Sequential, any Optimizer, Tensor
) {
  let model = Sequential(seed: 4)
  for line in [
    "Conv2D(4, (3, 3), padding='same', activation='relu', input_shape=(10, 10, 3))",
    "BatchNormalization(momentum=0.9)", "MaxPooling2D()", "Conv2D(5, (3, 3))",
    "LeakyReLU(negative_slope=0.2)",
    "GlobalAveragePooling2D()", "Dropout(0.25)", "Dense(3, activation='softmax')",
  ] {
    try model.add(LayerSpec(parsing: PyParser.parse(line)))
  }
  let x = randomTensor([6, 10, 10, 3], seed: 9).map { abs($0) }
  let optimizer = spec.make()
  _ = try model.trainStep(
    x, labels: [0, 1, 2, 0, 1, 2], loss: .categoricalCrossentropy, optimizer: optimizer)
  return (model, optimizer, x)
}

@Test(arguments: ["round.h5", "round.keras"])
func savedKerasFilesComeBackWhole(_ name: String) throws {
  var spec = OptimizerSpec(kind: .adam)
  spec.learningRate = 0.002
  let (model, optimizer, x) = try trainedKerasStyleModel(optimizer: spec)
  let path = temporaryPath(name)
  let compile = KerasCompileSettings(optimizer: spec, loss: .categoricalCrossentropy)
  try KerasFile.save(
    model, compile: compile, optimizer: optimizer, labels: ["a", "b", "c"], path: path)
  let loaded = try KerasFile.load(path: path)
  #expect(loaded.model.layers.map(\.name) == model.layers.map(\.name))
  #expect(
    loaded.model.layers.map(\.spec)
      == model.layers.map { layer in
        var spec = layer.spec
        spec.inputShape = nil
        spec.name = layer.name
        return spec
      })
  #expect(loaded.model.inputShape == model.inputShape)
  #expect(loaded.compile == compile)
  #expect(loaded.labels == ["a", "b", "c"])
  #expect(loaded.notes.isEmpty, "\(loaded.notes)")
  for (a, b) in zip(loaded.model.layers, model.layers) {
    #expect(a.weights.map(\.value) == b.weights.map(\.value), "\(a.name)")
  }
  #expect(try loaded.model.infer(x).scalars == model.infer(x).scalars)
  let restored = try #require(loaded.optimizer)
  #expect(restored.state() == optimizer.state())
}

/// A model compiled without metrics is saved with `metrics: []` (Keras
/// then reports the loss alone) and comes back so; with accuracy, as
/// `['accuracy']`.
@Test(arguments: ["nometrics.h5", "nometrics.keras"])
func compiledMetricsSurviveAKerasFile(_ name: String) throws {
  let (model, optimizer, _) = try trainedKerasStyleModel(optimizer: OptimizerSpec(kind: .adam))
  for accuracy in [false, true] {
    let path = temporaryPath(name)
    let compile = KerasCompileSettings(
      optimizer: OptimizerSpec(kind: .adam), loss: .categoricalCrossentropy, accuracy: accuracy)
    try KerasFile.save(model, compile: compile, optimizer: optimizer, labels: [], path: path)
    let loaded = try KerasFile.load(path: path)
    #expect(loaded.compile?.accuracy == accuracy, "\(name), accuracy \(accuracy)")
    #expect(loaded.compile == compile)
  }
}

@Test(arguments: [OptimizerSpec.Kind.sgd, .rmsprop, .adam])
func everyOptimizersStateSurvivesAKerasFile(_ kind: OptimizerSpec.Kind) throws {
  var spec = OptimizerSpec(kind: kind)
  spec.momentum = kind == .adam ? 0 : 0.5
  spec.centered = kind == .rmsprop
  let (model, optimizer, _) = try trainedKerasStyleModel(optimizer: spec)
  for name in ["state.keras", "state.h5"] {
    let path = temporaryPath("\(kind)-\(name)")
    try KerasFile.save(
      model, compile: KerasCompileSettings(optimizer: spec, loss: .sparseCategoricalCrossentropy),
      optimizer: optimizer, path: path)
    let loaded = try KerasFile.load(path: path)
    #expect(loaded.compile?.optimizer == spec, "\(name)")
    #expect(loaded.optimizer?.state() == optimizer.state(), "\(name)")
  }
}

@Test func weightsFilesRoundTripInBothLayouts() throws {
  let (model, optimizer, x) = try trainedKerasStyleModel(optimizer: OptimizerSpec(kind: .adam))
  for name in ["w.weights.h5", "w_legacy.h5"] {
    let path = temporaryPath(name)
    try KerasFile.saveWeights(model, optimizer: optimizer, path: path)
    let other = Sequential(seed: 99)
    for layer in model.layers {
      var spec = layer.spec
      spec.name = layer.name
      try other.add(spec)
    }
    #expect(try other.infer(x).scalars != model.infer(x).scalars)
    let kind = try KerasFile.loadWeights(into: other, path: path)
    #expect(kind == (name.hasSuffix(".weights.h5") ? "Keras 3 weights" : "Keras 2 weights"))
    #expect(try other.infer(x).scalars == model.infer(x).scalars, "\(name)")
  }
}

@Test func theModelConfigIsWhatKerasReads() throws {
  let (model, _, _) = try trainedKerasStyleModel(optimizer: OptimizerSpec(kind: .adam))
  let config = KerasH5.modelConfig(model, input: [10, 10, 3], style: .legacyH5)
  let layers = try #require(config["config"]?["layers"]?.array)
  // An InputLayer first, so Keras 3 reads it (it cannot read Keras 2's
  // batch_input_shape on a Conv2D) and Keras 2.2.4 too.
  #expect(layers.first?["class_name"] == .string("InputLayer"))
  #expect(layers.first?["config"]?["batch_input_shape"]?.text == "[null, 10, 10, 3]")
  #expect(layers[2]["config"]?["momentum"]?.text == "0.9")
  // Keras 2.2.4's LeakyReLU takes alpha; the .keras config says negative_slope.
  #expect(layers[5]["config"]?["alpha"]?.text == "0.2")
  #expect(layers[5]["config"]?["negative_slope"] == nil)
  // Keras 2.2.4's global poolings have no keepdims: at its default it is left out.
  #expect(layers[6]["config"]?["keepdims"] == nil)
  let keras3 = KerasH5.modelConfig(model, input: [10, 10, 3], style: .keras3)
  let keras3Layers = try #require(keras3["config"]?["layers"]?.array)
  #expect(keras3Layers[5]["config"]?["negative_slope"]?.text == "0.2")
  #expect(keras3Layers[6]["config"]?["keepdims"] == .bool(false))
  #expect(keras3Layers[2]["config"]?["momentum"]?.text == "0.9")
  // Read back through the same mapping.
  var notes: [String] = []
  let rebuilt = try KerasModelFile.sequential(from: keras3, source: "x", seed: 0, notes: &notes)
  #expect(rebuilt.layers.map(\.name) == model.layers.map(\.name))
  #expect(notes.isEmpty)
  // At the default learning rate the rate is left out, so Keras 2.2.4 (lr) and 3 (learning_rate) agree.
  let plain = KerasH5.trainingConfig(
    KerasCompileSettings(optimizer: OptimizerSpec(kind: .adam), loss: .categoricalCrossentropy))
  #expect(plain["optimizer_config"]?["config"]?["learning_rate"] == nil)
  #expect(plain["sample_weight_mode"] == .null)
}

// MARK: - With real Keras (opt-in)

private func interopFolder() throws -> String { try makeTempFolder() }

/// LayerLab's prediction, layer names and compile settings, for check_layerlab_file.py.
private func writeExpected(
  _ model: Sequential, input: Tensor, compile: KerasCompileSettings?, to path: String
) throws {
  func bytes(_ text: String) -> NDArray {
    let utf8 = Array(text.utf8)
    return NDArray(validShape: [utf8.count], storage: .uint8(utf8))
  }
  var arrays: [(name: String, array: NDArray)] = [
    ("input", NDArray(tensor: input)), ("output", NDArray(tensor: try model.predict(input))),
    ("names", bytes(model.layers.map(\.name).joined(separator: ","))),
  ]
  if let compile {
    arrays += [
      ("loss", bytes(compile.loss.rawValue)), ("optimizer", bytes(compile.optimizer.kind.rawValue)),
      ("metrics", bytes(compile.accuracy ? "accuracy" : "")),
      (
        "learning_rate",
        NDArray(validShape: [], storage: .float64([Double(compile.optimizer.learningRate)]))
      ),
    ]
  }
  try Npz.write(arrays, path: path)
}

private let checker = fixture("keras/check_layerlab_file.py")

/// With a Python that has Keras 3 (LAYERLAB_KERAS_PYTHON), every file
/// LayerLab writes opens in keras.saving.load_model with the same layer
/// names, the same compile settings and the same predictions.
@Test(.enabled(if: ProcessInfo.processInfo.environment["LAYERLAB_KERAS_PYTHON"] != nil))
func keras3OpensWhatLayerLabWrites() throws {
  let python = try #require(ProcessInfo.processInfo.environment["LAYERLAB_KERAS_PYTHON"])
  let folder = try interopFolder()
  var spec = OptimizerSpec(kind: .adam)
  spec.learningRate = 0.0005
  let (model, optimizer, x) = try trainedKerasStyleModel(optimizer: spec)
  let seed = try seedNetwork(height: 16, width: 14, classes: 4, seed: 3)
  // The seed network compiled without metrics: Keras's evaluate then gives a number.
  for (label, net, input, accuracy) in [
    ("bn", model, x, true),
    ("seed", seed, randomTensor([2, 16, 14, 3], seed: 8).map { abs($0) }, false),
  ] {
    let compile = KerasCompileSettings(
      optimizer: spec, loss: .categoricalCrossentropy, accuracy: accuracy)
    let expected = "\(folder)/\(label)-expected.npz"
    try writeExpected(net, input: input, compile: compile, to: expected)
    for name in ["\(label).h5", "\(label).keras"] {
      try KerasFile.save(
        net, compile: compile, optimizer: net === model ? optimizer : nil, path: "\(folder)/\(name)"
      )
      let result = try #require(runPython(python, [checker, "\(folder)/\(name)", expected]))
      #expect(result.status == 0, "\(name): \(result.output)")
      #expect(result.output.contains("same predictions"), "\(name): \(result.output)")
    }
    try KerasFile.saveWeights(net, optimizer: nil, path: "\(folder)/\(label).weights.h5")
    let result = try #require(
      runPython(
        python, [checker, "\(folder)/\(label).weights.h5", expected, "\(folder)/\(label).keras"]))
    #expect(result.status == 0, "\(label).weights.h5: \(result.output)")
  }
}

/// With the blog's Keras 2.2.4 (LAYERLAB_KERAS2_PYTHON: Python 3.7 with
/// tensorflow 1.14, keras 2.2.4, h5py 2.10), the seed network LayerLab saves
/// as .h5 opens in keras.models.load_model, compiled, and predicts the same.
@Test(.enabled(if: ProcessInfo.processInfo.environment["LAYERLAB_KERAS2_PYTHON"] != nil))
func keras224OpensTheH5LayerLabWrites() throws {
  let python = try #require(ProcessInfo.processInfo.environment["LAYERLAB_KERAS2_PYTHON"])
  let folder = try interopFolder()
  let seed = try seedNetwork(height: 16, width: 14, classes: 4, seed: 3)
  let compile = KerasCompileSettings(
    optimizer: OptimizerSpec(kind: .adam), loss: .categoricalCrossentropy)
  let input = randomTensor([2, 16, 14, 3], seed: 8).map { abs($0) }
  // Trained a step, so the file carries Adam's state in Keras 3's layout,
  // which Keras 2.2.4 skips with a warning (its Adam keeps one more slot).
  let optimizer = compile.optimizer.make()
  _ = try seed.trainStep(input, labels: [0, 3], loss: compile.loss, optimizer: optimizer)
  try writeExpected(seed, input: input, compile: compile, to: "\(folder)/expected.npz")
  try KerasFile.save(
    seed, compile: compile, optimizer: optimizer, path: "\(folder)/creatures_cnn.h5")
  let result = try #require(
    runPython(python, [checker, "\(folder)/creatures_cnn.h5", "\(folder)/expected.npz"]))
  #expect(result.status == 0, "\(result.output)")
  #expect(result.output.contains("same predictions"), "\(result.output)")
  // Compiled without metrics: Keras 2.2.4's evaluate gives the loss alone.
  var plain = compile
  plain.accuracy = false
  try writeExpected(seed, input: input, compile: plain, to: "\(folder)/plain-expected.npz")
  try KerasFile.save(seed, compile: plain, optimizer: nil, path: "\(folder)/plain.h5")
  let second = try #require(
    runPython(python, [checker, "\(folder)/plain.h5", "\(folder)/plain-expected.npz"]))
  #expect(second.status == 0, "\(second.output)")
  #expect(second.output.contains("evaluate gives a number"), "\(second.output)")
}
