import Engine
import Foundation
import Testing

@testable import LayerLab

/// `export keras`, `export png` and `record`, each checked through the files they leave.
@Suite struct ExportRecordTests {
  static let smallModel = [
    "image demo cat 12x12", "add Conv2D(4, (3, 3), padding='same')", "add Activation('relu')",
    "add MaxPooling2D(pool_size=(2, 2))", "add Flatten()", "add Dense(3, activation='softmax')",
    "forward",
  ]

  private func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func kerasExportWritesAScriptThatNamesItsWeightsAndEveryLayer() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let harness = Harness()
    let script = dir.appendingPathComponent("cat_model.py").path
    #expect(
      harness.shell.run(ScriptReader(lines: Self.smallModel + ["export keras \(script)"])) == 0,
      "\(harness.console.transcript)")
    let weights = dir.appendingPathComponent("cat_model.npz").path
    #expect(FileManager.default.fileExists(atPath: weights))
    let text = try String(contentsOfFile: script, encoding: .utf8)
    #expect(text.contains("'cat_model.npz'"))
    for layer in harness.session.model.layers {
      #expect(text.contains("name='\(layer.name)'"), "\(layer.name)")
    }
    // Lines are wrapped at 80 columns, and the temporary path is longer than
    // a line, so it is cut: compare the text with the wrapping taken out.
    let unwrapped = harness.console.transcript.filter { $0 != "\n" && $0 != " " }
    #expect(unwrapped.contains("python3\(script)--checkactivations.npz"))
    // The weights file holds what the script will ask for.
    let names = try Npz.read(path: weights).map(\.name)
    #expect(names == ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias"])
  }

  @Test(.enabled(if: ExportRecordTests.python3() != nil)) func theExportedScriptIsValidPython()
    throws
  {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let harness = Harness()
    let script = dir.appendingPathComponent("cat_model.py").path
    harness.type(Self.smallModel + ["export keras \(script)"])
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(Self.python3()))
    process.arguments = ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", script]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }

  @Test func kerasExportNeedsAPyName() {
    let harness = Harness()
    harness.type(Self.smallModel + ["export keras model.txt"])
    #expect(harness.console.transcript.contains("error: 'model.txt' must end in .py"))
  }

  @Test func pngExportDecodesToTheGridOfMaps() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let harness = Harness()
    let path = dir.appendingPathComponent("maps.png").path
    #expect(
      harness.shell.run(
        ScriptReader(lines: Self.smallModel + ["export png \(path) conv2d channels 0-2"])) == 0,
      "\(harness.console.transcript)")
    let image = try ImageFile.decode(Data(contentsOf: URL(fileURLWithPath: path)), source: path)
    // Three 12x12 maps at 8 px per cell in a 2x2 grid with 8 px gaps: 2 * 96 + 8.
    #expect(image.shape == [200, 200, 1])
    let range = image.range
    #expect(range.max > range.min)
    // Each map spans the full range: black and white both appear inside the first map.
    let first = (0..<96).flatMap { y in (0..<96).map { x in image.scalars[y * 200 + x] } }
    #expect(first.min() == 0 && (first.max() ?? 0) > 0.9)
  }

  @Test func recordingReplaysAsALesson() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("recorded.lab").path
    let harness = Harness()
    harness.type(
      "record \(path)", "# Lesson 9: a recorded one", "image demo cat 12x12",
      "add Conv2D(2, (3, 3))",
      "add Nonsense(1)", "pause", "add Flatten()", "record", "layers", "record stop", "add Dense(2)"
    )
    let recorded = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      recorded
        == "# Lesson 9: a recorded one\nimage demo cat 12x12\nadd Conv2D(2, (3, 3))\npause\nadd Flatten()\nlayers\n"
    )
    let lesson = Lesson(fileName: "recorded.lab", text: recorded)
    #expect(lesson.title == "Lesson 9: a recorded one" && lesson.steps.count == 2)
    // Played back by the real program, it ends with the same layers the teacher saw.
    let run = try LayerLabProcess.run(input: "", arguments: ["--script", path])
    #expect(run.status == 0, "\(run.output)")
    let layersNow = harness.console.transcript.components(separatedBy: "lab> layers\n")[1]
      .components(separatedBy: "lab> ")[0]
    #expect(run.output.hasSuffix("lab> layers\n" + layersNow), "\(run.output)")
  }

  @Test func theRecordingIsCompleteAfterEveryLine() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("unfinished.lab").path
    let harness = Harness()
    harness.type("record \(path)", "image demo cat 12x12", "quit", "layers")
    // No 'record stop', and quit is not part of a lesson.
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "image demo cat 12x12\n")
  }

  /// python3 from PATH, as a learner's shell would find it.
  static func python3() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/python3" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }
}
