import Testing

@testable import Engine

/// Activation maximisation: it climbs, keeps the best, repeats, and stops.
@Suite struct MaximizeTests {
  /// The seed network's first block at 24x24, on the demo cat.
  static func network() throws -> Sequential {
    try insightModel(
      [
        "Conv2D(8, (3, 3), padding='same', input_shape=(24, 24, 3))", "Activation('relu')",
        "Conv2D(8, (3, 3))", "Activation('relu')", "MaxPooling2D(pool_size=(2, 2))",
        "Dropout(0.25)", "Flatten()", "Dense(3)", "Activation('softmax')",
      ], seed: 2)
  }

  static func cat() throws -> Tensor {
    try DemoImages.make("cat", height: 24, width: 24).reshaped([1, 24, 24, 3])
  }

  /// Channels of the first conv's ReLU, the second's, and the pooling after
  /// it, that the cat excites (measured: 0.064, 0.045, 0.003, 0.32, 0.009).
  /// Pixels stay in [0, 1], so a channel the cat already drives near what
  /// such pixels allow cannot triple (the first ReLU's channel 0 goes from
  /// 0.25 to 0.64); the test below asks only that it not fall short.
  @Test(arguments: [(1, 3), (1, 5), (3, 7), (4, 1), (4, 7)])
  func itRaisesTheChannelThreefoldOverThePicture(_ layer: Int, _ channel: Int) throws {
    let model = try Self.network()
    let onCat = try model.channelMean(of: Self.cat(), layer: layer, channel: channel)
    #expect(onCat > 1e-3, "the picture must excite the channel for the ratio to mean something")
    let result = try model.maximize(layer: layer, channel: channel)
    #expect(result.value >= 3 * onCat, "\(result.value) vs \(onCat) on the cat")
    #expect(result.value > result.startValue)
    // The value reported is the picture's, measured again from scratch.
    #expect(
      abs(try model.channelMean(of: result.image, layer: layer, channel: channel) - result.value)
        <= 1e-5 * max(1, abs(result.value)))
    #expect(result.image.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(result.stepsTaken == 64 && !result.interrupted)
  }

  /// Every channel ends at least as high as on the cat, even those grey
  /// leaves silent (louder noise wakes them).
  @Test(arguments: [1, 3, 4])
  func noChannelEndsBelowThePicture(_ layer: Int) throws {
    let model = try Self.network()
    for channel in 0..<8 {
      let onCat = try model.channelMean(of: Self.cat(), layer: layer, channel: channel)
      let result = try model.maximize(layer: layer, channel: channel)
      #expect(result.value >= onCat, "channel \(channel): \(result.value) vs \(onCat)")
    }
  }

  @Test func progressIsReportedAndTheBestKept() throws {
    let model = try Self.network()
    var seen: [MaximizeProgress] = []
    var options = MaximizeOptions()
    options.steps = 12
    let result = try model.maximize(layer: 3, channel: 1, options: options) { seen.append($0) }
    #expect(seen.map(\.step) == Array(1...12))
    #expect(seen.allSatisfy { $0.steps == 12 })
    for (a, b) in zip(seen, seen.dropFirst()) { #expect(b.best >= a.best) }
    #expect(result.value == seen.last?.best)
    #expect(result.value == max(result.startValue, seen.map(\.value).max() ?? 0))
    // The same seed paints the same picture; another seed another one.
    #expect(try model.maximize(layer: 3, channel: 1, options: options).image == result.image)
    options.seed = 9
    #expect(try model.maximize(layer: 3, channel: 1, options: options).image != result.image)
  }

  @Test func aStopKeepsTheBestSoFar() throws {
    let model = try Self.network()
    var steps = 0
    var best: Float = 0
    let result = try model.maximize(
      layer: 1, channel: 0,
      onStep: { p in
        steps = p.step
        best = p.best
      }, shouldStop: { steps == 3 })
    #expect(result.interrupted)
    #expect(result.stepsTaken == 3)
    #expect(result.value == best)
  }

  @Test func badOptionsAreRefused() throws {
    let model = try Self.network()
    var options = MaximizeOptions()
    options.decay = 1
    #expect(throws: EngineError.self) { try model.maximize(layer: 1, channel: 0, options: options) }
    #expect(throws: EngineError.indexOutOfRange(index: 9, count: 9)) {
      try model.maximize(layer: 9, channel: 0)
    }
  }
}
