import Engine
import Foundation
import Testing

/// Issue 16, terminal injection: names and text read from files reached the
/// terminal raw (a dataset retitled the terminal and cleared the screen)
/// and newlines in them stretched one error over several lines. Each source
/// the issue lists, through the real program: no raw control character
/// arrives, the escapes show instead, and each message stays one line.
@Suite struct TerminalInjectionTests {
  /// Retitles the terminal, clears the screen, overrides the text direction.
  static let evil = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}x\ny"
  static let shown = "\\x1b]0;owned\\x07\\x1b[2J\\u202ex\\ny"

  func expectClean(_ run: Adversary.Result, showing text: String = shown) {
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.hasNoControlCharacters, "\(run.output.debugDescription)")
    #expect(run.output.contains(text), "\(run.output)")
  }

  @Test func anNpyHeadersDescrAndShape() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(
      HostileBytes.npyHeader(descr: Self.evil, shape: [2, 2]) + [UInt8](repeating: 0, count: 16),
      to: "descr.npy")
    try lab.write(
      HostileBytes.npyHeader(
        dict: "{'descr': '<f4', 'fortran_order': False, 'shape': ('\u{1B}[2J',), }")
        + [0, 0, 0, 0], to: "shape.npy")
    let run = try lab.run("image descr.npy\nimage shape.npy\n")
    expectClean(run)
    #expect(run.output.contains("'\\x1b[2J'"), "\(run.output)")
    #expect(run.lines.filter { $0.hasPrefix("error:") }.count == 2, "\(run.output)")
  }

  @Test func npzMemberNames() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let bias = HostileBytes.npyMember(
      "dense/bias", try NDArray(shape: [2], storage: .float32([0, 0])))
    let kernel = HostileBytes.npyMember(
      "dense/kernel",
      try NDArray(shape: [432, 2], storage: .float32([Float](repeating: 0, count: 864))))
    let extra = HostileBytes.npyMember(Self.evil, try NDArray(shape: [1], storage: .float32([0])))
    try lab.write(HostileBytes.zip([kernel, bias, extra]), to: "names.npz")
    let run = try lab.run(
      "image demo cat 12x12\nadd Flatten()\nadd Dense(2)\nload weights names.npz\n")
    expectClean(run)
    #expect(run.lines.contains { $0.hasPrefix("error:") && $0.contains(Self.shown) })
  }

  @Test func classFolderNames() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let png = try Data(
      contentsOf: HostileFileTests.fixtures.appendingPathComponent("rgb.png"))
    try lab.write(png, to: "set/cats\(Self.evil)/a.png")
    try lab.write(png, to: "set/dogs/b.png")
    let run = try lab.run("data set validation_split=0\n")
    expectClean(run)
    #expect(run.lines.contains { $0.contains("2 classes: cats\(Self.shown) 1, dogs 1") })
  }

  @Test func cifarClassNames() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(
      Array("cat\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}\ndog\n".utf8), to: "c/batches.meta.txt")
    var records: [UInt8] = []
    for label in [0, 1] { records += [UInt8(label)] + [UInt8](repeating: 9, count: 3072) }
    try lab.write(records, to: "c/data_batch_1.bin")
    let run = try lab.run("data c\n")
    expectClean(run, showing: "cat\\x1b]0;owned\\x07\\x1b[2J\\u202e 1, dog 1")
  }

  @Test func modelFileLabelsAndArchitectureLines() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(
      try HostileFileTests.modelFile(
        "layerlab-model 1\ninput_shape (4, 4, 1)\nlabels a\u{1B}[2J\u{202E},b\nflatten = Flatten()\n"
      ),
      to: "labels.npz")
    try lab.write(
      try HostileFileTests.modelFile(
        "layerlab-model 1\ninput_shape (4, 4, 1)\nflatten = Flatten(\u{1B}]0;owned\u{07})\n"),
      to: "line.npz")
    let run = try lab.run("load model labels.npz\nload model line.npz\n")
    expectClean(run, showing: "labels a\\x1b[2J\\u202e,b")
    #expect(run.output.contains("Flatten(\\x1b]0;owned\\x07)"), "\(run.output)")
  }

  @Test func lessonNarration() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(
      Array(
        "# Lesson 1: \u{1B}]0;owned\u{07}\nimage demo cat 12x12\n# and \u{1B}[31mred\u{202E}\n".utf8
      ),
      to: "evil.lab")
    let run = try lab.run("lesson evil.lab\n")
    expectClean(run, showing: "Lesson 1: \\x1b]0;owned\\x07")
    #expect(run.output.contains("and \\x1b[31mred\\u202e"), "\(run.output)")
  }
}
