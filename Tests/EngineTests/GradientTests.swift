import Testing

@testable import Engine

/// Layers and input shapes (per sample) whose backward is checked against
/// central differences. Inputs stay away from ReLU's kink and pooling ties
/// because they are random floats.
let gradientCases: [(String, Shape)] = [
  ("Conv2D(3, (3, 3))", [5, 6, 2]),
  ("Conv2D(2, (2, 2), padding='same')", [5, 4, 3]),
  ("Conv2D(2, (3, 2), strides=(2, 1), padding='same')", [7, 5, 2]),
  ("Conv2D(4, (1, 1), use_bias=False)", [3, 3, 3]),
  ("Conv2D(2, (4, 4), strides=(3, 2), padding='same', activation='tanh')", [6, 7, 1]),
  ("Dense(4)", [6]),
  ("Dense(3, activation='sigmoid')", [5]),
  ("Dense(3)", [2, 3, 4]),
  ("MaxPooling2D()", [4, 6, 2]),
  ("MaxPooling2D(pool_size=(3, 3), strides=(2, 2), padding='same')", [5, 5, 2]),
  ("AveragePooling2D()", [5, 4, 3]),
  ("AveragePooling2D(pool_size=(2, 3), padding='same')", [5, 5, 1]),
  ("Dropout(0.4)", [4, 4, 2]),
  ("Flatten()", [3, 2, 2]),
  ("Activation('relu')", [10]),
  ("Activation('sigmoid')", [10]),
  ("Activation('tanh')", [3, 3, 2]),
  ("Activation('softmax')", [5]),
  ("Softmax()", [2, 4]),
  ("ReLU()", [7]),
  ("BatchNormalization()", [3, 3, 2]),
  ("BatchNormalization(center=False, momentum=0.9, epsilon=0.01)", [4]),
  ("BatchNormalization(scale=False)", [2, 2, 3]),
  ("GlobalAveragePooling2D()", [3, 4, 2]),
  ("GlobalAveragePooling2D(keepdims=True)", [2, 2, 3]),
  ("GlobalMaxPooling2D()", [3, 3, 2]),
  ("LeakyReLU()", [8]),
  ("LeakyReLU(negative_slope=0.1)", [2, 3]),
  ("Activation('elu')", [9]),
  ("Activation('selu')", [9]),
  ("Activation('softplus')", [9]),
  ("Activation('softsign')", [9]),
  ("Activation('silu')", [9]),
  ("Activation('swish')", [4]),
  ("Activation('gelu')", [9]),
  ("Activation('leaky_relu')", [9]),
  ("Activation('hard_sigmoid')", [9]),
  ("Activation('exponential')", [9]),
  ("Dense(3, activation='gelu')", [4]),
  ("Conv2D(2, (2, 2), activation='elu')", [3, 3, 2]),
]

/// At inference BatchNormalization is a fixed affine map per channel (the
/// moving statistics are constants); its backward must agree with that too.
@Test func batchNormalizationInferenceGradientsMatchCentralDifferences() throws {
  let layer = try makeLayer("BatchNormalization(epsilon=0.01)", input: [2, 2, 3])
  let norm = try #require(layer as? BatchNormalization)
  norm.movingMean?.value = Tensor(validShape: [3], scalars: [0.2, -0.1, 0.4])
  norm.movingVariance?.value = Tensor(validShape: [3], scalars: [0.5, 2, 1.5])
  norm.gamma?.value = Tensor(validShape: [3], scalars: [1.5, -0.5, 2])
  let input = spreadTensor([2, 2, 2, 3], seed: 4)
  let gap = try gradientGap(layer, input: input, mode: .inference, epsilon: 2e-3)
  #expect(gap < 1e-2, "gap \(gap)")
}

@Test(arguments: gradientCases.indices)
func layerGradientsMatchCentralDifferences(_ index: Int) throws {
  let (text, shape) = gradientCases[index]
  let layer = try makeLayer(text, input: shape)
  let input = spreadTensor(shape.batched(2), seed: UInt64(index + 10))
  let gap = try gradientGap(layer, input: input, epsilon: 2e-3)
  #expect(gap < 1e-2, "\(text): gap \(gap)")
}

/// A backward that is wrong on purpose must fail the check (a negative control).
@Test func gradientCheckCatchesAWrongBackward() throws {
  let layer = try makeLayer("Conv2D(2, (3, 3))", input: [5, 5, 1])
  let input = randomTensor([1, 5, 5, 1], seed: 3)
  let gap = try gradientGap(layer, input: input) { layer, probe in
    let right = try layer.backward(probe)
    return right.map { $0 * 1.1 }
  }
  #expect(gap > 1e-2)
  // Swapped kernel axes pass an input-only check; the parameter check sees them.
  let dense = try makeLayer("Dense(3)", input: [4])
  let x = randomTensor([2, 4], seed: 4)
  let denseGap = try gradientGap(dense, input: x) { layer, probe in
    let g = try layer.backward(probe)
    if let k = layer.parameters.first { k.gradient.scalars.reverse() }
    return g
  }
  #expect(denseGap > 1e-2)
}

/// The whole small network, with the fused softmax cross-entropy at its end.
@Test(arguments: ["Activation('softmax')", "Dense(3, activation='softmax')"])
func wholeNetworkGradientMatchesCentralDifferences(head: String) throws {
  let model = Sequential(seed: 4)
  let lines = [
    "Conv2D(3, (3, 3), padding='same', activation='relu', input_shape=(6, 6, 2))",
    "MaxPooling2D()", "Conv2D(4, (2, 2))", "Activation('tanh')", "Dropout(0.3)",
    "Flatten()", "Dense(5)",
  ]
  for line in lines { try model.add(LayerSpec(parsing: PyParser.parse(line))) }
  if head.hasPrefix("Activation") { try model.add(LayerSpec(parsing: PyParser.parse("Dense(3)"))) }
  try model.add(LayerSpec(parsing: PyParser.parse(head)))
  let x = randomTensor([3, 6, 6, 2], seed: 8)
  let labels = [0, 2, 1]
  // A fixed mask generator state makes every pass use the same Dropout mask.
  let maskState = model.maskRNG
  func loss() throws -> Float {
    model.maskRNG = maskState
    let out = try model.forward(x, mode: .training)
    return try model.lossAndGradient(output: out, labels: labels, loss: .categoricalCrossentropy)
      .loss
  }
  // Analytic gradients through a step with a zero learning rate.
  model.maskRNG = maskState
  _ = try model.trainStep(
    x, labels: labels, loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0))
  // A small step: ReLU and max pooling inside the network have kinks.
  let eps: Float = 1e-3
  var worst: Float = 0
  for p in model.parameters {
    let analytic = p.gradient
    let saved = p.value
    for i in stride(from: 0, to: saved.count, by: max(1, saved.count / 25)) {
      p.value.scalars[i] = saved.scalars[i] + eps
      let up = try loss()
      p.value.scalars[i] = saved.scalars[i] - eps
      let down = try loss()
      p.value = saved
      let numeric = (up - down) / (2 * eps)
      worst = max(
        worst, abs(analytic.scalars[i] - numeric) / max(1, abs(analytic.scalars[i]), abs(numeric)))
    }
  }
  #expect(worst < 1e-2)
}
