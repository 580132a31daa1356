import Foundation
import Testing

@testable import Engine

/// Worked values computed by Keras 3.15 itself (JAX backend), committed as
/// Fixtures/keras/keras3_values.npz by make_keras3_fixtures.py.
private let kerasValues: [String: NDArray] = {
  let arrays = (try? Npz.read(path: fixture("keras/keras3_values.npz"))) ?? []
  return Dictionary(arrays.map { ($0.name, $0.array) }, uniquingKeysWith: { a, _ in a })
}()

private func values(_ name: String) throws -> Tensor {
  try #require(kerasValues[name], "no \(name) in keras3_values.npz").tensor()
}

/// A one-dimensional row as a batch of one.
private func asBatch(_ t: Tensor) throws -> Tensor { try t.reshaped([1, t.count]) }

/// The largest |a − b| relative to max(1, |b|).
func worstGap(_ a: [Float], _ b: [Float]) -> Float {
  guard a.count == b.count else { return .infinity }
  return zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

@Test(arguments: ActivationFunction.kerasNames.filter { $0 != "softmax" })
func activationMatchesKeras(_ name: String) throws {
  let function = try #require(ActivationFunction(kerasName: name))
  let x = try asBatch(values("activations/x"))
  let expected = try values("activations/\(name)")
  let layer = try makeLayer("Activation('\(name)')", input: x.shape.unbatched)
  var rng = SeededGenerator(seed: 0)
  let y = try layer.forward(x, mode: .inference, rng: &rng)
  let gap = worstGap(y.scalars, expected.scalars)
  #expect(gap < 1e-6, "\(name): gap \(gap)")
  // The slope, against jax.grad of the same Keras function.
  let slope = try layer.backward(Tensor(repeating: 1, shape: x.shape))
  let keras = try values("activations/\(name)/grad")
  let slopeGap = worstGap(slope.scalars, keras.scalars)
  #expect(slopeGap < 1e-5, "\(name)': gap \(slopeGap)")
  // The double-precision value `explain` shows agrees with the engine's float.
  for (xi, yi) in zip(x.scalars, y.scalars) {
    #expect(
      abs(Float(function.value(at: Double(xi))) - yi) <= 1e-6 * max(1, abs(yi)), "\(name)(\(xi))")
  }
}

@Test func softmaxAndTheActivationLayersMatchKeras() throws {
  let row = try values("softmax/x")
  var rng = SeededGenerator(seed: 0)
  let soft = try makeLayer("Softmax()", input: row.shape.unbatched)
  let probabilities = try soft.forward(row, mode: .inference, rng: &rng)
  #expect(worstGap(probabilities.scalars, try values("softmax/y").scalars) < 1e-6)
  let x = try asBatch(values("activations/x"))
  for (text, key) in [("LeakyReLU()", "leaky/y"), ("LeakyReLU(alpha=0.1)", "leaky0.1/y")] {
    let layer = try makeLayer(text, input: x.shape.unbatched)
    let y = try layer.forward(x, mode: .inference, rng: &rng)
    #expect(worstGap(y.scalars, try values(key).scalars) < 1e-6, "\(text)")
  }
}

@Test func batchNormalizationMatchesKerasInBothModes() throws {
  let x = try values("bn/x")
  let layer = try makeLayer(
    "BatchNormalization(momentum=0.9, epsilon=0.01)", input: x.shape.unbatched)
  let norm = try #require(layer as? BatchNormalization)
  let w = try values("bn/weights").scalars
  norm.gamma?.value = Tensor(validShape: [4], scalars: Array(w[0..<4]))
  norm.beta?.value = Tensor(validShape: [4], scalars: Array(w[4..<8]))
  norm.movingMean?.value = Tensor(validShape: [4], scalars: Array(w[8..<12]))
  norm.movingVariance?.value = Tensor(validShape: [4], scalars: Array(w[12..<16]))
  var rng = SeededGenerator(seed: 0)
  let inference = try layer.forward(x, mode: .inference, rng: &rng)
  #expect(worstGap(inference.scalars, try values("bn/inference").scalars) < 1e-5)
  let training = try layer.forward(x, mode: .training, rng: &rng)
  #expect(worstGap(training.scalars, try values("bn/training").scalars) < 1e-5)
  // The two modes differ: the batch's statistics are not the moving ones.
  #expect(worstGap(training.scalars, inference.scalars) > 0.1)
  // Gradients against jax.grad of Keras's training-mode formula.
  for p in layer.parameters { p.zeroGradient() }
  let dx = try layer.backward(try values("bn/probe"))
  #expect(worstGap(dx.scalars, try values("bn/grad_x").scalars) < 1e-4)
  #expect(worstGap(norm.gamma?.gradient.scalars ?? [], try values("bn/grad_gamma").scalars) < 1e-4)
  #expect(worstGap(norm.beta?.gradient.scalars ?? [], try values("bn/grad_beta").scalars) < 1e-4)
  // The moving statistics move only when the training step is kept, then as Keras's did.
  #expect(norm.movingMean?.value.scalars == Array(w[8..<12]))
  norm.finishTrainingStep()
  #expect(
    worstGap(norm.movingMean?.value.scalars ?? [], try values("bn/moving_mean").scalars) < 1e-6)
  #expect(
    worstGap(norm.movingVariance?.value.scalars ?? [], try values("bn/moving_variance").scalars)
      < 1e-5)
  // Once only: a second call without a new training pass changes nothing.
  let after = norm.movingMean?.value.scalars
  norm.finishTrainingStep()
  #expect(norm.movingMean?.value.scalars == after)
}

@Test func globalPoolingMatchesKeras() throws {
  let x = try values("pool/x")
  var rng = SeededGenerator(seed: 0)
  for (text, key, shape) in [
    ("GlobalAveragePooling2D()", "pool/average", Shape([2, 4])),
    ("GlobalMaxPooling2D()", "pool/max", Shape([2, 4])),
    ("GlobalAveragePooling2D(keepdims=True)", "pool/average_keepdims", Shape([2, 1, 1, 4])),
  ] {
    let layer = try makeLayer(text, input: x.shape.unbatched)
    let y = try layer.forward(x, mode: .inference, rng: &rng)
    #expect(y.shape == shape, "\(text)")
    #expect(worstGap(y.scalars, try values(key).scalars) < 1e-6, "\(text)")
  }
}

@Test func batchNormalizationIsCountedAsKerasCountsIt() throws {
  let model = Sequential(seed: 1)
  try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(4, (3, 3), input_shape=(6, 6, 2))")))
  try model.add(LayerSpec(parsing: PyParser.parse("BatchNormalization()")))
  try model.add(LayerSpec(parsing: PyParser.parse("GlobalAveragePooling2D()")))
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(3)")))
  // Keras 3: conv2d 76, batch_normalization 16 (8 trainable, 8 not), dense 15.
  #expect(model.layers[1].weightCount == 16)
  #expect(model.parameterCount == 76 + 8 + 15)
  #expect(model.weightCount == 76 + 16 + 15)
  let summary = model.summary()
  // A name too long for its cell wraps at the space, as rich does.
  #expect(
    summary.contains(
      """
      | batch_normalization             | (None, 4, 4, 4)        |            16 |
      | (BatchNormalization)            |                        |               |
      """))
  #expect(summary.contains(" Total params: 107 (428.00 B)"))
  #expect(summary.contains(" Trainable params: 99 (396.00 B)"))
  #expect(summary.contains(" Non-trainable params: 8 (32.00 B)"))
  #expect(model.outputShapes[2] == [4])
  // The moving statistics are saved with the weights and come back with undo's snapshot.
  #expect(model.weightArrays().map(\.name).contains("batch_normalization/moving_variance"))
  let before = model.snapshot()
  let norm = try #require(model.layers[1] as? BatchNormalization)
  norm.movingMean?.value = Tensor(validShape: [4], scalars: [1, 2, 3, 4])
  try model.restore(before)
  #expect((model.layers[1] as? BatchNormalization)?.movingMean?.value.scalars == [0, 0, 0, 0])
}

@Test func trainingMovesTheMovingStatisticsAndInferenceUsesThem() throws {
  let model = Sequential(seed: 2)
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(4, input_shape=(3,))")))
  try model.add(LayerSpec(parsing: PyParser.parse("BatchNormalization(momentum=0.5)")))
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(2, activation='softmax')")))
  let x = randomTensor([6, 3], seed: 3)
  let norm = try #require(model.layers[1] as? BatchNormalization)
  let before = try model.infer(x)
  _ = try model.trainStep(
    x, labels: [0, 1, 0, 1, 1, 0], loss: .sparseCategoricalCrossentropy, optimizer: SGD())
  #expect(norm.movingMean?.value.scalars != [0, 0, 0, 0])
  // Inference through `infer` and `forward` agree, and both use the moving statistics.
  let inferred = try model.infer(x)
  let forward = try model.forward(x, mode: .inference)
  #expect(inferred.scalars == forward.scalars)
  #expect(inferred.scalars != before.scalars)
}
