import Foundation
import Testing

@testable import Engine

/// A small file laid out as Keras 2 writes one: fixed-length text, a list of
/// names, an empty list, and float32 datasets under intermediate groups.
private func sampleFile() throws -> Data {
  try HDF5.writing(source: "sample.h5") { (root) throws(EngineError) in
    try root.setText("keras_version", ["2.2.4"])
    let weights = try root.makeGroup("model_weights")
    try weights.setText("layer_names", ["conv2d_1", "flatten_1"], list: true)
    let conv = try weights.makeGroup("conv2d_1")
    try conv.setText("weight_names", ["conv2d_1/kernel:0", "conv2d_1/bias:0"], list: true)
    try conv.writeFloats("conv2d_1/kernel:0", shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])
    try conv.writeFloats("conv2d_1/bias:0", shape: [3], values: [0.5, -0.5, 0])
    let flatten = try weights.makeGroup("flatten_1")
    try flatten.setText("weight_names", [], list: true)
    try root.writeInteger("iterations", 7)
  }
}

@Test func hdf5RoundTripsTextListsAndDatasets() throws {
  let bytes = try sampleFile()
  #expect(HDF5.looksLikeHDF5(bytes))
  try HDF5.reading(bytes, source: "sample.h5") { (root) throws(EngineError) in
    #expect(try root.text("keras_version") == "2.2.4")
    #expect(try root.text("missing") == nil)
    #expect(try root.children() == ["iterations", "model_weights"])
    let weights = try root.group("model_weights")
    #expect(try weights?.nameList("layer_names") == ["conv2d_1", "flatten_1"])
    // Keras writes an empty list as an empty float64 array; it reads back as no names.
    #expect(try root.group("model_weights/flatten_1")?.attribute("weight_names") == .numbers([]))
    #expect(try root.group("model_weights/flatten_1")?.nameList("weight_names") == [])
    let conv = try weights?.group("conv2d_1")
    #expect(try conv?.datasetShape("conv2d_1/kernel:0") == [1, 1, 2, 3])
    #expect(try conv?.floats("conv2d_1/kernel:0", expected: 6)?.values == [1, 2, 3, 4, 5, 6])
    #expect(try conv?.floats("conv2d_1/bias:0", expected: 3)?.values == [0.5, -0.5, 0])
    // A size that does not match is reported without reading the values.
    #expect(try conv?.floats("conv2d_1/bias:0", expected: 4)?.values == [])
    #expect(try conv?.floats("conv2d_1/nothing:0", expected: 3) == nil)
    #expect(conv != nil)
    #expect(try root.floats("iterations", expected: 1)?.values == [7])
    #expect(try root.group("nowhere") == nil)
    // A dataset is not a group.
    #expect(throws: EngineError.self) { try root.group("iterations") }
  }
}

@Test func hdf5ReadsWhatH5pyWritesWithoutPrintingAnything() throws {
  // Keras 3's legacy .h5: variable-length UTF-8 text written by h5py 3.
  let path = fixture("keras/keras3_small.h5")
  let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
  try HDF5.reading(bytes, source: path) { (root) throws(EngineError) in
    let version = try root.text("keras_version")
    #expect(version?.hasPrefix("3.") == true)
    #expect(try root.group("model_weights")?.nameList("layer_names")?.isEmpty == false)
  }
}

@Test func hdf5RefusesTruncatedCorruptAndForeignBytesWithOneError() throws {
  let bytes = try sampleFile()
  var cases: [(String, Data)] = [
    ("empty", Data()),
    ("not hdf5", Data("PK\u{3}\u{4} a zip, not HDF5".utf8)),
    ("signature only", Data(HDF5.signature)),
  ]
  for cut in [9, 64, bytes.count / 2, bytes.count - 1] {
    cases.append(("truncated at \(cut)", bytes.prefix(cut)))
  }
  for (label, data) in cases {
    do {
      try HDF5.reading(data, source: "bad.h5") { (root) throws(EngineError) in
        // Reading everything must fail somewhere, never crash or hang.
        for name in try root.children() { _ = try root.group(name) }
        _ = try root.group("model_weights/conv2d_1")?.floats("conv2d_1/kernel:0", expected: 6)
        Issue.record("\(label): read without an error")
      }
    } catch let error as EngineError {
      #expect(error.description.hasPrefix("bad.h5: "), "\(label): \(error)")
      #expect(!error.description.contains("\n"), "\(label): \(error)")
    } catch {
      Issue.record("\(label): \(error) is not an EngineError")
    }
  }
  #expect(HDF5.openObjects() == 0)
}

@Test func hdf5SurvivesFlippedBytes() throws {
  let bytes = try sampleFile()
  var rng = SeededGenerator(seed: 11)
  for _ in 0..<200 {
    var damaged = bytes
    for _ in 0..<4 {
      let at = Int(rng.next() % UInt64(damaged.count))
      damaged[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
    }
    // Either it reads (the flip hit padding) or it fails with an error; never a crash.
    _ = try? HDF5.reading(damaged, source: "flipped.h5") { (root) throws(EngineError) in
      for name in try root.children() { _ = try root.group(name) }
      if let conv = try root.group("model_weights/conv2d_1") {
        _ = try conv.nameList("weight_names")
        _ = try conv.floats("conv2d_1/kernel:0", expected: 6)
      }
      _ = try root.group("model_weights")?.nameList("layer_names")
    }
  }
  // Every way out of a damaged file closed what it had opened (a type copy
  // that failed to take its size was once left open).
  #expect(HDF5.openObjects() == 0)
}

@Test func hdf5WorksFromManyThreadsAtOnce() async throws {
  let bytes = try sampleFile()
  try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<8 {
      group.addTask {
        for _ in 0..<20 {
          let values = try HDF5.reading(bytes, source: "sample.h5") { (root) throws(EngineError) in
            try root.group("model_weights/conv2d_1")?.floats("conv2d_1/bias:0", expected: 3)?.values
          }
          #expect(values == [0.5, -0.5, 0])
        }
      }
    }
    try await group.waitForAll()
  }
}

/// Real Keras files with bytes flipped or cut: loading either works or
/// fails with one error; it never crashes or hangs. (Round 6 of
/// keras3_small.h5 damages the global heap behind its variable-length
/// weight_names, which crashes libhdf5 1.10 itself inside H5HG_read.)
@Test(arguments: ["keras3_small.h5", "keras2_blog.h5", "keras3_small.keras"])
func damagedKerasFilesNeverCrash(_ name: String) throws {
  let original = try Data(contentsOf: URL(fileURLWithPath: fixture("keras/\(name)")))
  var rng = SeededGenerator(seed: 23)
  let path = temporaryPath("damaged-\(name)")
  var messages: [String] = []
  for round in 0..<120 {
    var damaged = original
    if round % 4 == 0 {
      damaged = damaged.prefix(Int(rng.next() % UInt64(damaged.count)))
    } else {
      for _ in 0..<(1 + round % 8) {
        let at = Int(rng.next() % UInt64(damaged.count))
        damaged[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
      }
    }
    try damaged.write(to: URL(fileURLWithPath: path))
    do {
      _ = try KerasFile.load(path: path)
    } catch {
      #expect(!error.description.contains("\n"), "\(name) round \(round): \(error)")
      messages.append(error.description)
    }
  }
  if name == "keras3_small.h5" {
    // Round 6 crashes libhdf5 in the check's child: the error is that, not a crash.
    #expect(
      messages.contains { $0.contains("the file is corrupt: the HDF5 library cannot read it") })
  }
}

/// A check that does not finish in time is killed and the file refused
/// with one error; the library is free again at once.
@Test func aCheckThatTakesTooLongIsStoppedWithOneError() throws {
  let bytes = try sampleFile()
  let slow = HDF5.CheckLimits(seconds: 1, stallForTest: 30)
  do {
    _ = try HDF5.reading(bytes, source: "slow.h5", limits: slow) { (root) throws(EngineError) in
      try root.text("keras_version")
    }
    Issue.record("read although the check did not finish")
  } catch {
    #expect(
      error.description
        == "slow.h5: the HDF5 library could not read it in 1 s (it may be corrupt); nothing was loaded"
    )
  }
  let version = try HDF5.reading(bytes, source: "sample.h5") { (root) throws(EngineError) in
    try root.text("keras_version")
  }
  #expect(version == "2.2.4")
}
