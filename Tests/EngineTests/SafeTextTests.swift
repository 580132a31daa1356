import Testing

@testable import Engine

@Suite struct SafeTextTests {
  @Test func controlCharactersBecomeEscapesOnOneLine() {
    let hostile = "cats\u{1B}]0;owned\u{07}\n\u{1B}[2Jdogs\r\t\u{7F}\u{9B}x"
    let safe = SafeText.terminal(hostile)
    #expect(safe == "cats\\x1b]0;owned\\x07\\n\\x1b[2Jdogs\\r\\t\\x7f\\x9bx")
    #expect(!safe.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
  }

  @Test func textThatReordersOrHidesIsEscaped() {
    #expect(SafeText.terminal("a\u{202E}b\u{200B}c\u{FEFF}") == "a\\u202eb\\u200bc\\ufeff")
    #expect(SafeText.isPrintable("chats, chiens, 猫 ü") && !SafeText.isPrintable("a\u{202E}"))
  }

  @Test func longTextIsCutAndSaysHowMuch() {
    let text = String(repeating: "a", count: 250)
    #expect(
      SafeText.terminal(text, limit: 200) == String(repeating: "a", count: 200)
        + "...(50 more characters)")
    #expect(SafeText.terminal("short", limit: 200) == "short")
  }

  @Test func pythonStringsCannotEndEarly() {
    let name = "x'), __import__('os').system('id'), layers.Flatten(name='y"
    let literal = SafeText.pythonString(name)
    #expect(literal == "'x\\'), __import__(\\'os\\').system(\\'id\\'), layers.Flatten(name=\\'y'")
    #expect(SafeText.pythonString("a\\b\nc\u{0}é😀") == "'a\\\\b\\nc\\x00\\xe9\\U0001f600'")
    // One line of printable ASCII, whatever went in.
    #expect(literal.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) })
  }
}
