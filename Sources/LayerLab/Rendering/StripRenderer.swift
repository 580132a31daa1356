import Engine

/// Draws 1-D outputs (Flatten, Dense): values as rows of shaded characters,
/// and probabilities as a labelled bar chart.
struct StripRenderer {
  var width = 80
  /// Rows a strip may take before values are averaged in groups.
  var maxRows = 8

  /// The values in rows of at most `width - 2` characters; long vectors are
  /// averaged in groups so the strip stays within `maxRows`.
  func strip(_ values: [Float], mask: [Float]? = nil, low: Float, high: Float) -> (
    lines: [CellLine], note: String
  ) {
    let columns = max(8, min(64, width - 2))
    if let mask {
      // Masks are drawn one character per value so every dropped unit shows.
      let shown = min(values.count, columns * 16)
      let cells = (0..<shown).map { i in
        mask[i] == 0
          ? Cell(character: Ramp.dropped, tint: .dropped)
          : Cell(
            character: Ramp.glyph(values[i], low: low, high: high),
            tint: .shade(Ramp.level(values[i], low: low, high: high)))
      }
      let note =
        shown < values.count
        ? "first \(groupedThousands(shown)) of \(groupedThousands(values.count)) values"
        : "\(groupedThousands(values.count)) values"
      return (chunked(cells, columns), note)
    }
    let group = max(1, (values.count + columns * maxRows - 1) / (columns * maxRows))
    var cells: [Cell] = []
    for start in stride(from: 0, to: values.count, by: group) {
      let slice = values[start..<min(start + group, values.count)]
      let mean = slice.reduce(0, +) / Float(slice.count)
      let level = Ramp.level(mean, low: low, high: high)
      cells.append(Cell(character: Ramp.shades[level], tint: .shade(level)))
    }
    let note =
      "\(groupedThousands(values.count)) values"
      + (group > 1 ? ", each character the mean of \(group)" : "")
    return (chunked(cells, columns), note)
  }

  private func chunked(_ cells: [Cell], _ columns: Int) -> [CellLine] {
    stride(from: 0, to: cells.count, by: columns).map {
      Array(cells[$0..<min($0 + columns, cells.count)])
    }
  }

  /// One bar per class, longest for the most probable:
  /// `cats      0.213 |######              |`.
  func bars(_ probabilities: [Float], labels: [String]) -> [String] {
    // Escaped as the console will show them, so the bars line up even for
    // class names with control characters in them (from folder names).
    let names = probabilities.indices.map {
      $0 < labels.count ? SafeText.terminal(labels[$0]) : "\($0)"
    }
    let nameWidth = names.map(\.count).max() ?? 1
    let barWidth = max(10, min(40, width - nameWidth - 12))
    let top = probabilities.indices.max { probabilities[$0] < probabilities[$1] }
    return probabilities.indices.map { i in
      // NaN (a model whose outputs overflowed) draws an empty bar.
      let filled = WholeNumber.clamped(probabilities[i] * Float(barWidth), in: 0...barWidth)
      let bar =
        String(repeating: "#", count: filled) + String(repeating: " ", count: barWidth - filled)
      let mark = i == top ? " <" : ""
      return names[i].padding(nameWidth) + "  " + Fmt.fixed(probabilities[i], 3) + " |" + bar + "|"
        + mark
    }
  }
}
