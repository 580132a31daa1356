extension LayerKind {
  /// Keras's `Softmax()`: the same as `Activation('softmax')`, as a layer class.
  public static let softmax = LayerKind(
    className: "Softmax",
    summary: "Turn each row of scores into probabilities that add up to 1",
    about: """
      softmax(x)[i] = exp(x[i]) / sum over j of exp(x[j]), across the last axis: the largest \
      score gets the largest share, every share is positive, and they add up to 1, so the \
      last layer's outputs read as how sure the model is of each class. The same as \
      Activation('softmax'). With categorical_crossentropy the loss and the softmax are \
      computed together, as Keras does, for stability. It has no weights.
      """,
    arguments: [
      .keptAtDefault("axis", .int(-1), why: "softmax runs over the last axis")
    ],
    example: "Softmax()", lesson: "07-softmax",
    make: { spec, name in Activation(spec: spec, name: name, function: .softmax) })
}
