import Engine

/// Slots for command groups declared in files of their own. A group file
/// declares `extension CommandTable { static let training: [Command] = [...] }`
/// and that declaration takes the place of the empty default below (a type's
/// own member wins over a protocol extension's), so adding a group is one new
/// file and no edit here.
protocol CommandGroupSlots {}
extension CommandGroupSlots {
  static var training: [Command] { [] }
  static var insight: [Command] { [] }
}

/// The one list of commands: dispatch, help, completion and suggestions all read it.
enum CommandTable: CommandGroupSlots {
  static var all: [Command] {
    model + image + look + insight + training + files + lessonCommands + session + python
  }

  /// Every method of Keras's model that a command carries out, in the table's order.
  static var modelMethods: [ModelMethod] { all.flatMap(\.modelMethods) }

  /// Finds the command called `word` (or one of its aliases).
  static func find(_ word: String) -> Command? {
    all.first { $0.name == word || $0.aliases.contains(word) }
  }

  /// Every word `lookup` and Tab know: commands, their aliases and Python's statement words.
  static var words: [String] {
    all.flatMap { [$0.name] + $0.aliases }.filter { $0.first?.isLetter ?? true }
  }

  /// The command named by `token`, or an error suggesting the nearest one.
  /// `orLayer` (for `help`) also suggests Keras layer names.
  static func lookup(_ token: Token, orLayer: Bool = false) throws(LabError) -> Command {
    if let command = find(token.text) { return command }
    let names = words + (orLayer ? LayerKind.allCases.map(\.className) : [])
    let hint =
      LineKind.shellWords.contains(token.text)
      ? "LayerLab is not a system shell: it runs its own commands and Python; type 'help' for the list"
      : closestMatch(token.text, in: names).map { "did you mean '\($0)'?" }
        ?? "type 'help' for the list"
    throw LabError(
      message: "unknown \(orLayer ? "command or layer" : "command") '\(token.text)'",
      column: token.column, hint: hint)
  }

  /// The first line of every command, grouped: what `help` prints.
  static func overview() -> [String] {
    // A fixed label column (argument-parser's HelpGenerator); a longer
    // synopsis gets a line of its own so the summaries stay aligned.
    let width = 28
    var lines: [String] = []
    for group in CommandGroup.allCases {
      let commands = all.filter { $0.group == group }
      guard !commands.isEmpty else { continue }
      if !lines.isEmpty { lines.append("") }
      lines.append(group.rawValue)
      for command in commands {
        if command.usage.count + 2 > width {
          lines.append("  " + command.usage)
          lines.append("  " + String(repeating: " ", count: width) + command.summary)
        } else {
          lines.append("  " + command.usage.padding(width) + command.summary)
        }
      }
    }
    let methods = modelMethods.map { "model.\($0.name)(...)" }
    lines.append("")
    // One line: the console wraps it to the width.
    lines.append("Keras's model methods: " + methods.joined(separator: ", "))
    lines.append(
      "help COMMAND shows usage and an example; help LAYER (help Conv2D) explains a layer.")
    return lines
  }

  /// Everything about one command: what `help NAME` prints.
  static func details(_ command: Command) -> [String] {
    var lines = ["usage: " + command.usage, command.summary]
    if !command.aliases.isEmpty { lines.append("also: " + command.aliases.joined(separator: ", ")) }
    if !command.details.isEmpty {
      lines += command.details.split(separator: "\n", omittingEmptySubsequences: false).map(
        String.init)
    }
    lines.append("example: " + command.example)
    return lines
  }
}
