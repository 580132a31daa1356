extension Sequential {
  /// Where the softmax sits, if the model ends in one, so the loss can be fused with it.
  enum Head {
    /// `Activation('softmax')` or `Softmax()` last: the logits are the previous layer's output.
    case softmaxLayer
    /// `Dense(k, activation='softmax')` (or Conv2D) last: the logits are its pre-activation.
    case softmaxActivation(any ActivatedLayer)
    /// No softmax at the end: the loss reads the outputs as probabilities.
    case plain
  }

  var head: Head {
    guard let last = layers.last else { return .plain }
    if let a = last as? Activation, a.function == .softmax { return .softmaxLayer }
    if let a = last as? any ActivatedLayer, a.activationFunction == .softmax {
      return .softmaxActivation(a)
    }
    return .plain
  }

  /// Loss and accuracy of the model's current outputs, and the gradient that
  /// starts backward (with the layer index to start below), after a forward pass.
  /// `logits`, from `inferPass`, stands in for what `forward` kept.
  func lossAndGradient(
    output: Tensor, labels: [Int], loss kind: LossKind, logits inferred: Tensor? = nil
  ) throws(EngineError) -> (loss: Float, accuracy: Float, gradient: Tensor, startBelow: Int) {
    let acc = accuracy(output: output, labels: labels)
    switch head {
    case .softmaxLayer:
      let logits =
        inferred ?? (layers.count >= 2 ? lastOutputs[layers.count - 2] : (lastInput ?? output))
      let fused = try softmaxCrossEntropy(logits: logits, labels: labels)
      return (fused.loss, acc, fused.logitsGradient, layers.count - 1)
    case .softmaxActivation(let layer):
      guard let logits = inferred ?? layer.lastPreActivation else {
        throw .backwardBeforeForward(layer: layer.name)
      }
      let fused = try softmaxCrossEntropy(logits: logits, labels: labels)
      return (fused.loss, acc, fused.logitsGradient, layers.count)
    case .plain:
      let plain = try crossEntropy(output: output, labels: labels, kind: kind)
      return (plain.loss, acc, plain.outputGradient, layers.count)
    }
  }

  /// The forward pass of a training step: what `forward(mode: .training)`
  /// computes, bit for bit, on the same route (`Conv2D.forward(_:regrouped:)`:
  /// Winograd's products where they apply), and the layers keep the same
  /// state for backward (Dropout draws the same masks), but a ReLU after a
  /// conv is applied as its sums are stored and nothing is kept for
  /// display. Returns the output and,
  /// for a model ending in a softmax layer, that layer's input (the
  /// logits the fused loss reads).
  func trainingPass(_ input: Tensor) throws(EngineError) -> (output: Tensor, logits: Tensor?) {
    try checkPassInput(input)
    var current = input
    var previous = input
    var rng = maskRNG
    var index = 0
    while index < layers.count {
      let layer = layers[index]
      previous = current
      if let conv = layer as? Conv2D {
        // A linear conv then Activation('relu'): the ReLU as the sums are
        // stored, and the activation layer adopts the result.
        if conv.activationFunction == .linear, index + 1 < layers.count,
          let relu = layers[index + 1] as? Activation, relu.function == .relu
        {
          current = try conv.forward(current, regrouped: true, relu: true)
          relu.adoptReLU(output: current)
          index += 2
          continue
        }
        current = try conv.forward(current, regrouped: true)
      } else {
        current = try layer.forward(current, mode: .training, rng: &rng)
      }
      index += 1
    }
    maskRNG = rng
    if case .softmaxLayer = head { return (current, previous) }
    return (current, nil)
  }

  /// One step of training on a batch: forward in training mode
  /// (`trainingPass`), loss, backward, optimizer update. Returns the batch's
  /// loss and accuracy. The REPL's last pass is forgotten: the layers'
  /// state now belongs to this step.
  ///
  /// When the loss or any gradient is not finite the update is skipped, so the
  /// weights stay the last good ones, and `.nonFinite` is thrown.
  public func trainStep(
    _ images: Tensor, labels: [Int], loss kind: LossKind, optimizer: any Optimizer
  ) throws(EngineError) -> (loss: Float, accuracy: Float) {
    switch try step(images, labels: labels, loss: kind, optimizer: optimizer) {
    case .trained(let loss, let accuracy):
      return (loss, accuracy)
    case .diverged(let cause):
      throw .nonFinite(
        "\(cause): training diverged; the weights are kept as they were before this batch (try a smaller learning rate)"
      )
    }
  }

  /// How one training step ended.
  enum StepOutcome {
    case trained(loss: Float, accuracy: Float)
    /// Nothing was updated; `cause` says what stopped being finite.
    case diverged(cause: String)
  }

  /// ``trainStep(_:labels:loss:optimizer:)`` with divergence as a value, so
  /// `fit` can word it for the whole fit.
  func step(
    _ images: Tensor, labels: [Int], loss kind: LossKind, optimizer: any Optimizer
  ) throws(EngineError) -> StepOutcome {
    clearPass()
    // `zeroGradients`, on the threads, but for the Dense kernels, whose
    // backward writes their gradient instead of adding into it (every
    // layer's backward runs before the update, or the step throws first).
    var written = Set<ObjectIdentifier>()
    let denses = layers.compactMap { $0 as? Dense }
    defer { for dense in denses { dense.overwritesKernelGradient = false } }
    for dense in denses {
      if let kernel = dense.kernel, kernel.gradient.shape == kernel.value.shape {
        dense.overwritesKernelGradient = true
        written.insert(ObjectIdentifier(kernel))
      }
    }
    for p in parameters where !written.contains(ObjectIdentifier(p)) {
      if p.gradient.shape == p.value.shape {
        ElementwiseKernels.zero(&p.gradient.scalars)
      } else {
        p.zeroGradient()
      }
    }
    let pass = try trainingPass(images)
    let step = try lossAndGradient(
      output: pass.output, labels: labels, loss: kind, logits: pass.logits)
    guard step.loss.isFinite else {
      return .diverged(cause: "the loss became \(step.loss)")
    }
    if case .softmaxActivation(let layer) = head {
      if let below = try layer.backward(
        preActivationGradient: step.gradient, inputGradient: layers.count > 1)
      {
        try backward(below, from: layers.count - 1, needInputGradient: false)
      }
    } else {
      try backward(step.gradient, from: step.startBelow, needInputGradient: false)
    }
    let params = parameters
    guard params.allSatisfy({ ElementwiseKernels.allFinite($0.gradient.scalars) }) else {
      return .diverged(cause: "a gradient became infinite or NaN")
    }
    let overflow = StepOutcome.diverged(cause: "a weight overflowed to infinity or NaN")
    if let adam = optimizer as? Adam {
      // The new weights go into the buffers kept from step to step (the
      // weights before the last update), checked as they are written, and
      // are swapped in only when all are finite: nothing to copy or take
      // back.
      weightBackup.fit(params)
      guard adam.apply(to: params, writingWeightsInto: &weightBackup.buffers) else {
        return overflow
      }
      weightBackup.swap(params)
    } else {
      // A copy of the weights into buffers kept from step to step (no
      // allocation, no page faults), so a step that overflows can be taken
      // back.
      weightBackup.save(params)
      optimizer.apply(to: params)
      guard params.allSatisfy({ ElementwiseKernels.allFinite($0.value.scalars) }) else {
        weightBackup.restore(params)
        return overflow
      }
    }
    for layer in layers { layer.finishTrainingStep() }
    return .trained(loss: step.loss, accuracy: step.accuracy)
  }

  /// Loss and accuracy over a whole set, in inference mode, batch by batch.
  /// Batches are weighted by their size, as Keras's `evaluate` does.
  ///
  /// Every batch but the last goes through `infer` (fused, nothing kept);
  /// the last goes through `forward`, so the layers' outputs shown
  /// afterwards are that batch's, as they always were. Same bits either way.
  public func evaluate(
    _ images: Tensor, labels: [Int], loss kind: LossKind, batchSize: Int = 32,
    shouldStop: () -> Bool = { false }
  ) throws(EngineError) -> (loss: Float, accuracy: Float) {
    let count = labels.count
    guard count > 0, images.shape[0] == count else { throw .data("there is nothing to evaluate") }
    var totalLoss: Double = 0
    var correct: Double = 0
    var start = 0
    while start < count {
      if shouldStop() { break }
      let end = min(start + max(batchSize, 1), count)
      let batchLabels = Array(labels[start..<end])
      let batch = images.slice(batch: start..<end)
      let step: (loss: Float, accuracy: Float, gradient: Tensor, startBelow: Int)
      if end < count {
        let pass = try inferPass(batch)
        step = try lossAndGradient(
          output: pass.output, labels: batchLabels, loss: kind, logits: pass.logits)
      } else {
        let output = try forward(batch, mode: .inference)
        step = try lossAndGradient(output: output, labels: batchLabels, loss: kind)
      }
      totalLoss += Double(step.loss) * Double(end - start)
      correct += Double(step.accuracy) * Double(end - start)
      start = end
    }
    let seen = Double(max(start, 1))
    return (Float(totalLoss / seen), Float(correct / seen))
  }

  /// The model's outputs for `images`, in inference mode, batch by batch,
  /// through `infer(exact: false)` (the last pass shown by the REPL is left
  /// alone; one image at a time may round differently from `forward`).
  public func predict(_ images: Tensor, batchSize: Int = 32) throws(EngineError) -> Tensor {
    let count = images.shape[0]
    var scalars: [Float] = []
    var outShape: Shape = []
    var start = 0
    while start < count {
      let end = min(start + max(batchSize, 1), count)
      let output = try infer(images.slice(batch: start..<end), exact: false)
      scalars.append(contentsOf: output.scalars)
      outShape = output.shape
      start = end
    }
    guard count > 0 else { throw .data("there is nothing to predict") }
    var dims = outShape.dims
    dims[0] = count
    return Tensor(validShape: Shape(dims), scalars: scalars)
  }
}

/// One buffer per parameter, its size, kept from step to step: the weights
/// from before the last update (a copy, or the arrays an out-of-place
/// update swapped out).
final class WeightBackup {
  var buffers: [[Float]] = []

  /// Buffers for `parameters`, kept when they already fit.
  func fit(_ parameters: [Parameter]) {
    if buffers.count != parameters.count
      || zip(buffers, parameters).contains(where: { $0.count != $1.value.count })
    {
      buffers = parameters.map { [Float](repeating: 0, count: $0.value.count) }
    }
  }

  /// Each parameter's weights become its buffer's, and the buffer keeps
  /// the old ones (arrays change hands; nothing is copied).
  func swap(_ parameters: [Parameter]) {
    for (index, p) in parameters.enumerated() {
      let old = p.value.scalars
      p.value.scalars = buffers[index]
      buffers[index] = old
    }
  }

  func save(_ parameters: [Parameter]) {
    fit(parameters)
    for (index, p) in parameters.enumerated() {
      ElementwiseKernels.copy(p.value.scalars, into: &buffers[index])
    }
  }

  /// True when the buffers already fit `parameters` (no new memory to save them).
  func holds(_ parameters: [Parameter]) -> Bool {
    buffers.count == parameters.count
      && zip(buffers, parameters).allSatisfy { $0.count == $1.value.count }
  }

  func restore(_ parameters: [Parameter]) {
    for (p, saved) in zip(parameters, buffers) where saved.count == p.value.count {
      p.value.scalars = saved
    }
  }
}
