import Foundation
import Testing

@testable import Engine

func temporaryPath(_ name: String) -> String {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
    "layerlab-tests-\(getpid())")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  return dir.appendingPathComponent(name).path
}

@Test func modelFileKeepsArchitectureWeightsAndLabels() throws {
  let model = try seedNetwork(height: 12, width: 12, classes: 3, seed: 4)
  let path = temporaryPath("seed.npz")
  try ModelFile.save(model, extras: .init(labels: ["a", "b", "c"]), path: path)
  let (loaded, extras) = try ModelFile.load(path: path)
  #expect(extras.labels == ["a", "b", "c"])
  #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
  func plain(_ layer: any Layer) -> String {
    var spec = layer.spec
    spec.inputShape = nil
    spec.name = nil
    return spec.expression
  }
  #expect(loaded.layers.map(plain) == model.layers.map(plain))
  #expect(loaded.inputShape == [12, 12, 3])
  let x = randomTensor([2, 12, 12, 3], seed: 1)
  #expect(try loaded.forward(x, mode: .inference) == model.forward(x, mode: .inference))
  // numpy can read it: the architecture is a uint8 array, weights float32.
  let arrays = try Npz.read(path: path)
  #expect(arrays.contains { $0.name == "conv2d/kernel" && $0.array.shape == [3, 3, 3, 32] })
}

@Test func loadingMismatchedWeightsChangesNothing() throws {
  let model = try seedNetwork(height: 12, width: 12, classes: 3, seed: 4)
  let other = try seedNetwork(height: 12, width: 12, classes: 5, seed: 9)
  let before = model.weightArrays()
  do {
    try model.loadWeights(other.weightArrays(), source: "other.npz")
    Issue.record("expected a refusal")
  } catch {
    #expect(
      "\(error)" == "other.npz: 'dense_1/kernel' is shaped (512, 5) but the model needs (512, 3)")
  }
  #expect(model.weightArrays().map(\.array) == before.map(\.array))
  var missing = other.weightArrays()
  missing.removeFirst()
  #expect(
    throws: EngineError.weightsMismatch(
      "w.npz has no 'conv2d/kernel': it was saved from a different model (see 'summary')")
  ) {
    try model.loadWeights(missing, source: "w.npz")
  }
  // The same model's weights load back exactly.
  let clone = try seedNetwork(height: 12, width: 12, classes: 3, seed: 99)
  try clone.loadWeights(before, source: "w.npz")
  #expect(clone.weightArrays().map(\.array) == before.map(\.array))
}

@Test func aCorruptModelFileIsRefused() throws {
  let path = temporaryPath("corrupt.npz")
  try Data("not a zip".utf8).write(to: URL(fileURLWithPath: path))
  #expect(throws: EngineError.self) { try ModelFile.load(path: path) }
  let weightsOnly = temporaryPath("weights.npz")
  try Npz.write(
    try seedNetwork(height: 12, width: 12, classes: 2).weightArrays(), path: weightsOnly)
  #expect(throws: EngineError.self) { try ModelFile.load(path: weightsOnly) }
}

/// Labels come from folder names, which may hold commas and line breaks;
/// written as they are, they broke the one-line `labels` entry (a newline
/// started a line the loader could not understand, so the saved model
/// could not be loaded again).
@Test func labelsWithCommasAndNewlinesStillLoad() throws {
  let model = try seedNetwork(height: 12, width: 12, classes: 3, seed: 4)
  let path = temporaryPath("odd-labels.npz")
  try ModelFile.save(model, extras: .init(labels: ["a,b", "c\nd", "e"]), path: path)
  let (_, extras) = try ModelFile.load(path: path)
  #expect(extras.labels == ["a,b", "c\\nd", "e"])
}

/// A model file's layers are built in one pass and bounded: 20,000 layers
/// (103 s before, the checks were quadratic) are refused at once, 1,000 load.
@Test func modelFilesAreBoundedInLayers() throws {
  func file(_ count: Int) throws -> String {
    let lines = (0..<count).map { "dropout_\($0) = Dropout(0.5)" }.joined(separator: "\n")
    let text = Array("layerlab-model 1\ninput_shape (4, 4, 1)\n\(lines)\n".utf8)
    let path = temporaryPath("layers-\(count).npz")
    try Npz.write(
      [(name: "architecture", array: NDArray(validShape: [text.count], storage: .uint8(text)))],
      path: path, compression: .deflate)
    return path
  }
  #expect(try ModelFile.load(path: file(1_000)).0.layers.count == 1_000)
  #expect(throws: EngineError.self) { try ModelFile.load(path: file(20_000)) }
}
