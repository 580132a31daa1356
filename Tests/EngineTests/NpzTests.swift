import Foundation
import Testing

@testable import Engine

@Suite struct NpzTests {
  @Test(arguments: ["stored.npz", "deflated.npz"]) func readsNumpyArchives(_ name: String) throws {
    let arrays = try Npz.read(path: fixture(name))
    #expect(arrays.map(\.name) == ["conv2d/kernel", "labels"])
    #expect(
      arrays[0].array
        == (try NDArray(shape: [2, 2, 1, 2], storage: .float32([0, 1, 2, 3, 4, 5, 6, 7]))))
    #expect(arrays[1].array == (try NDArray(shape: [3], storage: .int64([3, 1, 2]))))
  }

  @Test(arguments: [Npz.Compression.stored, .deflate]) func roundTripsEveryDtype(
    _ compression: Npz.Compression
  ) throws {
    let arrays = NpyTests.samples.enumerated().map {
      (name: "layer\($0.offset)/w", array: $0.element)
    }
    let folder = try makeTempFolder()
    let path = folder + "/weights.npz"
    try Npz.write(arrays, path: path, compression: compression)
    let back = try Npz.read(path: path)
    #expect(back.map(\.name) == arrays.map(\.name))
    #expect(back.map(\.array) == arrays.map(\.array))
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(try Npz.decode(data, source: path).map(\.array) == arrays.map(\.array))
  }

  @Test func corruptArchivesGiveErrors() throws {
    let good = try Data(contentsOf: URL(fileURLWithPath: fixture("deflated.npz")))
    #expect(throws: EngineError.self) {
      try Npz.decode(Data("not a zip at all".utf8), source: "x.npz")
    }
    #expect(throws: EngineError.self) {
      try Npz.decode(good.prefix(good.count / 2), source: "half.npz")
    }
    var flipped = [UInt8](good)
    // Damage the first member's compressed bytes: CRC or inflate must fail.
    for i in 60..<80 { flipped[i] ^= 0x5A }
    #expect(throws: EngineError.self) { try Npz.decode(Data(flipped), source: "flipped.npz") }
    let tooBig = #expect(throws: EngineError.self) {
      try Npz.read(path: fixture("stored.npz"), maxBytes: 100)
    }
    #expect(tooBig?.description.contains("limit") == true)
  }

  @Test func atomicWriteReplacesAndKeepsOldFileOnFailure() throws {
    let folder = try makeTempFolder()
    let path = folder + "/a.bin"
    try AtomicFile.write(Data([1, 2, 3]), to: path)
    try AtomicFile.write(Data([4, 5]), to: path)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
    // Renaming a file over a non-empty folder fails: nothing may change and no temp file may remain.
    try FileManager.default.createDirectory(
      atPath: folder + "/dir/inner", withIntermediateDirectories: true)
    #expect(throws: EngineError.self) { try AtomicFile.write(Data([9]), to: folder + "/dir") }
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.bin", "dir"])
    #expect(throws: EngineError.self) {
      try AtomicFile.write(Data([9]), to: folder + "/missing/a.bin")
    }
  }
}
