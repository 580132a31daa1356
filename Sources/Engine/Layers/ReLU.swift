extension LayerKind {
  /// Keras's `ReLU()`: the same as `Activation('relu')`, as a layer class.
  public static let relu = LayerKind(
    className: "ReLU",
    summary: "Turn negative values into 0 (the same as Activation('relu'))",
    about: """
      relu(x) = max(0, x) for every value: positive values pass as they are, negative ones \
      become 0. Keras has it both as Activation('relu') and as this class; they compute the \
      same thing, only the automatic names differ (activation, re_lu). It has no weights.
      """,
    arguments: [
      .keptAtDefault("max_value", .none, why: "only the plain ReLU is supported"),
      .keptAtDefault(
        "negative_slope", .float(0), also: [.int(0)], why: "only the plain ReLU is supported"),
      .keptAtDefault(
        "threshold", .float(0), also: [.int(0)], why: "only the plain ReLU is supported"),
    ],
    example: "ReLU()", lesson: "03-relu",
    make: { spec, name in Activation(spec: spec, name: name, function: .relu) })
}
