/// A layer that can take the gradient of a ReLU just below it (an
/// `Activation('relu')` whose output is this layer's input) in its own
/// backward pass: the blog's network has one below every max pooling and
/// every second convolution. A training step's backward then skips the
/// ReLU's own pass, one read and one write of a whole activation fewer
/// (about 17 ms of a big training step). The bits are those of the two
/// layers one after the other: the ReLU's gradient is a select (`x > 0 ?
/// g : 0`), applied here as the values are stored.
protocol BackwardThroughReLU: Layer {
  /// dLoss/d(the ReLU's input) from dLoss/d(this layer's output), having
  /// added into this layer's parameters' gradients as `backward` does; nil,
  /// with nothing added, where this layer's kernels have no such pass (the
  /// two layers then go back one after the other).
  func backwardThroughReLU(_ outputGradient: Tensor) throws(EngineError) -> Tensor?
}
