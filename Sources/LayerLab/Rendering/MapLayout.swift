import Engine

/// The characters a map is drawn with: ASCII shades, or coloured half blocks
/// (two pixels to a character) on a colour terminal.
enum Glyphs: String, CaseIterable, Sendable {
  case ascii
  case blocks
}

/// How one map's pixels become characters: how many across and down, and
/// how many pixels each one stands for.
///
/// A character cell is about twice as tall as it is wide. In ASCII one
/// character is one dot covering `s` pixels across and `2s` down; with half
/// blocks it holds two dots, each `s` by `s`, one over the other. A map that
/// fits twice over is magnified (each pixel two characters across and one
/// row, or two half-block dots, down), one that fits once is drawn at one
/// character per pixel across, and a larger one is reduced: every dot is the
/// area-weighted mean of the pixels it covers, fractions of pixels included,
/// so all dots stand for the same area and none is a partial block.
struct MapLayout: Equatable {
  enum Resolution: Equatable {
    /// Each pixel two characters across (and one row, or two dots, down).
    case magnified
    /// One character per pixel across.
    case full
    /// Fewer characters than pixels: each dot a mean.
    case reduced
  }

  /// The map, in pixels (cells).
  let height: Int
  let width: Int
  let glyphs: Glyphs
  let resolution: Resolution
  /// Characters across.
  let columns: Int
  /// Rows of dots: character rows in ASCII, twice as many (at most) in half blocks.
  let dotRows: Int
  /// True when every cell keeps a dot of its own even where that stretches
  /// the picture (Dropout in ASCII: each switched-off cell must show).
  let exact: Bool

  /// Character rows on screen.
  var rows: Int { glyphs == .blocks ? (dotRows + 1) / 2 : dotRows }
  /// Pixels one dot stands for, across and down.
  var pixelsAcross: Double { Double(width) / Double(columns) }
  var pixelsDown: Double { Double(height) / Double(dotRows) }

  /// The largest drawing of a `height` x `width` map within `budget` columns.
  /// `exact` keeps one ASCII row per cell when the map is drawn at full width.
  init(height: Int, width: Int, budget: Int, glyphs: Glyphs, exact: Bool = false) {
    self.height = max(height, 1)
    self.width = max(width, 1)
    self.glyphs = glyphs
    self.exact = exact
    let budget = max(budget, 1)
    let (h, w) = (self.height, self.width)
    if 2 * w <= budget {
      resolution = .magnified
      columns = 2 * w
      dotRows = glyphs == .blocks ? 2 * h : h
    } else if w <= budget {
      resolution = .full
      columns = w
      // ASCII: a row covers two pixel rows, so the map keeps its shape.
      dotRows = glyphs == .blocks || exact ? h : max(1, WholeNumber.clamped(Double(h) / 2))
    } else {
      resolution = .reduced
      // A whole number of pixels per character when one is within a tenth
      // of the room (48 pixels in 24 columns, not 25), so the scale reads simply.
      let narrowest = WholeNumber.clamped(Double(budget) * 0.9, rounding: .up)
      columns =
        stride(from: budget, through: max(narrowest, 1), by: -1).first { w % $0 == 0 } ?? budget
      let across = Double(w) / Double(columns)
      let down = glyphs == .blocks ? across : 2 * across
      dotRows = max(1, WholeNumber.clamped(Double(h) / down))
    }
  }

  /// `values` (row-major, `height * width`) as `dotRows * columns` dots.
  /// Values that are not finite are left out of a mean; a dot with none is NaN.
  func sample(_ values: [Float]) -> [Float] {
    guard values.count >= height * width else {
      return [Float](repeating: .nan, count: dotRows * columns)
    }
    let (rowsFrom, columnsFrom) = (Self.spans(height, dotRows), Self.spans(width, columns))
    var out = [Float](repeating: 0, count: dotRows * columns)
    for (r, rowSpan) in rowsFrom.enumerated() {
      for (c, columnSpan) in columnsFrom.enumerated() {
        var sum: Double = 0
        var weight: Double = 0
        for (y, wy) in rowSpan {
          for (x, wx) in columnSpan {
            let v = values[y * width + x]
            guard v.isFinite else { continue }
            sum += Double(v) * wy * wx
            weight += wy * wx
          }
        }
        out[r * columns + c] = weight > 0 ? Float(sum / weight) : .nan
      }
    }
    return out
  }

  /// For each dot, the share of its cells whose `mask` is 0 (switched off).
  func droppedShare(_ mask: [Float]) -> [Float] {
    sample(mask.map { $0 == 0 ? 1 : 0 })
  }

  /// For each of `to` output positions, the source positions it covers and
  /// the fraction of each covered: `from / to` source units per output unit.
  private static func spans(_ from: Int, _ to: Int) -> [[(Int, Double)]] {
    let step = Double(from) / Double(to)
    return (0..<to).map { i in
      let (start, end) = (Double(i) * step, Double(i + 1) * step)
      var parts: [(Int, Double)] = []
      var p = WholeNumber.clamped(start, rounding: .down)
      while Double(p) < end - 1e-9, p < from {
        let overlap = min(end, Double(p + 1)) - max(start, Double(p))
        if overlap > 1e-9 { parts.append((p, overlap)) }
        p += 1
      }
      return parts
    }
  }

  /// What one character stands for: `1 char = 1x2 px`, `1 char = mean of
  /// 4x8 px`, `1 px = 2 chars x 1 row`; `unit` names what a map holds.
  func scaleText(unit: String = "px") -> String {
    switch resolution {
    case .magnified:
      return "1 \(unit) = 2 chars x 1 row"
    case .full, .reduced:
      if exact, glyphs == .ascii, resolution == .full {
        return "1 char = 1 \(unit) (drawn 2x tall)"
      }
      let down = pixelsDown * (glyphs == .blocks ? 2 : 1)
      let mean = resolution == .reduced || pixelsDown != pixelsDown.rounded() ? "mean of " : ""
      let units = unit == "px" ? unit : unit + "s"
      return "1 char = \(mean)\(Self.number(pixelsAcross))x\(Self.number(down)) \(units)"
        + (glyphs == .blocks ? " (top and bottom half)" : "")
    }
  }

  /// `2`, `1.25`, `3.9`: whole numbers bare, small ones to two decimals, or
  /// to `digits` significant digits; no trailing zeros.
  static func number(_ value: Double, digits: Int? = nil) -> String {
    guard value.isFinite else { return "\(value)" }
    if digits == nil, abs(value - value.rounded()) < 0.005, abs(value) < 1e15 {
      return "\(WholeNumber.clamped(value))"
    }
    var text = digits.map { Fmt.sig(value, $0) } ?? Fmt.fixed(value, value < 2 ? 2 : 1)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text
  }
}
