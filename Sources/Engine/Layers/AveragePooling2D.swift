extension LayerKind {
  /// Keras's `AveragePooling2D`.
  public static let averagePooling2D = LayerKind(
    className: "AveragePooling2D",
    summary: "Keep the mean of each window: smaller, smoother maps",
    about: """
      Like MaxPooling2D, it cuts every feature map into windows of pool_size (moved by \
      strides, which default to the pool size), but keeps the mean of each window instead of \
      its largest value, so a map shrinks by blurring rather than by picking the strongest \
      response. With padding='same' the mean is taken over the cells inside the input only, \
      as TensorFlow does. It has no weights.
      """,
    arguments: Pooling2D.arguments, example: "AveragePooling2D(pool_size=(2, 2))",
    lesson: "04-maxpooling",
    make: { spec, name in Pooling2D(spec: spec, name: name) })
}
