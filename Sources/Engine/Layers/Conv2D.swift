/// 2-D convolution, channels-last, as Keras's `Conv2D`.
///
/// output[n, oy, ox, f] = act(bias[f] + Σ_{ky,kx,c} input[n, oy·sy − padTop + ky, ox·sx − padLeft + kx, c] · kernel[ky, kx, c, f])
///
/// Shapes:
/// - input:  `[batch, height, width, inChannels]`
/// - kernel: `[kernelHeight, kernelWidth, inChannels, filters]` (Keras's layout)
/// - bias:   `[filters]`
/// - output: `[batch, outHeight, outWidth, filters]`, sizes from ``Padding``.
public final class Conv2D: ActivatedLayer {
  public var name: String
  public let spec: LayerSpec
  public private(set) var kernel: Parameter?
  public private(set) var bias: Parameter?
  private var savedInput: Tensor?
  private(set) var activationCache = ActivationCache()
  /// The last pass's values before the activation (the logits under a softmax).
  public var lastPreActivation: Tensor? { activationCache.preActivation }
  private var savedGeometry: ConvGeometry?
  /// The kernel as Winograd's transformed matrices, for `infer(exact:
  /// false)`: made once per set of weights (which kernel object, which
  /// version of it) and tile, not on every image.
  private var winogradKernel:
    (kernel: ObjectIdentifier, version: Int, tile: Winograd.Tile, u: [Float])?
  /// The same for the input gradient's product (the rotated kernel).
  private var winogradInputGradientKernel:
    (kernel: ObjectIdentifier, version: Int, tile: Winograd.Tile, u: [Float])?
  /// Whether the last `forward` regrouped its sums (Winograd, in a training
  /// step), so that `backward` computes the input gradient the same way.
  private var savedRegrouped = false

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  var strides: [Int] { spec.strides ?? [1, 1] }

  public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    let size = try window(over: input)
    return [size.height, size.width, spec.units]
  }

  /// The kernel's sizes over one `(height, width, channels)` map.
  private func window(over input: Shape) throws(EngineError) -> (
    height: Int, width: Int, padTop: Int, padLeft: Int
  ) {
    try windowedOutputSize(
      input, window: spec.kernelSize, strides: strides, padding: spec.padding,
      layer: "\(name) (Conv2D)",
      kind: "Conv2D", windowName: "kernel",
      fix: " with padding='valid'; use padding='same' or a smaller kernel")
  }

  public func build(for input: Shape, using rng: inout SeededGenerator) throws(EngineError) {
    _ = try outputShape(for: input)
    let (kh, kw, c, f) = (spec.kernelSize[0], spec.kernelSize[1], input[2], spec.units)
    // Rebuild only when the kernel no longer fits, so a re-inferred model keeps trained weights.
    if let k = kernel, k.value.shape == [kh, kw, c, f] { return }
    kernel = Parameter(
      name: "kernel",
      value: glorotUniform(
        shape: [kh, kw, c, f], fanIn: kh * kw * c, fanOut: kh * kw * f, rng: &rng))
    bias = spec.useBias ? Parameter(name: "bias", value: .zeros([f])) : nil
  }

  func geometry(for input: Shape) throws(EngineError) -> ConvGeometry {
    let perSample = input.unbatched
    let size = try window(over: perSample)
    return ConvGeometry(
      batch: input[0], inHeight: perSample[0], inWidth: perSample[1], inChannels: perSample[2],
      outHeight: size.height, outWidth: size.width, filters: spec.units,
      kernelHeight: spec.kernelSize[0], kernelWidth: spec.kernelSize[1], strideY: strides[0],
      strideX: strides[1], padTop: size.padTop, padLeft: size.padLeft)
  }

  /// The geometry for a batch `input` and the kernel built for it, or the
  /// error a learner reads (not a batch of images, or a model built for
  /// another input).
  private func checked(_ input: Tensor) throws(EngineError) -> (ConvGeometry, Parameter) {
    guard input.shape.rank == 4 else { throw .badShape("\(name) needs a batch of images") }
    let g = try geometry(for: input.shape)
    guard let kernel,
      kernel.value.shape == [g.kernelHeight, g.kernelWidth, g.inChannels, g.filters]
    else {
      throw .incompatibleInput(
        layer: "\(name) (Conv2D)", expected: "the shape it was built for",
        got: input.shape.unbatched,
        hint: "rebuild the model for this input")
    }
    return (g, kernel)
  }

  /// Every pass (the REPL's `forward`, a training step) takes Winograd's
  /// products where they apply (`forward(_:regrouped:)`), so what `show`
  /// draws, what `evaluate` counts and what training computes are one route.
  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    try forward(input, regrouped: true)
  }

  /// With `regrouped` (every pass but the tests' and the benchmark's direct
  /// rows) a 3x3 stride-1 layer with 16 or more channels goes through
  /// Winograd's products (`Winograd.takesInputGradient`), for its output now
  /// and its input and kernel gradients in `backward`: the same values up
  /// to rounding with 4x or 2.25x fewer multiply-adds, still the same bits
  /// for any thread count. Without, the direct sums (`ConvKernels`).
  ///
  /// With `relu` (a linear layer followed by `Activation('relu')`, which
  /// then adopts the values: `Activation.adoptReLU`), the ReLU is applied as
  /// the sums are stored, and the result is `relu(forward)`, bit for bit.
  /// Public for the benchmark's per-layer rows.
  public func forward(_ input: Tensor, regrouped: Bool, relu: Bool = false) throws(EngineError)
    -> Tensor
  {
    let (g, kernel) = try checked(input)
    precondition(!relu || spec.activation == .linear)
    let fast = regrouped && Self.regroups(g)
    let raw =
      (fast ? winograd(g, input, kernel: kernel, relu: relu, pool: false) : nil)
      ?? (relu
        ? ConvKernels.forwardReLU(
          g, input: input.scalars, kernel: kernel.value.scalars, bias: bias?.value.scalars)
        : ConvKernels.forward(
          g, input: input.scalars, kernel: kernel.value.scalars, bias: bias?.value.scalars))
    let pre = Tensor(validShape: [g.batch, g.outHeight, g.outWidth, g.filters], scalars: raw)
    let out = activationCache.apply(spec.activation, to: pre)
    savedInput = input
    savedGeometry = g
    savedRegrouped = fast
    return out
  }

  /// Whether a regrouped pass takes Winograd's products for this shape.
  static func regroups(_ g: ConvGeometry) -> Bool {
    KernelSettings.winogradInTraining && Winograd.takesInputGradient(g)
  }

  /// Inference without keeping anything (for `Sequential.infer`): the sums
  /// before the layer's own activation, with ReLU applied in the same pass
  /// when `relu` is set (then the bits of `relu(forward)`). With `exact`,
  /// `forward`'s route and bits; without, any 3x3 stride-1 layer Winograd
  /// takes goes through its F(4x4, 3x3) or F(2x2, 3x3) (`Winograd`), the
  /// same values up to rounding.
  func inferPreActivation(_ input: Tensor, relu: Bool, exact: Bool = true) throws(EngineError)
    -> Tensor
  {
    let (g, kernel) = try checked(input)
    if !exact || Self.regroups(g),
      let raw = winograd(g, input, kernel: kernel, relu: relu, pool: false)
    {
      return Tensor(validShape: [g.batch, g.outHeight, g.outWidth, g.filters], scalars: raw)
    }
    let raw =
      relu
      ? ConvKernels.forwardReLU(
        g, input: input.scalars, kernel: kernel.value.scalars, bias: bias?.value.scalars)
      : ConvKernels.forward(
        g, input: input.scalars, kernel: kernel.value.scalars, bias: bias?.value.scalars)
    return Tensor(validShape: [g.batch, g.outHeight, g.outWidth, g.filters], scalars: raw)
  }

  /// `inferPreActivation(relu: true)` then `pool` (a 2x2, stride-2, unpadded
  /// max pooling), fused: the same bits (not `exact`: Winograd's values
  /// where it applies, its tile chosen for the pooled output). nil when no
  /// fused kernel takes this shape, or (`exact`) when `forward` regroups it:
  /// the caller then runs the two steps; the errors of `inferPreActivation`
  /// for an input the layer cannot take.
  func inferReLUMaxPool2(_ input: Tensor, exact: Bool = true) throws(EngineError) -> Tensor? {
    let (g, kernel) = try checked(input)
    guard g.outHeight >= 2, g.outWidth >= 2 else { return nil }
    let shape: Shape = [g.batch, g.outHeight / 2, g.outWidth / 2, g.filters]
    if !exact, let raw = winograd(g, input, kernel: kernel, relu: true, pool: true) {
      return Tensor(validShape: shape, scalars: raw)
    }
    if exact && Self.regroups(g) { return nil }
    guard
      let raw = ConvKernels.forwardReLUMaxPool2(
        g, input: input.scalars, kernel: kernel.value.scalars, bias: bias?.value.scalars)
    else { return nil }
    return Tensor(validShape: shape, scalars: raw)
  }

  /// `Winograd.forward` with the transformed kernel kept between calls.
  private func winograd(
    _ g: ConvGeometry, _ input: Tensor, kernel: Parameter, relu: Bool, pool: Bool
  ) -> [Float]? {
    // Checked before the kernel is transformed for nothing.
    guard Winograd.takes(g) else { return nil }
    let tile = Winograd.choose(g, pool: pool)
    let id = ObjectIdentifier(kernel)
    let u: [Float]
    if let cached = winogradKernel, cached.kernel == id, cached.version == kernel.version,
      cached.tile == tile
    {
      u = cached.u
    } else {
      u = Winograd.transformKernel(
        kernel.value.scalars, tile, channels: g.inChannels, filters: g.filters)
      winogradKernel = (id, kernel.version, tile, u)
    }
    return Winograd.forward(
      g, input: input.scalars, transformedKernel: u, bias: bias?.value.scalars, relu: relu,
      pool: pool, tile: tile)
  }

  public var activationFunction: ActivationFunction { spec.activation }

  /// Backward from dLoss/d(pre-activation): the fused softmax loss starts here.
  /// The input gradient is skipped when nobody needs it (the first layer).
  func backward(preActivationGradient gradient: Tensor, inputGradient: Bool) throws(EngineError)
    -> Tensor?
  {
    guard let input = savedInput, let g = savedGeometry, let kernel else {
      throw .backwardBeforeForward(layer: name)
    }
    accumulateWeightGradients(g, input: input, gradient: gradient, kernel: kernel)
    guard inputGradient else { return nil }
    let inputGradient =
      (savedRegrouped ? winogradInputGradient(g, gradient, kernel: kernel) : nil)
      ?? ConvKernels.backwardInput(
        g, outputGradient: gradient.scalars, kernel: kernel.value.scalars)
    return Tensor(validShape: input.shape, scalars: inputGradient)
  }

  private func accumulateWeightGradients(
    _ g: ConvGeometry, input: Tensor, gradient: Tensor, kernel: Parameter
  ) {
    let regrouped = savedRegrouped
    Parameter.accumulateGradients(kernel, bias) { kernelGradient, biasGradient in
      if regrouped
        && Winograd.accumulateKernelGradient(
          g, input: input.scalars, outputGradient: gradient.scalars,
          kernelGradient: &kernelGradient, biasGradient: &biasGradient)
      {
        return
      }
      ConvKernels.accumulateKernelGradient(
        g, input: input.scalars, outputGradient: gradient.scalars,
        kernelGradient: &kernelGradient, biasGradient: &biasGradient)
    }
  }

  /// `Winograd.backwardInput` with the transformed rotated kernel kept for
  /// the kernel's current version; with `mask`, the ReLU below's gradient too.
  private func winogradInputGradient(
    _ g: ConvGeometry, _ gradient: Tensor, kernel: Parameter, mask: [Float]? = nil
  ) -> [Float]? {
    let gb = Winograd.inputGradientGeometry(g)
    let tile = Winograd.choose(gb, pool: false)
    let id = ObjectIdentifier(kernel)
    let u: [Float]
    if let cached = winogradInputGradientKernel, cached.kernel == id,
      cached.version == kernel.version, cached.tile == tile
    {
      u = cached.u
    } else {
      let rotated = Winograd.rotatedKernel(
        kernel.value.scalars, channels: g.inChannels, filters: g.filters)
      u = Winograd.transformKernel(rotated, tile, channels: gb.inChannels, filters: gb.filters)
      winogradInputGradientKernel = (id, kernel.version, tile, u)
    }
    return Winograd.backwardInput(
      g, outputGradient: gradient.scalars, transformedKernel: u, tile: tile,
      keepingWherePositive: mask)
  }
}

extension Conv2D: BackwardThroughReLU {
  /// The input gradient by Winograd's products with the ReLU's gradient in
  /// their output transform (the ReLU's output is this layer's input, the
  /// mask). Where the input gradient takes the direct gather instead, the
  /// ReLU's gradient follows it as its own pass, as the two layers would
  /// run; so this never declines once the weights' gradients are added.
  func backwardThroughReLU(_ outputGradient: Tensor) throws(EngineError) -> Tensor? {
    guard let input = savedInput, let g = savedGeometry, let kernel else {
      throw .backwardBeforeForward(layer: name)
    }
    let gradient = activationCache.backward(activationFunction, outputGradient)
    accumulateWeightGradients(g, input: input, gradient: gradient, kernel: kernel)
    let inputGradient =
      (savedRegrouped
        ? winogradInputGradient(g, gradient, kernel: kernel, mask: input.scalars) : nil)
      ?? ElementwiseKernels.reluBackward(
        ConvKernels.backwardInput(
          g, outputGradient: gradient.scalars, kernel: kernel.value.scalars),
        input: input.scalars)
    return Tensor(validShape: input.shape, scalars: inputGradient)
  }
}

extension LayerKind {
  /// Keras's `Conv2D`.
  public static let conv2D = LayerKind(
    className: "Conv2D",
    summary: "Slide small learned kernels over the image: one feature map per filter",
    about: """
      Each of the `filters` kernels is a small grid of weights (kernel_size, e.g. 3x3) that is \
      laid on every position of the input, across all its channels; the products are summed, \
      the filter's bias is added, and the sum becomes one cell of that filter's feature map. \
      A kernel that has learned to match an edge or a texture lights up wherever that pattern \
      is. padding='same' keeps the height and width (zeros around the border, TensorFlow's \
      way), 'valid' only uses positions where the kernel fits, so each 3x3 pass loses a ring \
      of pixels; strides=(2, 2) skips every other position. The kernel is stored as Keras \
      stores it, (kh, kw, in, out), and starts glorot_uniform.
      """,
    arguments: [
      .required("filters", .positiveInt),
      .required("kernel_size", .pair),
      .optional("strides", .tuple([.int(1), .int(1)]), .pair),
      .optional("padding", .string("valid"), .padding),
      .keptAtDefault(
        "data_format", .none, also: [.string("channels_last")],
        why: "LayerLab is channels-last (NHWC), as Keras's default"),
      .keptAtDefault(
        "dilation_rate", .tuple([.int(1), .int(1)]), also: [.int(1)],
        why: "dilated convolutions are not supported"),
      .keptAtDefault("groups", .int(1), why: "grouped convolutions are not supported"),
      .optional("activation", .none, .activation),
      .optional("use_bias", .bool(true), .bool),
      .keptAtDefault(
        "kernel_initializer", .string("glorot_uniform"),
        why: "kernels start glorot_uniform, Keras's default"),
      .keptAtDefault(
        "bias_initializer", .string("zeros"), why: "biases start at zero, Keras's default"),
      .keptAtDefault("kernel_regularizer", .none, why: "LayerLab has no regularizers"),
      .keptAtDefault("bias_regularizer", .none, why: "LayerLab has no regularizers"),
      .keptAtDefault("activity_regularizer", .none, why: "LayerLab has no regularizers"),
      .keptAtDefault("kernel_constraint", .none, why: "LayerLab has no constraints"),
      .keptAtDefault("bias_constraint", .none, why: "LayerLab has no constraints"),
    ],
    example: "Conv2D(32, (3, 3), padding='same')", lesson: "02-conv2d",
    parameterCount: { spec, input in
      guard let channels = input.dims.last,
        let fanIn = Shape(spec.kernelSize + [channels]).checkedScalarCount
      else { return input.dims.isEmpty ? 0 : nil }
      let (kernel, o1) = fanIn.multipliedReportingOverflow(by: spec.units)
      let (all, o2) = kernel.addingReportingOverflow(spec.useBias ? spec.units : 0)
      return o1 || o2 ? nil : all
    },
    make: { spec, name in Conv2D(spec: spec, name: name) })
}
