import Foundation
import Testing

@testable import Engine

/// What Keras computed from its own fixture files (make_keras2_fixtures.py,
/// make_keras3_fixtures.py): every layer's output for one image, evaluate()
/// on a test set, and the weights after one more epoch of fit().
struct KerasExpected {
  let arrays: [String: NDArray]

  init(arrays: [String: NDArray]) { self.arrays = arrays }

  init(_ file: String) throws {
    let read = try Npz.read(path: fixture("keras/\(file)"))
    arrays = Dictionary(read.map { ($0.name, $0.array) }, uniquingKeysWith: { a, _ in a })
  }

  func tensor(_ name: String) throws -> Tensor {
    try #require(arrays[name], "no \(name)").tensor()
  }

  /// Class numbers from one-hot rows or from numbers.
  func labels(_ name: String) throws -> [Int] {
    let t = try tensor(name)
    guard t.shape.rank == 2 else { return t.scalars.map { Int($0) } }
    let classes = t.shape[1]
    return (0..<t.shape[0]).map { row in
      let slice = t.scalars[(row * classes)..<((row + 1) * classes)]
      return (slice.firstIndex(of: slice.max() ?? 0) ?? 0) - row * classes
    }
  }
}

/// The largest |a − b| over max(1, largest |b|).
func scaledGap(_ a: Tensor, _ b: Tensor) -> Float {
  guard a.count == b.count else { return .infinity }
  let scale = max(1, b.scalars.map(abs).max() ?? 0)
  return (zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0) / scale
}

/// Every layer's output for the fixture's image, against Keras's.
func expectSameLayerOutputs(
  _ model: Sequential, _ expected: KerasExpected, prefix: String, tolerance: Float = 1e-4,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let input = try expected.tensor("\(prefix)/input")
  try model.forward(input, mode: .inference)
  for (layer, output) in zip(model.layers, model.lastOutputs) {
    let keras = try expected.tensor("\(prefix)/\(layer.name)")
    #expect(output.shape == keras.shape, "\(layer.name)", sourceLocation: sourceLocation)
    let gap = scaledGap(output, keras)
    #expect(gap < tolerance, "\(layer.name): gap \(gap)", sourceLocation: sourceLocation)
  }
}

/// evaluate() as Keras's on the fixture's test set.
func expectKerasScores(
  _ loaded: LoadedKerasModel, _ expected: KerasExpected, prefix: String,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let compile = try #require(loaded.compile, sourceLocation: sourceLocation)
  let scores = try loaded.model.evaluate(
    try expected.tensor("\(prefix)/x_test"), labels: try expected.labels("\(prefix)/y_test"),
    loss: compile.loss)
  let keras = try expected.tensor("\(prefix)/evaluate").scalars
  #expect(
    abs(scores.loss - keras[0]) < 1e-5, "loss \(scores.loss) vs \(keras[0])",
    sourceLocation: sourceLocation)
  #expect(abs(scores.accuracy - keras[1]) < 1e-6, "accuracy", sourceLocation: sourceLocation)
}

@Test func theBlogsNetworkSavedByKeras224Loads() throws {
  let path = fixture("keras/keras2_blog.h5")
  let loaded = try KerasFile.load(path: path)
  let expected = try KerasExpected("keras2_expected.npz")
  #expect(loaded.kerasVersion == "2.2.4")
  // Layer names come from the file: Keras 2 counted from 1.
  #expect(
    loaded.model.layers.map(\.name) == [
      "conv2d_1", "activation_1", "conv2d_2", "activation_2", "max_pooling2d_1", "dropout_1",
      "conv2d_3", "activation_3", "conv2d_4", "activation_4", "max_pooling2d_2", "dropout_2",
      "flatten_1", "dense_1", "activation_5", "dropout_3", "dense_2", "activation_6",
    ])
  #expect(loaded.model.inputShape == [16, 16, 3])
  try expectSameLayerOutputs(loaded.model, expected, prefix: "blog")
  // keras.optimizers.adam() with Keras 2's lr spelling; its state after one step.
  #expect(loaded.compile?.optimizer.kind == .adam)
  #expect(loaded.compile?.optimizer.learningRate == 0.001)
  #expect(loaded.compile?.loss == .categoricalCrossentropy)
  let adam = try #require(loaded.optimizer as? Adam)
  #expect(adam.iterations == 1)
  #expect(adam.state()?.slots["momentum"]?.count == loaded.model.parameters.count)
  #expect(loaded.notes.isEmpty, "\(loaded.notes)")
  try expectKerasScores(loaded, expected, prefix: "blog")
}

@Test(arguments: ["keras3_small.keras", "keras3_small.h5"])
func keras3FilesWithBatchNormalizationAndGlobalPoolingLoad(_ file: String) throws {
  let loaded = try KerasFile.load(path: fixture("keras/\(file)"))
  let expected = try KerasExpected("keras3_expected.npz")
  #expect(loaded.kerasVersion.hasPrefix("3."))
  #expect(
    loaded.model.layers.map(\.name) == [
      "conv2d", "batch_normalization", "max_pooling2d", "conv2d_1", "leaky_re_lu",
      "global_average_pooling2d", "dense",
    ])
  let norm = try #require(loaded.model.layers[1] as? BatchNormalization)
  #expect(norm.movingMean?.value.scalars != [0, 0, 0, 0, 0, 0], "the moving statistics came along")
  try expectSameLayerOutputs(loaded.model, expected, prefix: "small")
  #expect(loaded.compile?.optimizer.kind == .adam)
  #expect(loaded.compile?.optimizer.learningRate == 0.003)
  try expectKerasScores(loaded, expected, prefix: "small")
  // fit continues where Keras stopped: Adam's moments and step count came along.
  let adam = try #require(loaded.optimizer as? Adam)
  #expect(adam.iterations == 4)
  try expectFitContinuesAsKeras(loaded, expected, prefix: "small")
}

@Test func aKeras3FileWithTheOtherActivationsLoads() throws {
  let loaded = try KerasFile.load(path: fixture("keras/keras3_mixed.keras"))
  let expected = try KerasExpected("keras3_expected.npz")
  try expectSameLayerOutputs(loaded.model, expected, prefix: "mixed")
  #expect(loaded.compile?.loss == .sparseCategoricalCrossentropy)
  #expect(loaded.compile?.optimizer.kind == .sgd)
  #expect(loaded.compile?.optimizer.momentum == 0.9)
  try expectKerasScores(loaded, expected, prefix: "mixed")
  try expectFitContinuesAsKeras(loaded, expected, prefix: "mixed")
}

/// One epoch on one fixed batch from the loaded optimizer state; every
/// weight (the moving statistics too) against Keras's after the same epoch.
func expectFitContinuesAsKeras(
  _ loaded: LoadedKerasModel, _ expected: KerasExpected, prefix: String,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let compile = try #require(loaded.compile, sourceLocation: sourceLocation)
  let optimizer = try #require(loaded.optimizer, sourceLocation: sourceLocation)
  let x = try expected.tensor("\(prefix)/fit_x")
  let y = try expected.labels("\(prefix)/fit_y")
  let result = try loaded.model.fit(
    x, labels: y, loss: compile.loss, optimizer: optimizer,
    options: FitOptions(epochs: 1, batchSize: x.shape[0], shuffle: false))
  #expect(result.outcome == .completed, sourceLocation: sourceLocation)
  for layer in loaded.model.layers {
    for (index, weight) in layer.weights.enumerated() {
      let keras = try expected.tensor("\(prefix)/after_fit/\(layer.name)/\(index)")
      let gap = scaledGap(weight.value, keras)
      #expect(
        gap < 1e-4, "\(layer.name)/\(weight.name): gap \(gap)", sourceLocation: sourceLocation)
    }
  }
}

@Test func weightsFilesLoadIntoTheSameLayers() throws {
  let expected = try KerasExpected("keras3_expected.npz")
  // Keras 3's model.save_weights("x.weights.h5"), into fresh weights.
  let small = try KerasFile.load(path: fixture("keras/keras3_small.keras")).model
  try small.reinitialize()
  #expect(
    try KerasFile.loadWeights(into: small, path: fixture("keras/keras3_small.weights.h5"))
      == "Keras 3 weights")
  try expectSameLayerOutputs(small, expected, prefix: "small")
  // Keras 2's model.save_weights("x.h5"), matched by order as Keras 2 does.
  let blog = try KerasFile.load(path: fixture("keras/keras2_blog.h5")).model
  try blog.reinitialize()
  #expect(
    try KerasFile.loadWeights(into: blog, path: fixture("keras/keras2_blog.weights.h5"))
      == "Keras 2 weights")
  try expectSameLayerOutputs(blog, try KerasExpected("keras2_expected.npz"), prefix: "blog")
  // A .keras and a whole-model .h5 give their weights too.
  try small.reinitialize()
  try KerasFile.loadWeights(into: small, path: fixture("keras/keras3_small.h5"))
  try expectSameLayerOutputs(small, expected, prefix: "small")
}

/// The blog's network at its real size (100x100x3, Dense(512): 17 million
/// weights), saved by Keras 2.2.4 with `make_keras2_fixtures.py --full
/// FOLDER`: too big to commit, so opt-in with LAYERLAB_BLOG_FOLDER=FOLDER.
@Test(.enabled(if: ProcessInfo.processInfo.environment["LAYERLAB_BLOG_FOLDER"] != nil))
func theBlogsFullSizeFileLoads() throws {
  let folder = try #require(ProcessInfo.processInfo.environment["LAYERLAB_BLOG_FOLDER"])
  let loaded = try KerasFile.load(path: "\(folder)/creatures_cnn.h5")
  let read = try Npz.read(path: "\(folder)/expected.npz")
  let expected = KerasExpected(
    arrays: Dictionary(read.map { ($0.name, $0.array) }, uniquingKeysWith: { a, _ in a }))
  #expect(loaded.model.inputShape == [100, 100, 3])
  #expect(loaded.model.parameterCount == 17_403_430)
  try expectSameLayerOutputs(loaded.model, expected, prefix: "blog")
  try expectKerasScores(loaded, expected, prefix: "blog")
  #expect((loaded.optimizer as? Adam)?.iterations == 1)
}
