import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// NaN and infinity in any file are refused with a message naming the file,
  /// including float64 values that only overflow when narrowed to float32.
  @Suite struct NumericSafetyTests {
    static let poisons: [Double] = [.nan, .infinity, -.infinity, 1e300]

    func message(_ body: () throws(EngineError) -> Void) -> String? {
      do {
        try body()
        return nil
      } catch {
        guard case .nonFinite(let text) = error else {
          Issue.record("expected .nonFinite, got \(error)")
          return nil
        }
        return text
      }
    }

    @Test(arguments: poisons) func imagesRefuseNonFiniteValues(_ poison: Double) {
      var values = [Double](repeating: 0.5, count: 12)
      values[7] = poison
      let float64 = Npy.encode(NDArray(validShape: [2, 2, 3], storage: .float64(values)))
      let text = message { () throws(EngineError) in
        _ = try ImageFile.decode(float64, source: "poison.npy")
      }
      #expect(text?.hasPrefix("poison.npy: ") == true)
      if poison.isFinite { return }
      let float32 = Npy.encode(
        NDArray(validShape: [2, 6], storage: .float32(values.map { Float($0) })))
      #expect(
        message { () throws(EngineError) in _ = try ImageFile.decode(float32, source: "p32.npy") }?
          .hasPrefix("p32.npy: ") == true)
    }

    @Test func integerImagesScaledPastFloatAreRefused() {
      let npy = Npy.encode(NDArray(validShape: [1, 2], storage: .int64([1, Int64.max])))
      #expect(
        message { () throws(EngineError) in
          _ = try ImageFile.decode(npy, source: "big.npy", pixelScale: 1e30)
        } != nil)
    }

    @Test(arguments: poisons) func datasetsRefuseNonFiniteImagesAndLabels(_ poison: Double) throws {
      let folder = try makeTempFolder()
      defer { try? FileManager.default.removeItem(atPath: folder) }
      var pixels = [Double](repeating: 0.25, count: 2 * 3 * 3)
      pixels[5] = poison
      let x = NDArray(validShape: [2, 3, 3], storage: .float64(pixels))
      let y = NDArray(validShape: [2], storage: .int64([0, 1]))
      let path = folder + "/poison.npz"
      try Npz.write([("x_train", x), ("y_train", y)], path: path)
      let text = message { () throws(EngineError) in _ = try DatasetLoader.load(path: path) }
      #expect(text?.hasPrefix(path + ": x_train holds NaN or infinite values") == true)

      let clean = NDArray(
        validShape: [2, 3, 3], storage: .float32([Float](repeating: 0.25, count: 18)))
      let oneHot = NDArray(validShape: [2, 2], storage: .float64([1, 0, 0, poison]))
      try Npz.write([("x_train", clean), ("y_train", oneHot)], path: path)
      // 1e300 is finite as a double but infinite as the float32 the engine computes in.
      let labels = message { () throws(EngineError) in _ = try DatasetLoader.load(path: path) }
      #expect(labels?.hasPrefix(path + ": y_train holds NaN or infinite values") == true)
    }

    @Test(arguments: poisons) func weightsRefuseNonFiniteValuesAndChangeNothing(_ poison: Double)
      throws
    {
      let model = Sequential()
      try model.add(LayerSpec(parsing: PyParser.parse("Dense(2, input_shape=(3,))")))
      let before = ModelSnapshot(model)
      var arrays = model.weightArrays()
      var kernel = [Double](repeating: 0.1, count: 6)
      kernel[4] = poison
      arrays[0].array = NDArray(validShape: [3, 2], storage: .float64(kernel))
      let text = message { () throws(EngineError) in try model.loadWeights(arrays, source: "w.npz")
      }
      #expect(text == "w.npz: 'dense/kernel' holds NaN or infinite values")
      #expect(ModelSnapshot(model) == before)

      // The same through a whole-model file on disk: the error names the file.
      let folder = try makeTempFolder()
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let path = folder + "/model.npz"
      try ModelFile.save(model, path: path)
      var members = try Npz.read(path: path)
      let k = try #require(members.firstIndex { $0.name == "dense/kernel" })
      members[k].array = arrays[0].array
      try Npz.write(members, path: path)
      #expect(
        message { () throws(EngineError) in _ = try ModelFile.load(path: path) }
          == "\(path): 'dense/kernel' holds NaN or infinite values")
    }

    @Test func absurdPixelScalesAreRefused() {
      let pgm = Data("P5 1 1 255\n\u{FF}".utf8)
      for scale: Float in [0, -1, .nan, .infinity, 1e38] {
        #expect(throws: EngineError.self) {
          try ImageFile.decode(pgm, source: "a.pgm", pixelScale: scale)
        }
      }
    }
  }
}
