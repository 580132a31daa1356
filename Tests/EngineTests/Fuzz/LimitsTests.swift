import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// Sizes no machine can hold are refused at `add` time with `.tooLarge`,
  /// before anything is allocated, and shape arithmetic never overflows.
  @Suite struct LimitsTests {
    func spec(_ line: String) throws -> LayerSpec { try LayerSpec(parsing: PyParser.parse(line)) }

    func tooLargeMessage(adding spec: LayerSpec, to model: Sequential) -> String? {
      tooLargeMessage { () throws(EngineError) in try model.add(spec) }
    }

    func tooLargeMessage(_ body: () throws(EngineError) -> Void) -> String? {
      do {
        try body()
        return nil
      } catch {
        guard case .tooLarge(let message) = error else {
          Issue.record("expected .tooLarge, got \(error)")
          return nil
        }
        return message
      }
    }

    @Test func hugeConvAndDenseAreRefusedWithSizeAndLimit() throws {
      let model = Sequential()
      try model.add(spec("Conv2D(8, (3, 3), input_shape=(28, 28, 1))"))
      let before = ModelSnapshot(model)
      let conv = try tooLargeMessage(adding: spec("Conv2D(1000000000000, (3, 3))"), to: model)
      #expect(
        conv
          == "conv2d_1 (Conv2D): (None, 24, 24, 1000000000000) per sample takes 2.05 PB as float32, more than the limit of 512.00 MB; use a smaller input, fewer filters or units, or pool first (or raise maxActivationBytes)"
      )
      try model.add(spec("Flatten()"))
      let dense = try tooLargeMessage(adding: spec("Dense(1000000000000000)"), to: model)
      #expect(
        dense
          == "dense (Dense): (None, 1000000000000000) per sample takes 3.55 PB as float32, more than the limit of 512.00 MB; use a smaller input, fewer filters or units, or pool first (or raise maxActivationBytes)"
      )
      // Small outputs but too many weights: the parameter budget speaks.
      let wide = try tooLargeMessage(adding: spec("Dense(100000)"), to: model)
      #expect(
        wide
          == "dense (Dense) would bring the model to more than the limit of 200,000,000 parameters (it alone has 540,900,000); use fewer filters or units, or pool before Flatten (or raise maxParameters)"
      )
      try model.remove(at: 1)
      #expect(ModelSnapshot(model) == before)
    }

    @Test func sizesThatOverflowIntAreRefusedNotTrapped() throws {
      let lines = [
        "Conv2D(1000000000000000000, (3, 3), input_shape=(8, 8, 1))",
        "Conv2D(9223372036854775807, (9223372036854775807, 9223372036854775807), padding='same', input_shape=(8, 8, 3))",
        "Conv2D(2, (3, 3), strides=(9223372036854775807, 9223372036854775807), padding='same', input_shape=(8, 8, 3))",
        "Conv2D(2, (4611686018427387904, 4611686018427387904), padding='same', input_shape=(8, 8, 3))",
        "MaxPooling2D(pool_size=(9223372036854775807, 2), padding='same', input_shape=(8, 8, 3))",
        "AveragePooling2D(pool_size=(2, 2), strides=(9223372036854775807, 1), padding='same', input_shape=(8, 8, 3))",
        "Dense(9223372036854775807, input_shape=(9223372036854775807,))",
        "Dense(4611686018427387904, input_shape=(3,))",
        "Flatten(input_shape=(1000000000000000000, 1000000000000000000, 3))",
        "Flatten(input_shape=(3037000500, 3037000500))",
        "Conv2D(3, (3, 3), input_shape=(1000000000000000000, 1000000000000000000, 3))",
        "Dropout(0.5, input_shape=(9223372036854775807, 9223372036854775807, 9223372036854775807))",
      ]
      for line in lines {
        let model = Sequential()
        #expect(try tooLargeMessage(adding: spec(line), to: model) != nil, "\(line)")
        #expect(model.layers.isEmpty && model.inputShape == nil)
        _ = model.summary()
        #expect(model.parameterCount == 0)
      }
    }

    @Test func layersFacingHugeShapesDirectlyDoNotTrap() throws {
      let hostile: [Shape] = [
        [Int.max, Int.max, Int.max], [Int.max, 1, 1], [1, Int.max, 3], [-5, -5, 1], [0, 0, 0],
        [Int.min, 3, 3],
        [1 << 62, 1 << 62, 2],
      ]
      let layers = try [
        "Conv2D(3, (3, 3), padding='same')", "Conv2D(3, (9223372036854775807, 1), padding='same')",
        "Conv2D(3, (2, 2), strides=(9223372036854775807, 9223372036854775807), padding='same')",
        "Conv2D(3, (3, 3))", "MaxPooling2D(padding='same')",
        "AveragePooling2D(pool_size=(9223372036854775807, 1), padding='same')",
        "MaxPooling2D()", "Flatten()", "Dense(3)", "Dropout(0.5)", "Activation('relu')",
      ].map { try spec($0).makeLayer(name: "probe") }
      for layer in layers {
        for shape in hostile { _ = try? layer.outputShape(for: shape) }
      }
      let flatten = try spec("Flatten()").makeLayer(name: "flatten")
      #expect(throws: EngineError.self) { try flatten.outputShape(for: [Int.max, 2, 1]) }
    }

    @Test func inputShapesOverTheBudgetAreRefusedAndTheOldOneKept() throws {
      let model = Sequential()
      try model.add(spec("Conv2D(2, (3, 3))"))
      try model.setInputShape([8, 8, 1])
      let before = ModelSnapshot(model)
      for shape: Shape in [
        [100_000, 100_000, 3], [1 << 40, 1 << 40, 1 << 40], [Int.max, Int.max, 1],
      ] {
        #expect(tooLargeMessage { () throws(EngineError) in try model.setInputShape(shape) } != nil)
        #expect(ModelSnapshot(model) == before)
      }
    }

    @Test func budgetsAreConfigurable() throws {
      let model = Sequential()
      model.maxParameters = 100
      try model.add(spec("Dense(10, input_shape=(4,))"))
      // 10·20 + 20 = 220 weights.
      #expect(throws: EngineError.self) { try model.add(spec("Dense(20)")) }
      model.maxActivationBytes = 40
      // 11 floats are 44 bytes.
      #expect(throws: EngineError.self) { try model.add(spec("Dense(11)")) }
      try model.add(spec("Dense(4)"))
      #expect(model.outputShapes == [[10], [4]])
    }

    @Test(arguments: [-0.5, 1, 1.5, Float.nan, Float.infinity, -Float.infinity])
    func dropoutRatesOutsideZeroToOneAreRefused(_ rate: Float) {
      var dropout = LayerSpec(kind: .dropout)
      dropout.rate = rate
      let model = Sequential()
      #expect(throws: EngineError.self) { try model.add(dropout) }
      #expect(model.layers.isEmpty)
    }

    @Test func imagesOverThePixelLimitAreRefusedFromTheHeader() throws {
      let ppm = Data("P5 5000 5000 255\n".utf8)
      let error = try #require(throws: EngineError.self) {
        try ImageFile.decode(ppm, source: "big.pgm", maxPixels: 1_000_000)
      }
      #expect(
        error
          == .tooLarge(
            "big.pgm: the image is 5000x5000 pixels, more than the limit of 1000000; shrink it first"
          ))
      let png = try PNGCodec.encode(
        rgb8: [UInt8](repeating: 7, count: 64 * 64), width: 64, height: 64, channels: 1)
      #expect(
        throws: EngineError.tooLarge(
          "p.png: the image is 64x64 pixels, more than the limit of 4095; shrink it first")
      ) {
        try ImageFile.decode(png, source: "p.png", maxPixels: 4095)
      }
      #expect(try ImageFile.decode(png, source: "p.png", maxPixels: 4096).shape == [64, 64, 1])
      let jpeg = try Data(contentsOf: URL(fileURLWithPath: fixture("rgb.jpg")))
      #expect(throws: EngineError.self) {
        try ImageFile.decode(jpeg, source: "rgb.jpg", maxPixels: 127)
      }
      let npy = Npy.encode(
        NDArray(validShape: [40, 40], storage: .uint8([UInt8](repeating: 1, count: 1600))))
      #expect(throws: EngineError.self) {
        try ImageFile.decode(npy, source: "a.npy", maxPixels: 1599)
      }
    }
  }
}
