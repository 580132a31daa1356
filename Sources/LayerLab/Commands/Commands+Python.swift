import Engine
import Foundation

extension CommandTable {
  /// The forms of Python the shell runs, in the table so `help`, Tab and
  /// "did you mean" know them; the interpreter runs them all.
  static let python: [Command] = [
    pythonForm(
      "import", "import MODULE [as NAME]",
      "Bring in keras, tensorflow.keras or numpy (Keras's names are always there)",
      "import numpy as np"),
    pythonForm(
      "from", "from MODULE import NAME, ...", "Bring in names from a module",
      "from keras.layers import Conv2D, Dense"),
    pythonForm(
      "NAME", "NAME = VALUE", "Give a value a name: a number, a list, an array, a layer, the model",
      "total_num = len(labels)"),
    pythonForm(
      "print", "print(VALUE, ...)", "Show values as Python does (arrays as numpy does)",
      "print('Test Loss', scores[0])"),
    pythonForm(
      "def", "def NAME(PARAMETERS): ...",
      "Define a function: its lines follow, indented (a blank line ends it)",
      "def double(x): return 2 * x"),
    pythonForm(
      "if", "if CONDITION: ... [elif CONDITION: ...] [else: ...]",
      "Run lines only when a condition holds", "if total_num > 2: print('many')"),
    pythonForm(
      "for", "for NAME in ITEMS: ...", "Repeat lines for each item of a list, a tuple or range(N)",
      "for i in range(3): print(i)"),
    pythonForm(
      "while", "while CONDITION: ...", "Repeat lines while a condition holds", "while n < 3: n += 1"
    ),
    runFile,
  ]

  private static func pythonForm(
    _ name: String, _ usage: String, _ summary: String, _ example: String
  ) -> Command {
    Command(
      name: name, group: .python, usage: usage, summary: summary, example: example,
      details: PyParser.supported + ". The Python LayerLab runs is described in the README."
    ) { session, arguments in
      try runPython(arguments.line, in: session)
    }
  }

  /// The Python form a typed Python line is: `import`, `def`, ..., or `NAME = VALUE`.
  static func pythonForm(for source: String) -> Command {
    let word = String(source.prefix { $0.isLetter })
    return python.first { $0.name == word && $0.isPythonForm }
      ?? python.first { $0.name == "NAME" } ?? runFile
  }

  /// Parses all of `source` (typed lines), then runs it; a wrong line changes nothing.
  static func runPython(_ source: String, in session: Session) throws {
    let firstLine = session.pythonInput.record(source)
    try session.runTyped(try PyParser.parseModule(source, firstLine: firstLine))
  }

  static let runFile = Command(
    name: "run", group: .python, usage: "run FILE.py",
    summary: "Run a Python file in this session, keeping its names and its model",
    example: "run imp_ver_cf10cnn.py",
    details: """
      The whole file is read first: a line outside the Python LayerLab runs stops it before anything runs.
      Like 'layerlab -i FILE.py', its names stay for the prompt. Its own output is shown as Python
      shows it; the shell's notes ("added ...") stay quiet while it runs.
      """,
    takesPath: true
  ) { session, arguments in
    let path = try arguments.requiredWord(at: 0, "the file name")
    try arguments.noMore(than: 1)
    try PythonScript.run(path: path.text, in: session)
    session.keepPreludeNames()
  }
}

/// A Python file run from start to end: `layerlab FILE.py`, `-i FILE.py`, `run FILE.py`.
enum PythonScript {
  /// The longest file LayerLab reads as a program.
  static let maxBytes = 10_000_000

  /// A mistake in a file, shown with the file's name and line.
  struct Failure: Error {
    let path: String
    let error: any Error
    let source: [String]
  }

  /// Reads `path`, parses all of it, then runs it with `__name__` as
  /// `"__main__"`; any mistake is a ``Failure`` naming the file and line.
  static func run(path: String, in session: Session) throws {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = (attributes?[.size] as? NSNumber)?.intValue,
      attributes?[.type] as? FileAttributeType == .typeRegular
    else {
      throw LabError(
        message: "\(path): no such file; check the path", hint: "give the path of a .py file")
    }
    guard size <= maxBytes else {
      throw LabError(message: "\(path) is \(size) bytes, more than LayerLab runs (\(maxBytes))")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw LabError(message: "\(path) cannot be read")
    }
    let text = String(decoding: data, as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let wasScript = session.scriptMode
    session.scriptMode = true
    defer { session.scriptMode = wasScript }
    do {
      let statements = try PyParser.parseModule(text)
      session.python.globals["__name__"] = .string("__main__")
      try session.python.execute(statements)
    } catch is PythonExit {
      return
    } catch let error as Interrupted {
      throw error
    } catch {
      throw Failure(path: path, error: error, source: lines)
    }
  }
}
