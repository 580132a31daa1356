import Engine
import Testing

@testable import LayerLab

@Suite struct ExplainTests {
  /// Every layer kind, with padding, strides, >4 channels, average pooling and a softmax of each sort.
  static let model = [
    "image demo cat 13x13",
    "add Conv2D(6, (3, 3), padding='same', activation='tanh')",
    "add Conv2D(5, (3, 3), strides=(2, 2), padding='same')",
    "add Activation('relu')",
    "add MaxPooling2D(pool_size=(2, 2), padding='same')",
    "add AveragePooling2D(pool_size=(2, 2), strides=(1, 1), padding='same')",
    "add Activation('sigmoid')",
    "add Dropout(0.5)",
    "add Flatten()",
    "add Dense(7, activation='relu')",
    "add Dense(4, activation='softmax')",
    "add Activation('softmax')",
  ]

  /// The parts an explanation shows rebuild the layer's stored output, for random cells of every layer.
  @Test(arguments: [Mode.inference, .training])
  func explanationsAddUpToTheOutput(_ mode: Mode) throws {
    let harness = Harness(seed: 3)
    harness.type(Self.model + ["forward " + (mode == .training ? "training" : "")])
    let model = harness.session.model
    #expect(model.lastOutputs.count == model.layers.count, "\(harness.console.transcript)")
    var generator = SeededGenerator(seed: 11)
    for (index, output) in model.lastOutputs.enumerated() {
      for _ in 0..<12 {
        let cell = output.shape.dims.dropFirst().map { Int(generator.next() % UInt64($0)) }
        let explanation = try Explainer(model: model).explain(layer: index, at: cell)
        let actual = Double(explanation.cell.actual)
        #expect(
          abs(explanation.value - actual) <= 1e-4,
          "\(model.layers[index].name) \(cell): \(explanation.value) vs \(actual)")
        #expect(!ExplainRenderer().lines(explanation).isEmpty)
      }
    }
  }

  @Test func maxPoolingPicksTheSameWinnerAsTheEngine() throws {
    let harness = Harness()
    harness.type("image demo cat 8x8", "add MaxPooling2D(pool_size=(2, 2))", "forward")
    let model = harness.session.model
    let pool = try #require(model.layers[0] as? Pooling2D)
    let output = model.lastOutputs[0]
    for y in 0..<4 {
      for x in 0..<4 {
        for c in 0..<3 {
          let explanation = try Explainer(model: model).explain(layer: 0, at: [y, x, c])
          guard case .pooling(let p) = explanation.kind, let winner = p.winner else {
            Issue.record("no winner")
            return
          }
          let flat = ((p.top + winner.row) * 8 + p.left + winner.column) * 3 + c
          #expect(pool.winner(ofOutput: Explainer.offset([y, x, c], in: output.shape)) == flat)
        }
      }
    }
  }

  @Test func aTieGoesToTheFirstCellInRowMajorOrder() {
    let harness = Harness()
    // A flat picture: every window is a four-way tie.
    harness.type(
      "image demo cat 4x4", "add Conv2D(1, (1, 1))", "kernel conv2d = [[0]]",
      "add MaxPooling2D(pool_size=(2, 2))", "forward", "explain 2 1 1 0")
    #expect(
      harness.console.transcript.contains(
        "max is [0] at row 2, column 2 (4 cells tie: the first in row-major order wins"),
      "\(harness.console.transcript)")
  }

  @Test func flattenIndicesRoundTrip() {
    let shape: Shape = [4, 5, 3]
    for i in 0..<60 {
      let c = Explainer.unflattened(i, shape: shape)
      #expect((c[0] * 5 + c[1]) * 3 + c[2] == i)
    }
  }

  /// Training changes the weights after its last forward pass; the stored outputs then no longer add up.
  @Test func outputsOlderThanTheWeightsAreRefusedNotExplained() throws {
    let harness = Harness()
    harness.type("image demo cat 8x8", "add Conv2D(2, (3, 3))", "forward")
    let kernel = try #require(harness.session.model.layers[0].parameters.first)
    kernel.value = kernel.value.map { $0 + 1 }
    harness.type("explain conv2d 0 0 0")
    #expect(
      harness.console.transcript.contains("error: the weights changed after the last pass"),
      "\(harness.console.transcript)")
  }

  @Test func wideInputsShowTheLargestChannelsAndCountTheRest() {
    let harness = Harness()
    harness.type(
      "image demo cat 8x8", "add Conv2D(6, (3, 3))", "add Conv2D(1, (3, 3))", "forward",
      "explain 2 0 0 0")
    let text = harness.console.transcript
    #expect(text.contains("6 input channels; the 4 that add the most:"), "\(text)")
    #expect(text.contains("2 more channels"), "\(text)")
  }
}
