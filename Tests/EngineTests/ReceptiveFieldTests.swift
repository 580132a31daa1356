import Testing

@testable import Engine

/// Receptive fields: exact masks against a brute-force search (which input
/// pixels change the cell when pushed hard), and the padding arithmetic
/// worked by hand.
@Suite struct ReceptiveFieldTests {
  /// Linear layers and pooling only, so a pushed pixel can only fail to
  /// show through a max pooling that does not pick it; pushing each channel
  /// both ways by a lot makes it win wherever it can reach.
  static let networks: [[String]] = [
    [
      "Conv2D(2, (3, 3), padding='same', input_shape=(13, 11, 1))", "MaxPooling2D()",
      "Conv2D(2, (3, 3), strides=(2, 2))", "Conv2D(2, (1, 1))",
    ],
    // A stride taller than the kernel leaves rows unseen, inside the field.
    [
      "Conv2D(2, (2, 3), strides=(3, 1), padding='same', input_shape=(12, 10, 2))",
      "AveragePooling2D(pool_size=(3, 3), strides=(2, 2), padding='same')",
    ],
    [
      "Conv2D(2, (5, 5), padding='same', input_shape=(9, 9, 1))",
      "MaxPooling2D(pool_size=(3, 3), strides=(1, 1), padding='same')", "Activation('linear')",
      "Dropout(0.5)", "Conv2D(1, (2, 2), padding='same')",
    ],
    [
      "MaxPooling2D(pool_size=(1, 1), strides=(2, 2), input_shape=(10, 10, 1))",
      "Conv2D(2, (3, 3), padding='same')",
    ],
  ]

  @Test(arguments: networks.indices)
  func masksAreTheCellsAPushedPixelChanges(_ net: Int) throws {
    let model = try insightModel(Self.networks[net], seed: UInt64(net + 5))
    let shape = try #require(model.inputShape)
    let (h, w, c) = (shape[0], shape[1], shape[2])
    let x = randomTensor(shape.batched(1), seed: 9)
    try model.forward(x, mode: .inference)
    let base = model.lastOutputs
    // changed[layer][cell] = the input pixels seen to change that cell.
    var changed = base.map { output in
      [Set<Int>](repeating: [], count: output.count / output.shape[3])
    }
    for p in 0..<(h * w) {
      for k in 0..<c {
        for push: Float in [-1000, 1000] {
          var pushed = x
          pushed.scalars[p * c + k] += push
          try model.forward(pushed, mode: .inference)
          for (layer, output) in model.lastOutputs.enumerated() {
            let channels = output.shape[3]
            for i in 0..<output.count where output.scalars[i] != base[layer].scalars[i] {
              changed[layer][i / channels].insert(p)
            }
          }
        }
      }
    }
    var compared = 0
    for (layer, output) in base.enumerated() {
      let (oh, ow) = (output.shape[1], output.shape[2])
      for y in 0..<oh {
        for xx in 0..<ow {
          let field = try model.receptiveField(layer: layer, y: y, x: xx)
          let inside = Set(field.mask.indices.filter { field.mask[$0] == 1 })
          #expect(inside == changed[layer][y * ow + xx], "layer \(layer) cell (\(y), \(xx))")
          compared += 1
        }
      }
    }
    #expect(compared >= 40)
  }

  /// The seed network's fields, by hand: each layer widens the field by
  /// (kernel − 1) times the product of the strides below it.
  @Test func theSeedNetworkFieldsGrowAsThePaddingArithmeticSays() throws {
    let model = try seedNetwork(height: 100, width: 100, classes: 6, seed: 1)
    // conv2d, 'same' 3x3, cell (0, 0): rows -1...1, the first in the padding.
    let corner = try model.receptiveField(layer: 0, y: 0, x: 0)
    #expect([corner.top, corner.bottom, corner.left, corner.right] == [-1, 1, -1, 1])
    #expect([corner.visibleRows, corner.visibleColumns] == [2, 2])
    // max_pooling2d (after 3x3 same, 3x3 valid): 1 + 2 + 2 + 1 = 6 wide.
    let pooled = try model.receptiveField(layer: 4, y: 0, x: 0)
    #expect([pooled.fullHeight, pooled.top, pooled.visibleRows] == [6, -1, 5])
    // activation_3 (after the second block's two convolutions): 6 + 2·2 + 2·2 = 14.
    let deep = try model.receptiveField(layer: 9, y: 10, x: 10)
    #expect([deep.top, deep.bottom] == [17, 30])
    #expect(deep.fullWidth == 14 && deep.visibleColumns == 14)
    // max_pooling2d_1: 14 + 2 = 16, at rows 4·5 − 3 = 17 ... 32.
    let last = try model.receptiveField(layer: 10, y: 5, x: 5)
    #expect([last.top, last.bottom, last.fullHeight] == [17, 32, 16])
    #expect(last.mask.reduce(0, +) == 256)
  }

  /// TensorFlow's 'same': an even kernel's one row of padding goes at the bottom.
  @Test func sameWithAnEvenKernelPadsTheBottomAndRight() throws {
    let model = try insightModel(["Conv2D(1, (2, 2), padding='same', input_shape=(5, 4, 1))"])
    let first = try model.receptiveField(layer: 0, y: 0, x: 0)
    #expect([first.top, first.bottom, first.left, first.right] == [0, 1, 0, 1])
    let last = try model.receptiveField(layer: 0, y: 4, x: 3)
    #expect([last.top, last.bottom, last.left, last.right] == [4, 5, 3, 4])
    #expect([last.visibleRows, last.visibleColumns] == [1, 1])
    #expect(last.mask == (0..<20).map { $0 == 19 ? 1 : 0 })
  }

  @Test func refusals() throws {
    let model = try insightModel([
      "Conv2D(2, (3, 3), input_shape=(6, 6, 1))", "Flatten()", "Dense(2)",
    ])
    #expect(
      throws: EngineError.notExplainable(
        "flatten's output is (None, 32), not maps: after Flatten every value can see the whole image; choose a layer before it, e.g. conv2d"
      )
    ) { try model.receptiveField(layer: 1, y: 0, x: 0) }
    #expect(
      throws: EngineError.notExplainable(
        "there is no cell (4, 0) in conv2d's 4x4 maps: rows 0-3, columns 0-3")
    ) { try model.receptiveField(layer: 0, y: 4, x: 0) }
    // A layer that does not say how far it reaches stops the field, by name.
    model.layers.insert(Opaque(), at: 1)
    model.outputShapes.insert([4, 4, 2], at: 1)
    #expect(
      throws: EngineError.notExplainable(
        "receptive fields do not pass through opaque (Activation) yet: LayerLab does not know which of its input cells each output cell reads"
      )
    ) { try model.receptiveField(layer: 1, y: 0, x: 0) }
  }
}

/// A layer with maps that does not conform to `ReachingLayer`.
private final class Opaque: Layer {
  var name = "opaque"
  let spec = LayerSpec(kind: .activation)
  func outputShape(for input: Shape) -> Shape { input }
  func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) -> Tensor { input }
  func backward(_ outputGradient: Tensor) -> Tensor { outputGradient }
}
