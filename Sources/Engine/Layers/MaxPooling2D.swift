extension LayerKind {
  /// Keras's `MaxPooling2D`.
  public static let maxPooling2D = LayerKind(
    className: "MaxPooling2D",
    summary: "Keep the largest value of each window: smaller maps, strongest responses",
    about: """
      Cuts every feature map into windows of pool_size (2x2 by default, moved by strides, \
      which default to the pool size) and keeps only the largest value of each, channel by \
      channel: a 2x2 pool halves the height and the width and keeps a quarter of the \
      numbers. Where exactly a feature was matters less after it, and the layers that \
      follow see a wider part of the picture for the same kernel size. It has no weights; \
      in training, the gradient goes back only to the winner of each window.
      """,
    arguments: Pooling2D.arguments, example: "MaxPooling2D(pool_size=(2, 2))",
    lesson: "04-maxpooling",
    make: { spec, name in Pooling2D(spec: spec, name: name) })
}
