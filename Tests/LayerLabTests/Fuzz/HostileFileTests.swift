import Engine
import Foundation
import Testing

/// Issue 16's hostile files, each through the real program: hangs, memory
/// bombs, damaged archives and pictures that used to decode to noise. Every
/// run is bounded; a hang shows as `killedAfterBound`.
@Suite struct HostileFileTests {
  /// A model whose weights are `dense/kernel` (12 * 12 * 3, 2) and `dense/bias` (2,).
  static let smallModel = "image demo cat 12x12\nadd Flatten()\nadd Dense(2)\n"

  // MARK: - Only regular files

  @Test func namedPipesAreRefusedByNameNotWaitedOn() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    for name in ["pipe.npz", "pipe.png"] { #expect(mkfifo(lab.path(name), 0o600) == 0) }
    let run = try lab.run(
      Self.smallModel
        + "image pipe.png\nload weights pipe.npz\nload model pipe.npz\ndata pipe.npz\n",
      boundSeconds: 30)
    #expect(run.endedCleanly, "\(run.output)")
    let refusals = run.lines.filter { $0.contains("is a named pipe (FIFO), not a file") }
    #expect(refusals.count == 4, "\(run.output)")
  }

  @Test func aDeviceIsNotAPicture() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run("image /dev/zero\ndata /dev/zero\n", boundSeconds: 30)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(
      run.lines.filter { $0.contains("/dev/zero: is a device, not a file") }.count == 2,
      "\(run.output)")
    #expect(!run.output.contains("permission"))
  }

  // MARK: - Archives

  @Test func anEncryptedArchiveSaysSo() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    var member = HostileBytes.npyMember(
      "dense/bias", try NDArray(shape: [2], storage: .float32([0, 0])))
    member.flags |= 1  // encrypted
    try lab.write(HostileBytes.zip([member]), to: "locked.npz")
    let run = try lab.run(Self.smallModel + "load weights locked.npz\n")
    #expect(run.output.contains("the archive is encrypted"), "\(run.output)")
    #expect(!run.output.contains("holds no arrays"))
  }

  /// numpy's zipfile refuses a member whose CRC-32 does not match; so do we.
  @Test func aFlippedBitIsCaughtByTheChecksum() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    var kernel = HostileBytes.npyMember(
      "dense/kernel",
      try NDArray(shape: [432, 2], storage: .float32([Float](repeating: 0.01, count: 864))))
    let bias = HostileBytes.npyMember(
      "dense/bias", try NDArray(shape: [2], storage: .float32([0, 0])))
    kernel.crc = HostileBytes.crc32(kernel.stored)
    kernel.stored[kernel.stored.count - 5] ^= 0x10
    try lab.write(HostileBytes.zip([kernel, bias]), to: "flipped.npz")
    let run = try lab.run(Self.smallModel + "load weights flipped.npz\n")
    #expect(run.output.contains("its CRC-32 checksum does not match"), "\(run.output)")
    #expect(run.status == 1)
  }

  /// A member declaring 950 MB is refused by its header: its data (not
  /// even valid deflate past the header) is never inflated.
  @Test func aMemberDeclaring950MBIsRefusedBeforeInflating() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let bomb = HostileBytes.bombMember(
      "dense/kernel", descr: "|u1", shape: [950_000_000], itemSize: 1)
    let bias = HostileBytes.npyMember(
      "dense/bias", try NDArray(shape: [2], storage: .float32([0, 0])))
    try lab.write(HostileBytes.zip([bomb, bias]), to: "weights.npz")
    let x = HostileBytes.bombMember(
      "x_train", descr: "|u1", shape: [950_000_000, 1, 1], itemSize: 1)
    let y = HostileBytes.npyMember("y_train", try NDArray(shape: [1], storage: .int64([0])))
    try lab.write(HostileBytes.zip([x, y]), to: "data.npz")
    let run = try lab.run(
      Self.smallModel + "load weights weights.npz\nload model weights.npz\ndata data.npz\n")
    #expect(run.endedCleanly, "\(run.output)")
    #expect(
      run.output.contains("'dense/kernel' is shaped (950000000,) but the model needs (432, 2)"),
      "\(run.output)")
    #expect(run.output.contains("not a LayerLab model (no architecture inside)"), "\(run.output)")
    #expect(
      run.output.contains("data.npz: the images would take 3800000008 bytes"), "\(run.output)")
    #expect(!run.output.contains("cannot be extracted"), "\(run.output)")
  }

  // MARK: - Model files

  static func modelFile(_ architecture: String, weights: [(String, NDArray)] = []) throws -> Data {
    let text = Array(architecture.utf8)
    return try Npz.encode(
      [(name: "architecture", array: try NDArray(shape: [text.count], storage: .uint8(text)))]
        + weights.map { (name: $0.0, array: $0.1) }, compression: .deflate)
  }

  @Test func twentyThousandLayersAreRefusedAtOnce() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let many = (0..<20_000).map { "dropout_\($0) = Dropout(0.5)" }.joined(separator: "\n")
    try lab.write(
      try Self.modelFile("layerlab-model 1\ninput_shape (4, 4, 1)\n" + many + "\n"),
      to: "many.npz")
    let fine = (0..<900).map { "dropout_\($0) = Dropout(0.5)" }.joined(separator: "\n")
    try lab.write(
      try Self.modelFile("layerlab-model 1\ninput_shape (4, 4, 1)\n" + fine + "\n"),
      to: "fine.npz")
    let run = try lab.run("load model many.npz\nload model fine.npz\nlayers\n", boundSeconds: 60)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.output.contains("more than 1000 layers"), "\(run.output.prefix(2000))")
    #expect(run.output.contains("loaded the model from fine.npz: 900 layers"))
  }

  @Test func aHugeArchitectureLineIsNotEchoedWhole() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let line = "dense = Dense(" + String(repeating: "1", count: 200_000) + ")"
    try lab.write(
      try Self.modelFile("layerlab-model 1\ninput_shape (4, 4, 1)\n" + line + "\n"), to: "long.npz")
    let run = try lab.run("load model long.npz\n")
    #expect(run.endedCleanly)
    let error = try #require(run.lines.first { $0.hasPrefix("error:") })
    #expect(error.count < 400, "\(error.prefix(500))")
    #expect(error.contains("architecture line 3") && error.contains("more characters"))
  }

  /// A name that would end its Python literal is not a layer name.
  @Test func aLayerNameFromAFileMustBeAValidName() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let evil = "x'), __import__('os').system('touch owned'), layers.Flatten(name='y"
    try lab.write(
      try Self.modelFile("layerlab-model 1\ninput_shape (4, 4, 1)\n\(evil) = Flatten()\n"),
      to: "evil.npz")
    let run = try lab.run("load model evil.npz\nexport keras out.py\n")
    #expect(run.output.contains("the layer name is not valid"), "\(run.output)")
    #expect(!run.files.contains("out.py"))
  }

  // MARK: - Pictures

  /// 100,000 repeated scans: 1.2 MB of file, each scan a pass over a
  /// million pixels. Refused after 100 instead of decoded for minutes.
  @Test func aJPEGWithAHundredThousandScansIsRefused() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(HostileBytes.progressiveJPEG(acScans: 100_000), to: "scans.jpg")
    try lab.write(HostileBytes.progressiveJPEG(acScans: 5), to: "few.jpg")
    let run = try lab.run("image few.jpg\nimage scans.jpg\n", boundSeconds: 60)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.output.contains("X.shape = (1, 1024, 1024, 3)"), "\(run.output)")
    #expect(run.output.contains("the JPEG has more than 100 scans"), "\(run.output)")
  }

  /// The image is 16x16; its zlib stream then inflates 8 GB of zeros, which
  /// libpng's reader swallowed whole after the last row (about 30 s here,
  /// minutes on the machine). Now it takes a fraction of a second.
  @Test func aPNGWithGigabytesOfTrailingZerosDecodesAtOnce() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(HostileBytes.pngWithTrailingZeros(periods: 4_000_000), to: "zeros.png")
    let run = try lab.run("image zeros.png\n", boundSeconds: 10)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.output.contains("X.shape = (1, 16, 16, 1)"), "\(run.output)")
  }

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("EngineTests/Fixtures")

  /// libjpeg only warned (and painted the rest gray) for a truncated scan
  /// followed by an end marker, and for garbage read as arithmetic code.
  @Test func damagedJPEGsAreErrorsNotNoise() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let whole = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("rgb.jpg")))
    try lab.write(whole, to: "rgb.jpg")
    // Cut in the middle of the entropy-coded data, after the scan header.
    let scan = try #require(
      (0..<(whole.count - 1)).first { whole[$0] == 0xFF && whole[$0 + 1] == 0xDA })
    try lab.write(Array(whole.prefix((scan + whole.count) / 2)) + [0xFF, 0xD9], to: "cut.jpg")
    var arithmetic = whole
    if let sof = (0..<(whole.count - 1)).first(where: { whole[$0] == 0xFF && whole[$0 + 1] == 0xC0 }
    ) {
      arithmetic[sof + 1] = 0xC9
    }
    try lab.write(arithmetic, to: "sof9.jpg")
    let run = try lab.run("image rgb.jpg\nimage cut.jpg\nimage sof9.jpg\n")
    let errors = run.lines.filter { $0.hasPrefix("error:") }
    #expect(errors.count == 2, "\(run.output)")
    #expect(errors.first?.contains("cut.jpg") == true && errors.last?.contains("sof9.jpg") == true)
    #expect(errors.first?.contains("damaged") == true, "\(run.output)")
    #expect(errors.last?.contains("uses arithmetic coding (marker SOF9)") == true, "\(run.output)")
  }

  // MARK: - Datasets

  @Test(.enabled(if: Adversary.canDropPermissions))
  func anUnreadableClassFolderIsAnError() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let png = try Data(contentsOf: Self.fixtures.appendingPathComponent("rgb.png"))
    try lab.write(png, to: "set/cats/a.png")
    try lab.write(png, to: "set/dogs/b.png")
    #expect(chmod(lab.path("set/dogs"), 0o000) == 0)
    defer { chmod(lab.path("set/dogs"), 0o755) }
    let run = try lab.run("data set\n", unprivileged: true)
    #expect(
      run.output.contains("set/dogs: cannot list the class folder (Permission denied)"),
      "\(run.output)")
  }

  @Test func datasetPicturesAreCappedAsImageCapsThem() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let big = try NDArray(
      shape: [2100, 2100], storage: .uint8([UInt8](repeating: 7, count: 2100 * 2100)))
    try lab.write(Npy.encode(big), to: "set/cats/big.npy")
    let run = try lab.run("image set/cats/big.npy\ndata set\n")
    let refusals = run.lines.filter {
      $0.contains("the image is 2100x2100 pixels, more than the limit of 4194304")
    }
    #expect(refusals.count == 2, "\(run.output)")
  }
}
