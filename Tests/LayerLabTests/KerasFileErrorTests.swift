import Foundation
import Testing
import ZIPFoundation

@testable import Engine
@testable import LayerLab

/// Bad Keras files, each given to the real `layerlab`: one error of at most
/// three lines, exit status 1, and the model, the image and the weights
/// exactly as before.
@Suite struct KerasFileErrorTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("EngineTests/Fixtures/keras")

  static func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: fixtures.appendingPathComponent(name))
  }

  /// A .keras zip with the given members.
  static func zip(_ members: [(String, Data)]) throws -> Data {
    let archive = try Archive(data: Data(), accessMode: .create)
    for (name, bytes) in members {
      try archive.addEntry(
        with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none
      ) { position, size in bytes.subdata(in: Int(position)..<(Int(position) + size)) }
    }
    return try #require(archive.data)
  }

  static func member(_ name: String, of file: String) throws -> Data {
    let archive = try Archive(data: try fixture(file), accessMode: .read)
    let entry = try #require(archive[name])
    var data = Data()
    _ = try archive.extract(entry) { data.append($0) }
    return data
  }

  /// The bad files, written into `folder`, and the command that reads each.
  static func badFiles(in folder: String) throws -> [(file: String, command: String)] {
    let h5 = try fixture("keras3_small.h5")
    var corrupt = h5
    for i in 96..<1200 { corrupt[i] = 0 }
    let smallConfig = try member("config.json", of: "keras3_small.keras")
    let mixedWeights = try member("model.weights.h5", of: "keras3_mixed.keras")
    let unknownLayer = Data(
      String(decoding: smallConfig, as: UTF8.self).replacingOccurrences(
        of: "\"LeakyReLU\"", with: "\"PReLU\""
      ).utf8)
    let notModel = try HDF5.writing(source: "x") { (root) throws(EngineError) in
      try root.setText("title", ["measurements"])
      try root.makeGroup("data").writeFloats("values", shape: [3], values: [1, 2, 3])
    }
    let mixed = try KerasFile.load(path: fixtures.appendingPathComponent("keras3_mixed.keras").path)
    try KerasFile.saveWeights(mixed.model, optimizer: nil, path: "\(folder)/mixed.weights.h5")
    let files: [(String, Data)] = [
      ("truncated.h5", h5.prefix(h5.count / 2)), ("corrupt.h5", corrupt),
      ("not-a-model.h5", notModel),
      ("text.h5", Data("just text\n".utf8)), ("not-a-zip.keras", Data("just text\n".utf8)),
      ("no-weights.keras", try zip([("config.json", smallConfig)])),
      (
        "wrong-shapes.keras",
        try zip([("config.json", smallConfig), ("model.weights.h5", mixedWeights)])
      ),
      (
        "unknown-layer.keras",
        try zip([
          ("config.json", unknownLayer),
          ("model.weights.h5", try member("model.weights.h5", of: "keras3_small.keras")),
        ])
      ),
    ]
    for (name, data) in files { try data.write(to: URL(fileURLWithPath: "\(folder)/\(name)")) }
    return files.map { ($0.0, "load model \(folder)/\($0.0)") } + [
      (
        "weights-only.h5",
        "model = keras.models.load_model(\"\(fixtures.path)/keras3_small.weights.h5\")"
      ),
      ("mixed.weights.h5", "model.load_weights(\"\(folder)/mixed.weights.h5\")"),
      ("keras2_blog.weights.h5", "load weights \(fixtures.path)/keras2_blog.weights.h5"),
      ("truncated.h5 weights", "model.load_weights(\"\(folder)/truncated.h5\")"),
    ]
  }

  /// The blog's file from Keras 2.2.4 was saved after one training step:
  /// "its state after 1 step", not "1 steps".
  @Test func oneStepIsSaidInTheSingular() throws {
    let h = Harness()
    h.type("load model \(Self.fixtures.appendingPathComponent("keras2_blog.h5").path)")
    #expect(
      h.console.transcript.replacingOccurrences(of: "\n", with: " ")
        .contains("its state after 1 step, so fit continues"), "\(h.console.transcript)")
  }

  @Test func everyBadFileIsOneErrorAndChangesNothing() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bad = try Self.badFiles(in: folder)
    var script = [
      "load model \(Self.fixtures.path)/keras3_small.keras", "image demo cat 12x12", "forward",
      "save weights \(folder)/before.npz", "summary",
    ]
    for (index, item) in bad.enumerated() {
      script += [item.command, "save weights \(folder)/after\(index).npz", "forward", "summary"]
    }
    // Wide enough that no line wraps: the count below is of the lines LayerLab writes.
    let run = try LayerLabProcess.run(
      input: script.joined(separator: "\n") + "\n", arguments: ["--width", "400"])
    #expect(run.status == 1)
    let chunks = Self.chunks(run.output)
    let summaryBefore = try #require(chunks.first { $0.command == "summary" }?.lines)
    let forwardBefore = try #require(chunks.first { $0.command == "forward" }?.lines)
    // The arrays, not the bytes: a zip records the time it was written.
    let before = try Npz.read(path: "\(folder)/before.npz").map { [$0.name: $0.array] }
    for (index, item) in bad.enumerated() {
      let chunk = try #require(chunks.first { $0.command == item.command }, "\(item.file)")
      let errors = chunk.lines.filter { $0.hasPrefix("error: ") }
      #expect(errors.count == 1, "\(item.file): \(chunk.lines)")
      #expect(chunk.lines.count <= 3, "\(item.file): \(chunk.lines)")
      let after = try Npz.read(path: "\(folder)/after\(index).npz").map { [$0.name: $0.array] }
      #expect(after == before, "\(item.file) changed the weights")
    }
    // The model (summary) and the image (the same forward pass) are as they were.
    #expect(chunks.filter { $0.command == "summary" }.allSatisfy { $0.lines == summaryBefore })
    #expect(chunks.filter { $0.command == "forward" }.allSatisfy { $0.lines == forwardBefore })
    // The errors say what is wrong.
    let output = run.output
    #expect(output.contains("truncated.h5: not a readable HDF5 file"))
    #expect(output.contains("text.h5: not an HDF5 file"))
    #expect(output.contains("not-a-model.h5: not a Keras model file (no model_config inside)"))
    #expect(output.contains("no-weights.keras: it holds no model.weights.h5"))
    #expect(output.contains("not-a-zip.keras: not a .keras file"))
    #expect(output.contains("is a PReLU, which LayerLab does not have; it reads Conv2D, "))
    #expect(output.contains("keras3_small.weights.h5: it holds weights only (model.save_weights)"))
    #expect(output.contains("it was saved from a different model"))
  }

  /// The output split at each echoed command: what each printed.
  static func chunks(_ output: String) -> [(command: String, lines: [String])] {
    var result: [(command: String, lines: [String])] = []
    for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix("lab> ") {
        result.append((String(line.dropFirst(5)), []))
      } else if !result.isEmpty, !line.isEmpty {
        result[result.count - 1].lines.append(line)
      }
    }
    return result
  }

  func makeFolder() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-bad-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }
}
