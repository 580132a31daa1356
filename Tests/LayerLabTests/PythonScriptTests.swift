import Foundation
import Testing

/// `layerlab FILE.py`, `layerlab -i FILE.py` and `run FILE.py`: the blog's
/// script as published, and what a file outside LayerLab's Python gets.
@Suite struct PythonScriptTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Transcripts")
  static let root = folder.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The blog's script, verbatim, as ../shared/seed holds it beside the
  /// clone (CI lays shared/ there too). It is not copied into the project;
  /// the tests that run it are skipped, and say so, where it is absent.
  static let seedScriptFile = root.deletingLastPathComponent().appendingPathComponent(
    "shared/seed/imp_ver_cf10cnn.py")
  static var seedPresent: Bool { FileManager.default.fileExists(atPath: seedScriptFile.path) }

  /// The blog's script, unchanged but for `epochs`.
  static func seedScript(epochs: Int) throws -> String {
    let text = try String(contentsOf: seedScriptFile, encoding: .utf8)
    #expect(text.contains("\nepochs = 100\n"))
    return text.replacingOccurrences(of: "\nepochs = 100\n", with: "\nepochs = \(epochs)\n")
  }

  /// The data the script loads, in the blog's own format: np.save of the
  /// tuple of four arrays, which numpy 1.16 pickled (blog/make_blog_data.py).
  static let blogData = folder.appendingPathComponent("blog/augumented_images.npy")
  /// The restricted unpickler's fixture, written by numpy 1.16 as the blog
  /// wrote its file, with 8x8 pictures: too small for the blog's network.
  static let smallPickled = root.appendingPathComponent(
    "Tests/EngineTests/Fixtures/pickled/augumented_images_np116.npy")

  static func prepare(
    script: String, name: String = "imp_ver_cf10cnn.py", data: URL = blogData
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

  /// Unchanged but for a smaller epochs, the script reads the pickled data
  /// file, trains, saves a real Keras .h5 and prints its two lines, and
  /// learns: well above the 1/6 of guessing.
  @Test(.enabled(if: seedPresent, "the blog's script is in ../shared/seed"))
  func theBlogScriptRunsAsPublishedAndLearns() throws {
    var saved = false
    let run = try LayerLabProcess.run(
      input: "", arguments: ["imp_ver_cf10cnn.py"],
      prepare: Self.prepare(script: try Self.seedScript(epochs: 8)),
      check: { directory in
        saved = FileManager.default.fileExists(
          atPath: directory.appendingPathComponent("data/creatures_cnn.h5").path)
      })
    #expect(run.status == 0, "\(run.output)")
    #expect(saved, "model.save('data/creatures_cnn.h5') writes Keras's HDF5 file")
    let lines = run.output.split(separator: "\n").map(String.init)
    let loss = try #require(lines.first { $0.hasPrefix("Test Loss ") })
    let accuracy = try #require(lines.first { $0.hasPrefix("Test Accuracy ") })
    #expect(Double(loss.dropFirst("Test Loss ".count)) != nil)
    let value = try #require(Double(accuracy.dropFirst("Test Accuracy ".count)))
    #expect(value > 0.5, "test accuracy \(value) after 8 epochs")
  }

  /// The whole run, golden: Keras's progress and the two lines.
  @Test(.enabled(if: seedPresent, "the blog's script is in ../shared/seed"))
  func theBlogScriptsOutputIsGolden() throws {
    let run = try LayerLabProcess.run(
      input: "", arguments: ["imp_ver_cf10cnn.py"],
      prepare: Self.prepare(script: try Self.seedScript(epochs: 2)))
    try Golden.compare(
      run.output + "[exit \(run.status)]\n",
      with: Self.folder.appendingPathComponent("blog-script.txt"))
  }

  /// The blog's own loading lines on the 8x8 fixture numpy 1.16 wrote: the
  /// pickled tuple unpacks into its four arrays, has len 4 and indexes,
  /// and `data` of the same file gives the same pictures and labels.
  @Test func npLoadOfThePickledFileAgreesWithData() throws {
    let input = """
      A, B, C, D = np.load("data/augumented_images.npy")
      print(A.shape, A.dtype, B.shape, C.shape, D.dtype)
      arrays = np.load("data/augumented_images.npy", allow_pickle=True)
      print(len(arrays), arrays[2].shape, arrays[-1][:4])
      data data/augumented_images.npy
      print(np.max(np.abs(X_train - A.astype("float") / 256)), np.max(np.abs(y_train - C)))
      print(np.max(np.abs(x_test - B / 256)), np.max(np.abs(y_test - D)), x_test.shape)

      """
    let run = try LayerLabProcess.run(
      input: input, prepare: Self.prepare(script: "", name: "unused.py", data: Self.smallPickled))
    #expect(run.status == 0, "\(run.output)")
    #expect(
      run.output.contains("\n(24, 8, 8, 3) uint8 (8, 8, 8, 3) (24,) int64\n"), "\(run.output)")
    #expect(run.output.contains("\n4 (24,) [1 2 3 4]\n"), "\(run.output)")
    #expect(run.output.contains("\n0.0 0\n"), "\(run.output)")
    #expect(run.output.contains("\n0.0 0 (8, 8, 8, 3)\n"), "\(run.output)")
  }

  /// `-i`: the script runs, then the shell goes on with its names and model.
  @Test(.enabled(if: seedPresent, "the blog's script is in ../shared/seed"))
  func interactiveKeepsTheScriptsNamesAndModel() throws {
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
        hint: LayerLab runs imports, assignments, calls, def/return, if/elif/else, for,
              while and f-strings

        """)
  }

  /// A file is Python: Keras's names need their imports there (the shell
  /// has them without), and the hint names the import, not "e.g. Conv2D = 6".
  @Test func aKerasNameWithoutItsImportSaysWhichImport() throws {
    let script = "import keras\nmodel = keras.Sequential()\nmodel.add(Conv2D(4, (3, 3)))\n"
    let run = try LayerLabProcess.run(
      input: "", arguments: ["net.py"],
      prepare: {
        try script.write(to: $0.appendingPathComponent("net.py"), atomically: true, encoding: .utf8)
      })
    #expect(run.status == 1)
    #expect(run.output.contains("error: name 'Conv2D' is not defined\n"), "\(run.output)")
    #expect(
      run.output.contains(
        "hint: import it first, as Keras's scripts do: from keras.layers import Conv2D"),
      "\(run.output)")
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
