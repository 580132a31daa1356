/// A lesson: narration (`#` lines) and the commands a learner would type,
/// in steps that end at a `pause` line.
///
/// The file is an ordinary script, so `layerlab --script` and a pipe run it
/// too; only the lesson runner stops at the pauses.
struct Lesson: Sendable {
  /// One line of the file, with its 1-based line number for messages.
  struct Line: Equatable, Sendable {
    var text: String
    var number: Int
  }

  /// `05-dropout.lab`.
  let fileName: String
  /// The text of the first `#` line: `Dropout switches cells off`.
  let title: String
  /// The lines between pauses; never empty, and no step is empty.
  let steps: [[Line]]

  init(fileName: String, text: String) {
    self.fileName = fileName
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    var steps: [[Line]] = []
    var current: [Line] = []
    var title: String?
    for (offset, raw) in lines.enumerated() {
      let text = raw.trimmingTrailingSpaces()
      let trimmed = text.drop { $0 == " " || $0 == "\t" }
      if Self.isPause(text) {
        steps.append(current)
        current = []
        continue
      }
      if title == nil, trimmed.hasPrefix("#") {
        title = String(trimmed.dropFirst().drop { $0 == " " || $0 == "#" })
      }
      current.append(Line(text: text, number: offset + 1))
    }
    steps.append(current)
    // A step of blank lines only (after a final pause, or two pauses in a row) has nothing to show.
    self.steps = steps.filter { step in
      step.contains { !$0.text.allSatisfy { $0 == " " || $0 == "\t" } }
    }
    self.title = title ?? Self.slug(fileName)
  }

  /// True for a `pause` line, the end of a step.
  static func isPause(_ line: String) -> Bool {
    line.trimmingTrailingSpaces().drop { $0 == " " || $0 == "\t" } == "pause"
  }

  /// The number a file name starts with: `05-dropout.lab` → 5.
  static func number(_ fileName: String) -> Int? {
    Int(fileName.prefix { $0.isNumber })
  }

  /// The name without its number and extension: `05-dropout.lab` → `dropout`.
  static func slug(_ fileName: String) -> String {
    var name = Substring(fileName)
    if name.hasSuffix(".lab") { name = name.dropLast(4) }
    let digits = name.prefix { $0.isNumber }
    if !digits.isEmpty, name.dropFirst(digits.count).first == "-" {
      name = name.dropFirst(digits.count + 1)
    }
    return String(name)
  }

  var number: Int? { Self.number(fileName) }
  var slug: String { Self.slug(fileName) }

  /// `lesson 5`, or the file name for a lesson without a number.
  var label: String { number.map { "lesson \($0)" } ?? fileName }
}
