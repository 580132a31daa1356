/// One batch's backward pass kept layer by layer: the gradient of the loss
/// that arrives at each layer's output, what the first layer sends back to
/// the input, and every weight's gradient. Training computes all of this
/// and throws it away after the update; this keeps it to look at.
public struct BackpropPass: Sendable {
  public var loss: Float
  public var accuracy: Float
  public var mode: Mode
  /// dLoss/d(output of layer i), batched as the output is. nil for a last
  /// softmax the loss is fused with: its gradient starts at the logits
  /// below it, (probabilities − one-hot) / batch.
  public var outputGradients: [Tensor?]
  /// dLoss/d(input): what the first layer sends back.
  public var inputGradient: Tensor
  /// dLoss/d(weight), per layer, kernel before bias (empty for layers without weights).
  public var parameterGradients: [[Tensor]]
}

extension Sequential {
  /// Forward (in `mode`) and backward for one batch, as a training step
  /// does, but with no update: the weights stay, and every gradient is kept.
  ///
  /// Runs on a ``probeCopy()``: this model's last pass, gradients and
  /// Dropout stream are left as they were, so the masks used here are the
  /// ones the next training pass would draw.
  public func backpropagate(
    _ images: Tensor, labels: [Int], loss kind: LossKind, mode: Mode = .training
  ) throws(EngineError) -> BackpropPass {
    guard !layers.isEmpty else { throw .noLayers }
    let probe = try probeCopy()
    probe.zeroGradients()
    let output = try probe.forward(images, mode: mode)
    let step = try probe.lossAndGradient(output: output, labels: labels, loss: kind)
    let count = layers.count
    var gradients = [Tensor?](repeating: nil, count: count)
    var gradient = step.gradient
    var from = count - 1
    switch probe.head {
    case .plain:
      break
    case .softmaxLayer:
      from = count - 2
    case .softmaxActivation(let layer):
      guard
        let below = try layer.backward(preActivationGradient: gradient, inputGradient: true)
      else {
        throw Self.noInputGradient(layer)
      }
      gradient = below
      from = count - 2
    }
    var i = from
    while i >= 0 {
      gradients[i] = gradient
      gradient = try probe.sendDown(gradient, from: i, to: i - 1)
      i -= 1
    }
    return BackpropPass(
      loss: step.loss, accuracy: step.accuracy, mode: mode, outputGradients: gradients,
      inputGradient: gradient,
      parameterGradients: probe.layers.map { $0.parameters.map(\.gradient) })
  }
}
