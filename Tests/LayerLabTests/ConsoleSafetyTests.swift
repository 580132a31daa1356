import Engine
import Testing

@testable import LayerLab

@Suite struct ConsoleSafetyTests {
  /// Whatever a line holds, the screen gets no escape character and no extra line.
  @Test func everyLineReachesTheScreenWithoutControlCharacters() {
    let harness = Harness()
    harness.type("labels cats,\u{1B}]0;owned\u{07}\u{1B}[2Jdogs\nbirds")
    let transcript = harness.console.transcript
    #expect(!transcript.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    #expect(transcript.contains("\\x1b]0;owned\\x07\\x1b[2Jdogs\\nbirds"))
    // The echo and one answer: the newline inside did not start a line of its own.
    #expect(transcript.split(separator: "\n").count == 2)
  }

  @Test func drawingsKeepOnlyLayerLabsOwnColours() {
    let cells: CellLine = [Cell(character: "@", tint: .shade(9)), Cell(character: "\u{1B}")]
    let line = StyledLine(cells, color: true)
    #expect(line.text.hasPrefix("\u{1B}[38;5;255m@"))
    #expect(line.text.contains("\\x1b"))
    #expect(line.text.unicodeScalars.filter { $0.value == 0x1B }.count == 2)
  }
}
