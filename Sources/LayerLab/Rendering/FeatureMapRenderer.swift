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

/// Draws maps as pictures laid out in a grid that fills the width: ASCII
/// shades, or coloured half blocks on a colour terminal.
///
/// ``MapLayout`` decides how many pixels a character stands for; this
/// decides how wide each picture may be (one map takes the whole width,
/// several share it) and turns the dots into cells.
struct FeatureMapRenderer {
  /// Columns the whole grid may use.
  var width = 80
  /// Columns one picture may use (`show ... size N`); nil: fill the width.
  var size: Int?
  var gap = 2
  var glyphs: Glyphs = .ascii
  var colorMap: ColorMap = .viridis
  /// Pictures are made no narrower than this to fit more in a row, so a
  /// wide terminal shows more maps side by side and each stays legible.
  static let narrowestTile = 24

  /// The columns each of `count` pictures may take: `size`, or an equal
  /// share of the width with as many side by side as stay `narrowestTile` wide.
  func budget(count: Int) -> Int {
    if let size { return max(1, min(size, width)) }
    let perRow = min(max(count, 1), max(1, (width + gap) / (Self.narrowestTile + gap)))
    return max(1, (width - (perRow - 1) * gap) / perRow)
  }

  /// How `map` is drawn when it is one of `count` pictures side by side.
  func layout(for map: FeatureMap, count: Int = 1, exact: Bool = false) -> MapLayout {
    MapLayout(
      height: map.height, width: map.width, budget: budget(count: count), glyphs: glyphs,
      exact: exact)
  }

  /// The picture of `map` with its shades spread over `low...high`.
  func picture(_ map: FeatureMap, low: Float, high: Float) -> [CellLine] {
    let layout = layout(for: map, exact: map.mask != nil)
    return picture(
      dots: layout.sample(map.values), dropped: map.mask.map(layout.droppedShare),
      layout: layout, low: low, high: high)
  }

  /// A picture from `dots` (see ``MapLayout/sample(_:)``): shades or colours
  /// over `low...high`, and dots whose every cell was dropped (`dropped`
  /// share 1) in Dropout's own glyph and colour.
  func picture(dots: [Float], dropped: [Float]?, layout: MapLayout, low: Float, high: Float)
    -> [CellLine]
  {
    func isDropped(_ i: Int) -> Bool { dropped.map { $0[i] > 0.999 } ?? false }
    return draw(
      layout,
      ascii: { i in
        if isDropped(i) { return Cell(character: Ramp.dropped, tint: .dropped) }
        let level = Ramp.level(dots[i], low: low, high: high)
        return Cell(character: Ramp.shades[level], tint: .shade(level))
      },
      color: { i in
        isDropped(i) ? ColorMap.dropped : colorMap.color(Self.fraction(dots[i], low, high))
      })
  }

  /// Where `value` lies in `low...high`, 0...1; a flat map is all 0.
  static func fraction(_ value: Float, _ low: Float, _ high: Float) -> Float {
    guard high > low, value.isFinite else { return 0 }
    return min(max((value - low) / (high - low), 0), 1)
  }

  /// The cells of a drawing in `layout`: in ASCII each dot is `ascii(i)`;
  /// with half blocks two dots, one over the other, share a character,
  /// coloured `color(i)`. `i` counts dots row by row.
  func draw(_ layout: MapLayout, ascii: (Int) -> Cell, color: (Int) -> RGB) -> [CellLine] {
    let columns = layout.columns
    switch layout.glyphs {
    case .ascii:
      return (0..<layout.dotRows).map { r in (0..<columns).map { ascii(r * columns + $0) } }
    case .blocks:
      return (0..<layout.rows).map { row in
        (0..<columns).map { c in
          let top = color(2 * row * columns + c)
          let bottom = 2 * row + 1 < layout.dotRows ? color((2 * row + 1) * columns + c) : nil
          return Cell.halves(top, bottom)
        }
      }
    }
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

  /// A colour bar for a legend: `count` characters from `map`'s lowest to highest colour.
  static func swatch(_ colors: (Float) -> RGB, count: Int = 16) -> CellLine {
    (0..<count).map { i in
      let c = colors(Float(i) / Float(max(count - 1, 1)))
      return Cell.halves(c, c)
    }
  }
}
