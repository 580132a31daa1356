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
    let lineLength = max(min(88, columns - 4), 40)
    let ends = [
      WholeNumber.clamped(0.45 * Double(lineLength), rounding: .towardZero),
      WholeNumber.clamped(0.80 * Double(lineLength), rounding: .towardZero), lineLength,
    ]
    let widths = [ends[0] - 3, ends[1] - ends[0] - 4, ends[2] - ends[1] - 3]
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
    func row(_ cells: [String], _ v: String) -> String {
      var parts: [String] = []
      for (i, cell) in cells.enumerated() {
        let w = widths[i]
        let clipped = cell.count > w ? String(cell.prefix(w - 1)) + "…" : cell
        let pad = String(repeating: " ", count: max(w - clipped.count, 0))
        parts.append(" " + (i == 2 ? pad + clipped : clipped + pad) + " ")
      }
      return v + parts.joined(separator: v) + v
    }
    var lines = ["Model: \"\(name)\""]
    lines.append(rule(top))
    lines.append(row(["Layer (type)", "Output Shape", "Param #"], headV))
    lines.append(rule(head))
    for (i, layer) in layers.enumerated() {
      let shape = outputShapes.indices.contains(i) ? outputShapes[i].withNoneBatch : "?"
      let built = inputShape != nil
      let params = built ? groupedThousands(layer.parameterCount) : "0 (unbuilt)"
      lines.append(row(["\(layer.name) (\(layer.typeName))", shape, params], v))
      if i < layers.count - 1 { lines.append(rule(mid)) }
    }
    lines.append(rule(bottom))
    let trainable = parameterCount
    let total = trainable + optimizerParameters
    lines.append(" Total params: \(groupedThousands(total)) (\(readableBytes(total * 4)))")
    lines.append(
      " Trainable params: \(groupedThousands(trainable)) (\(readableBytes(trainable * 4)))")
    lines.append(" Non-trainable params: 0 (0.00 B)")
    if optimizerParameters > 0 {
      lines.append(
        " Optimizer params: \(groupedThousands(optimizerParameters)) (\(readableBytes(optimizerParameters * 4)))"
      )
    }
    return lines.joined(separator: "\n")
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
