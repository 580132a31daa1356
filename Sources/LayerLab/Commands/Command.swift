import Engine

/// The headings `help` lists commands under, in this order.
enum CommandGroup: String, CaseIterable, Sendable {
  case model = "Model"
  case image = "Image"
  case look = "Look"
  case insight = "Insight"
  case training = "Training"
  case files = "Files"
  case lessons = "Lessons"
  case session = "Session"
}

/// One REPL command: its name, its help, and what it does.
///
/// The table of these is the only place a command is declared, so `help`,
/// "did you mean", completion and the usage shown after an error cannot drift apart.
struct Command: Sendable {
  let name: String
  var aliases: [String] = []
  let group: CommandGroup
  /// Synopsis in the sqlite style: `remove N|NAME`.
  let usage: String
  /// One line for the `help` listing.
  let summary: String
  /// A line a learner can type as it is.
  let example: String
  /// Extra lines for `help NAME`.
  var details: String = ""
  /// True when Keras code may call it as a method: `model.add(...)`, `model.summary()`.
  var isModelMethod = false
  /// Other Keras methods this command carries out (`save` also does `model.save_weights`);
  /// the method called reaches the command as ``Arguments/method``.
  var kerasMethods: [String] = []
  /// Second words Tab should offer after the name (`weights`, `training`).
  var keywords: [String] = []
  /// True when the words after it are file paths, for Tab completion.
  var takesPath = false
  let run: @Sendable (Session, Arguments) throws -> Void
}

/// The words after the command name, with accessors that fail politely.
struct Arguments {
  /// The whole typed line, for parsing with columns.
  let line: String
  /// The words after the command, with their columns in `line`.
  let tokens: [Token]
  /// Where the text after the command word starts in `line`.
  let restColumn: Int
  /// Set when the command came as a Keras method call, `model.add(Dense(10))`.
  var call: (args: [PyNode], kwargs: [(String, PyNode)])? = nil
  let usage: String
  /// The Keras method name when the command came as one (`save_weights`).
  var method: String? = nil

  var count: Int { tokens.count }
  var isEmpty: Bool {
    tokens.isEmpty && (call.map { $0.args.isEmpty && $0.kwargs.isEmpty } ?? true)
  }

  /// The text after the command word, as typed.
  var rest: String { String(line.dropFirst(restColumn)) }

  func word(at index: Int) -> String? { index < tokens.count ? tokens[index].text : nil }

  /// The word at `index`, or a usage error pointing at the end of the line.
  func requiredWord(at index: Int, _ what: String) throws(LabError) -> Token {
    guard index < tokens.count else {
      throw LabError(message: "\(what) is missing", column: line.count, hint: "usage: \(usage)")
    }
    return tokens[index]
  }

  /// A whole number at `index`, which must lie in `range`.
  func int(at index: Int, _ what: String, in range: ClosedRange<Int>) throws(LabError) -> Int {
    let token = try requiredWord(at: index, what)
    guard let value = Int(token.text), range.contains(value) else {
      let wanted =
        range.upperBound == Int.max
        ? "a whole number from \(range.lowerBound)"
        : "a number from \(range.lowerBound) to \(range.upperBound)"
      throw LabError(
        message: "expected \(wanted), got '\(token.text)'", column: token.column,
        hint: "usage: \(usage)")
    }
    return value
  }

  /// Refuses words beyond the first `count`.
  func noMore(than count: Int) throws(LabError) {
    guard tokens.count > count else { return }
    let extra = tokens[count]
    throw LabError(
      message: "unexpected '\(extra.text)'", column: extra.column, hint: "usage: \(usage)")
  }

  /// The text from word `index` to the end of the line, with its column.
  func text(from index: Int) -> (text: String, column: Int)? {
    guard index < tokens.count else { return nil }
    let column = tokens[index].column
    return (String(line.dropFirst(column)), column)
  }
}
