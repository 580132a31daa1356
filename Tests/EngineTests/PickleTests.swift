import Foundation
import Testing

@testable import Engine

/// Pickled `.npy` files as numpy 1.16, 1.26 and 2.4 write them
/// (Fixtures/pickled/make_pickled.py), compared value by value with what
/// numpy's own np.load returned, which the script wrote next to each file.
@Suite struct PickleTests {
  /// One `NAME.expected.json`.
  struct Expected: Decodable {
    struct Item: Decodable {
      var dtype: String
      var shape: [Int]
      var values: [String]
    }

    var globals: [String]
    var version: Int?
    var kind: String?
    var items: [Item]?
    var refused: String?

    enum CodingKeys: String, CodingKey {
      case globals, kind, items, refused
      case version = "protocol"
    }
  }

  static let folder = fixture("pickled")

  static func expected(_ name: String) throws -> Expected {
    let url = URL(fileURLWithPath: folder).appendingPathComponent(name + ".expected.json")
    return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url))
  }

  /// Every fixture with an expected file, by kind of expectation.
  static let all: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".expected.json") }
      .map { String($0.dropLast(".expected.json".count)) }.sorted()
  }()
  static let readable = all.filter { (try? expected($0))?.items != nil }
  static let hostile = all.filter { (try? expected($0))?.refused != nil }

  @Test func fixturesAreThere() {
    #expect(Self.readable.count >= 30)
    #expect(Self.hostile.count == 4)
    #expect(Self.readable.contains("augumented_images_np116.npy"))
  }

  /// The storage LayerLab gives each numpy dtype (as `.npy` reading does),
  /// keyed by kind and size; byte order does not change it.
  static let storageFor: [String: String] = [
    "b1": "uint8", "u1": "uint8", "i1": "int32", "i2": "int32", "u2": "int32", "i4": "int32",
    "u4": "int64", "i8": "int64", "u8": "int64", "f2": "float32", "f4": "float32",
    "f8": "float64",
  ]

  static func check(_ array: NDArray, against item: Expected.Item, _ label: String) {
    #expect(array.shape == item.shape, "\(label)")
    #expect(array.storage.dtypeName == storageFor[String(item.dtype.dropFirst())], "\(label)")
    switch array.storage {
    case .float32(let v):
      #expect(v.map(Double.init) == item.values.map { Double($0) }, "\(label)")
    case .float64(let v):
      #expect(v.map(Optional.init) == item.values.map { Double($0) }, "\(label)")
    case .uint8(let v):
      #expect(v.map { Int64($0) } == item.values.compactMap { Int64($0) }, "\(label)")
    case .int32(let v):
      #expect(v.map { Int64($0) } == item.values.compactMap { Int64($0) }, "\(label)")
    case .int64(let v): #expect(v == item.values.compactMap { Int64($0) }, "\(label)")
    }
  }

  @Test(arguments: readable) func readsWhatNumpyRead(_ name: String) throws {
    let expected = try Self.expected(name)
    let items = try #require(expected.items)
    let content = try Npy.readContent(path: Self.folder + "/" + name)
    switch content {
    case .array(let array):
      #expect(expected.kind == "array")
      try #require(items.count == 1)
      Self.check(array, against: items[0], name)
    case .objects(let arrays):
      #expect(expected.kind == "objects")
      try #require(arrays.count == items.count, "\(name)")
      for (i, (array, item)) in zip(arrays, items).enumerated() {
        Self.check(array, against: item, "\(name) item \(i)")
      }
    }
  }

  /// The globals LayerLab accepts are exactly those some numpy wrote.
  @Test func acceptedGlobalsAreExactlyTheOnesNumpyWrites() throws {
    var written = Set<String>()
    for name in Self.readable { written.formUnion(try Self.expected(name).globals) }
    #expect(written == Set(PickleGlobal.byName.keys))
  }

  @Test func fixturesCoverProtocolsTwoToFiveAndEveryEra() throws {
    let versions = Set(try Self.readable.compactMap { try Self.expected($0).version })
    #expect(versions == [2, 3, 4, 5])
    for era in ["np116", "np126", "np24"] {
      #expect(Self.readable.contains { $0.contains(era) }, "\(era)")
    }
  }

  static let marker = "/tmp/layerlab-pickle-fixture-ran"

  @Test(arguments: hostile) func hostilePicklesAreRefusedByName(_ name: String) throws {
    try? FileManager.default.removeItem(atPath: Self.marker)
    let refused = try #require(try Self.expected(name).refused)
    let error = #expect(throws: EngineError.self) {
      try Npy.readContent(path: Self.folder + "/" + name)
    }
    let message = error?.description ?? ""
    #expect(message.contains("names '\(refused)', which LayerLab refuses"), "\(message)")
    #expect(message.hasPrefix(Self.folder + "/" + name + ": "))
    #expect(!FileManager.default.fileExists(atPath: Self.marker))
  }

  @Test func theSeedFileUnpacksIntoFourArrays() throws {
    let content = try Npy.readContent(
      path: fixture("pickled/augumented_images_np116.npy"))
    guard case .objects(let arrays) = content else {
      Issue.record("expected four arrays, got \(content)")
      return
    }
    #expect(arrays.map(\.shape) == [[24, 8, 8, 3], [8, 8, 8, 3], [24], [8]])
    #expect(arrays.map(\.storage.dtypeName) == ["uint8", "uint8", "int64", "int64"])
  }

  @Test func plainNpyFilesReadAsOneArray() throws {
    for name in ["f4.npy", "u1.npy", "be_f4.npy", "scalar.npy"] {
      #expect(try Npy.readContent(path: fixture(name)) == .array(Npy.read(path: fixture(name))))
    }
    // Npy.read itself still refuses object arrays: weights and images cannot be pickles.
    #expect(throws: EngineError.self) { try Npy.read(path: fixture("pickled/dtypes_np24.npy")) }
  }

  /// Each way a pickle can hold something other than numeric arrays, and the
  /// one error it gets (after the path).
  @Test(arguments: [
    (
      "mixed_np24.npy",
      "it holds an object array of shape (2,) whose item 0 is an int; LayerLab reads pickles of numeric arrays: one array, or an object array, list or tuple of them, as np.save(PATH, (X_train, X_test, y_train, y_test)) writes"
    ),
    ("dict_np24.npy", "it holds a 0-d object array holding a dict with keys 'x'; LayerLab reads"),
    ("nested_np24.npy", "it holds an object array of shape (2,) whose item 1 is an object array"),
    ("strings_np24.npy", "it holds an array of strings (dtype 'U3'); LayerLab reads numeric"),
  ]) func notNumericArraysSayWhatTheyHold(_ name: String, _ message: String) {
    let error = #expect(throws: EngineError.self) {
      try Npy.readContent(path: Self.folder + "/" + name)
    }
    #expect(
      error?.description.hasPrefix(Self.folder + "/" + name + ": " + message) == true,
      "\(error?.description ?? "")")
  }

  // MARK: - The dataset command

  @Test func theSeedFileIsADataset() throws {
    let path = fixture("pickled/augumented_images_np116.npy")
    let split = try DatasetLoader.load(path: path, pixelScale: 1.0 / 256)
    let items = try #require(try Self.expected("augumented_images_np116.npy").items)
    #expect(split.train.images.shape == Shape([24, 8, 8, 3]))
    #expect(split.train.images.scalars == items[0].values.map { Float(Int($0) ?? -1) / 256 })
    #expect(split.train.labels == items[2].values.compactMap { Int($0) })
    let test = try #require(split.test)
    #expect(test.images.shape == Shape([8, 8, 8, 3]))
    #expect(test.labels == items[3].values.compactMap { Int($0) })
    #expect(split.train.classCount == 6)
  }

  @Test func datasetsFromEveryEraAgree() throws {
    for era in ["np116", "np126", "np24"] {
      let split = try DatasetLoader.load(path: fixture("pickled/four_arrays_\(era).npy"))
      #expect(split.train.images.shape == Shape([6, 4, 4, 3]), "\(era)")
      #expect(split.train.labels == [0, 1, 2, 3, 4, 5], "\(era)")
      #expect(split.test?.labels == [1, 2], "\(era)")
    }
  }

  @Test(arguments: [
    (
      "pickled/three_arrays_np24.npy",
      "it holds 3 arrays (uint8 (3, 2, 2, 3), uint8 (2, 2, 2, 3), int64 (3,)); a dataset .npy holds four: np.save(PATH, (X_train, X_test, y_train, y_test)), images then labels, as the seed script writes it"
    ),
    ("f4.npy", "it holds one array (float32 (2, 3)); a dataset .npy holds four"),
    ("pickled/dict_np24.npy", "it holds a 0-d object array holding a dict"),
    ("pickled/evil_posix_system.npy", "the pickle names 'posix.system', which LayerLab refuses"),
  ]) func datasetErrorsSayWhatTheFileHolds(_ name: String, _ message: String) {
    let error = #expect(throws: EngineError.self) { try DatasetLoader.load(path: fixture(name)) }
    #expect(
      error?.description.hasPrefix(fixture(name) + ": " + message) == true,
      "\(error?.description ?? "")")
  }

  @Test func oneHotLabelsWork() throws {
    let folder = try makeTempFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // The four arrays with one-hot labels, as to_categorical would give them.
    let images = PickleAssembler.binBytes([UInt8](repeating: 7, count: 2 * 2 * 2))
    let f4 = PickleAssembler.dtype("f4")
    let oneHot: [Float] = [0, 1, 0, 1, 0, 0]
    let labels = PickleAssembler.binBytes(
      oneHot.flatMap { v in PickleAssembler.le32(Int(v.bitPattern)) })
    let u1 = PickleAssembler.dtype("u1", order: "|")
    let items = [
      PickleAssembler.array(shape: [2, 2, 2, 1], dtype: u1, data: images),
      PickleAssembler.array(
        shape: [1, 2, 2, 1], dtype: u1, data: PickleAssembler.binBytes([1, 2, 3, 4])),
      PickleAssembler.array(shape: [2, 3], dtype: f4, data: labels),
      PickleAssembler.array(
        shape: [1, 3], dtype: f4,
        data: PickleAssembler.binBytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F])),
    ]
    let pickle =
      PickleAssembler.proto(3) + [PickleAssembler.emptyList, PickleAssembler.mark] + items.joined()
      + [PickleAssembler.appends, PickleAssembler.stop]
    let path = folder + "/onehot.npy"
    try writeBytes(
      npyBytes(header: "{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", payload: pickle),
      to: path)
    let split = try DatasetLoader.load(path: path)
    #expect(split.train.labels == [1, 0])
    #expect(split.test?.labels == [2])
    #expect(split.train.classCount == 3)
  }
}
