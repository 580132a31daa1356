import Engine
import Foundation

extension Fmt {
  /// `value` with about `digits` significant digits: 0.01234, 1.234, 123.4, 1234.
  static func sig(_ value: Double, _ digits: Int = 4) -> String {
    guard value.isFinite else { return "\(value)" }
    guard value != 0 else { return "0" }
    return fixed(value, decimals(forLargest: abs(value), digits: digits))
  }

  /// Decimals that give a column's largest magnitude `digits` significant
  /// digits, so one column shares one rounding and lines up on the point.
  static func decimals(forLargest magnitude: Double, digits: Int = 3) -> Int {
    guard magnitude.isFinite, magnitude > 0 else { return 2 }
    let exponent = WholeNumber.clamped(log10(magnitude), rounding: .down)
    return min(max(digits - 1 - exponent, 0), 6)
  }
}

/// Small grids of numbers, right-aligned, several side by side:
///
///     input                  kernel f0 c0           product
///     (0)    (0)    (0)      -0.123  0.201  0.033   0       0      0
///     0.050  0.050  0.050    ...
enum NumberTable {
  /// One table: a title over rows of already formatted cells.
  struct Table {
    var title: String
    var rows: [[String]]

    /// Right-aligns each cell to the widest in the table.
    var lines: [String] {
      let cell = rows.flatMap { $0 }.map(\.count).max() ?? 0
      let body = rows.map { $0.map { $0.padded(cell) }.joined(separator: " ") }
      return [title] + body
    }
  }

  /// Formats a grid of numbers with one rounding; nil cells become `empty`.
  static func table(
    _ title: String, _ values: [[Double?]], empty: String = "(0)", mark: (Int, Int)? = nil
  ) -> Table {
    let largest = values.flatMap { $0.compactMap { $0.map(abs) } }.max() ?? 0
    let digits = Fmt.decimals(forLargest: largest)
    let rows = values.enumerated().map { r, row in
      row.enumerated().map { c, value -> String in
        guard let value else { return empty }
        let text = Fmt.fixed(value, digits)
        return mark.map { $0 == (r, c) } == true ? "[" + text + "]" : text
      }
    }
    return Table(title: title, rows: rows)
  }

  /// Tables side by side, `gap` apart, wrapping to a new band when `width` is reached.
  static func sideBySide(_ tables: [Table], width: Int, gap: Int = 3, indent: Int = 2) -> [String] {
    let blocks = tables.map(\.lines)
    let widths = blocks.map { $0.map(\.count).max() ?? 0 }
    var out: [String] = []
    var start = 0
    while start < blocks.count {
      var end = start + 1
      var used = indent + widths[start]
      while end < blocks.count, used + gap + widths[end] <= width {
        used += gap + widths[end]
        end += 1
      }
      let height = blocks[start..<end].map(\.count).max() ?? 0
      for y in 0..<height {
        let parts = (start..<end).map { i in
          (y < blocks[i].count ? blocks[i][y] : "").padding(widths[i])
        }
        out.append(
          (String(repeating: " ", count: indent)
            + parts.joined(separator: String(repeating: " ", count: gap))).trimmingTrailingSpaces())
      }
      start = end
    }
    return out
  }

  /// Rows of cells as aligned columns: `leftColumns` left-aligned, the rest right-aligned.
  static func columns(_ rows: [[String]], leftColumns: Int = 1, indent: Int = 2, gap: Int = 2)
    -> [String]
  {
    let count = rows.map(\.count).max() ?? 0
    let widths = (0..<count).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    return rows.map { row in
      let cells = row.enumerated().map { c, text in
        c < leftColumns ? text.padding(widths[c]) : text.padded(widths[c])
      }
      return
        (String(repeating: " ", count: indent)
        + cells.joined(separator: String(repeating: " ", count: gap))).trimmingTrailingSpaces()
    }
  }
}
