/// How `maximize` climbs: the number of steps, their size, and what keeps
/// the picture from turning into high-frequency noise.
public struct MaximizeOptions: Sendable, Equatable {
  public var steps = 64
  /// Each step moves the pixels by `stepSize` times the gradient divided by
  /// its root mean square, so the step does not depend on the gradient's scale.
  public var stepSize: Float = 0.05
  /// L2 decay: each step pulls every pixel this fraction of the way back to
  /// grey, so only what the channel keeps asking for stays.
  public var decay: Float = 0.005
  /// Each step looks at the picture shifted by up to this many pixels
  /// (wrapping round), so the pattern found works anywhere, not at one offset.
  public var jitter = 1
  /// The start: mid-grey plus uniform noise of this amplitude (doubled, up
  /// to 0.5, whenever no pixel can move the channel).
  public var grey: Float = 0.5
  public var noise: Float = 0.02
  /// Draws the start's noise and the shifts.
  public var seed: UInt64 = 0

  public init() {}
}

/// Where a `maximize` run stands after one step.
public struct MaximizeProgress: Sendable, Equatable {
  public var step: Int
  public var steps: Int
  /// The channel's mean activation on the picture after this step.
  public var value: Float
  /// The best so far, the start included.
  public var best: Float
}

/// What `maximize` found: the best picture and what the channel made of it.
public struct MaximizedImage: Sendable, Equatable {
  /// `[1, height, width, channels]`, pixels in [0, 1].
  public var image: Tensor
  /// The channel's mean activation on `image`.
  public var value: Float
  /// The channel's mean activation on the grey start.
  public var startValue: Float
  /// The step that made `image` (0: the start).
  public var bestStep: Int
  public var stepsTaken: Int
  /// True when `shouldStop` ended the run early; `image` is still the best so far.
  public var interrupted: Bool
}

/// Activation maximisation: gradient ascent on the input picture to raise
/// one channel's mean activation (Erhan, Bengio, Courville and Vincent 2009,
/// "Visualizing Higher-Layer Features of a Deep Network"), with the L2 decay
/// and jitter of Yosinski et al. 2015 ("Understanding Neural Networks
/// Through Deep Visualization") to keep the picture readable.
extension Sequential {
  /// The mean over positions of channel `channel` (the last axis) of layer
  /// `index`'s output for `input` (a batch of one), in inference mode, on a
  /// ``probeCopy()``.
  public func channelMean(of input: Tensor, layer index: Int, channel: Int) throws(EngineError)
    -> Float
  {
    try checkChannel(layer: index, channel: channel)
    let probe = try probeCopy()
    return probe.mean(of: try probe.forwardPrefix(input, through: index), channel: channel)
  }

  /// Climbs from a grey, slightly noisy picture towards one that makes
  /// channel `channel` of layer `index` as large as it can on average,
  /// keeping the best picture seen. `onStep` hears every step; `shouldStop`
  /// is asked before each, and a stop keeps the best so far.
  ///
  /// Pixels stay in [0, 1], the range of a loaded picture. Runs on a
  /// ``probeCopy()``, leaving this model as it was; the same options give
  /// the same picture.
  public func maximize(
    layer index: Int, channel: Int, options: MaximizeOptions = MaximizeOptions(),
    onStep: (MaximizeProgress) -> Void = { _ in }, shouldStop: () -> Bool = { false }
  ) throws(EngineError) -> MaximizedImage {
    try checkChannel(layer: index, channel: channel)
    guard options.steps >= 0, options.stepSize > 0, options.stepSize.isFinite,
      (0..<1).contains(options.decay), options.jitter >= 0, options.noise >= 0,
      options.noise.isFinite, (0...1).contains(options.grey)
    else {
      throw .invalidArgument(
        layer: "maximize",
        message:
          "steps must be 0 or more, the step size positive, the decay in [0, 1), the jitter and noise 0 or more, grey in [0, 1]"
      )
    }
    guard let inputShape, inputShape.rank == 3 else {
      throw .notExplainable(
        "maximize paints an image, and the model takes inputs shaped \((inputShape ?? []).withNoneBatch)"
      )
    }
    let probe = try probeCopy()
    var rng = SeededGenerator(seed: options.seed)
    let shape = inputShape.batched(1)
    var noise = options.noise
    var x = Self.noisy(shape, grey: options.grey, noise: noise, rng: &rng)
    func value(_ picture: Tensor) throws(EngineError) -> Float {
      probe.mean(of: try probe.forwardPrefix(picture, through: index), channel: channel)
    }
    let startValue = try value(x)
    var best = (image: x, value: startValue, step: 0)
    var taken = 0
    var interrupted = false
    while taken < options.steps {
      if shouldStop() {
        interrupted = true
        break
      }
      let dy = options.jitter > 0 ? rng.nextInt(below: 2 * options.jitter + 1) - options.jitter : 0
      let dx = options.jitter > 0 ? rng.nextInt(below: 2 * options.jitter + 1) - options.jitter : 0
      let shifted = Self.rolled(x, dy: dy, dx: dx)
      let output = try probe.forwardPrefix(shifted, through: index)
      let upstream = Self.meanGradient(output.shape, channel: channel)
      let gradient = Self.rolled(
        try probe.sendDown(upstream, from: index, to: -1), dy: -dy, dx: -dx)
      var squares: Double = 0
      for g in gradient.scalars { squares += Double(g) * Double(g) }
      let rms = Float((squares / Double(max(gradient.count, 1))).squareRoot())
      guard rms.isFinite else { break }
      if rms == 0 {
        // Near grey every path to the channel can pass through a ReLU that
        // stays off, so no pixel moves it: louder noise may wake it. A
        // channel even loud noise cannot reach keeps the best seen.
        guard noise < 0.5 else { break }
        noise = min(max(2 * noise, 0.05), 0.5)
        x = Self.noisy(shape, grey: options.grey, noise: noise, rng: &rng)
      } else {
        let scale = options.stepSize / rms
        let keep = 1 - options.decay
        for i in 0..<x.count {
          let moved = x.scalars[i] + scale * gradient.scalars[i]
          x.scalars[i] = min(max(options.grey + (moved - options.grey) * keep, 0), 1)
        }
      }
      taken += 1
      let now = try value(x)
      if now > best.value { best = (x, now, taken) }
      onStep(MaximizeProgress(step: taken, steps: options.steps, value: now, best: best.value))
    }
    return MaximizedImage(
      image: best.image, value: best.value, startValue: startValue, bestStep: best.step,
      stepsTaken: taken, interrupted: interrupted)
  }

  /// Refuses a layer or channel that is not there.
  func checkChannel(layer index: Int, channel: Int) throws(EngineError) {
    guard layers.indices.contains(index) else {
      throw .indexOutOfRange(index: index, count: layers.count)
    }
    guard inputShape != nil, outputShapes.count == layers.count else { throw .noInputShape }
    let channels = outputShapes[index].dims.last ?? 0
    guard (0..<channels).contains(channel) else {
      throw .notExplainable(
        "there is no channel \(channel): \(layers[index].name)'s output has \(channels) (0-\(channels - 1))"
      )
    }
  }

  /// Layers 0...index in inference mode; the layers above are not needed.
  func forwardPrefix(_ input: Tensor, through index: Int) throws(EngineError) -> Tensor {
    guard let inputShape, input.shape == inputShape.batched(1) else {
      throw .badShape(
        "the model takes inputs shaped \((inputShape ?? []).withNoneBatch), got \(input.shape)")
    }
    var current = input
    // Inference draws no masks; a copy keeps the generator as it was all the same.
    var rng = maskRNG
    for layer in layers[0...index] {
      current = try layer.forward(current, mode: .inference, rng: &rng)
    }
    return current
  }

  /// The mean of the last axis's `channel` over every other position.
  func mean(of output: Tensor, channel: Int) -> Float {
    let channels = output.shape.dims.last ?? 1
    var sum: Double = 0
    var i = channel
    while i < output.count {
      sum += Double(output.scalars[i])
      i += channels
    }
    return Float(sum / Double(max(output.count / channels, 1)))
  }

  /// d(mean of `channel`)/d(output): 1/positions at that channel, 0 elsewhere.
  static func meanGradient(_ shape: Shape, channel: Int) -> Tensor {
    let channels = shape.dims.last ?? 1
    let positions = shape.scalarCount / channels
    var values = [Float](repeating: 0, count: shape.scalarCount)
    var i = channel
    while i < values.count {
      values[i] = 1 / Float(positions)
      i += channels
    }
    return Tensor(validShape: shape, scalars: values)
  }

  /// A picture of `shape`: `grey` plus uniform noise in ±`noise`, clipped to [0, 1].
  static func noisy(_ shape: Shape, grey: Float, noise: Float, rng: inout SeededGenerator)
    -> Tensor
  {
    Tensor(
      validShape: shape,
      scalars: (0..<shape.scalarCount).map { _ in
        min(max(grey + rng.nextFloat(in: -noise, noise), 0), 1)
      })
  }

  /// `[1, h, w, c]` shifted down by `dy` and right by `dx`, wrapping round.
  static func rolled(_ image: Tensor, dy: Int, dx: Int) -> Tensor {
    guard dy != 0 || dx != 0 else { return image }
    let (h, w, c) = (image.shape[1], image.shape[2], image.shape[3])
    var out = [Float](repeating: 0, count: image.count)
    for y in 0..<h {
      let ty = ((y + dy) % h + h) % h
      for x in 0..<w {
        let tx = ((x + dx) % w + w) % w
        for k in 0..<c { out[(ty * w + tx) * c + k] = image.scalars[(y * w + x) * c + k] }
      }
    }
    return Tensor(validShape: image.shape, scalars: out)
  }
}
