import Foundation
import Testing

@testable import Engine

@Suite struct DatasetLoaderTests {
  func npz(_ arrays: [(String, NDArray)]) throws -> String {
    let path = try makeTempFolder() + "/data.npz"
    try Npz.write(arrays.map { (name: $0.0, array: $0.1) }, path: path, compression: .deflate)
    return path
  }

  @Test func npzWithSeedScriptNamesAndIntegerLabels() throws {
    let path = try npz([
      ("X_train", try NDArray(shape: [2, 2, 2], storage: .uint8([0, 128, 255, 64, 1, 2, 3, 4]))),
      ("Y_train", try NDArray(shape: [2], storage: .int64([2, 0]))),
      ("x_test", try NDArray(shape: [1, 2, 2], storage: .uint8([8, 8, 8, 8]))),
      ("y_test", try NDArray(shape: [1, 1], storage: .int32([1]))),
    ])
    let split = try DatasetLoader.load(path: path)
    #expect(split.train.images.shape == [2, 2, 2, 1])
    #expect(split.train.images.scalars[1] == 0.5)  // 128 / 256
    #expect(split.train.labels == [2, 0])
    #expect(split.train.classNames == ["0", "1", "2"])
    #expect(split.train.sampleShape == [2, 2, 1])
    #expect(split.test?.labels == [1])
    #expect(split.test?.count == 1)
  }

  @Test func npzWithKerasNamesFloatImagesAndOneHotLabels() throws {
    let path = try npz([
      (
        "x_train",
        try NDArray(shape: [2, 1, 1, 3], storage: .float32([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))
      ),
      ("y_train", try NDArray(shape: [2, 4], storage: .float32([0, 0, 1, 0, 0, 0, 0, 1]))),
    ])
    let split = try DatasetLoader.load(path: path)
    // Floats are kept as they are.
    #expect(split.train.images.scalars == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    #expect(split.train.labels == [2, 3])
    #expect(split.train.classCount == 4)
    #expect(split.test == nil)
  }

  @Test func npzErrors() throws {
    let images = try NDArray(shape: [2, 2, 2], storage: .uint8([UInt8](repeating: 1, count: 8)))
    let mismatched = try npz([
      ("x_train", images), ("y_train", try NDArray(shape: [3], storage: .int64([0, 1, 2]))),
    ])
    let e1 = #expect(throws: EngineError.self) { try DatasetLoader.load(path: mismatched) }
    #expect(e1?.description.contains("there are 2 images") == true)
    let missing = try npz([("x_train", images)])
    let e2 = #expect(throws: EngineError.self) { try DatasetLoader.load(path: missing) }
    #expect(e2?.description.contains("x_train and y_train") == true)
    let outOfRange = try npz([
      ("x_train", images),
      ("y_train", try NDArray(shape: [2, 2], storage: .float32([1, 0, 0, 1]))),
      ("x_test", images), ("y_test", try NDArray(shape: [2], storage: .int64([0, 5]))),
    ])
    let e3 = #expect(throws: EngineError.self) { try DatasetLoader.load(path: outOfRange) }
    #expect(e3?.description.contains("label 5") == true)
    let negative = try npz([
      ("x_train", images), ("y_train", try NDArray(shape: [2], storage: .int64([0, -1]))),
    ])
    #expect(throws: EngineError.self) { try DatasetLoader.load(path: negative) }
    let budget = #expect(throws: EngineError.self) {
      try DatasetLoader.load(path: negative, maxBytes: 16)
    }
    #expect(budget?.description.contains("limit") == true)
  }

  /// Writes a w×h binary PGM of one gray level.
  func pgm(_ path: String, width: Int, height: Int, level: UInt8) throws {
    try writeBytes(
      Array("P5 \(width) \(height) 255\n".utf8) + [UInt8](repeating: level, count: width * height),
      to: path)
  }

  @Test func classFolderWithTrainAndTest() throws {
    let root = try makeTempFolder()
    try pgm(root + "/train/cats/a.pgm", width: 4, height: 2, level: 64)
    try pgm(root + "/train/cats/b.pgm", width: 2, height: 1, level: 128)  // resized to 4x2
    try pgm(root + "/train/dogs/c.pgm", width: 4, height: 2, level: 192)
    try writeBytes(Array("notes".utf8), to: root + "/train/dogs/README.txt")  // skipped
    try pgm(root + "/test/dogs/d.pgm", width: 4, height: 2, level: 32)
    let split = try DatasetLoader.load(path: root)
    #expect(split.train.classNames == ["cats", "dogs"])
    #expect(split.train.labels == [0, 0, 1])
    #expect(split.train.images.shape == [3, 2, 4, 3])
    #expect(split.train.images.gather(batch: [1]).scalars.allSatisfy { $0 == 0.5 })
    #expect(split.test?.labels == [1])
    #expect(split.test?.images.scalars.allSatisfy { $0 == 0.125 } == true)
  }

  @Test func classFolderSplitIsSeededAndComplete() throws {
    let root = try makeTempFolder()
    for i in 0..<10 {
      try pgm(
        root + "/\(i % 2 == 0 ? "even" : "odd")/\(i).pgm", width: 2, height: 2, level: UInt8(i * 10)
      )
    }
    let a = try DatasetLoader.load(path: root, validationSplit: 0.3, seed: 7)
    let b = try DatasetLoader.load(path: root, validationSplit: 0.3, seed: 7)
    #expect(a.train.count == 7)
    let aTest = try #require(a.test)
    #expect(aTest.count == 3)
    #expect(a.train.images == b.train.images && a.train.labels == b.train.labels)
    // Every image lands in exactly one side, with its own label.
    let levels = (a.train.images.scalars + aTest.images.scalars).enumerated()
      .filter { $0.offset % 12 == 0 }.map { Int(($0.element * 256).rounded()) / 10 }
    #expect(levels.sorted() == Array(0..<10))
    let labels = a.train.labels + aTest.labels
    #expect(zip(levels, labels).allSatisfy { $0.0 % 2 == $0.1 })
    #expect(try DatasetLoader.load(path: root, validationSplit: 0).test == nil)
    let other = try DatasetLoader.load(path: root, validationSplit: 0.3, seed: 8)
    #expect(other.train.labels != a.train.labels || other.train.images != a.train.images)
  }

  @Test func folderErrors() throws {
    let empty = try makeTempFolder()
    #expect(throws: EngineError.self) { try DatasetLoader.load(path: empty) }
    let broken = try makeTempFolder()
    try writeBytes(Array("P5 2 2 255\n".utf8), to: broken + "/a/x.pgm")
    #expect(throws: EngineError.self) { try DatasetLoader.load(path: broken) }
    #expect(throws: EngineError.self) { try DatasetLoader.load(path: broken + "/nope") }
  }

  func be32(_ v: Int) -> [UInt8] {
    [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
  }

  @Test func mnistIDX() throws {
    let root = try makeTempFolder()
    let pixels: [UInt8] = [0, 255, 128, 64, 1, 2, 3, 4]
    try writeBytes(
      [0, 0, 8, 3] + be32(2) + be32(2) + be32(2) + pixels, to: root + "/train-images-idx3-ubyte")
    try writeBytes([0, 0, 8, 1] + be32(2) + [7, 3], to: root + "/train-labels-idx1-ubyte")
    let split = try DatasetLoader.load(path: root + "/train-images-idx3-ubyte", pixelScale: 1)
    #expect(split.train.images.shape == [2, 2, 2, 1])
    #expect(split.train.images.scalars == pixels.map(Float.init))
    #expect(split.train.labels == [7, 3])
    #expect(split.train.classCount == 8)
    #expect(split.test == nil)
    try writeBytes([0, 0, 8, 1] + be32(3) + [7, 3, 1], to: root + "/train-labels-idx1-ubyte")
    let e = #expect(throws: EngineError.self) { try DatasetLoader.load(path: root) }
    #expect(e?.description.contains("must match") == true)
    try writeBytes([0, 0, 8, 1] + be32(2) + [7, 3], to: root + "/train-labels-idx1-ubyte")
    try writeBytes(
      [0, 0, 8, 3] + be32(1000) + be32(28) + be32(28) + pixels,
      to: root + "/train-images-idx3-ubyte")
    #expect(throws: EngineError.self) { try DatasetLoader.load(path: root) }
  }

  @Test func cifarBinaryBatches() throws {
    let root = try makeTempFolder()
    // One record: label 1, red plane all 10, green 20, blue 30, except pixel (0, 1).
    var record =
      [UInt8(1)] + [UInt8](repeating: 10, count: 1024) + [UInt8](repeating: 20, count: 1024)
      + [UInt8](repeating: 30, count: 1024)
    record[1 + 1] = 99  // red of pixel (0, 1)
    record[1 + 2048 + 1] = 77  // blue of pixel (0, 1)
    try writeBytes(record + record, to: root + "/data_batch_1.bin")
    var test = record
    test[0] = 2
    try writeBytes(test, to: root + "/test_batch.bin")
    try writeBytes(Array("airplane\nautomobile\nbird\n\n".utf8), to: root + "/batches.meta.txt")
    let split = try DatasetLoader.load(path: root, pixelScale: 1)
    #expect(split.train.images.shape == [2, 32, 32, 3])
    #expect(Array(split.train.images.scalars[0..<6]) == [10, 20, 30, 99, 20, 77])
    #expect(split.train.labels == [1, 1])
    #expect(split.train.classNames == ["airplane", "automobile", "bird"])
    #expect(split.test?.labels == [2])
    try writeBytes(record + [0], to: root + "/data_batch_1.bin")
    let e = #expect(throws: EngineError.self) { try DatasetLoader.load(path: root) }
    #expect(e?.description.contains("3073") == true)
    test[0] = 5
    try writeBytes(record, to: root + "/data_batch_1.bin")
    try writeBytes(test, to: root + "/test_batch.bin")
    #expect(throws: EngineError.self) { try DatasetLoader.load(path: root) }
  }
}

extension DatasetLoaderTests {
  @Test func mnistHeaderWithHugeSizesIsRefusedNotTrapped() throws {
    let root = try makeTempFolder()
    let max = be32(0xFFFF_FFFF)
    try writeBytes(
      [0, 0, 8, 3] + max + max + max + [1, 2, 3], to: root + "/train-images-idx3-ubyte")
    try writeBytes([0, 0, 8, 1] + max + [1], to: root + "/train-labels-idx1-ubyte")
    let e = #expect(throws: EngineError.self) { try DatasetLoader.load(path: root) }
    #expect(e?.description.contains("truncated or corrupt") == true)
  }
}
