/// The characters a summary table is drawn with.
public enum TableStyle: Sendable {
  /// Rich's heavy-head box, as Keras 3 prints on a terminal.
  case unicode
  /// The same table in plain ASCII, for piped output and transcripts.
  case ascii
}

extension Sequential {
  /// The model as Keras 3's `model.summary()` lays it out for a Sequential
  /// model: a table (Layer (type) / Output Shape / Param #, a rule between
  /// rows), then Total / Trainable / Non-trainable params with their size in
  /// float32 bytes (keras/src/utils/summary_utils.py, print_summary).
  ///
  /// Keras's line length is min(88, terminal columns − 4): 88 on a wide
  /// terminal, 76 when piped (Python falls back to 80 columns). Pass the
  /// terminal's width as `columns`. `optimizerParameters` adds Keras's
  /// "Optimizer params" line once an optimizer holds state.
  public func summary(style: TableStyle = .ascii, columns: Int = 80, optimizerParameters: Int = 0)
    -> String
  {
    // Columns end at 45%, 80% and 100% of the line; rich then shrinks the
    // cells by 3, 4 and 3 to make room for borders and padding. Checked
    // against Keras 3.15: cells of 36/27/15 at 88 and 31/22/13 at 76.
    let lineLength = max(min(88, columns - 4), min(40, columns))
    let ends = [
      WholeNumber.clamped(0.45 * Double(lineLength), rounding: .towardZero),
      WholeNumber.clamped(0.80 * Double(lineLength), rounding: .towardZero), lineLength,
    ]
    var widths = [ends[0] - 3, ends[1] - ends[0] - 4, ends[2] - ends[1] - 3]
    // Narrower than Keras's piped 76 (a terminal under 80 columns), rich
    // wraps a cell at its spaces, as `row` does, and would cut a count too
    // long for its cell ("17,334,7…"); LayerLab widens Param # to the
    // longest count instead, taking the room from Layer (type), whose names
    // wrap, so every number stays whole and the table still fits.
    let counts = layers.map {
      inputShape != nil ? groupedThousands($0.weightCount) : "0 (unbuilt)"
    }
    let longest = max(counts.map(\.count).max() ?? 0, "Param #".count)
    if longest > widths[2], widths[0] - (longest - widths[2]) >= 8 {
      widths[0] -= longest - widths[2]
      widths[2] = longest
    }
    // Top, header rule, row rule and bottom: (left, middle, right, fill); then the two verticals.
    let (top, head, mid, bottom, headV, v) =
      style == .unicode
      ? (
        ["┏", "┳", "┓", "━"], ["┡", "╇", "┩", "━"], ["├", "┼", "┤", "─"], ["└", "┴", "┘", "─"], "┃",
        "│"
      )
      : (
        ["+", "+", "+", "="], ["+", "+", "+", "="], ["+", "+", "+", "-"], ["+", "+", "+", "-"], "|",
        "|"
      )
    func rule(_ c: [String]) -> String {
      c[0] + widths.map { String(repeating: c[3], count: $0 + 2) }.joined(separator: c[1]) + c[2]
    }
    // One table row, on as many lines as its longest cell wraps to.
    func row(_ cells: [String], _ v: String) -> String {
      let wrapped = cells.enumerated().map { i, cell in Self.cellLines(cell, width: widths[i]) }
      let height = wrapped.map(\.count).max() ?? 1
      var lines: [String] = []
      for line in 0..<height {
        var parts: [String] = []
        for (i, cellLines) in wrapped.enumerated() {
          let text = line < cellLines.count ? cellLines[line] : ""
          let pad = String(repeating: " ", count: max(widths[i] - text.count, 0))
          parts.append(" " + (i == 2 ? pad + text : text + pad) + " ")
        }
        lines.append(v + parts.joined(separator: v) + v)
      }
      return lines.joined(separator: "\n")
    }
    var lines = ["Model: \"\(name)\""]
    lines.append(rule(top))
    lines.append(row(["Layer (type)", "Output Shape", "Param #"], headV))
    lines.append(rule(head))
    for (i, layer) in layers.enumerated() {
      let shape = outputShapes.indices.contains(i) ? outputShapes[i].withNoneBatch : "?"
      lines.append(row(["\(layer.name) (\(layer.typeName))", shape, counts[i]], v))
      if i < layers.count - 1 { lines.append(rule(mid)) }
    }
    lines.append(rule(bottom))
    let trainable = parameterCount
    let frozen = weightCount - trainable
    let total = trainable + frozen + optimizerParameters
    lines.append(" Total params: \(groupedThousands(total)) (\(readableBytes(total * 4)))")
    lines.append(
      " Trainable params: \(groupedThousands(trainable)) (\(readableBytes(trainable * 4)))")
    lines.append(
      " Non-trainable params: \(groupedThousands(frozen)) (\(readableBytes(frozen * 4)))")
    if optimizerParameters > 0 {
      lines.append(
        " Optimizer params: \(groupedThousands(optimizerParameters)) (\(readableBytes(optimizerParameters * 4)))"
      )
    }
    return lines.joined(separator: "\n")
  }

  /// `text` in lines of at most `width`, broken at spaces as rich wraps a
  /// table cell; a word longer than the cell is cut with an ellipsis.
  static func cellLines(_ text: String, width: Int) -> [String] {
    guard text.count > width, width > 1 else { return [text] }
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      let piece = word.count > width ? String(word.prefix(width - 1)) + "…" : String(word)
      if current.isEmpty {
        current = piece
      } else if current.count + 1 + piece.count <= width {
        current += " " + piece
      } else {
        lines.append(current)
        current = piece
      }
    }
    lines.append(current)
    return lines
  }
}

/// 17403430 → "17,403,430", Python's `f"{n:,}"`.
public func groupedThousands(_ value: Int) -> String {
  let digits = String(value.magnitude)
  var out = ""
  for (i, ch) in digits.enumerated() {
    if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(ch)
  }
  return value < 0 ? "-" + out : out
}

/// Keras's `readable_memory_size`: powers of 1024, two decimals, "66.39 MB".
public func readableBytes(_ bytes: Int) -> String {
  var size = Double(bytes)
  for unit in ["B", "KB", "MB", "GB", "TB"] {
    if size / 1024 < 1 { return twoDecimals(size) + " " + unit }
    size /= 1024
  }
  return twoDecimals(size) + " PB"
}

/// Fixed two-decimal spelling without Foundation's locale-dependent formatting.
func twoDecimals(_ value: Double) -> String {
  let hundredths = WholeNumber.clamped(value * 100)
  let whole = hundredths / 100
  let frac = hundredths % 100
  return "\(whole)." + (frac < 10 ? "0" : "") + "\(frac)"
}
