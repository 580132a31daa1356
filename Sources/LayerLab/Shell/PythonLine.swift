import Engine
import Foundation

/// The Keras/Python lines the shell understands besides its own commands, so
/// a learner can paste a model definition as written.
enum PythonLine {
  enum Kind {
    /// `import numpy as np`, `from keras.models import Sequential`.
    case importStatement
    /// `total_num = 6`, `model = Sequential()`.
    case assignment(name: Token, value: PyNode)
    /// `model.add(Dense(10))`: the object, the method name and the whole call.
    case methodCall(object: Token, method: String, call: PyNode)
    /// `X_train, x_test, Y_train, y_test = np.load("data.npz")`.
    case tupleAssignment(names: [Token], value: PyNode)
    /// `X_train = X_train.astype("float") / 256`: numpy work LayerLab does on loading.
    case arrayPreparation(name: Token, text: String)
    /// `print('Test Loss', scores[0])`.
    case printCall(PyNode)
    /// `X.shape`, typed alone to see it.
    case shapeQuery(name: String, node: PyNode)
    /// A shell command such as `show conv2d`.
    case command
  }

  static func classify(_ line: String) throws(LabError) -> Kind {
    if line.hasPrefix("import ") || (line.hasPrefix("from ") && line.contains(" import ")) {
      return .importStatement
    }
    let chars = Array(line)
    if let tuple = try tupleAssignment(chars) { return tuple }
    if line.hasPrefix("print(") { return .printCall(try PyParser.parse(line)) }
    var end = 0
    while end < chars.count, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" {
      end += 1
    }
    guard end > 0, chars[0].isLetter || chars[0] == "_" else { return .command }
    var after = end
    while after < chars.count, chars[after] == " " { after += 1 }
    if after < chars.count, chars[after] == "=",
      !(after + 1 < chars.count && chars[after + 1] == "=")
    {
      // Blanking the name keeps the value's columns those of the typed line.
      let padded = String(repeating: " ", count: after + 1) + String(chars[(after + 1)...])
      let name = Token(text: String(chars[0..<end]), column: 0)
      let valueText = String(chars[(after + 1)...]).trimmingCharacters(in: .whitespaces)
      if DataArray(name: name.text) != nil,
        valueText.contains("astype") || valueText.contains("/")
          || valueText.contains("to_categorical")
      {
        return .arrayPreparation(name: name, text: valueText)
      }
      return .assignment(name: name, value: try PyParser.parse(padded))
    }
    guard end < chars.count, chars[end] == "." else { return .command }
    let node = try PyParser.parse(line)
    switch node.value {
    case .call(let callee, _, _):
      let parts = callee.split(separator: ".")
      let objectText = parts.dropLast().joined(separator: ".")
      let object = Token(text: objectText, column: 0)
      return .methodCall(object: object, method: String(parts.last ?? ""), call: node)
    case .name(let dotted) where dotted.hasSuffix(".shape"):
      return .shapeQuery(name: String(dotted.dropLast(".shape".count)), node: node)
    default:
      throw LabError(
        "'\(node.text)' is not something LayerLab can run", column: 0,
        hint: "call methods with parentheses, e.g. model.summary()")
    }
  }

  /// Prints `X.shape` as Python would: `(1, 48, 48, 3)`.
  static func printShape(of name: String, node: PyNode, in session: Session) throws {
    if let shape = session.arrays[name] {
      session.console.out(shape.description)
      return
    }
    if let data = session.data, let role = DataArray(name: name),
      role == .trainLabels || role == .testLabels
    {
      let count = role == .trainLabels ? data.train.count : (data.test?.count ?? 0)
      session.console.out(
        "(\(count),)  (class numbers; one-hot rows would be (\(count), \(data.train.classCount)))")
      return
    }
    throw LabError(
      "'\(name)' is not defined", column: node.column,
      hint: "X is the loaded image (image demo cat) or the training pictures (data demo)")
  }

  /// `a, b, c = value`, as the seed unpacks its four arrays.
  private static func tupleAssignment(_ chars: [Character]) throws(LabError) -> Kind? {
    var names: [Token] = []
    var i = 0
    while true {
      while i < chars.count, chars[i] == " " { i += 1 }
      let start = i
      while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
      guard i > start, chars[start].isLetter || chars[start] == "_" else { return nil }
      names.append(Token(text: String(chars[start..<i]), column: start))
      while i < chars.count, chars[i] == " " { i += 1 }
      guard i < chars.count else { return nil }
      if chars[i] == "," {
        i += 1
        continue
      }
      guard chars[i] == "=", names.count > 1, !(i + 1 < chars.count && chars[i + 1] == "=") else {
        return nil
      }
      let padded = String(repeating: " ", count: i + 1) + String(chars[(i + 1)...])
      return .tupleAssignment(names: names, value: try PyParser.parse(padded))
    }
  }

  /// Carries out `name = value`.
  static func assign(_ name: Token, _ value: PyNode, in session: Session) throws {
    let variable = name.text
    switch value.value {
    case .call(let callee, let args, let kwargs)
    where callee.split(separator: ".").last == "Sequential":
      if let extra = args.first ?? kwargs.first?.1 {
        throw LabError(
          "Sequential() takes no arguments here", column: extra.column,
          hint: "start with \(variable) = Sequential(), then add layers one by one")
      }
      try session.replaceModel("\(variable) = Sequential()")
      session.modelVariable = variable
      session.console.out("\(variable) = a new, empty Sequential model")
    case .call(let callee, _, _)
    where OptimizerSpec.Kind.allCases.contains {
      $0.rawValue.lowercased() == callee.split(separator: ".").last?.lowercased()
    }:
      let spec = try OptimizerSpec(parsing: value)
      session.optimizers[variable] = spec
      session.console.out("\(variable) = \(spec.expression)")
    case .call(let callee, _, _) where callee.split(separator: ".").last == "load_model":
      try CommandTable.loadModel(value, in: session, variable: variable)
    case .call(let callee, let args, let kwargs) where callee == "\(session.modelVariable).evaluate":
      var arguments = Arguments(
        line: value.text, tokens: [], restColumn: 0, usage: CommandTable.evaluate.usage)
      arguments.call = (args, kwargs)
      let scores = try CommandTable.runEvaluate(session, arguments)
      session.scores[variable] = scores
      session.console.out(
        "\(variable) = [\(scores.map { pythonRepr($0) }.joined(separator: ", "))]  (loss, accuracy)"
      )
    case .call("len", let args, _):
      guard args.count == 1, case .name("labels") = args[0].value else {
        throw LabError("only len(labels) is understood here", column: value.column)
      }
      guard !session.labels.isEmpty else {
        throw LabError(
          "'labels' is empty", column: args[0].column,
          hint: "set them first, e.g. labels dogs,cats,monkeys")
      }
      try setInteger(variable, session.labels.count, named: name, in: session)
    case .int(let number):
      try setInteger(variable, number, named: name, in: session)
    case .name(let other) where session.integers[other] != nil:
      try setInteger(variable, session.integers[other] ?? 0, named: name, in: session)
    case .list(let items) where variable == "labels":
      var names: [String] = []
      for item in items {
        guard case .string(let label) = item.value else {
          throw LabError(
            "labels must be names in quotes, e.g. ['dogs', 'cats']", column: item.column)
        }
        names.append(label)
      }
      session.labels = names
      session.console.out("labels = \(names.count) classes: " + names.joined(separator: ", "))
    default:
      throw LabError(
        "LayerLab cannot assign '\(value.text)'", column: value.column,
        hint: "assignments take a whole number (total_num = 6), len(labels) or Sequential()")
    }
  }

  /// What `print(...)` shows: strings, whole numbers and `scores[i]`, spaced as Python does.
  static func printLine(_ node: PyNode, in session: Session) throws {
    guard case .call("print", let args, _) = node.value else { return }
    var parts: [String] = []
    for arg in args {
      switch arg.value {
      case .string(let text): parts.append(text)
      case .int(let number): parts.append(String(number))
      case .float(let number): parts.append("\(number)")
      case .name(let name):
        if let number = session.integers[name] {
          parts.append(String(number))
        } else if let list = session.scores[name] {
          parts.append("[" + list.map { pythonRepr($0) }.joined(separator: ", ") + "]")
        } else {
          throw LabError("'\(name)' is not defined", column: arg.column)
        }
      case .call("round", let roundArgs, _):
        // round(scores[1], 3), as Python rounds a float to 3 decimals.
        guard roundArgs.count == 2, case .int(let digits) = roundArgs[1].value,
          (0...8).contains(digits)
        else {
          throw LabError(
            "write round(VALUE, DIGITS), e.g. round(scores[1], 3)", column: arg.column)
        }
        let value = try number(roundArgs[0], in: session)
        let scale = pow(10.0, Double(digits))
        parts.append("\((Double(value) * scale).rounded() / scale)")
      case .`subscript`(let base, let index):
        guard case .name(let name) = base.value, let list = session.scores[name] else {
          throw LabError(
            "'\(base.text)' is not defined", column: base.column,
            hint: "scores = model.evaluate(x_test, y_test) first")
        }
        guard let i = Int(index), list.indices.contains(i) else {
          throw LabError(
            "\(name) has \(list.count) numbers; index \(index) is outside", column: arg.column)
        }
        parts.append(pythonRepr(list[i]))
      default:
        throw LabError("LayerLab's print shows text, numbers and scores[i]", column: arg.column)
      }
    }
    session.console.out(parts.joined(separator: " "))
  }

  /// The number `node` names: `scores[1]`, a whole-number variable, or a literal.
  static func number(_ node: PyNode, in session: Session) throws -> Float {
    switch node.value {
    case .int(let v): return Float(v)
    case .float(let v): return Float(v)
    case .name(let name) where session.integers[name] != nil:
      return Float(session.integers[name] ?? 0)
    case .`subscript`(let base, let index):
      if case .name(let name) = base.value, let list = session.scores[name], let i = Int(index),
        list.indices.contains(i)
      {
        return list[i]
      }
    default: break
    }
    throw LabError("'\(node.text)' is not a number LayerLab knows", column: node.column)
  }

  /// A float as Python prints a float32 value that Keras returned: the
  /// shortest repr of the same double.
  static func pythonRepr(_ value: Float) -> String { "\(Double(value))" }

  private static func setInteger(
    _ variable: String, _ value: Int, named name: Token, in session: Session
  ) throws {
    if variable == session.modelVariable || variable == "X" || variable == "labels" {
      throw LabError(
        "'\(variable)' is taken: LayerLab uses it for the \(variable == "X" ? "image" : variable)",
        column: name.column)
    }
    session.integers[variable] = value
    session.console.out("\(variable) = \(value)")
  }

  /// `node` with every plain name that holds a number replaced by it, so
  /// `Dense(total_num)` reads as `Dense(6)`. `X.shape[1:]` is left for the layer parser.
  static func substitutingIntegers(_ node: PyNode, _ integers: [String: Int]) throws(LabError)
    -> PyNode
  {
    var result = node
    switch node.value {
    case .name(let name) where !name.contains("."):
      guard let value = integers[name] else {
        let hint =
          ActivationFunction(kerasName: name) != nil || Padding(rawValue: name) != nil
          ? "names of activations and paddings go in quotes: '\(name)'"
          : integers.isEmpty
            ? "set it first, e.g. \(name) = 6"
            : "defined: " + integers.keys.sorted().joined(separator: ", ")
        throw LabError("'\(name)' is not defined", column: node.column, hint: hint)
      }
      result.value = .int(value)
    case .tuple(let items):
      result.value = .tuple(
        try items.map { (item) throws(LabError) in try substitutingIntegers(item, integers) })
    case .list(let items):
      result.value = .list(
        try items.map { (item) throws(LabError) in try substitutingIntegers(item, integers) })
    case .call(let callee, let args, let kwargs):
      var newKwargs: [(String, PyNode)] = []
      for (key, value) in kwargs {
        newKwargs.append((key, try substitutingIntegers(value, integers)))
      }
      result.value = .call(
        callee: callee,
        args: try args.map { (arg) throws(LabError) in try substitutingIntegers(arg, integers) },
        kwargs: newKwargs)
    default:
      break
    }
    return result
  }
}
