import Engine

/// What `kernel` was asked to do, read from the typed words.
///
///     kernel conv2d                                   print filter 0
///     kernel conv2d preset sobel_x filter 0           one filter, every channel
///     kernel conv2d filter 0 channel 0 = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
///     kernel conv2d bias 0 = 0.5
struct KernelRequest {
  enum Action {
    case print
    case preset(KernelPreset, Token)
    /// The rows after `=`, each with where it was typed, for carets.
    case numbers(PyExpr)
    case bias(PyExpr)
  }
  /// The layer word, as typed.
  var layer: Token
  var filter: (value: Int, token: Token)?
  var channel: (value: Int, token: Token)?
  var action: Action = .print
  /// The typed line, to quote what was written in messages.
  let line: String

  static let usage =
    "kernel LAYER [filter F] [channel C] [preset NAME | = [[...]]] | kernel LAYER bias [F] = V"

  /// Reads the words before `=` and the Python literal after it.
  init(_ arguments: Arguments) throws {
    let line = arguments.line
    self.line = line
    let equals = Self.equalsColumn(in: line, from: arguments.restColumn)
    // Tokenize only the words before '=' so `channel 0=[[...]]` splits as typed.
    let head = try Tokenizer.split(String(line.prefix(equals ?? line.count)))
    let words = Array(head.drop { $0.column < arguments.restColumn })
    guard let first = words.first else {
      throw LabError(
        message: "the layer is missing", column: equals ?? line.count, hint: "usage: \(Self.usage)")
    }
    layer = first
    var isBias = false
    var index = 1
    func number(_ what: String) throws -> (Int, Token) {
      guard index < words.count else {
        throw LabError(
          message: "\(what) is missing", column: equals ?? line.count, hint: "usage: \(Self.usage)")
      }
      let token = words[index]
      index += 1
      guard let value = Int(token.text), value >= 0 else {
        throw LabError(
          message: "expected \(what) (a number from 0), got '\(token.text)'", column: token.column,
          hint: "usage: \(Self.usage)")
      }
      return (value, token)
    }
    while index < words.count {
      let word = words[index]
      index += 1
      switch word.text {
      case "filter": filter = try number("the filter number")
      case "channel": channel = try number("the channel number")
      case "bias":
        isBias = true
        if index < words.count, Int(words[index].text) != nil {
          filter = try number("the filter number")
        }
      case "preset":
        guard index < words.count else {
          throw LabError(
            message: "the preset name is missing", column: line.count,
            hint: "presets: " + KernelPreset.names)
        }
        let name = words[index]
        index += 1
        guard let preset = KernelPreset(rawValue: name.text) else {
          throw LabError(
            message: "there is no preset '\(name.text)'", column: name.column,
            hint: closestMatch(name.text, in: KernelPreset.allCases.map(\.rawValue)).map {
              "did you mean '\($0)'?"
            }
              ?? "presets: " + KernelPreset.names)
        }
        action = .preset(preset, name)
      default:
        throw LabError(
          message: "unexpected '\(word.text)'", column: word.column,
          hint: closestMatch(word.text, in: ["filter", "channel", "preset", "bias"]).map {
            "did you mean '\($0)'?"
          }
            ?? "usage: \(Self.usage)")
      }
    }
    if isBias, channel != nil, let token = channel?.token {
      throw LabError(
        message: "a bias belongs to a filter, not a channel", column: token.column,
        hint: "e.g. kernel \(layer.text) bias 0 = 0.5")
    }
    guard let equals else {
      if isBias {
        throw LabError(
          message: "the bias value is missing", column: line.count,
          hint: "e.g. kernel \(layer.text) bias 0 = 0.5")
      }
      return
    }
    if case .preset(_, let name) = action {
      throw LabError(
        message: "give a preset or numbers after '=', not both", column: name.column,
        hint: "usage: \(Self.usage)")
    }
    let literal = try PyParser.parseExpression(
      String(line.dropFirst(equals + 1)), at: SourcePosition(column: equals + 1))
    action = isBias ? .bias(literal) : .numbers(literal)
  }

  /// What `expression` was typed as, in quotes for a message: `'[2, 0]'`.
  func quoted(_ expression: PyExpr) -> String {
    let chars = Array(line)
    let from = min(max(expression.start.column, 0), chars.count)
    let to = min(max(expression.end.column, from), chars.count)
    let text = String(chars[from..<to])
    if case .constant(.string) = expression.kind { return text }
    return "'\(text)'"
  }

  /// The number `expression` writes (`-1`, `0.5`), checked to fit a float32 weight.
  func number(_ expression: PyExpr, what: String, hint: String) throws -> Float {
    guard let value = (try? expression.literalValue())?.number else {
      throw LabError(
        message: "expected \(what), got \(quoted(expression))", column: expression.start.column,
        hint: hint)
    }
    let weight = Float(value)
    guard weight.isFinite else {
      throw LabError(
        message:
          "\(quoted(expression)) does not fit a float32 weight (they stop at ±3.4e38, and must be finite)",
        column: expression.start.column, hint: hint)
    }
    return weight
  }

  /// The column of the first '=' at or after `start`, if any.
  private static func equalsColumn(in line: String, from start: Int) -> Int? {
    for (i, ch) in line.enumerated() where i >= start && ch == "=" { return i }
    return nil
  }
}

/// Hand-made 3x3 kernels that do something a learner can see.
///
/// Keras slides the kernel without flipping it (cross-correlation), so
/// `sobel_x` as written gives positive values where the image gets brighter
/// to the right and negative where it gets darker.
enum KernelPreset: String, CaseIterable {
  case sobelX = "sobel_x"
  case sobelY = "sobel_y"
  case blur
  case sharpen
  case identity

  static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

  /// Row by row, top row first.
  var rows: [[Float]] {
    switch self {
    case .sobelX: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    case .sobelY: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    case .blur: Array(repeating: Array(repeating: 1.0 / 9, count: 3), count: 3)
    case .sharpen: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    case .identity: [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    }
  }
}
