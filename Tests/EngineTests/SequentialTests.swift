import Testing

@testable import Engine

/// The seed network from the blog, exactly as its Keras script builds it.
let seedNetworkLines = [
  "Conv2D(32, (3, 3), padding='same', input_shape=X.shape[1:])",
  "Activation('relu')",
  "Conv2D(32, (3, 3))",
  "Activation('relu')",
  "MaxPooling2D(pool_size=(2, 2))",
  "Dropout(0.25)",
  "Conv2D(64, (3, 3), padding='same')",
  "Activation('relu')",
  "Conv2D(64, (3, 3))",
  "Activation('relu')",
  "MaxPooling2D(pool_size=(2, 2))",
  "Dropout(0.25)",
  "Flatten()",
  "Dense(512)",
  "Activation('relu')",
  "Dropout(0.5)",
  "Dense(6)",
  "Activation('softmax')",
]

func seedNetwork(height: Int = 100, width: Int = 100, classes: Int = 6, seed: UInt64 = 0) throws
  -> Sequential
{
  let model = Sequential(seed: seed)
  for line in seedNetworkLines {
    let text = line.replacingOccurrences(of: "Dense(6)", with: "Dense(\(classes))")
    try model.add(LayerSpec(parsing: PyParser.parse(text), arrays: ["X": [10, height, width, 3]]))
  }
  return model
}

@Test func seedNetworkShapesNamesAndParameterCount() throws {
  let model = try seedNetwork()
  #expect(model.parameterCount == 17_403_430)
  #expect(
    model.layers.map(\.name) == [
      "conv2d", "activation", "conv2d_1", "activation_1", "max_pooling2d", "dropout",
      "conv2d_2", "activation_2", "conv2d_3", "activation_3", "max_pooling2d_1", "dropout_1",
      "flatten", "dense", "activation_4", "dropout_2", "dense_1", "activation_5",
    ])
  #expect(
    model.outputShapes.map(\.dims) == [
      [100, 100, 32], [100, 100, 32], [98, 98, 32], [98, 98, 32], [49, 49, 32], [49, 49, 32],
      [49, 49, 64], [49, 49, 64], [47, 47, 64], [47, 47, 64], [23, 23, 64], [23, 23, 64],
      [33856], [512], [512], [512], [6], [6],
    ])
  #expect(
    model.layers.map(\.parameterCount) == [
      896, 0, 9248, 0, 0, 0, 18496, 0, 36928, 0, 0, 0, 0, 17_334_784, 0, 0, 3078, 0,
    ])
}

@Test func summaryIsLaidOutLikeKeras3() throws {
  let model = Sequential()
  try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(32, (3, 3), input_shape=(28, 28, 1))")))
  try model.add(LayerSpec(parsing: PyParser.parse("Flatten()")))
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(10)")))
  let expected = """
    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
    │ conv2d (Conv2D)                      │ (None, 26, 26, 32)          │             320 │
    ├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
    │ flatten (Flatten)                    │ (None, 21632)               │               0 │
    ├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
    │ dense (Dense)                        │ (None, 10)                  │         216,330 │
    └──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
     Total params: 216,650 (846.29 KB)
     Trainable params: 216,650 (846.29 KB)
     Non-trainable params: 0 (0.00 B)
    """
  #expect(model.summary(style: .unicode, columns: 200) == expected)
  // Piped, Python sees 80 columns and Keras narrows the table to 76.
  let piped = model.summary(style: .unicode, columns: 80).split(separator: "\n")
  #expect(
    piped[1] == "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓")
  #expect(
    piped[4] == "│ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │")
  let ascii = model.summary(style: .ascii)
  #expect(ascii.allSatisfy { $0.isASCII })
  #expect(ascii.split(separator: "\n").count == expected.split(separator: "\n").count)
  #expect(
    ascii.split(separator: "\n")[4]
      == "| conv2d (Conv2D)                 | (None, 26, 26, 32)     |           320 |")
}

@Test func refusedChangesLeaveTheModelAsItWas() throws {
  let model = Sequential()
  try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(4, (3, 3), input_shape=(5, 5, 1))")))
  let before = try #require((model.layers[0] as? Conv2D)?.kernel?.value)
  // A 5x5 pool cannot fit the 3x3 map.
  #expect(throws: EngineError.self) {
    try model.add(LayerSpec(parsing: PyParser.parse("MaxPooling2D(pool_size=(5, 5))")))
  }
  // A valid 4x4 kernel on the 3x3 map cannot fit either.
  #expect(throws: EngineError.self) {
    try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(2, (4, 4))")))
  }
  #expect(model.layers.count == 1)
  #expect((model.layers[0] as? Conv2D)?.kernel?.value == before)
  // Conv2D after Flatten is refused with a reason.
  try model.add(LayerSpec(parsing: PyParser.parse("Flatten()")))
  do {
    try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(2, (1, 1))")))
    Issue.record("expected a refusal")
  } catch {
    #expect("\(error)".contains("Conv2D cannot follow Flatten"))
  }
  // Names are not reused after a refusal or a removal.
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(3)")))
  try model.remove(at: 2)
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(3)")))
  #expect(model.layers.map(\.name) == ["conv2d", "flatten", "dense_1"])
}

@Test func insertAndRemoveReinferShapes() throws {
  let model = Sequential()
  try model.add(
    LayerSpec(parsing: PyParser.parse("Conv2D(8, 3, padding='same', input_shape=(8, 8, 3))")))
  try model.add(LayerSpec(parsing: PyParser.parse("Flatten()")))
  #expect(model.outputShapes.last == [512])
  try model.insert(LayerSpec(parsing: PyParser.parse("MaxPooling2D()")), at: 1)
  #expect(model.outputShapes.map(\.dims) == [[8, 8, 8], [4, 4, 8], [128]])
  try model.remove(at: 0)
  #expect(model.outputShapes.map(\.dims) == [[4, 4, 3], [48]])
  #expect(throws: EngineError.indexOutOfRange(index: 5, count: 2)) { try model.remove(at: 5) }
}

@Test func samePaddingFollowsTensorFlow() {
  // ceil(in / stride); total padding max((out - 1) * stride + k - in, 0), extra at the end.
  #expect(Padding.same.outputLength(input: 5, kernel: 3, stride: 2)! == (3, 1))
  // Total 1: all of it after.
  #expect(Padding.same.outputLength(input: 6, kernel: 2, stride: 1)! == (6, 0))
  // Total 3: 1 before, 2 after.
  #expect(Padding.same.outputLength(input: 6, kernel: 4, stride: 1)! == (6, 1))
  #expect(Padding.same.outputLength(input: 2, kernel: 5, stride: 1)! == (2, 2))
  #expect(Padding.valid.outputLength(input: 7, kernel: 3, stride: 2)! == (3, 0))
  #expect(Padding.valid.outputLength(input: 2, kernel: 3, stride: 1) == nil)
}

@Test func forwardKeepsEveryLayersOutput() throws {
  let model = try seedNetwork(height: 20, width: 20, classes: 3)
  var rng = SeededGenerator(seed: 3)
  let input = try Tensor(
    shape: [2, 20, 20, 3], scalars: (0..<2400).map { _ in rng.nextUnitFloat() })
  let probabilities = try model.forward(input, mode: .inference)
  #expect(probabilities.shape == [2, 3])
  #expect(model.lastOutputs.count == model.layers.count)
  for (out, shape) in zip(model.lastOutputs, model.outputShapes) {
    #expect(out.shape == shape.batched(2))
  }
  for n in 0..<2 {
    let sum = (0..<3).reduce(Float(0)) { $0 + probabilities[n, $1] }
    #expect(abs(sum - 1) < 1e-5)
  }
  // Inference Dropout passes values through unchanged.
  #expect(model.lastOutputs[5] == model.lastOutputs[4])
  // The same seed gives the same weights and outputs.
  let again = try seedNetwork(height: 20, width: 20, classes: 3)
  #expect(try again.forward(input, mode: .inference) == probabilities)
}

@Test func glorotUniformStaysWithinItsLimit() throws {
  let model = Sequential(seed: 9)
  try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(16, (3, 3), input_shape=(8, 8, 4))")))
  let conv = try #require(model.layers[0] as? Conv2D)
  let kernel = try #require(conv.kernel?.value)
  let limit = (6.0 / Float(9 * 4 + 9 * 16)).squareRoot()
  #expect(kernel.shape == [3, 3, 4, 16])
  #expect(kernel.range.min >= -limit && kernel.range.max <= limit)
  #expect(kernel.range.max > limit * 0.9)  // the whole range is used
  #expect(conv.bias?.value == Tensor.zeros([16]))
}

/// Under 80 columns the table narrows as Keras's rule says (columns - 4),
/// cells wrap at spaces as rich wraps them, and Param # widens so no count is cut.
@Test func aNarrowSummaryWrapsCellsAndKeepsEveryCount() throws {
  let model = Sequential()
  try model.add(LayerSpec(parsing: PyParser.parse("Conv2D(32, (3, 3), input_shape=(100, 100, 3))")))
  try model.add(LayerSpec(parsing: PyParser.parse("Activation('relu')")))
  try model.add(LayerSpec(parsing: PyParser.parse("Flatten()")))
  try model.add(LayerSpec(parsing: PyParser.parse("Dense(50)")))
  let lines = model.summary(style: .ascii, columns: 60).split(separator: "\n")
  #expect(lines.allSatisfy { $0.count <= 56 }, "\(lines)")
  #expect(lines.contains { $0.contains("| 15,366,450 |") })
  #expect(lines.contains { $0.hasPrefix("| activation ") })
  #expect(lines.contains { $0.hasPrefix("| (Activation) ") })
  #expect(!lines.contains { $0.contains("…") })
}
