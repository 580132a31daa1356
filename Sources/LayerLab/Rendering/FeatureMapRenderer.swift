/// One 2-D map (a channel of a feature map) ready to draw.
struct FeatureMap {
  var caption: String
  var height: Int
  var width: Int
  /// Row-major, `height * width` values.
  var values: [Float]
  /// 1 kept, 0 dropped, when the map is a Dropout output of a training pass.
  var mask: [Float]? = nil
}

/// Draws maps as ASCII pictures laid out in a grid that fits the terminal.
///
/// A character cell is about twice as tall as it is wide, so a small map gets
/// two columns per pixel, and a large one is average-pooled with row blocks
/// twice as tall as column blocks; either way the picture keeps its aspect.
struct FeatureMapRenderer {
  /// Columns the whole grid may use.
  var width = 80
  /// Columns one picture may use.
  var size = 24
  var gap = 2

  /// The picture of `map` with its shades spread over `low...high`.
  func picture(_ map: FeatureMap, low: Float, high: Float) -> [CellLine] {
    if let mask = map.mask { return maskedPicture(map, mask: mask, low: low, high: high) }
    return picture(map) { shade($0, low, high) }
  }

  /// The picture of `map` with each value (or block mean) drawn by `cell`:
  /// the layout of ``picture(_:low:high:)`` for any glyph scheme, e.g. `diff`'s.
  func picture(_ map: FeatureMap, cell: (Float) -> Cell) -> [CellLine] {
    if 2 * map.width <= size {
      return (0..<map.height).map { y in
        (0..<map.width).flatMap { x -> [Cell] in
          let drawn = cell(map.values[y * map.width + x])
          return [drawn, drawn]
        }
      }
    }
    // Ceiling division: the last block may be partial, never dropped.
    let columnBlock = (map.width + size - 1) / size
    let rowBlock = 2 * columnBlock
    let rows = (map.height + rowBlock - 1) / rowBlock
    let columns = (map.width + columnBlock - 1) / columnBlock
    return (0..<rows).map { r in
      (0..<columns).map { c in
        var sum: Float = 0
        var count = 0
        for y in (r * rowBlock)..<min((r + 1) * rowBlock, map.height) {
          for x in (c * columnBlock)..<min((c + 1) * columnBlock, map.width) {
            sum += map.values[y * map.width + x]
            count += 1
          }
        }
        return cell(sum / Float(max(count, 1)))
      }
    }
  }

  /// Dropout pictures are never pooled: each switched-off cell must stay visible.
  private func maskedPicture(_ map: FeatureMap, mask: [Float], low: Float, high: Float)
    -> [CellLine]
  {
    let repeatCount = 2 * map.width <= size ? 2 : 1
    return (0..<map.height).map { y in
      (0..<map.width).flatMap { x -> [Cell] in
        let i = y * map.width + x
        let cell =
          mask[i] == 0
          ? Cell(character: Ramp.dropped, tint: .dropped) : shade(map.values[i], low, high)
        return Array(repeating: cell, count: repeatCount)
      }
    }
  }

  private func shade(_ value: Float, _ low: Float, _ high: Float) -> Cell {
    let level = Ramp.level(value, low: low, high: high)
    return Cell(character: Ramp.shades[level], tint: .shade(level))
  }

  /// Pictures side by side, each under its caption, as many per row as fit in `width`.
  func grid(_ pictures: [(caption: String, lines: [CellLine])]) -> [CellLine] {
    guard !pictures.isEmpty else { return [] }
    let cellWidth =
      pictures.map { max($0.caption.count, $0.lines.map(\.count).max() ?? 0) }.max() ?? 1
    let perRow = max(1, (width + gap) / (cellWidth + gap))
    var out: [CellLine] = []
    for start in stride(from: 0, to: pictures.count, by: perRow) {
      let row = pictures[start..<min(start + perRow, pictures.count)]
      let height = row.map(\.lines.count).max() ?? 0
      if start > 0 { out.append([]) }
      out.append(joined(row.map { CellLine(text: $0.caption) }, cellWidth))
      for y in 0..<height {
        out.append(joined(row.map { y < $0.lines.count ? $0.lines[y] : [] }, cellWidth))
      }
    }
    return out
  }

  private func joined(_ parts: [CellLine], _ cellWidth: Int) -> CellLine {
    var line: CellLine = []
    for (i, part) in parts.enumerated() {
      if i > 0 { line += Array(repeating: .blank, count: gap) }
      line += part + Array(repeating: .blank, count: max(cellWidth - part.count, 0))
    }
    return line
  }
}
