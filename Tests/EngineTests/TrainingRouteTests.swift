import Testing

@testable import Engine

/// The route of every pass (`Conv2D.forward(_:regrouped:)`, a training
/// step's `Sequential.trainingPass`): 3x3 stride-1 convolutions with 16 or
/// more channels take Winograd's products for their output and input
/// gradient. These check that route's gradients against central
/// differences, against the direct sums, and across thread counts. Serialized: they flip
/// `KernelSettings.winogradInTraining` and the thread count.
@Suite(.serialized) struct TrainingRoute {
  /// Layers Winograd takes in training ('valid' pads the input gradient by
  /// 2, 'same' by 1; tanh, not ReLU, whose kink a nudge may cross).
  static let convCases: [(String, Shape)] = [
    ("Conv2D(16, (3, 3))", [6, 7, 16]),
    ("Conv2D(16, (3, 3), padding='same')", [5, 6, 32]),
    ("Conv2D(32, (3, 3), padding='same', activation='tanh')", [4, 4, 16]),
  ]

  @Test(arguments: convCases.indices)
  func winogradConvGradientsMatchCentralDifferences(_ index: Int) throws {
    let (text, shape) = Self.convCases[index]
    let conv = try #require(try makeLayer(text, input: shape) as? Conv2D)
    let input = spreadTensor(shape.batched(2), seed: UInt64(index + 30))
    var direct: Tensor? = nil
    let gap = try gradientGap(conv, input: input, epsilon: 2e-3) { layer, probe in
      for p in layer.parameters { p.zeroGradient() }
      _ = try conv.forward(input, regrouped: false)
      direct = try layer.backward(probe)
      // The same gradient through the training route: Winograd's forward,
      // then its input gradient (the kernel gradient is direct either way).
      for p in layer.parameters { p.zeroGradient() }
      _ = try conv.forward(input, regrouped: true)
      return try layer.backward(probe)
    }
    #expect(gap < 1e-2, "\(text): gap \(gap)")
    // The route was taken: not the direct gather's bits, but its values.
    _ = try conv.forward(input, regrouped: true)
    let probe = randomTensor(try conv.forward(input, regrouped: true).shape, seed: 5)
    let routed = try conv.backward(probe)
    let reference = try #require(direct)
    #expect(bits(routed.scalars) != bits(reference.scalars))
    let scale = reference.scalars.map(abs).max() ?? 1
    let worst = zip(routed.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-5 * scale)
  }

  /// Where Winograd does not take the layer (8 filters), the training
  /// route is the direct one, bit for bit.
  @Test func ineligibleConvKeepsTheDirectBits() throws {
    let conv = try #require(try makeLayer("Conv2D(8, (3, 3))", input: [5, 5, 16]) as? Conv2D)
    let input = randomTensor([2, 5, 5, 16], seed: 4)
    let direct = try conv.forward(input, regrouped: false)
    let probe = randomTensor(direct.shape, seed: 6)
    let directGradient = try conv.backward(probe)
    let routed = try conv.forward(input, regrouped: true)
    #expect(bits(routed.scalars) == bits(direct.scalars))
    #expect(bits(try conv.backward(probe).scalars) == bits(directGradient.scalars))
  }

  static func network() throws -> Sequential {
    let model = Sequential(seed: 4)
    let lines = [
      "Conv2D(16, (3, 3), padding='same', input_shape=(8, 8, 16))", "Activation('relu')",
      "Conv2D(16, (3, 3))", "Activation('relu')", "MaxPooling2D()", "Dropout(0.25)",
      "Flatten()", "Dense(3)", "Activation('softmax')",
    ]
    for line in lines { try model.add(LayerSpec(parsing: PyParser.parse(line))) }
    return model
  }

  /// The training pass applies a ReLU that follows a linear conv as the
  /// conv's sums are stored: the same outputs and gradients, bit for bit,
  /// as the conv and the activation layer one after the other.
  @Test func fusedConvReLUGivesTheTwoLayerBits() throws {
    let x = randomTensor([3, 8, 8, 16], seed: 12)
    let labels = [0, 1, 2]
    func run(fused: Bool) throws -> [[UInt32]] {
      let model = try Self.network()
      model.zeroGradients()
      var output: Tensor
      var logits: Tensor?
      if fused {
        (output, logits) = try model.trainingPass(x)
      } else {
        output = x
        var rng = model.maskRNG
        for layer in model.layers {
          logits = output
          if let conv = layer as? Conv2D {
            output = try conv.forward(output, regrouped: true)
          } else {
            output = try layer.forward(output, mode: .training, rng: &rng)
          }
        }
      }
      let step = try model.lossAndGradient(
        output: output, labels: labels, loss: .categoricalCrossentropy, logits: logits)
      try model.backward(step.gradient, from: step.startBelow, needInputGradient: false)
      return [bits(output.scalars)] + model.parameters.map { bits($0.gradient.scalars) }
    }
    #expect(try run(fused: true) == run(fused: false))
  }

  /// The REPL's `forward` takes the training route: what `show` draws and
  /// `evaluate` counts is what a training step computes with those weights,
  /// not the direct sums.
  @Test func theREPLsForwardTakesTheTrainingRoute() throws {
    let model = try Self.network()
    let x = randomTensor([2, 8, 8, 16], seed: 14)
    for mode in [Mode.inference, .training] {
      _ = try model.forward(x, mode: mode)
      let conv = try #require(model.layers[2] as? Conv2D)
      let input = model.lastOutputs[1]
      let shown = bits(model.lastOutputs[2].scalars)
      #expect(shown == bits(try conv.forward(input, regrouped: true).scalars), "\(mode)")
      #expect(shown != bits(try conv.forward(input, regrouped: false).scalars), "\(mode)")
    }
  }

  /// A step writes the Dense kernels' gradients instead of zeroing and
  /// adding into them: a second step on the same batch (nothing learned:
  /// a zero learning rate) has every gradient of the first, bit for bit,
  /// and the same as adding into zeros.
  @Test func stepsWriteTheDenseGradientAfresh() throws {
    let model = try Self.network()
    let x = randomTensor([3, 8, 8, 16], seed: 13)
    let labels = [2, 0, 1]
    let state = model.maskRNG
    func step() throws -> [[UInt32]] {
      model.maskRNG = state
      _ = try model.trainStep(
        x, labels: labels, loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0))
      return model.parameters.map { bits($0.gradient.scalars) }
    }
    let first = try step()
    #expect(try step() == first)
    // Added into zeros by hand, the Dense kernel's gradient has the same bits.
    let dense = try #require(model.layers.compactMap { $0 as? Dense }.first)
    let kernel = try #require(dense.kernel)
    model.maskRNG = state
    model.zeroGradients()
    let pass = try model.trainingPass(x)
    let loss = try model.lossAndGradient(
      output: pass.output, labels: labels, loss: .categoricalCrossentropy, logits: pass.logits)
    try model.backward(loss.gradient, from: loss.startBelow, needInputGradient: false)
    let index = try #require(model.parameters.firstIndex { $0 === kernel })
    #expect(bits(kernel.gradient.scalars) == first[index])
  }

  /// The whole step: parameter gradients of the Winograd route against
  /// central differences of the loss through `forward`.
  @Test func winogradStepGradientMatchesCentralDifferences() throws {
    let model = try Self.network()
    let x = spreadTensor([3, 8, 8, 16], seed: 9)
    let labels = [0, 2, 1]
    let maskState = model.maskRNG
    func loss() throws -> Float {
      model.maskRNG = maskState
      let out = try model.forward(x, mode: .training)
      return try model.lossAndGradient(output: out, labels: labels, loss: .categoricalCrossentropy)
        .loss
    }
    model.maskRNG = maskState
    _ = try model.trainStep(
      x, labels: labels, loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0))
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
          worst,
          abs(analytic.scalars[i] - numeric) / max(1, abs(analytic.scalars[i]), abs(numeric)))
      }
    }
    #expect(worst < 1e-2)
  }

  /// Three Adam steps: the same bits with 1 and 2 threads; close to the
  /// direct route's weights, but not its bits.
  @Test func winogradStepsAreBitIdenticalAcrossThreadsAndCloseToDirect() throws {
    let x = randomTensor([4, 8, 8, 16], seed: 10)
    let labels = [0, 1, 2, 1]
    func train(threads: Int, winograd: Bool) throws -> [[Float]] {
      let saved = KernelSettings.winogradInTraining
      KernelSettings.winogradInTraining = winograd
      defer { KernelSettings.winogradInTraining = saved }
      return try withThreads(threads) {
        let model = try Self.network()
        let adam = Adam()
        for _ in 0..<3 {
          _ = try model.trainStep(
            x, labels: labels, loss: .categoricalCrossentropy, optimizer: adam)
        }
        return model.parameters.map(\.value.scalars)
      }
    }
    let one = try train(threads: 1, winograd: true)
    let two = try train(threads: 2, winograd: true)
    #expect(one.map(bits) == two.map(bits))
    let direct = try train(threads: 2, winograd: false)
    #expect(one.map(bits) != direct.map(bits))
    for (a, b) in zip(one, direct) {
      let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
      #expect(worst < 1e-4)
    }
  }
}
