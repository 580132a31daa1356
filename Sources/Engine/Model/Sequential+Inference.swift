extension Sequential {
  /// The model's output for `input` (`[batch, …inputShape]`), in inference
  /// mode, without keeping anything: for `predict`, `evaluate` and
  /// benchmarks, where nobody looks at the layers' outputs.
  ///
  /// Same values as `forward(input, mode: .inference)`, bit for bit (tested),
  /// but faster: a Conv2D or Dense followed by `Activation('relu')` (or with
  /// `activation='relu'`) applies the ReLU to each block of its output while
  /// it is still in cache, Dropout passes the tensor through, max pooling
  /// skips recording its winners, and no layer saves its input for backward.
  ///
  /// Unlike `forward`, it leaves `lastInput`, `lastOutputs`, `lastMode` and
  /// every layer's cached state as they were, so the REPL's display of the
  /// last pass is not disturbed.
  ///
  /// `forward` itself takes Winograd's products for the 3x3 stride-1
  /// convolutions training regroups (`Conv2D.forward(_:regrouped:)`); with
  /// `exact: false` (predict, benchmarks), sums regroup further: any 3x3
  /// stride-1 convolution Winograd takes, with a following ReLU and 2x2 max
  /// pooling folded into its output transform (`Winograd`: 4x or 2.25x
  /// fewer multiply-adds), and one to four images against a Dense kernel of
  /// 1 MB or more (the seed network's first Dense) sum it in fixed slices
  /// on both cores (`DenseKernels.forwardSlicedK`). The same values up to
  /// rounding, but not the same bits as `forward`; still the same bits for
  /// any thread count.
  public func infer(_ input: Tensor, exact: Bool = true) throws(EngineError) -> Tensor {
    try inferPass(input, exact: exact).output
  }

  /// `infer`, plus what the loss needs when the model ends in a softmax: the
  /// input of a last softmax layer, or the last layer's pre-activation.
  func inferPass(_ input: Tensor, exact: Bool = true) throws(EngineError) -> (
    output: Tensor, logits: Tensor?
  ) {
    try checkPassInput(input)
    var current = input
    var logits: Tensor? = nil
    var index = 0
    let last = layers.count - 1
    while index < layers.count {
      let layer = layers[index]
      let nextIsReLU =
        index < last && (layers[index + 1] as? Activation)?.function == .relu
      if let activated = layer as? any ActivatedLayer,
        activated is Conv2D || activated is Dense
      {
        let function = activated.activationFunction
        let fuse = function == .relu || (function == .linear && nextIsReLU)
        // conv → ReLU → 2x2 max pooling: pool each pair of rows in cache.
        let poolIndex = index + (function == .linear ? 2 : 1)
        if fuse, let conv = layer as? Conv2D, poolIndex <= last,
          let pool = layers[poolIndex] as? Pooling2D, pool.isPlainMax2x2,
          let pooled = try conv.inferReLUMaxPool2(current, exact: exact)
        {
          current = pooled
          index = poolIndex + 1
          continue
        }
        let pre: Tensor
        if let conv = layer as? Conv2D {
          pre = try conv.inferPreActivation(current, relu: fuse, exact: exact)
        } else if let dense = layer as? Dense {
          pre = try dense.inferPreActivation(current, relu: fuse, exact: exact)
        } else {
          // The `if` above admits only these two kinds.
          preconditionFailure("internal: \(layer.name) is neither Conv2D nor Dense")
        }
        if fuse {
          current = pre
          // The Activation('relu') that follows is done.
          if function == .linear { index += 1 }
        } else {
          if index == last { logits = pre }
          current = function.apply(pre)
        }
      } else if layer is Dropout {
        // Inference: Dropout passes its input through.
      } else if let pool = layer as? Pooling2D {
        current = try pool.infer(current)
      } else if let activation = layer as? Activation {
        if index == last { logits = current }
        current = activation.function.apply(current)
      } else {
        // Flatten, or any layer without an inference path of its own. In
        // inference mode no layer draws from the generator; a copy keeps
        // the model's own stream untouched all the same.
        var rng = maskRNG
        current = try layer.forward(current, mode: .inference, rng: &rng)
      }
      index += 1
    }
    return (current, logits)
  }
}
