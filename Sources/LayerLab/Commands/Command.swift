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
  case python = "Python"
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
  /// Second words Tab should offer after the name (`weights`, `training`).
  var keywords: [String] = []
  /// True when the words after it are file paths, for Tab completion.
  var takesPath = false
  /// Keras's signature for the method form, which the words `key=value`
  /// after the command are bound to as well: one binder for both forms.
  var signature: Signature? = nil
  /// The Keras method form, `model.fit(...)`: runs with the bound arguments
  /// and gives what Keras's method returns.
  var call: (@Sendable (Session, BoundArguments) throws -> PyValue)? = nil
  /// Other Keras methods this command carries out, each bound to its own
  /// signature: `save` also does `model.save_weights(...)`.
  var otherMethods: [ModelMethod] = []
  let run: @Sendable (Session, Arguments) throws -> Void

  /// True when Keras code calls it as a method of the model: `model.add(...)`.
  var isModelMethod: Bool { call != nil }

  /// Every Keras method this command carries out: its own name first.
  var modelMethods: [ModelMethod] {
    var methods = otherMethods
    if let call, let signature {
      methods.insert(ModelMethod(name: name, signature: signature, call: call), at: 0)
    }
    return methods
  }
  /// True for a form of Python (`import`, `def`, `NAME = VALUE`): listed by
  /// `help` and offered by Tab, run by the interpreter.
  var isPythonForm: Bool { group == .python }
}

/// A method of Keras's model that a command carries out: `model.fit(...)`,
/// `model.save_weights(...)`.
struct ModelMethod: Sendable {
  let name: String
  let signature: Signature
  let call: @Sendable (Session, BoundArguments) throws -> PyValue
}

/// The words after the command name, with accessors that fail politely.
struct Arguments {
  /// The whole typed line, for parsing with columns.
  let line: String
  /// The words after the command, with their columns in `line`.
  let tokens: [Token]
  /// Where the text after the command word starts in `line`.
  let restColumn: Int
  let usage: String
  /// The Keras method name when the command came as one (`save_weights`).
  var method: String? = nil

  var count: Int { tokens.count }
  var isEmpty: Bool { tokens.isEmpty }

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

extension Arguments {
  /// The words from word `index` on, read as Python call arguments
  /// (`epochs=5 batch_size=32`, commas optional), evaluated in the session's
  /// Python and bound to `signature`. A bare word that names nothing is its
  /// own name as a string, so `compile optimizer=adam` needs no quotes.
  func bind(_ signature: Signature, from index: Int, in session: Session) throws -> BoundArguments {
    let start = index < tokens.count ? tokens[index].column : line.count
    let text = String(line.dropFirst(start))
    let parsed = try PyParser.parseArguments(text, at: SourcePosition(column: start))
    var call = CallArguments(
      start: SourcePosition(column: start), end: SourcePosition(column: line.count))
    for argument in parsed {
      let item = CallArguments.Item(
        try session.commandValue(argument.value), at: argument.value.start)
      if let name = argument.name {
        call.keywords.append(.init(name, at: argument.nameAt, item))
      } else {
        call.positional.append(item)
      }
    }
    return try signature.bind(call)
  }

  /// The same arguments without their first word (`data demo train=6` → `train=6`).
  mutating func dropFirstWord() {
    guard !tokens.isEmpty else { return }
    let rest = Array(tokens.dropFirst())
    self = Arguments(
      line: line, tokens: rest, restColumn: rest.first?.column ?? line.count, usage: usage)
  }
}
