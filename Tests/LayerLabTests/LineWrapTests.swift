import Testing

@testable import LayerLab

@Suite struct LineWrapTests {
  @Test func aLineThatFitsIsLeftAlone() {
    #expect(LineWrap.lines("a short line", width: 80) == ["a short line"])
    #expect(LineWrap.lines(String(repeating: "x", count: 80), width: 80).count == 1)
  }

  @Test func longLinesBreakAtSpacesAndKeepEveryWord() {
    let text =
      "image demo cat: X.shape = (1, 48, 48, 3), values [0.05, 0.95]; the model's input is now (None, 48, 48, 3)"
    let lines = LineWrap.lines(text, width: 80)
    #expect(
      lines == [
        "image demo cat: X.shape = (1, 48, 48, 3), values [0.05, 0.95]; the model's input",
        "is now (None, 48, 48, 3)",
      ])
    for width in [20, 33, 60] {
      let wrapped = LineWrap.lines(text, width: width)
      #expect(wrapped.allSatisfy { $0.count <= width }, "\(width): \(wrapped)")
      #expect(wrapped.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
    }
  }

  @Test func continuationLinesHangUnderTheLabelColumn() {
    let entry =
      "  insert N LAYER              Put a layer at position N (1-based, as 'layers' numbers them)"
    #expect(
      LineWrap.lines(entry, width: 80) == [
        "  insert N LAYER              Put a layer at position N (1-based, as 'layers'",
        "                              numbers them)",
      ])
    let hint =
      "hint: diff compares the last two 'forward' runs: forward, change something (fit, image, kernel), forward again"
    #expect(
      LineWrap.lines(hint, width: 80) == [
        "hint: diff compares the last two 'forward' runs: forward, change something",
        "      (fit, image, kernel), forward again",
      ])
  }

  /// A short bracketed group and a quoted ramp read as one word.
  @Test func shortGroupsAndTheRampStayWhole() {
    let usage = "usage: show LAYER [channels 0-7] [scale shared|each] [size N] [mask]"
    #expect(
      LineWrap.lines(usage, width: 50) == [
        "usage: show LAYER [channels 0-7]", "       [scale shared|each] [size N] [mask]",
      ])
    let ramp = "Shades run dark to bright from the lowest value: ' .:-=+*#%@'"
    #expect(LineWrap.lines(ramp, width: 50).last == "' .:-=+*#%@'")
  }

  @Test func aWordWiderThanTheLineIsCutWhereTheRoomEnds() {
    let word = String(repeating: "y", count: 30)
    let lines = LineWrap.lines("error: '\(word)' is not defined", width: 20)
    #expect(lines.allSatisfy { $0.count <= 20 }, "\(lines)")
    #expect(lines.first == "error: 'yyyyyyyyyyyy")
  }

  /// The console wraps what commands say, but never the learner's own line.
  @Test func theConsoleWrapsOutputButNotTheEcho() {
    let harness = Harness()
    harness.session.display.width = 40
    let long = "labels " + (0..<12).map { "class\($0)" }.joined(separator: ",")
    harness.type(long)
    let lines = harness.console.transcript.split(separator: "\n").map(String.init)
    #expect(lines.first == "lab> " + long)
    #expect(lines.dropFirst().allSatisfy { $0.count <= 40 }, "\(lines)")
    #expect(lines.count > 2)
  }
}
