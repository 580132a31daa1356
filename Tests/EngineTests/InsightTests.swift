import Testing

@testable import Engine

/// Saliency and Grad-CAM against central differences on small networks, and
/// what they leave alone and refuse.
@Suite struct InsightTests {
  @Test(arguments: insightNetworks.indices)
  func saliencyIsTheLargestLogitSlopeOverChannels(_ net: Int) throws {
    let model = try insightModel(insightNetworks[net])
    let shape = try #require(model.inputShape)
    let x = spreadTensor(shape.batched(1), seed: 11).map { ($0 + 1) / 2 }
    for classIndex in [nil, 0, 2] as [Int?] {
      let map = try model.saliency(of: x, classIndex: classIndex)
      let c = map.scores.chosen
      if let classIndex { #expect(c == classIndex) }
      let slopes = try centralDifferences(x, epsilon: 1e-3) { try logits(model, $0)[c] }
      let channels = shape[2]
      let expected = (0..<(shape[0] * shape[1])).map { p in
        (0..<channels).map { abs(slopes[p * channels + $0]) }.max() ?? 0
      }
      #expect(map.height == shape[0] && map.width == shape[1])
      #expect((expected.max() ?? 0) > 1e-3, "a flat map would test nothing")
      #expect(gapOfLargest(map.values, expected) < 1e-2)
    }
  }

  @Test(arguments: insightNetworks.indices)
  func gradCAMWeighsEachMapByItsMeanSlope(_ net: Int) throws {
    let model = try insightModel(insightNetworks[net])
    let shape = try #require(model.inputShape)
    let x = spreadTensor(shape.batched(1), seed: 12).map { ($0 + 1) / 2 }
    let mapLayers = model.outputShapes.indices.filter { model.outputShapes[$0].rank == 3 }
    #expect(mapLayers.count >= 4)
    for index in mapLayers {
      for classIndex in [nil, 1] as [Int?] {
        let cam = try model.gradCAM(of: x, layer: index, classIndex: classIndex)
        let c = cam.scores.chosen
        try model.forward(x, mode: .inference)
        let a = model.lastOutputs[index]
        let (h, w, k) = (a.shape[1], a.shape[2], a.shape[3])
        let slopes = try centralDifferences(a, epsilon: 1e-3) {
          try logits(model, above: index, activation: $0)[c]
        }
        let alpha = (0..<k).map { ch in
          (0..<(h * w)).reduce(Float(0)) { $0 + slopes[$1 * k + ch] } / Float(h * w)
        }
        let expected = (0..<(h * w)).map { p in
          max((0..<k).reduce(Float(0)) { $0 + alpha[$1] * a.scalars[p * k + $1] }, 0)
        }
        #expect(cam.height == h && cam.width == w)
        #expect(gapOfLargest(cam.weights, alpha) < 1e-2, "layer \(index)")
        #expect(gapOfLargest(cam.values, expected) < 1e-2, "layer \(index)")
      }
    }
  }

  /// The checks can fail: a map of the wrong class is far from the right one.
  @Test func aMapOfAnotherClassFailsTheCheck() throws {
    let model = try insightModel(insightNetworks[0])
    let x = spreadTensor(try #require(model.inputShape).batched(1), seed: 11).map { ($0 + 1) / 2 }
    let zero = try model.saliency(of: x, classIndex: 0)
    let one = try model.saliency(of: x, classIndex: 1)
    #expect(gapOfLargest(zero.values, one.values) > 0.1)
  }

  @Test func theModelIsLeftAsItWas() throws {
    let model = try insightModel(insightNetworks[1])
    let x = spreadTensor(try #require(model.inputShape).batched(1), seed: 3).map { ($0 + 1) / 2 }
    try model.forward(x, mode: .training)
    let outputs = model.lastOutputs
    let masks = model.maskRNG
    let gradients = model.parameters.map(\.gradient)
    _ = try model.saliency(of: x.map { 1 - $0 })
    _ = try model.gradCAM(of: x.map { 1 - $0 }, layer: 1)
    _ = try model.receptiveField(layer: 4, y: 1, x: 1)
    _ = try model.backpropagate(x, labels: [2], loss: .categoricalCrossentropy)
    var options = MaximizeOptions()
    options.steps = 2
    _ = try model.maximize(layer: 1, channel: 0, options: options)
    #expect(model.lastOutputs == outputs)
    #expect(model.lastMode == .training)
    #expect(model.maskRNG == masks)
    #expect(model.parameters.map(\.gradient) == gradients)
  }

  @Test func refusalsSayWhatToDo() throws {
    let plain = try insightModel([
      "Conv2D(2, (3, 3), input_shape=(5, 5, 1))", "Flatten()", "Dense(3)",
    ])
    let x = Tensor(repeating: 0.5, shape: [1, 5, 5, 1])
    #expect(throws: EngineError.self) { try plain.saliency(of: x) }
    do {
      _ = try plain.saliency(of: x)
    } catch {
      #expect("\(error)".contains("does not end in one: add Activation('softmax') last"))
    }
    let model = try insightModel([
      "Conv2D(2, (3, 3), input_shape=(5, 5, 1))", "Flatten()", "Dense(3)",
      "Activation('softmax')",
    ])
    #expect(throws: EngineError.labelOutOfRange(label: 3, classCount: 3)) {
      try model.saliency(of: x, classIndex: 3)
    }
    #expect(
      throws: EngineError.notExplainable(
        "Grad-CAM needs a layer that makes maps (height, width, channels), and flatten's output is (None, 18): choose a layer before Flatten, e.g. conv2d"
      )
    ) { try model.gradCAM(of: x, layer: 1) }
    #expect(
      throws: EngineError.notExplainable(
        "there is no channel 2: conv2d's output has 2 (0-1)")
    ) { try model.maximize(layer: 0, channel: 2) }
    let flat = try insightModel(["Dense(3, input_shape=(4,))", "Activation('softmax')"])
    #expect(throws: EngineError.self) { try flat.saliency(of: Tensor.zeros([1, 4])) }
  }
}
