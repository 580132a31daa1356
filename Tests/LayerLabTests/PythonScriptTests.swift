import Foundation
import Testing

/// `layerlab FILE.py`, `layerlab -i FILE.py` and `run FILE.py`: the blog's
/// script as published, and what a file outside LayerLab's Python gets.
@Suite struct PythonScriptTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Transcripts")
  static let root = folder.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The blog's script, verbatim: a copy beside the tests, so a clean clone
  /// runs it too; ../shared/seed holds the original it must equal.
  static let seedCopy = folder.appendingPathComponent("blog/imp_ver_cf10cnn.py")
  static let seedOriginal = root.deletingLastPathComponent().appendingPathComponent(
    "shared/seed/imp_ver_cf10cnn.py")

  /// The blog's script, unchanged but for `epochs`.
  static func seedScript(epochs: Int) throws -> String {
    let text = try String(contentsOf: seedCopy, encoding: .utf8)
    #expect(text.contains("\nepochs = 100\n"))
    return text.replacingOccurrences(of: "\nepochs = 100\n", with: "\nepochs = \(epochs)\n")
  }

  static var originalPresent: Bool { FileManager.default.fileExists(atPath: seedOriginal.path) }

  @Test(.enabled(if: originalPresent, "the original is in ../shared/seed"))
  func theCopyIsTheBlogsScriptVerbatim() throws {
    #expect(try Data(contentsOf: Self.seedCopy) == Data(contentsOf: Self.seedOriginal))
  }

  /// The data the script loads: the pickled tuple numpy wrote, once the
  /// restricted unpickler's fixture is committed at this path; until then
  /// the same four arrays in an .npz under the .npy name (np.load reads both).
  static var dataFile: URL {
    let pickled = root.appendingPathComponent(
      "Tests/EngineTests/Fixtures/pickled/augumented_images.npy")
    if FileManager.default.fileExists(atPath: pickled.path) { return pickled }
    return npzData
  }

  /// The same four arrays as an .npz: the golden runs stay on this one.
  static let npzData = folder.appendingPathComponent("blog/augumented_images.npz")

  static func prepare(
    script: String, name: String = "imp_ver_cf10cnn.py", data: URL = npzData
  ) -> (URL) throws -> Void {
    let source = data
    return { directory in
      try script.write(
        to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
      let folder = directory.appendingPathComponent("data")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        at: source, to: folder.appendingPathComponent("augumented_images.npy"))
    }
  }

  /// Unchanged but for a smaller epochs, the script trains, saves and
  /// prints its two lines, and learns: well above the 1/6 of guessing.
  @Test func theBlogScriptRunsAsPublishedAndLearns() throws {
    var saved = false
    let run = try LayerLabProcess.run(
      input: "", arguments: ["imp_ver_cf10cnn.py"],
      prepare: Self.prepare(script: try Self.seedScript(epochs: 8), data: Self.dataFile),
      check: { directory in
        saved = FileManager.default.fileExists(
          atPath: directory.appendingPathComponent("data/creatures_cnn.npz").path)
      })
    #expect(run.status == 0, "\(run.output)")
    #expect(saved, "model.save('data/creatures_cnn.h5') writes data/creatures_cnn.npz")
    let lines = run.output.split(separator: "\n").map(String.init)
    let loss = try #require(lines.first { $0.hasPrefix("Test Loss ") })
    let accuracy = try #require(lines.first { $0.hasPrefix("Test Accuracy ") })
    #expect(Double(loss.dropFirst("Test Loss ".count)) != nil)
    let value = try #require(Double(accuracy.dropFirst("Test Accuracy ".count)))
    #expect(value > 0.5, "test accuracy \(value) after 8 epochs")
  }

  /// The whole run, golden: Keras's progress, the save note, the two lines.
  @Test func theBlogScriptsOutputIsGolden() throws {
    let run = try LayerLabProcess.run(
      input: "", arguments: ["imp_ver_cf10cnn.py"],
      prepare: Self.prepare(script: try Self.seedScript(epochs: 2)))
    try Golden.compare(
      run.output + "[exit \(run.status)]\n",
      with: Self.folder.appendingPathComponent("blog-script.txt"))
  }

  /// `-i`: the script runs, then the shell goes on with its names and model.
  @Test func interactiveKeepsTheScriptsNamesAndModel() throws {
    let run = try LayerLabProcess.run(
      input: "total_num\nlabels[1]\nlen(model.layers)\nlayers\n",
      arguments: ["-i", "imp_ver_cf10cnn.py"],
      prepare: Self.prepare(script: try Self.seedScript(epochs: 1)))
    #expect(run.status == 0, "\(run.output)")
    #expect(run.output.contains("lab> total_num\n6\n"))
    #expect(run.output.contains("lab> labels[1]\n'cats'\n"))
    // main()'s model is local to main, but it is the session's model.
    #expect(run.output.contains("lab> len(model.layers)\n18\n"))
  }

  /// A file outside LayerLab's Python runs nothing: one error names the
  /// file, the line and the column, with a caret, and says what runs.
  @Test func aFileWithAClassRunsNothingAndSaysWhere() throws {
    let script = """
      print("first line")
      x = 3

        # a comment
      class Net:
          pass
      """
    let run = try LayerLabProcess.run(
      input: "", arguments: ["net.py"],
      prepare: {
        try script.write(to: $0.appendingPathComponent("net.py"), atomically: true, encoding: .utf8)
      })
    #expect(run.status == 1)
    #expect(
      run.output == """
        net.py, line 5, column 1:
          class Net:
          ^
        error: classes are outside the Python LayerLab runs
        hint: LayerLab runs imports, assignments, calls, def/return, if/elif/else, for, while and f-strings

        """)
  }

  /// A mistake found only while running stops the file there, with its place.
  @Test func aRuntimeErrorNamesItsLine() throws {
    let script =
      "import numpy as np\nprint('loading')\nX = np.load('data/missing.npy')\nprint('never')\n"
    let run = try LayerLabProcess.run(
      input: "", arguments: ["load.py"],
      prepare: {
        try script.write(
          to: $0.appendingPathComponent("load.py"), atomically: true, encoding: .utf8)
      })
    #expect(run.status == 1)
    #expect(run.output.hasPrefix("loading\nload.py, line 3:\n  X = np.load('data/missing.npy')\n"))
    #expect(run.output.contains("error: data/missing.npy: no such file"))
    #expect(!run.output.contains("never"))
  }

  /// `run FILE.py` inside the shell keeps the file's names for the prompt.
  @Test func runInsideTheShellKeepsTheNames() throws {
    let script = "def double(x):\n    return 2 * x\n\nanswer = double(21)\n"
    let run = try LayerLabProcess.run(
      input: "run tools.py\nanswer\ndouble(4)\n",
      prepare: {
        try script.write(
          to: $0.appendingPathComponent("tools.py"), atomically: true, encoding: .utf8)
      })
    #expect(run.status == 0, "\(run.output)")
    #expect(run.output == "lab> run tools.py\nlab> answer\n42\nlab> double(4)\n8\n")
  }
}
