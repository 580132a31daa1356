/// A fully connected layer on the last axis, as Keras's `Dense`.
///
/// output[..., u] = act(bias[u] + Σ_i input[..., i] · kernel[i, u])
///
/// Shapes:
/// - input:  `[batch, …, inFeatures]` (usually `[batch, inFeatures]`)
/// - kernel: `[inFeatures, units]` (Keras's layout)
/// - bias:   `[units]`
/// - output: `[batch, …, units]`
public final class Dense: ActivatedLayer {
  public var name: String
  public let spec: LayerSpec
  public private(set) var kernel: Parameter?
  public private(set) var bias: Parameter?
  private var savedInput: Tensor?
  private(set) var activationCache = ActivationCache()
  /// The last pass's values before the activation (the logits under a softmax).
  public var lastPreActivation: Tensor? { activationCache.preActivation }
  /// Set by a training step that did not zero this kernel's gradient: the
  /// next backward writes it instead of adding into it (the same bits as
  /// adding into zeros), then the flag drops.
  var overwritesKernelGradient = false
  /// The kernel cut into column panels for one image in inference
  /// (`DenseKernels.forwardPanels`), kept until the kernel changes.
  private(set) var panels:
    (kernel: ObjectIdentifier, version: Int, panels: DenseKernels.ColumnPanels)?

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    guard input.rank >= 1, let last = input.dims.last, last > 0 else {
      throw .incompatibleInput(
        layer: "\(name) (Dense)", expected: "(features,)", got: input, hint: "")
    }
    var dims = input.dims
    dims[dims.count - 1] = spec.units
    return Shape(dims)
  }

  public func build(for input: Shape, using rng: inout SeededGenerator) throws(EngineError) {
    _ = try outputShape(for: input)
    let (i, u) = (input.dims[input.rank - 1], spec.units)
    if let k = kernel, k.value.shape == [i, u] { return }
    kernel = Parameter(
      name: "kernel", value: glorotUniform(shape: [i, u], fanIn: i, fanOut: u, rng: &rng))
    bias = spec.useBias ? Parameter(name: "bias", value: .zeros([u])) : nil
  }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    let inFeatures = input.shape.dims.last ?? 0
    guard let kernel, input.shape.rank >= 2, kernel.value.shape == [inFeatures, spec.units] else {
      throw .incompatibleInput(
        layer: "\(name) (Dense)", expected: "the shape it was built for",
        got: input.shape.unbatched,
        hint: "rebuild the model for this input")
    }
    let rows = input.count / max(inFeatures, 1)
    let raw = exactProduct(rows: rows, input: input, kernel: kernel, panelled: mode == .inference)
    var dims = input.shape.dims
    dims[dims.count - 1] = spec.units
    let pre = Tensor(validShape: Shape(dims), scalars: raw)
    let out = activationCache.apply(spec.activation, to: pre)
    savedInput = input
    return out
  }

  /// Inference without keeping anything (for `Sequential.infer`): the sums
  /// before the layer's own activation, then ReLU when `relu` is set. With
  /// `exact`, the bits of `forward`; without, up to a batch of 64 rows
  /// against a big kernel may take `DenseKernels.forwardSlicedK`.
  func inferPreActivation(_ input: Tensor, relu: Bool, exact: Bool = true) throws(EngineError)
    -> Tensor
  {
    let inFeatures = input.shape.dims.last ?? 0
    guard let kernel, input.shape.rank >= 2, kernel.value.shape == [inFeatures, spec.units] else {
      throw .incompatibleInput(
        layer: "\(name) (Dense)", expected: "the shape it was built for",
        got: input.shape.unbatched,
        hint: "rebuild the model for this input")
    }
    let rows = input.count / max(inFeatures, 1)
    // Up to a batch against a kernel of a megabyte or more: sliced sums
    // (same values up to rounding, not the same bits as `forward`).
    let sliced =
      exact == false && rows <= DenseKernels.slicedRows
      && inFeatures * spec.units >= DenseKernels.sliceableKernel
    let raw =
      sliced
      ? DenseKernels.forwardSlicedK(
        rows: rows, inFeatures: inFeatures, units: spec.units, input: input.scalars,
        kernel: kernel.value.scalars, bias: bias?.value.scalars)
      : exactProduct(rows: rows, input: input, kernel: kernel, panelled: true)
    var dims = input.shape.dims
    dims[dims.count - 1] = spec.units
    return Tensor(validShape: Shape(dims), scalars: relu ? ElementwiseKernels.relu(raw) : raw)
  }

  /// `DenseKernels.forward`'s sums, bit for bit. With `panelled` (an
  /// inference pass: the REPL's `forward`, `predict`), one to four rows
  /// against a big kernel go through its column panels on every core; a
  /// training step's weights change after every step, so copying them would
  /// cost more than it saves.
  private func exactProduct(rows: Int, input: Tensor, kernel: Parameter, panelled: Bool)
    -> [Float]
  {
    let inFeatures = input.shape.dims.last ?? 0
    if panelled,
      let parts = DenseKernels.panelParts(rows: rows, inFeatures: inFeatures, units: spec.units)
    {
      let id = ObjectIdentifier(kernel)
      let cut: DenseKernels.ColumnPanels
      if let kept = panels, kept.kernel == id, kept.version == kernel.version,
        kept.panels.parts == parts
      {
        cut = kept.panels
      } else {
        panels = nil
        cut = DenseKernels.columnPanels(
          kernel: kernel.value.scalars, inFeatures: inFeatures, units: spec.units, parts: parts)
        panels = (id, kernel.version, cut)
      }
      return DenseKernels.forwardPanels(
        rows: rows, input: input.scalars, panels: cut, bias: bias?.value.scalars)
    }
    return DenseKernels.forward(
      rows: rows, inFeatures: inFeatures, units: spec.units, input: input.scalars,
      kernel: kernel.value.scalars, bias: bias?.value.scalars)
  }

  public var activationFunction: ActivationFunction { spec.activation }

  /// Backward from dLoss/d(pre-activation): the fused softmax loss starts here.
  /// The input gradient is skipped when nobody needs it (the first layer).
  func backward(preActivationGradient gradient: Tensor, inputGradient: Bool) throws(EngineError)
    -> Tensor?
  {
    guard let input = savedInput, let kernel else { throw .backwardBeforeForward(layer: name) }
    let inFeatures = input.shape.dims.last ?? 0
    let rows = input.count / max(inFeatures, 1)
    let overwrite = overwritesKernelGradient
    overwritesKernelGradient = false
    Parameter.accumulateGradients(kernel, bias) { kernelGradient, biasGradient in
      DenseKernels.accumulateKernelGradient(
        rows: rows, inFeatures: inFeatures, units: spec.units, input: input.scalars,
        outputGradient: gradient.scalars, kernelGradient: &kernelGradient,
        biasGradient: &biasGradient, overwrite: overwrite)
    }
    guard inputGradient else { return nil }
    let inputGradient = DenseKernels.backwardInput(
      rows: rows, inFeatures: inFeatures, units: spec.units, outputGradient: gradient.scalars,
      kernel: kernel.value.scalars)
    return Tensor(validShape: input.shape, scalars: inputGradient)
  }
}

extension LayerKind {
  /// Keras's `Dense`.
  public static let dense = LayerKind(
    className: "Dense",
    summary: "Connect every input number to every unit: weighted sums, one per unit",
    about: """
      Each of the `units` outputs is a weighted sum of every number in the input plus a bias: \
      output[u] = bias[u] + sum over i of input[i] * kernel[i, u]. It has no idea where in \
      the picture a number came from, which is why it comes after Flatten at the end of a \
      CNN, where it combines the features the convolutions found into one score per class \
      (the last Dense has as many units as there are classes). activation='relu' applies \
      the function to the sums inside the layer. The kernel is (inputs, units), as Keras \
      stores it.
      """,
    arguments: [
      .required("units", .positiveInt),
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
    example: "Dense(512, activation='relu')", lesson: "06-flatten-dense",
    parameterCount: { spec, input in
      guard let features = input.dims.last else { return 0 }
      let (kernel, o1) = features.multipliedReportingOverflow(by: spec.units)
      let (all, o2) = kernel.addingReportingOverflow(spec.useBias ? spec.units : 0)
      return o1 || o2 ? nil : all
    },
    make: { spec, name in Dense(spec: spec, name: name) })
}
