import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// Thousands of mixed operations in one process: the model must keep working
  /// and resident memory must not grow with the number of operations.
  @Suite struct SoakTests {
    /// Resident bytes after handing freed heap pages back to the system, so
    /// memory other tests have already released does not count as ours.
    func settledResidentBytes() -> Int? {
      // glibc's malloc_trim is not in the Glibc module map; look it up where it exists.
      if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        typealias Trim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
      }
      return residentBytes()
    }

    func spec(_ line: String) throws -> LayerSpec { try LayerSpec(parsing: PyParser.parse(line)) }

    @Test func thousandsOfOperationsKeepMemoryBounded() throws {
      let folder = try makeTempFolder()
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let model = Sequential(seed: 7)
      for line in [
        "Conv2D(4, (3, 3), padding='same', input_shape=(8, 8, 1))", "Activation('relu')",
        "MaxPooling2D()",
        "Flatten()", "Dense(3)", "Activation('softmax')",
      ] {
        try model.add(spec(line))
      }
      // Layers that keep the shape, so any mix of them in front of pooling still works.
      let extras = try [
        "Dropout(0.25)", "Activation('relu')", "ReLU()", "Conv2D(4, (3, 3), padding='same')",
        "Conv2D(9, (3, 3))",
        "Dense(3)",
      ].map(spec)
      var m = Mutator(seed: 99)
      let images = Tensor(
        validShape: [6, 8, 8, 1], scalars: (0..<384).map { _ in m.rng.nextUnitFloat() })
      let labels = [0, 1, 2, 0, 1, 2]
      let optimizer = Adam(learningRate: 0.01)
      let weightsPath = folder + "/w.npz"
      var operations = 0
      var refusals = 0
      var start: Int?

      for i in 0..<2400 {
        if i == 200 { start = settledResidentBytes() }
        // Insert just before MaxPooling2D, or remove the layer there when it is an extra.
        let pool = try model.index(of: "max_pooling2d")
        do throws(EngineError) {
          if m.int(2) == 0, model.layers.count < 12 {
            try model.insert(m.pick(extras), at: 1 + m.int(pool))
          } else if pool > 2 {
            try model.remove(at: 1 + m.int(pool - 2))
          }
        } catch {
          // Conv2D(9, (3, 3)) and Dense(3) do not fit everywhere; refusals are part of the soak.
          refusals += 1
        }
        try model.forward(images, mode: .training)
        try model.forward(images.slice(batch: 0..<2), mode: .inference)
        operations += 3
        if i % 4 == 0 {
          _ = try model.fit(
            images, labels: labels, loss: .sparseCategoricalCrossentropy, optimizer: optimizer,
            options: FitOptions(epochs: 1, batchSize: 3))
          operations += 1
        }
        if i % 60 == 0 {
          try Npz.write(model.weightArrays(), path: weightsPath)
          try model.loadWeights(Npz.read(path: weightsPath), source: weightsPath)
          operations += 2
        }
      }
      let end = settledResidentBytes()
      #expect(operations > 7000)
      #expect(refusals > 0)
      #expect(model.outputShapes.last == [3])
      if let start, let end {
        #expect(
          end - start < 50 << 20, "resident memory grew from \(start >> 20) MB to \(end >> 20) MB")
      }
    }
  }
}
