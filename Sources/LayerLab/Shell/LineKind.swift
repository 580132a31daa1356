import Engine

/// Whether a typed line is a shell command (`show conv2d`, `fit epochs=5`)
/// or Python (`model.add(Dense(10))`, `x = 3`, `def f():`).
///
/// Python keywords start Python; a command word starts a command unless
/// Python syntax follows it (`labels = [...]`, `history.history`); any
/// other name starts Python, except a word followed by another word
/// (`shwo conv2d`), which is a mistyped command.
enum LineKind: Equatable {
  case command
  case python

  /// Words of a system shell: LayerLab says it is not one.
  static let shellWords: Set<String> = [
    "ls", "cd", "pwd", "mkdir", "cat", "echo", "clear", "dir", "cp", "mv", "touch", "sudo", "git",
    "python", "python3", "pip", "pip3", "vim", "vi", "nano", "man", "which", "whoami", "chmod",
    "head", "tail", "less", "more", "grep", "open", "cls",
  ]

  init(of line: String, in session: Session) {
    guard let first = line.first else {
      self = .command
      return
    }
    guard first.isLetter || first == "_" else {
      self = first == "?" ? .command : .python
      return
    }
    let word = String(line.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    let after = line.dropFirst(word.count).drop { $0 == " " || $0 == "\t" }
    if PyParser.keywords.contains(word) {
      self = .python
      return
    }
    let pythonFollows: Bool = {
      guard let next = after.first else { return false }
      // A dot starts Python only as an attribute (`image .shape`): `..` and
      // `./` start a path (`image ../photo.png`), never Python.
      if next == "." {
        let then = after.dropFirst().first
        return then.map { $0.isLetter || $0 == "_" } ?? true
      }
      if "([,:".contains(next) { return true }
      if next == "=" { return !after.hasPrefix("==") }
      return ["+=", "-=", "*=", "/=", "//=", "%=", "**="].contains { after.hasPrefix($0) }
    }()
    if CommandTable.find(word).map({ !$0.isPythonForm }) ?? false {
      self = pythonFollows ? .python : .command
      return
    }
    let defined = session.python.globals[word] != nil || session.python.builtins[word] != nil
    // `cd ..` and `ls -la` are shell habits; only a call or an assignment
    // makes such a word Python (`dir(x)`, `ls = 3`).
    if LineKind.shellWords.contains(word), !defined,
      !(after.first.map { "(=[".contains($0) } ?? false) || after.hasPrefix("==")
    {
      self = .command
      return
    }
    if after.isEmpty {
      self = defined ? .python : .command
      return
    }
    if let next = after.first,
      next.isLetter || next.isNumber || next == "_" || next == "'"
        || next == "\"" || next == "-", !defined
    {
      self = .command
      return
    }
    self = .python
  }
}
