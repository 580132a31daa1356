/// Keras's `BatchNormalization(axis=-1, momentum=0.99, epsilon=0.001,
/// center=True, scale=True)`: each channel (the last axis) is shifted to mean
/// 0 and scaled to variance 1, then multiplied by `gamma` and moved by `beta`.
///
/// output = gamma · (x − mean) / sqrt(variance + epsilon) + beta
///
/// Like Dropout it behaves differently in training. Training: mean and
/// variance are the batch's own, over every axis but the channels (the
/// biased variance, as Keras 3), and after the step is kept the moving
/// statistics follow them:
/// moving = moving · momentum + batch · (1 − momentum).
/// Inference: the moving mean and variance are used, so one image gives the
/// same answer whatever else is in its batch
/// (keras/src/layers/normalization/batch_normalization.py).
///
/// Weights, in Keras's order: `gamma` (ones, when `scale`) and `beta` (zeros,
/// when `center`) are trained; `moving_mean` (zeros) and `moving_variance`
/// (ones) are not.
///
/// Shapes: output = input; the weights are `(channels,)`.
public final class BatchNormalization: Layer {
  public var name: String
  public let spec: LayerSpec
  public private(set) var gamma: Parameter?
  public private(set) var beta: Parameter?
  public private(set) var movingMean: Parameter?
  public private(set) var movingVariance: Parameter?
  /// What backward needs from the last forward pass.
  private var savedNormalized: [Float] = []
  private var savedInverseDeviation: [Float] = []
  private var savedShape: Shape?
  private var savedMode: Mode?
  /// The last training pass's batch statistics, folded into the moving ones
  /// when the step is kept (``finishTrainingStep()``).
  private var pending: (mean: [Float], variance: [Float])?

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  public var parameters: [Parameter] { [gamma, beta].compactMap { $0 } }
  public var nonTrainableWeights: [Parameter] { [movingMean, movingVariance].compactMap { $0 } }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    guard input.rank >= 1, let channels = input.dims.last, channels > 0 else {
      throw .incompatibleInput(
        layer: "\(name) (BatchNormalization)", expected: "(…, channels)", got: input, hint: "")
    }
    // The batch axis comes first, so the last axis of a per-sample shape of rank r is r.
    let axis = spec.axis
    guard axis == -1 || axis == input.rank else {
      throw .invalidArgument(
        layer: "BatchNormalization",
        message:
          "axis=\(axis) is not supported: LayerLab normalizes over the last axis (the channels), axis=-1 or \(input.rank) for \(input.withNoneBatch)"
      )
    }
    return input
  }

  public func build(for input: Shape, using rng: inout SeededGenerator) throws(EngineError) {
    _ = try outputShape(for: input)
    let channels = input.dims[input.rank - 1]
    if let mean = movingMean, mean.value.shape == [channels] { return }
    gamma =
      spec.scale ? Parameter(name: "gamma", value: Tensor(repeating: 1, shape: [channels])) : nil
    beta = spec.center ? Parameter(name: "beta", value: .zeros([channels])) : nil
    movingMean = Parameter(name: "moving_mean", value: .zeros([channels]))
    movingVariance = Parameter(
      name: "moving_variance", value: Tensor(repeating: 1, shape: [channels]))
  }

  /// The mean and (biased) variance of each channel over `input`, in Double
  /// so a big batch loses nothing to rounding.
  public static func batchStatistics(_ input: Tensor) -> (mean: [Float], variance: [Float]) {
    let channels = input.shape.dims.last ?? 1
    let rows = input.count / max(channels, 1)
    var sum = [Double](repeating: 0, count: channels)
    var squares = [Double](repeating: 0, count: channels)
    input.scalars.withUnsafeBufferPointer { x in
      for row in 0..<rows {
        let base = row * channels
        for c in 0..<channels { sum[c] += Double(x[base + c]) }
      }
      let means = sum.map { $0 / Double(max(rows, 1)) }
      for row in 0..<rows {
        let base = row * channels
        for c in 0..<channels {
          let d = Double(x[base + c]) - means[c]
          squares[c] += d * d
        }
      }
      sum = means
    }
    return (sum.map(Float.init), squares.map { Float($0 / Double(max(rows, 1))) })
  }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    let channels = input.shape.dims.last ?? 0
    guard let movingMean, let movingVariance, input.shape.rank >= 2,
      movingMean.value.shape == [channels]
    else {
      throw .incompatibleInput(
        layer: "\(name) (BatchNormalization)", expected: "the shape it was built for",
        got: input.shape.unbatched, hint: "rebuild the model for this input")
    }
    let (mean, variance): ([Float], [Float])
    if mode == .training {
      (mean, variance) = Self.batchStatistics(input)
      pending = (mean, variance)
    } else {
      (mean, variance) = (movingMean.value.scalars, movingVariance.value.scalars)
    }
    let inverse = variance.map { 1 / (($0 + spec.epsilon).squareRoot()) }
    let g = gamma?.value.scalars ?? [Float](repeating: 1, count: channels)
    let b = beta?.value.scalars ?? [Float](repeating: 0, count: channels)
    var normalized = [Float](repeating: 0, count: input.count)
    var output = [Float](repeating: 0, count: input.count)
    let rows = input.count / max(channels, 1)
    input.scalars.withUnsafeBufferPointer { x in
      normalized.withUnsafeMutableBufferPointer { n in
        output.withUnsafeMutableBufferPointer { o in
          for row in 0..<rows {
            let base = row * channels
            for c in 0..<channels {
              let h = (x[base + c] - mean[c]) * inverse[c]
              n[base + c] = h
              o[base + c] = h * g[c] + b[c]
            }
          }
        }
      }
    }
    savedNormalized = normalized
    savedInverseDeviation = inverse
    savedShape = input.shape
    savedMode = mode
    return Tensor(validShape: input.shape, scalars: output)
  }

  /// With x̂ the normalized input and N the values per channel:
  /// dbeta = Σ g, dgamma = Σ g·x̂. At inference the statistics are constants,
  /// so dx = g·gamma/σ. In training they depend on the batch too:
  /// dx = gamma/σ · (g − mean(g) − x̂·mean(g·x̂)), per channel.
  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let shape = savedShape, let mode = savedMode, outputGradient.shape == shape else {
      throw .backwardBeforeForward(layer: name)
    }
    let channels = shape.dims.last ?? 1
    let rows = outputGradient.count / max(channels, 1)
    var sumG = [Double](repeating: 0, count: channels)
    var sumGH = [Double](repeating: 0, count: channels)
    outputGradient.scalars.withUnsafeBufferPointer { g in
      savedNormalized.withUnsafeBufferPointer { h in
        for row in 0..<rows {
          let base = row * channels
          for c in 0..<channels {
            sumG[c] += Double(g[base + c])
            sumGH[c] += Double(g[base + c]) * Double(h[base + c])
          }
        }
      }
    }
    if let gamma {
      for c in 0..<channels { gamma.gradient.scalars[c] += Float(sumGH[c]) }
    }
    if let beta {
      for c in 0..<channels { beta.gradient.scalars[c] += Float(sumG[c]) }
    }
    let g0 = gamma?.value.scalars ?? [Float](repeating: 1, count: channels)
    let factor = (0..<channels).map { g0[$0] * savedInverseDeviation[$0] }
    let n = Double(max(rows, 1))
    let meanG = sumG.map { Float($0 / n) }
    let meanGH = sumGH.map { Float($0 / n) }
    var result = [Float](repeating: 0, count: outputGradient.count)
    let training = mode == .training
    outputGradient.scalars.withUnsafeBufferPointer { g in
      savedNormalized.withUnsafeBufferPointer { h in
        result.withUnsafeMutableBufferPointer { r in
          for row in 0..<rows {
            let base = row * channels
            for c in 0..<channels {
              let gi = g[base + c]
              r[base + c] =
                training
                ? factor[c] * (gi - meanG[c] - h[base + c] * meanGH[c]) : factor[c] * gi
            }
          }
        }
      }
    }
    return Tensor(validShape: shape, scalars: result)
  }

  /// Folds the last training pass's batch statistics into the moving ones.
  public func finishTrainingStep() {
    guard let (mean, variance) = pending, let movingMean, let movingVariance,
      movingMean.value.count == mean.count
    else { return }
    let m = spec.momentum
    for c in 0..<mean.count {
      movingMean.value.scalars[c] = movingMean.value.scalars[c] * m + mean[c] * (1 - m)
      movingVariance.value.scalars[c] =
        movingVariance.value.scalars[c] * m + variance[c] * (1 - m)
    }
    pending = nil
  }
}

extension LayerSpec {
  /// BatchNormalization's `axis`: -1, or the last axis counted with the batch axis.
  public var axis: Int { int("axis") }
  /// BatchNormalization's `momentum`: how much of the moving statistics a step keeps.
  public var momentum: Float { float("momentum") ?? 0.99 }
  /// BatchNormalization's `epsilon`, added to the variance before its square root.
  public var epsilon: Float { float("epsilon") ?? 1e-3 }
  /// BatchNormalization's `center`: whether there is a `beta`.
  public var center: Bool { flag("center") ?? true }
  /// BatchNormalization's `scale`: whether there is a `gamma`.
  public var scale: Bool { flag("scale") ?? true }
}

extension ArgumentType {
  /// One axis, as a whole number or a list of one (tf.keras writes `[3]`).
  static let axis = ArgumentType("a whole number such as -1 (the last axis)") { value, name in
    let items = value.sequence ?? [value]
    guard items.count == 1, case .int(let axis) = items[0] else {
      throw LabError(
        message: "\(name) must be one whole number such as -1 (the last axis), got \(value.repr)")
    }
    return .int(axis)
  }
}

extension LayerKind {
  /// Keras's `BatchNormalization`, with Keras 3's signature
  /// (keras/src/layers/normalization/batch_normalization.py).
  public static let batchNormalization = LayerKind(
    className: "BatchNormalization",
    summary: "Give each channel mean 0 and variance 1, then scale and shift it",
    about: """
      Each channel is shifted and scaled to mean 0 and variance 1, (x - mean) / \
      sqrt(variance + epsilon), then multiplied by gamma and moved by beta, both learned. \
      Like Dropout it behaves differently in training: fit uses the mean and variance of \
      the batch in front of it, and after each step moves the moving mean and variance \
      (1 - momentum) of the way towards them; predict, evaluate and forward use those \
      moving statistics, so one picture gets the same answer whatever else is in its \
      batch. The moving statistics are weights that are not trained ("Non-trainable \
      params"). Put after a convolution, it keeps every layer's inputs on the same scale, \
      which lets a network train faster.
      """,
    arguments: [
      .optional("axis", .int(-1), .axis),
      .optional("momentum", .float(0.99), .number(in: 0...1)),
      .optional("epsilon", .float(1e-3), .positiveNumber),
      .optional("center", .bool(true), .bool),
      .optional("scale", .bool(true), .bool),
      .keptAtDefault(
        "beta_initializer", .string("zeros"), why: "beta starts at zero, Keras's default"),
      .keptAtDefault(
        "gamma_initializer", .string("ones"), why: "gamma starts at one, Keras's default"),
      .keptAtDefault(
        "moving_mean_initializer", .string("zeros"),
        why: "the moving mean starts at zero, Keras's default"),
      .keptAtDefault(
        "moving_variance_initializer", .string("ones"),
        why: "the moving variance starts at one, Keras's default"),
      .keptAtDefault("beta_regularizer", .none, why: "LayerLab has no regularizers"),
      .keptAtDefault("gamma_regularizer", .none, why: "LayerLab has no regularizers"),
      .keptAtDefault("beta_constraint", .none, why: "LayerLab has no constraints"),
      .keptAtDefault("gamma_constraint", .none, why: "LayerLab has no constraints"),
      .keptAtDefault("renorm", .bool(false), why: "only plain batch normalization is supported"),
      .keptAtDefault(
        "renorm_clipping", .none, why: "only plain batch normalization is supported"),
      .keptAtDefault(
        "renorm_momentum", .float(0.99), why: "only plain batch normalization is supported"),
      .keptAtDefault("synchronized", .bool(false), why: "LayerLab trains on one device"),
    ],
    example: "BatchNormalization()", lesson: "15-keras-files",
    parameterCount: { spec, input in
      // Every weight it holds: gamma and beta, trained, and the two moving statistics, not.
      guard let channels = input.dims.last else { return 0 }
      let (count, overflow) = channels.multipliedReportingOverflow(
        by: 2 + (spec.center ? 1 : 0) + (spec.scale ? 1 : 0))
      return overflow ? nil : count
    },
    make: { spec, name in BatchNormalization(spec: spec, name: name) })
}
