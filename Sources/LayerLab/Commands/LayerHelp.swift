import Engine

/// What `help LAYER` and `help add` say about Keras layers, generated from
/// the layer registry (``LayerKind``), so a new layer documents itself.
enum LayerHelp {
  /// The layer kind `word` names (`Conv2D`, or `conv2d` in any case).
  static func kind(named word: String) -> LayerKind? {
    LayerKind.allCases.first { $0.className.lowercased() == word.lowercased() }
  }

  /// `help Conv2D`: what it does, its Keras signature, an example, the lesson.
  static func lines(for kind: LayerKind) -> [String] {
    var lines = ["\(kind.className): \(kind.summary)"]
    lines += wrapped(kind.about)
    let own = Signature(kind.className, kind.ownArguments)
    let synopsis = "\(own.synopsis.dropLast())\(own.arguments.isEmpty ? "" : ", ")**kwargs)"
    lines += wrapped("signature: " + synopsis, indent: 2)
    let kept = own.keptAtDefault.map(\.name)
    if !kept.isEmpty {
      lines += wrapped("kept at Keras's default: " + kept.joined(separator: ", "), indent: 2)
    }
    lines.append("kwargs: name='...', and input_shape=(H, W, C) on the first layer")
    lines.append("example: model.add(\(kind.example))")
    if let lesson = kind.lesson {
      let number = Int(lesson.prefix { $0.isNumber }).map(String.init) ?? lesson
      lines.append("lesson: lesson \(number) (\(lesson)) shows it")
    }
    return lines
  }

  /// The layer list under `help add`.
  static var catalog: String {
    let width = (LayerKind.allCases.map(\.className.count).max() ?? 0) + 2
    return LayerKind.allCases.map { "  " + $0.className.padding(width) + $0.summary }
      .joined(separator: "\n")
  }

  /// `text` in lines of at most `width` columns, broken at spaces; lines after the first start `indent` blanks in.
  static func wrapped(_ text: String, width: Int = 76, indent: Int = 0) -> [String] {
    var lines: [String] = []
    var current = ""
    let margin = String(repeating: " ", count: indent)
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      if current.isEmpty {
        current = (lines.isEmpty ? "" : margin) + word
      } else if current.count + 1 + word.count <= width {
        current += " " + word
      } else {
        lines.append(current)
        current = margin + word
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
  }
}
