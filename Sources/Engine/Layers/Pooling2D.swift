/// `MaxPooling2D` and `AveragePooling2D`: a window slides over each channel
/// and keeps its largest value, or its mean.
///
/// output[n, oy, ox, c] = max (or mean) of input[n, oy·sy − padTop + ky, ox·sx − padLeft + kx, c]
/// over the pool window, padding cells excluded (TensorFlow: `same` max pooling
/// ignores the padding and `same` average pooling divides by the cells inside
/// the input only).
///
/// Shapes: input `[batch, height, width, channels]`, output
/// `[batch, outHeight, outWidth, channels]`; strides default to pool_size and
/// `valid` floors: outHeight = floor((height − poolHeight) / strideY) + 1.
public final class Pooling2D: Layer, BackwardThroughReLU {
  public var name: String
  public let spec: LayerSpec
  private var savedInputShape: Shape?
  /// For max pooling: where in its window each output's winner sat, read by
  /// backward. A tie goes to the first cell in row-major window order.
  private var winners: [Int32] = []
  /// The last training pass's output (the next layer's input, shared, not
  /// copied): the winners' values, for `backwardThroughReLU`.
  private var savedOutput: [Float] = []
  private var savedGeometry: ConvGeometry?
  private var isMax: Bool { spec.kind == .maxPooling2D }

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  var strides: [Int] { spec.strides ?? spec.poolSize }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    let size = try window(over: input)
    return [size.height, size.width, input[2]]
  }

  /// The pool's sizes over one `(height, width, channels)` map.
  private func window(over input: Shape) throws(EngineError) -> (
    height: Int, width: Int, padTop: Int, padLeft: Int
  ) {
    try windowedOutputSize(
      input, window: spec.poolSize, strides: strides, padding: spec.padding,
      layer: "\(name) (\(spec.kind.rawValue))", kind: "pooling", windowName: "pool",
      fix: "; use a smaller pool_size or padding='same'")
  }

  func geometry(for input: Shape) throws(EngineError) -> ConvGeometry {
    let perSample = input.unbatched
    let size = try window(over: perSample)
    return ConvGeometry(
      batch: input[0], inHeight: perSample[0], inWidth: perSample[1], inChannels: perSample[2],
      outHeight: size.height, outWidth: size.width, filters: perSample[2],
      kernelHeight: spec.poolSize[0], kernelWidth: spec.poolSize[1], strideY: strides[0],
      strideX: strides[1], padTop: size.padTop, padLeft: size.padLeft)
  }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    guard input.shape.rank == 4 else { throw .badShape("\(name) needs a batch of images") }
    let g = try geometry(for: input.shape)
    let output: [Float]
    if isMax {
      (output, winners) = PoolingKernels.maxForward(g, input: input.scalars)
      savedOutput = output
    } else {
      output = PoolingKernels.averageForward(g, input: input.scalars)
    }
    savedInputShape = input.shape
    savedGeometry = g
    return Tensor(validShape: [g.batch, g.outHeight, g.outWidth, g.inChannels], scalars: output)
  }

  /// Max pooling over 2x2 windows, stride 2, no padding: what a conv layer
  /// can fold into its ReLU pass in `Sequential.infer`.
  var isPlainMax2x2: Bool {
    isMax && spec.poolSize == [2, 2] && strides == [2, 2] && spec.padding == .valid
  }

  /// Inference without keeping anything: max pooling skips the winners.
  func infer(_ input: Tensor) throws(EngineError) -> Tensor {
    guard input.shape.rank == 4 else { throw .badShape("\(name) needs a batch of images") }
    let g = try geometry(for: input.shape)
    let output =
      isMax
      ? PoolingKernels.maxForwardValues(g, input: input.scalars)
      : PoolingKernels.averageForward(g, input: input.scalars)
    return Tensor(validShape: [g.batch, g.outHeight, g.outWidth, g.inChannels], scalars: output)
  }

  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let inputShape = savedInputShape, let g = savedGeometry else {
      throw .backwardBeforeForward(layer: name)
    }
    // Max: only the winning cell of each window moved the output, so it takes
    // all the gradient. Average: every cell took 1/count of it.
    let inputGradient =
      isMax
      ? PoolingKernels.maxBackward(g, outputGradient: outputGradient.scalars, winners: winners)
      : PoolingKernels.averageBackward(g, outputGradient: outputGradient.scalars)
    return Tensor(validShape: inputShape, scalars: inputGradient)
  }

  /// A winner's gradient goes through only where the value it carried up is
  /// positive; nil for average pooling and overlapping windows.
  func backwardThroughReLU(_ outputGradient: Tensor) throws(EngineError) -> Tensor? {
    guard let inputShape = savedInputShape, let g = savedGeometry else {
      throw .backwardBeforeForward(layer: name)
    }
    guard isMax,
      let inputGradient = PoolingKernels.maxBackwardThroughReLU(
        g, outputGradient: outputGradient.scalars, winners: winners, output: savedOutput)
    else { return nil }
    return Tensor(validShape: inputShape, scalars: inputGradient)
  }

  /// The input index that won output cell `outputIndex` in the last max-pooling pass.
  public func winner(ofOutput outputIndex: Int) -> Int? {
    guard isMax, let g = savedGeometry, winners.indices.contains(outputIndex) else { return nil }
    return PoolingKernels.winnerInputIndex(
      g, outputIndex: outputIndex, offset: winners[outputIndex])
  }
}

extension Pooling2D {
  /// The arguments MaxPooling2D and AveragePooling2D share, as Keras's pooling base.
  static let arguments: [Signature.Argument] = [
    .optional("pool_size", .tuple([.int(2), .int(2)]), .pair),
    .optional("strides", .none, .optionalPair),
    .optional("padding", .string("valid"), .padding),
    .keptAtDefault(
      "data_format", .none, also: [.string("channels_last")],
      why: "LayerLab is channels-last (NHWC), as Keras's default"),
  ]
}
