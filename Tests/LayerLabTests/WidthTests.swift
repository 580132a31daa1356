import Foundation
import Testing

/// Every golden transcript's script and every lesson, run by the real
/// `layerlab --width W`: no line it prints is wider than W, except the echo
/// of a typed line (`lab> ...`) and the caret under it, which show the line
/// as it was typed.
@Suite struct WidthTests {
  static let widths = [80, 60]

  struct Script: CustomStringConvertible, Sendable {
    var name: String
    /// The script piped to stdin, or nil for a lesson run with `--lesson`.
    var input: String?
    var lesson: String?
    var description: String { name }
  }

  static var scripts: [Script] {
    var result: [Script] = []
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Transcripts")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for file in files.sorted() where file.hasSuffix(".lab") {
      let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
      result.append(Script(name: file, input: text, lesson: nil))
    }
    for name in LessonTranscriptTests.names {
      let path = LessonTranscriptTests.lessonFolder.appendingPathComponent("\(name).lab").path
      result.append(Script(name: name, input: nil, lesson: path))
    }
    return result
  }

  @Test(arguments: scripts, widths)
  func everyLineFitsTheWidth(_ script: Script, _ width: Int) throws {
    var arguments = ["--width", "\(width)"]
    if let lesson = script.lesson { arguments += ["--lesson", lesson] }
    let run = try LayerLabProcess.run(
      input: script.input ?? "", arguments: arguments, copying: TranscriptTests.fixtures)
    let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count > 5, "\(script.name) printed almost nothing: \(run.output)")
    for line in lines where line.count > width {
      let isEcho = line.hasPrefix("lab> ")
      let isCaret = line.allSatisfy { $0 == " " || $0 == "^" }
      #expect(isEcho || isCaret, "\(script.name) at \(width): \(line.count) columns: \(line)")
    }
  }
}
