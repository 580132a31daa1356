import Foundation
import Testing

@testable import Engine

@Suite struct NpyTests {
  /// One array of every dtype, odd shapes included.
  static let sampleSpecs: [(shape: [Int], storage: NDArray.Storage)] = [
    ([2, 3], .float32([-1, -0.5, 0, 0.5, 1, .greatestFiniteMagnitude])),
    ([3], .float64([1.5, -2.25, 1e300])),
    ([2, 2], .uint8([0, 1, 254, 255])),
    ([4], .int32([.min, -1, 0, .max])),
    ([1, 2], .int64([.min, .max])),
    ([], .float32([3.25])),
    ([0, 3], .float32([])),
  ]
  static let samples: [NDArray] = sampleSpecs.compactMap {
    try? NDArray(shape: $0.shape, storage: $0.storage)
  }

  @Test func everySampleIsBuilt() {
    #expect(Self.samples.count == Self.sampleSpecs.count)
  }

  @Test(arguments: samples) func roundTripsEveryDtype(_ array: NDArray) throws {
    let data = Npy.encode(array)
    #expect(try Npy.decode(data, source: "mem") == array)
  }

  @Test func headerIsPaddedTo64BytesLikeNumpy() throws {
    let data = Npy.encode(try NDArray(shape: [2, 3], storage: .float32([0, 1, 2, 3, 4, 5])))
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    #expect(data[10 + headerLength - 1] == 0x0A)
    #expect(data.count == 10 + headerLength + 24)
  }

  @Test func encodesByteForByteAsNumpySaves() throws {
    for name in ["f4.npy", "f8.npy", "u1.npy", "i4.npy", "i8.npy"] {
      let original = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
      #expect(Npy.encode(try Npy.decode(original, source: name)) == original, "\(name)")
    }
  }

  @Test func readsNumpyFiles() throws {
    #expect(
      try Npy.read(path: fixture("f4.npy"))
        == NDArray(shape: [2, 3], storage: .float32([-1, -0.5, 0, 0.5, 1, 1.5])))
    #expect(
      try Npy.read(path: fixture("f8.npy"))
        == NDArray(shape: [3], storage: .float64([1.5, -2.25, 1e300])))
    #expect(
      try Npy.read(path: fixture("u1.npy"))
        == NDArray(shape: [2, 2], storage: .uint8([0, 1, 254, 255])))
    #expect(
      try Npy.read(path: fixture("i4.npy"))
        == NDArray(shape: [4], storage: .int32([.min, -1, 0, .max])))
    #expect(
      try Npy.read(path: fixture("i8.npy"))
        == NDArray(
          shape: [2], storage: .int64([-9_000_000_000_000_000_000, 9_000_000_000_000_000_000])))
    #expect(
      try Npy.read(path: fixture("b1.npy")) == NDArray(shape: [3], storage: .uint8([1, 0, 1])))
    #expect(
      try Npy.read(path: fixture("be_f4.npy")) == NDArray(shape: [2], storage: .float32([1, -2.5])))
    #expect(
      try Npy.read(path: fixture("scalar.npy")) == NDArray(shape: [], storage: .float32([3.25])))
    #expect(
      try Npy.read(path: fixture("v2.npy"))
        == NDArray(shape: [2, 2], storage: .float32([1, 2, 3, 4])))
  }

  @Test func refusesFortranOrderAndObjects() {
    let fortran = #expect(throws: EngineError.self) { try Npy.read(path: fixture("fortran.npy")) }
    #expect(fortran?.description.contains("Fortran order") == true)
    let object = #expect(throws: EngineError.self) { try Npy.read(path: fixture("object.npy")) }
    #expect(object?.description.contains("object arrays") == true)
  }

  @Test func truncatedAndCorruptFilesGiveErrors() throws {
    let good = try Data(contentsOf: URL(fileURLWithPath: fixture("f4.npy")))
    let truncated = #expect(throws: EngineError.self) {
      try Npy.decode(good.dropLast(1), source: "t.npy")
    }
    #expect(truncated?.description.contains("truncated") == true)
    for cut in [3, 9, 20, 127] {
      #expect(throws: EngineError.self) { try Npy.decode(good.prefix(cut), source: "t.npy") }
    }
    #expect(throws: EngineError.self) { try Npy.decode(good + [0], source: "extra.npy") }
    #expect(throws: EngineError.self) { try Npy.decode(Data("hello".utf8), source: "x.npy") }
    // A header promising an absurd shape must be refused, not allocated.
    var huge = [UInt8](good)
    let text = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000), }"
    huge.replaceSubrange(10..<(10 + text.utf8.count), with: Array(text.utf8))
    #expect(throws: EngineError.self) { try Npy.decode(Data(huge), source: "huge.npy") }
    var garbled = [UInt8](good)
    garbled[20] = UInt8(ascii: "(")
    #expect(throws: EngineError.self) { try Npy.decode(Data(garbled), source: "garbled.npy") }
    let missing = #expect(throws: EngineError.self) { try Npy.read(path: "/nonexistent/x.npy") }
    #expect(missing?.description.contains("no such file") == true)
  }

  @Test func conversionsFollowDtype() throws {
    let bytes = try NDArray(shape: [3], storage: .uint8([0, 7, 255]))
    #expect(bytes.isInteger)
    #expect(bytes.floats() == [0, 7, 255])
    #expect(bytes.integers() == [0, 7, 255])
    let whole = try NDArray(shape: [2], storage: .float32([2, 5]))
    #expect(!whole.isInteger)
    #expect(whole.integers() == [2, 5])
    #expect(try NDArray(shape: [1], storage: .float64([0.5])).integers() == nil)
    #expect(try NDArray(shape: [1], storage: .float32([.nan])).integers() == nil)
    let t = try Tensor(shape: [1, 2], scalars: [3, 4])
    #expect(try NDArray(tensor: t).tensor() == t)
    #expect(throws: EngineError.self) { try NDArray(shape: [2, 2], storage: .int32([1])) }
  }
}
