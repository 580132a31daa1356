import Engine

/// A small ASCII chart of values per epoch, one glyph per series:
///
///     loss
///     1.792 |*
///           | *o
///           |   **o  o
///     0.412 |      ****
///           +---------
///            1       10 epoch
struct LinePlot {
  struct Series {
    var glyph: Character
    var values: [Float]
  }
  var height = 8
  var maxWidth = 60

  func render(title: String, series: [Series], fixedRange: (Float, Float)? = nil) -> [String] {
    let count = series.map(\.values.count).max() ?? 0
    guard count > 0 else { return [] }
    let finite = series.flatMap(\.values).filter(\.isFinite)
    var (low, high) = fixedRange ?? (finite.min() ?? 0, finite.max() ?? 1)
    if high - low < 1e-6 { (low, high) = (low - 0.5, high + 0.5) }
    // Stretch few epochs over a readable width; squeeze many into maxWidth.
    let width = min(maxWidth, max(count, min(count * 4, 40)))
    var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
    for s in series {
      for (i, v) in s.values.enumerated() where v.isFinite {
        let x =
          count == 1 ? 0 : WholeNumber.clamped(Float(i) * Float(width - 1) / Float(count - 1))
        // high - low overflows to infinity for values near ±3e38: the row clamps.
        let row = WholeNumber.clamped(
          (high - v) / (high - low) * Float(height - 1), in: 0...(height - 1))
        // Where two series meet, show both as one mark.
        grid[row][x] = grid[row][x] == " " || grid[row][x] == s.glyph ? s.glyph : "@"
      }
    }
    let top = Self.label(high)
    let bottom = Self.label(low)
    let labelWidth = max(top.count, bottom.count)
    var lines = [title]
    for (r, row) in grid.enumerated() {
      let label = r == 0 ? top : r == height - 1 ? bottom : ""
      lines.append(
        String(repeating: " ", count: labelWidth - label.count) + label + " |" + String(row))
    }
    lines.append(
      String(repeating: " ", count: labelWidth) + " +" + String(repeating: "-", count: width))
    let first = "1"
    let last = "\(count)"
    let gap = max(width - first.count - last.count, 1)
    lines.append(
      String(repeating: " ", count: labelWidth + 2) + first + String(repeating: " ", count: gap)
        + last + " epoch")
    return lines.map { $0.trimmingTrailingSpaces() }
  }

  static func label(_ value: Float) -> String { ProgressRenderer.four(value) }
}
