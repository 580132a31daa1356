import Foundation
import Testing

/// Every `lessons/*.lab`, run by the real `layerlab --lesson FILE` with
/// nothing on stdin (so every pause is skipped), against
/// `Transcripts/lessons/NAME.txt`. A lesson that fails anywhere exits 1,
/// which the golden file would show. `RECORD_TRANSCRIPTS=1 swift test`
/// rewrites them: read the diff, and check that the narration still quotes
/// the numbers the engine prints.
@Suite struct LessonTranscriptTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
  static let lessonFolder = root.appendingPathComponent("lessons")
  static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Transcripts/lessons")

  /// Whatever lesson files exist, so a new lesson is tested as soon as it is added.
  static var names: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: lessonFolder.path)) ?? []
    return files.filter { $0.hasSuffix(".lab") }.map { String($0.dropLast(4)) }.sorted()
  }

  @Test func theFirstEightLessonsExist() {
    let expected = [
      "01-image-tensor", "02-conv2d", "03-relu", "04-maxpooling", "05-dropout", "06-flatten-dense",
      "07-softmax", "08-seed-network",
    ]
    #expect(Array(Self.names.prefix(8)) == expected)
  }

  /// Lessons 11-14 exist, each built on the command it teaches.
  @Test func theInsightLessonsUseTheirCommands() throws {
    let expected = [
      "11-backpropagation": ["gradients"], "12-where-it-looks": ["saliency", "gradcam"],
      "13-receptive-fields": ["receptive"], "14-what-filters-want": ["maximize"],
    ]
    #expect(Self.names.count >= 14)
    for (name, commands) in expected {
      let text = try String(
        contentsOf: Self.lessonFolder.appendingPathComponent("\(name).lab"), encoding: .utf8)
      let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
      for command in commands {
        #expect(lines.contains { $0.hasPrefix(command + " ") }, "\(name) never runs \(command)")
      }
    }
  }

  @Test(arguments: names)
  func lessonMatchesGolden(_ name: String) throws {
    let path = Self.lessonFolder.appendingPathComponent("\(name).lab").path
    let run = try LayerLabProcess.run(input: "", arguments: ["--lesson", path])
    let actual = run.output + "[exit \(run.status)]\n"
    #expect(run.status == 0, "lesson \(name) failed:\n\(run.output.suffix(800))")
    try Golden.compare(actual, with: Self.goldenFolder.appendingPathComponent("\(name).txt"))
  }
}
