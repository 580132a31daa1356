import Foundation
import Testing

@testable import Engine

@Test func fusedLossOfLogitsTwoZero() throws {
  // softmax(2, 0) = (0.880797, 0.119203); loss −log 0.880797 = log(1 + e^−2) = 0.126928.
  let logits = try Tensor(shape: [1, 2], scalars: [2, 0])
  let result = try softmaxCrossEntropy(logits: logits, labels: [0])
  #expect(abs(result.loss - 0.126_928) < 1e-5)
  #expect(abs(result.logitsGradient.scalars[0] + 0.119_203) < 1e-5)
  #expect(abs(result.logitsGradient.scalars[1] - 0.119_203) < 1e-5)
  // Huge logits neither overflow nor produce NaN.
  let huge = try softmaxCrossEntropy(
    logits: Tensor(shape: [1, 2], scalars: [1000, -1000]), labels: [1])
  #expect(abs(huge.loss - 2000) < 1e-2)
}

@Test func plainCrossEntropyClipsAtKerasEpsilon() throws {
  let probs = try Tensor(shape: [2, 3], scalars: [0.7, 0.2, 0.1, 0, 1, 0])
  let result = try crossEntropy(output: probs, labels: [1, 0], kind: .categoricalCrossentropy)
  // (−log 0.2 − log 1e−7) / 2 = (1.609438 + 16.118096) / 2
  #expect(abs(result.loss - 8.863_767) < 1e-4)
  #expect(throws: EngineError.labelOutOfRange(label: 3, classCount: 3)) {
    try crossEntropy(output: probs, labels: [3, 0], kind: .sparseCategoricalCrossentropy)
  }
  // Said in words a learner reads, not as a Swift range.
  #expect(
    EngineError.labelOutOfRange(label: 3, classCount: 3).description
      == "label 3 is outside 0 to 2, the 3 classes' numbers")
  #expect(accuracy(output: probs, labels: [0, 1]) == 1)
  #expect(accuracy(output: probs, labels: [1, 1]) == 0.5)
}

func oneWeight(_ value: Float, gradient: Float) -> Parameter {
  let p = Parameter(name: "w", value: Tensor(repeating: value, shape: [1]))
  p.gradient = Tensor(repeating: gradient, shape: [1])
  return p
}

@Test func sgdStepsByHand() {
  // w = 1, g = 2, lr = 0.1: plain 1 − 0.2 = 0.8.
  let plain = oneWeight(1, gradient: 2)
  SGD(learningRate: 0.1).apply(to: [plain])
  #expect(abs(plain.value.scalars[0] - 0.8) < 1e-7)
  // Momentum 0.9: m = −0.2 → 0.8; then m = 0.9·(−0.2) − 0.2 = −0.38 → 0.42.
  let heavy = oneWeight(1, gradient: 2)
  let sgd = SGD(learningRate: 0.1, momentum: 0.9)
  sgd.apply(to: [heavy])
  sgd.apply(to: [heavy])
  #expect(abs(heavy.value.scalars[0] - 0.42) < 1e-6)
  // Nesterov: w + 0.9·m − lr·g = 1 − 0.18 − 0.2 = 0.62.
  let nesterov = oneWeight(1, gradient: 2)
  SGD(learningRate: 0.1, momentum: 0.9, nesterov: true).apply(to: [nesterov])
  #expect(abs(nesterov.value.scalars[0] - 0.62) < 1e-6)
  // Keras's summary counts iterations and learning rate, plus momentum slots (checked on Keras 3.15).
  #expect(sgd.stateCount == 3)
  let plainSGD = SGD()
  #expect(plainSGD.stateCount == 0)
  plainSGD.apply(to: [oneWeight(1, gradient: 1)])
  #expect(plainSGD.stateCount == 2)
}

@Test func rmspropStepByHand() {
  // Keras's docstring example: w = 10, loss w²/2 so g = 10, lr = 0.1:
  // v = 0.1·100 = 10; w = 10 − 0.1·10 / sqrt(10 + 1e−7) = 9.683772.
  let w = oneWeight(10, gradient: 10)
  RMSprop(learningRate: 0.1).apply(to: [w])
  #expect(abs(w.value.scalars[0] - 9.683_772) < 1e-5)
}

@Test func adamStepsByHand() {
  // Step 1, g = 0.5: m = 0.05, v = 0.00025, alpha = 0.001·sqrt(0.001)/0.1;
  // w = 1 − alpha·m/(sqrt(v) + 1e−7) = 0.99900001.
  // Step 2, g = −1: m = −0.055, v = 0.00124975, alpha = 0.001·sqrt(1 − 0.999²)/(1 − 0.9²);
  // w = 0.99936611 (worked in Python from the same formulas).
  let w = oneWeight(1, gradient: 0.5)
  let adam = Adam()
  adam.apply(to: [w])
  #expect(abs(w.value.scalars[0] - 0.999_000_006) < 1e-7)
  w.gradient = Tensor(repeating: -1, shape: [1])
  adam.apply(to: [w])
  #expect(abs(w.value.scalars[0] - 0.999_366_109) < 1e-7)
  #expect(adam.stateCount == 4)
}

@Test func adamMatchesItsFormulaOnEveryWeight() throws {
  // The update runs eight weights at a time: every weight, vector body and
  // tail alike, must get the bits of the formula applied one at a time.
  var rng = SeededGenerator(seed: 35)
  let count = 8 * 9 + 5
  let w = Parameter(
    name: "kernel",
    value: try Tensor(shape: [count], scalars: (0..<count).map { _ in rng.nextFloat(in: -1, 1) }))
  var (m, v, expected) = (
    [Float](repeating: 0, count: count), [Float](repeating: 0, count: count), w.value.scalars
  )
  let adam = Adam(learningRate: 0.01)
  for step in 1...3 {
    let g = (0..<count).map { _ in rng.nextFloat(in: -2, 2) }
    w.gradient = try Tensor(shape: [count], scalars: g)
    adam.apply(to: [w])
    let t = Double(step)
    // Adam's settings are Floats; its powers are taken in Double.
    let (lr, beta1, beta2) = (Double(Float(0.01)), Double(Float(0.9)), Double(Float(0.999)))
    let alpha = Float(lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t)))
    let (b1, b2, eps): (Float, Float, Float) = (1 - 0.9, 1 - 0.999, 1e-7)
    for i in 0..<count {
      m[i] += (g[i] - m[i]) * b1
      v[i] += (g[i] * g[i] - v[i]) * b2
      expected[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
    }
    #expect(w.value.scalars.map(\.bitPattern) == expected.map(\.bitPattern), "step \(step)")
  }
}

/// The out-of-place update (what a training step runs) gives `apply`'s
/// bits, leaves the current weights alone, and reports a non-finite one.
@Test func adamOutOfPlaceMatchesInPlace() throws {
  var rng = SeededGenerator(seed: 36)
  let count = ElementwiseKernels.chunk + 8 * 3 + 5
  let start = (0..<count).map { _ in rng.nextFloat(in: -1, 1) }
  let inPlace = Parameter(name: "kernel", value: try Tensor(shape: [count], scalars: start))
  let outOfPlace = Parameter(name: "kernel", value: try Tensor(shape: [count], scalars: start))
  let (a, b) = (Adam(learningRate: 0.01), Adam(learningRate: 0.01))
  var buffers = [[Float](repeating: 0, count: count)]
  for _ in 1...3 {
    let g = try Tensor(shape: [count], scalars: (0..<count).map { _ in rng.nextFloat(in: -2, 2) })
    inPlace.gradient = g
    outOfPlace.gradient = g
    a.apply(to: [inPlace])
    let before = outOfPlace.value.scalars
    #expect(b.apply(to: [outOfPlace], writingWeightsInto: &buffers))
    #expect(bits(outOfPlace.value.scalars) == bits(before))
    #expect(bits(buffers[0]) == bits(inPlace.value.scalars))
    outOfPlace.value.scalars = buffers[0]
  }
  // An infinite step: reported, and the weights are where they were.
  let wild = Adam(learningRate: .infinity)
  let kept = outOfPlace.value.scalars
  #expect(!wild.apply(to: [outOfPlace], writingWeightsInto: &buffers))
  #expect(bits(outOfPlace.value.scalars) == bits(kept))
}

/// With Adam a weight that overflows stops training, and the weights stay
/// those from before the step (the out-of-place update was never swapped in).
@Test func adamOverflowKeepsTheWeights() throws {
  let model = Sequential(seed: 2)
  for line in ["Flatten(input_shape=(6, 6, 1))", "Dense(4)", "Activation('softmax')"] {
    try model.add(LayerSpec(parsing: PyParser.parse(line)))
  }
  let (x, y) = tinyProblem(count: 8, seed: 4)
  let adam = Adam()
  _ = try model.trainStep(x, labels: y, loss: .categoricalCrossentropy, optimizer: adam)
  let before = model.parameters.map { bits($0.value.scalars) }
  adam.learningRate = .infinity
  #expect(throws: EngineError.self) {
    try model.trainStep(x, labels: y, loss: .categoricalCrossentropy, optimizer: adam)
  }
  #expect(model.parameters.map { bits($0.value.scalars) } == before)
  // And training goes on from there.
  adam.learningRate = 0.001
  _ = try model.trainStep(x, labels: y, loss: .categoricalCrossentropy, optimizer: adam)
  #expect(model.parameters.allSatisfy { ElementwiseKernels.allFinite($0.value.scalars) })
}

/// Four 6x6 patterns (bars and blobs) with noise; a small network must learn them.
func tinyProblem(count: Int, seed: UInt64) -> (Tensor, [Int]) {
  var rng = SeededGenerator(seed: seed)
  var scalars: [Float] = []
  var labels: [Int] = []
  for i in 0..<count {
    let label = i % 4
    for y in 0..<6 {
      for x in 0..<6 {
        let on: Bool
        switch label {
        case 0: on = y == 2 || y == 3
        case 1: on = x == 2 || x == 3
        case 2: on = x == y || x == y + 1
        default: on = (x < 3) == (y < 3)
        }
        scalars.append((on ? 0.8 : 0.1) + rng.nextFloat(in: -0.1, 0.1))
      }
    }
    labels.append(label)
  }
  return (Tensor(validShape: [count, 6, 6, 1], scalars: scalars), labels)
}

@Test func trainingLearnsATinyProblemAndRepeats() throws {
  func train() throws -> [EpochRecord] {
    let model = Sequential(seed: 11)
    for line in [
      "Conv2D(4, (3, 3), activation='relu', input_shape=(6, 6, 1))", "MaxPooling2D()",
      "Flatten()", "Dropout(0.25)", "Dense(4)", "Activation('softmax')",
    ] {
      try model.add(LayerSpec(parsing: PyParser.parse(line)))
    }
    let (x, y) = tinyProblem(count: 64, seed: 2)
    let result = try model.fit(
      x, labels: y, loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.01),
      options: FitOptions(epochs: 15, batchSize: 8, validationSplit: 0.25))
    #expect(result.outcome == .completed)
    return result.history
  }
  let history = try train()
  #expect(history.count == 15)
  let first = try #require(history.first)
  let last = try #require(history.last)
  #expect(last.loss < first.loss / 4)
  #expect(last.accuracy > 0.9)
  #expect((last.validationAccuracy ?? 0) > 0.9)
  // One seed: the same run gives the same figures, to the bit.
  #expect(try train() == history)
}

@Test func divergenceStopsAndKeepsTheLastGoodWeights() throws {
  let model = Sequential(seed: 1)
  try model.add(LayerSpec(parsing: PyParser.parse("Flatten(input_shape=(6, 6, 1))")))
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(4)")))
  try model.add(LayerSpec(parsing: PyParser.parse("Activation('softmax')")))
  let (x, y) = tinyProblem(count: 16, seed: 3)
  let result = try model.fit(
    x, labels: y, loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 3e38),
    options: FitOptions(epochs: 5, batchSize: 4))
  guard case .diverged = result.outcome else {
    Issue.record("expected divergence, got \(result.outcome)")
    return
  }
  #expect(model.parameters.allSatisfy { $0.value.isFinite })
}

/// Issue 16: earlier batches of a diverging fit used to stay applied while
/// the message said "kept as they were before this batch". Now the whole
/// fit is taken back: weights, the optimizer's moments and the generators.
@Test func aDivergingFitLeavesEverythingAsBeforeTheFit() throws {
  func model() throws -> Sequential {
    let model = Sequential(seed: 4)
    try model.add(LayerSpec(parsing: PyParser.parse("Flatten(input_shape=(6, 6, 1))")))
    try model.add(LayerSpec(parsing: PyParser.parse("Dense(4)")))
    try model.add(LayerSpec(parsing: PyParser.parse("Dropout(0.5)")))
    try model.add(LayerSpec(parsing: PyParser.parse("Activation('softmax')")))
    return model
  }
  let (x, y) = tinyProblem(count: 16, seed: 3)
  // The fourth batch of four holds a picture of 3e38s: its sums overflow.
  var poisoned = x.scalars
  for i in (13 * 36)..<(14 * 36) { poisoned[i] = 3e38 }
  let bad = Tensor(validShape: x.shape, scalars: poisoned)
  let trained = try model()
  let adam = Adam(learningRate: 0.01)
  let warmUp = try trained.fit(
    x, labels: y, loss: .categoricalCrossentropy, optimizer: adam,
    options: FitOptions(epochs: 1, batchSize: 4))
  #expect(warmUp.outcome == .completed)
  let weightsBefore = trained.parameters.map(\.value.scalars)
  let stepsBefore = adam.snapshot.steps
  let result = try trained.fit(
    bad, labels: y, loss: .categoricalCrossentropy, optimizer: adam,
    options: FitOptions(epochs: 2, batchSize: 4, shuffle: false))
  guard case .diverged(let message) = result.outcome else {
    Issue.record("expected divergence, got \(result.outcome)")
    return
  }
  #expect(result.history.isEmpty)
  #expect(message.contains("in epoch 1, batch 4"), "\(message)")
  #expect(message.contains("as they were before this fit"), "\(message)")
  #expect(trained.parameters.map(\.value.scalars) == weightsBefore)
  #expect(adam.snapshot.steps == stepsBefore)
  // The generators were put back too: the next fit is the one that would
  // have run had the bad one never been typed.
  let twin = try model()
  let twinAdam = Adam(learningRate: 0.01)
  _ = try twin.fit(
    x, labels: y, loss: .categoricalCrossentropy, optimizer: twinAdam,
    options: FitOptions(epochs: 1, batchSize: 4))
  let again = try trained.fit(
    x, labels: y, loss: .categoricalCrossentropy, optimizer: adam,
    options: FitOptions(epochs: 1, batchSize: 4))
  let twinAgain = try twin.fit(
    x, labels: y, loss: .categoricalCrossentropy, optimizer: twinAdam,
    options: FitOptions(epochs: 1, batchSize: 4))
  #expect(again.history == twinAgain.history)
  #expect(trained.parameters.map(\.value.scalars) == twin.parameters.map(\.value.scalars))
}
