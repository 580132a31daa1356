import Foundation
import Testing

@testable import Engine

/// Keeps trapping float-to-integer conversions out of `Sources`.
///
/// `Int(x)` on a NaN, an infinity or a value past `Int.max` kills the
/// process, and values computed from a learner's data can be any of those.
/// Every such conversion goes through `WholeNumber` (Engine/Support), which
/// clamps. This lint reads the sources: an integer initialiser whose
/// argument looks like floating-point arithmetic (rounding, `Float(`,
/// `Double(`, `log10`, a float literal, or a name this file declares as
/// `Float`/`Double`) is refused unless it is in `allowed` with its reason.
/// It is a heuristic (it does not type-check), so it errs towards flagging.
@Suite struct ConversionLintTests {
  /// `file suffix`, the argument as written, and why it cannot trap.
  static let allowed: [(file: String, argument: String, reason: String)] = [
    (
      "Engine/Layers/LayerSpec.swift", "value",
      "formatNumber: only after `value == value.rounded()` and `abs(value) < 1e15`, so finite and in range"
    ),
    (
      "Engine/Support/SeededGenerator.swift", "high",
      "`high` there is the UInt64 half of multipliedFullWidth, not the Float parameter of nextFloat"
    ),
  ]

  static let sources = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources")

  nonisolated(unsafe) static let initialiser = #/\bU?Int(?:8|16|32|64)?\(/#
  nonisolated(unsafe) static let floatish =
    #/rounded|\b(?:floor|ceil|trunc|round|log|log2|log10|pow|exp|sqrt)\(|squareRoot|\bFloat\b|\bDouble\b|\d\.\d|\d[eE][+-]?\d/#
  nonisolated(unsafe) static let declarations = [
    #/\b(?:let|var)\s+(\w+)\s*:\s*(?:Float|Double|Float16)\b/#,
    #/\b(?:let|var)\s+(\w+)\s*=\s*(?:Float|Double)\(/#,
    #/[(,]\s*(?:\w+\s+)?(\w+)\s*:\s*(?:Float|Double)\b/#,
  ]

  /// Every flagged conversion in `text`, as `argument` strings.
  static func findings(in text: String) -> [String] {
    let code = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line)
    }.joined(separator: "\n")
    var floatNames = Set<String>()
    for pattern in declarations {
      for match in code.matches(of: pattern) {
        floatNames.insert(String(match.output.1))
      }
    }
    var found: [String] = []
    for match in code.matches(of: initialiser) {
      var depth = 1
      var end = match.range.upperBound
      while end < code.endIndex, depth > 0 {
        if code[end] == "(" { depth += 1 }
        if code[end] == ")" { depth -= 1 }
        end = code.index(after: end)
      }
      guard depth == 0 else { continue }
      let argument = String(code[match.range.upperBound..<code.index(before: end)])
      let label = argument.prefix { $0.isLetter }
      if ["exactly", "bitPattern", "truncatingIfNeeded", "clamping", "ascii"].contains(
        String(label)), argument.dropFirst(label.count).hasPrefix(":")
      {
        continue
      }
      let words = Set(
        argument.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
      if argument.contains(floatish) || !words.isDisjoint(with: floatNames) {
        found.append(argument)
      }
    }
    return found
  }

  @Test func noTrappingFloatToIntegerConversions() throws {
    let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path))
      .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
    #expect(files.count > 50, "the sources were not found at \(Self.sources.path)")
    var problems: [String] = []
    for file in files where !file.hasSuffix("Support/WholeNumber.swift") {
      let text = try String(
        contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
      for argument in Self.findings(in: text)
      where !Self.allowed.contains(where: { file.hasSuffix($0.file) && $0.argument == argument }) {
        problems.append("\(file): (\(argument))")
      }
    }
    #expect(
      problems.isEmpty,
      "convert through WholeNumber (or allow-list with a reason): \(problems.joined(separator: "; "))"
    )
  }

  /// The lint itself catches what it is for, and lets integer code be.
  @Test func theLintSeesRiskyConversions() {
    #expect(Self.findings(in: "let n = Int((x * 100).rounded())") == ["(x * 100).rounded()"])
    #expect(Self.findings(in: "let v: Float = 1\nlet n = Int(v)") == ["v"])
    #expect(Self.findings(in: "func f(_ loss: Double) -> Int { Int(loss) }") == ["loss"])
    #expect(Self.findings(in: "let n = UInt8(Float(a) * 255)").count == 1)
    #expect(Self.findings(in: "let n = Int(b[i]) << 8 | Int(text) ?? 0").isEmpty)
    #expect(Self.findings(in: "let n = Int(exactly: 2.5)").isEmpty)
    #expect(Self.findings(in: "// Int(x.rounded()) in a comment").isEmpty)
  }

  @Test func wholeNumberNeverTraps() {
    #expect(WholeNumber.clamped(Double.nan) == Int.min)
    #expect(WholeNumber.clamped(Float.nan, in: 0...9) == 0)
    #expect(WholeNumber.clamped(Float.nan, in: 0...9, nan: 5) == 5)
    #expect(WholeNumber.clamped(Double.infinity) == Int.max)
    #expect(WholeNumber.clamped(-Double.infinity) == Int.min)
    #expect(WholeNumber.clamped(4e16 * 1e4) == Int.max)
    #expect(WholeNumber.clamped(Float(3e38), in: 0...20) == 20)
    #expect(WholeNumber.clamped(9.223372036854775e18) == 9_223_372_036_854_774_784)
    #expect(WholeNumber.clamped(2.5) == 3 && WholeNumber.clamped(-2.5) == -3)
    #expect(WholeNumber.clamped(2.7, rounding: .towardZero) == 2)
    #expect(
      WholeNumber.byte(300) == 255 && WholeNumber.byte(-4) == 0 && WholeNumber.byte(.nan) == 0)
    #expect(WholeNumber.exact(1e30) == nil && WholeNumber.exact(.nan) == nil)
    #expect(WholeNumber.exact(42) == 42)
  }
}
