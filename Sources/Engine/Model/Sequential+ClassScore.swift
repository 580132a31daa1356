/// What the model scores each class for one image: the logits (the input
/// of its softmax), the probabilities, the predicted class and the class a
/// map was asked about.
public struct ClassScores: Sendable, Equatable {
  public var logits: [Float]
  public var probabilities: [Float]
  /// The class with the largest probability (the first of a tie, as argmax).
  public var predicted: Int
  /// The class whose logit a map follows: the one asked for, or `predicted`.
  public var chosen: Int
}

/// The gradient of one class's logit, sent down the layers with each
/// layer's own `backward`: what saliency, Grad-CAM and the lessons'
/// gradient maps are made of.
///
/// The logit of class c is the softmax's input: the output of the layer
/// before an `Activation('softmax')`, or the values a `Dense(classes,
/// activation='softmax')` computes before its activation. Maps follow the
/// logit rather than the probability because a probability near 1 hardly
/// moves whatever the pixels do (Simonyan et al. 2014, "Deep Inside
/// Convolutional Networks", section 3; Selvaraju et al. 2017 also take the
/// score before the softmax).
extension Sequential {
  /// A working copy with the same layers, weights, input shape and
  /// generators, for passes that must leave this model as it is: its last
  /// pass (what `show` draws), every layer's cached state, the parameters'
  /// gradients and the Dropout stream.
  public func probeCopy() throws(EngineError) -> Sequential {
    let copy = Sequential(seed: seed)
    copy.maxActivationBytes = maxActivationBytes
    copy.maxParameters = maxParameters
    try copy.restore(snapshot())
    return copy
  }

  /// Runs `image` (a batch of one) forward in inference mode, then takes
  /// d logit_c / d(output of layer `index`), or d logit_c / d(input) for
  /// index -1. Returns that gradient, what it is the gradient of, and the
  /// scores. `task` names the caller in errors. Mutates this model's last
  /// pass: call it on a ``probeCopy()``.
  func classScoreGradient(
    _ image: Tensor, classIndex: Int?, at index: Int, task: String
  ) throws(EngineError) -> (gradient: Tensor, activation: Tensor, scores: ClassScores) {
    guard !layers.isEmpty else { throw .noLayers }
    guard index >= -1, index < layers.count else {
      throw .indexOutOfRange(index: index, count: layers.count)
    }
    guard image.shape.rank >= 1, image.shape[0] == 1 else {
      throw .badShape("\(task) takes one image, a batch of 1, got \(image.shape)")
    }
    let output = try forward(image, mode: .inference)
    let logits: Tensor
    // `top` is the layer whose output holds the logits; index `top` is the
    // deepest layer a map can be taken at.
    let top = layers.count - 2
    switch head {
    case .plain:
      throw .notExplainable(
        "\(task) follows the class scores that go into a softmax, and this model does not end in one: add Activation('softmax') last, or give the last Dense activation='softmax'"
      )
    case .softmaxLayer:
      logits = top >= 0 ? lastOutputs[top] : image
    case .softmaxActivation(let layer):
      guard let pre = layer.lastPreActivation else {
        throw .backwardBeforeForward(layer: layer.name)
      }
      logits = pre
    }
    guard logits.shape.rank == 2 else {
      throw .notExplainable(
        "\(task) needs one score per class, but the softmax's input is shaped \(logits.shape.unbatched.withNoneBatch): put Flatten() before the last Dense"
      )
    }
    let classes = logits.shape[1]
    let probabilities = Array(output.scalars.prefix(classes))
    let predicted = argmax(probabilities[...])
    let chosen = classIndex ?? predicted
    guard (0..<classes).contains(chosen) else {
      throw .labelOutOfRange(label: chosen, classCount: classes)
    }
    let scores = ClassScores(
      logits: Array(logits.scalars), probabilities: probabilities, predicted: predicted,
      chosen: chosen)
    guard index <= top else {
      let layer = layers[index]
      throw .notExplainable(
        "\(layer.name) (\(layer.typeName)) is where the class scores become probabilities; \(task) looks at a layer below it"
      )
    }
    var oneHot = [Float](repeating: 0, count: classes)
    oneHot[chosen] = 1
    var gradient = Tensor(validShape: logits.shape, scalars: oneHot)
    if case .softmaxActivation(let layer) = head {
      guard
        let below = try layer.backward(preActivationGradient: gradient, inputGradient: true)
      else {
        throw Self.noInputGradient(layer)
      }
      gradient = below
    }
    if index < top { gradient = try sendDown(gradient, from: top, to: index) }
    return (gradient, index >= 0 ? lastOutputs[index] : image, scores)
  }

  /// dX/d(output of layer `to`) from dX/d(output of layer `from`), through
  /// each layer's `backward` from `from` down to `to + 1` (`to` = -1: down
  /// to the input), after a forward pass through them. Parameters'
  /// gradients accumulate on the way.
  func sendDown(_ gradient: Tensor, from: Int, to: Int) throws(EngineError) -> Tensor {
    var current = gradient
    var i = from
    while i > to {
      let layer = layers[i]
      guard let next = try layer.backward(current, inputGradient: true) else {
        throw Self.noInputGradient(layer)
      }
      let below = i > 0 ? outputShapes[i - 1] : inputShape
      guard let below, next.shape == below.batched(current.shape[0]) else {
        throw .notExplainable(
          "\(layer.name) (\(layer.typeName)) sent back a gradient shaped \(next.shape), not its input's shape"
        )
      }
      current = next
      i -= 1
    }
    return current
  }

  static func noInputGradient(_ layer: any Layer) -> EngineError {
    .notExplainable(
      "\(layer.name) (\(layer.typeName)) cannot send a gradient back to its input, so nothing below it can be mapped"
    )
  }

  /// The name of the last layer whose output is maps (height, width, channels),
  /// to suggest when a layer after Flatten is asked for.
  func lastMapLayerName(below limit: Int? = nil) -> String? {
    let end = min(limit ?? outputShapes.count, outputShapes.count)
    return (0..<end).last { outputShapes[$0].rank == 3 }.map { layers[$0].name }
  }
}
