import Testing

@testable import Engine

/// `backpropagate` keeps what a training step computes: each layer's
/// incoming gradient matches central differences of the loss, and the
/// weights' gradients are the ones a step would apply.
@Suite struct BackpropTests {
  /// A training step takes a convolution or a max pooling and the ReLU
  /// below it back in one pass (`BackwardThroughReLU`); `backpropagate`
  /// goes layer by layer. The weights' gradients must be the same bits.
  @Test func aLayerThroughAReLUGivesTheLayerByLayerGradients() throws {
    let model = try insightModel([
      "Conv2D(16, (3, 3), padding='same', input_shape=(12, 10, 3))", "Activation('relu')",
      "Conv2D(16, (3, 3), padding='same')", "Activation('relu')",
      "MaxPooling2D(pool_size=(2, 2))", "Conv2D(16, (3, 3))", "Activation('relu')",
      // Strided: its input gradient is the direct gather, then the ReLU's.
      "Conv2D(8, (3, 3), strides=(2, 2), padding='same')", "Activation('relu')",
      "MaxPooling2D(pool_size=(2, 2))", "Flatten()", "Dense(4)", "Activation('softmax')",
    ])
    // Some inputs well below zero, so that whole pooling windows are ReLU zeros.
    let x = spreadTensor([3, 12, 10, 3], seed: 11).map { $0 - 0.3 }
    let labels = [0, 3, 1]
    let maskState = model.maskRNG
    let pass = try model.backpropagate(x, labels: labels, loss: .categoricalCrossentropy)
    model.maskRNG = maskState
    _ = try model.trainStep(
      x, labels: labels, loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0))
    let layerByLayer = pass.parameterGradients.flatMap { $0 }
    let stepGradients = model.parameters.map(\.gradient)
    #expect(layerByLayer.count == stepGradients.count)
    for (a, b) in zip(layerByLayer, stepGradients) {
      #expect(bits(a.scalars) == bits(b.scalars))
    }
    // Windows of ReLU zeros did occur (pooled zeros), or the mask went untested.
    model.maskRNG = maskState
    try model.forward(x, mode: .training)
    for relu in [1, 3, 6] { #expect(model.lastOutputs[relu].scalars.contains(0)) }
  }

  @Test(arguments: insightNetworks.indices)
  func eachLayersGradientIsTheLossSlopeAtItsOutput(_ net: Int) throws {
    let model = try insightModel(insightNetworks[net])
    let shape = try #require(model.inputShape)
    let x = spreadTensor(shape.batched(2), seed: 4).map { ($0 + 1) / 2 }
    let labels = [1, 2]
    let maskState = model.maskRNG
    let pass = try model.backpropagate(x, labels: labels, loss: .categoricalCrossentropy)
    #expect(model.maskRNG == maskState)
    #expect(pass.mode == .training)
    // The same masks as the pass: the forward below starts from the same state.
    model.maskRNG = maskState
    try model.forward(x, mode: .training)
    let outputs = model.lastOutputs
    let dropoutMasks = model.layers.compactMap { ($0 as? Dropout)?.lastMask }
    func loss(from index: Int, _ activation: Tensor) throws -> Float {
      var current = activation
      var beforeLast = activation
      var rng = SeededGenerator(seed: 0)
      for i in (index + 1)..<model.layers.count {
        if i == model.layers.count - 1 { beforeLast = current }
        if let dropout = model.layers[i] as? Dropout, let mask = dropoutMasks.first {
          current = current.zipMap(mask) { $0 * $1 * dropout.keptScale }
        } else {
          current = try model.layers[i].forward(current, mode: .inference, rng: &rng)
        }
      }
      // A last softmax layer's loss reads its input, the logits.
      var logits: Tensor? = nil
      if case .softmaxLayer = model.head { logits = beforeLast }
      return try model.lossAndGradient(
        output: current, labels: labels, loss: .categoricalCrossentropy, logits: logits
      ).loss
    }
    for (index, gradient) in pass.outputGradients.enumerated() {
      guard let gradient else {
        #expect(index == model.layers.count - 1, "only a fused softmax has none")
        continue
      }
      let slopes = try centralDifferences(outputs[index], epsilon: 1e-3) {
        try loss(from: index, $0)
      }
      #expect(gapOfLargest(gradient.scalars, slopes) < 1e-2, "layer \(index)")
    }
    #expect(pass.inputGradient.shape == x.shape)
    // The weights' gradients are what a step with a zero learning rate computes.
    model.maskRNG = maskState
    _ = try model.trainStep(
      x, labels: labels, loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0))
    #expect(pass.parameterGradients.flatMap { $0 } == model.parameters.map(\.gradient))
    #expect(abs(pass.loss - (try loss(from: -1, x))) < 1e-5)
  }
}
