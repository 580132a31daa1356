import Engine

/// The characters feature maps are drawn with, dark to bright, and the
/// glyphs that mean something other than brightness.
enum Ramp {
  /// Ten shades, darkest (lowest value) first.
  static let shades: [Character] = Array(" .:-=+*#%@")
  /// A cell Dropout switched off. Not a shade, so it can never be read as a value.
  static let dropped: Character = "x"
  /// A cell Dropout kept, in `show dropout mask`.
  static let kept: Character = "o"

  /// The shade index (0...9) of `value` within `low...high`; a flat map is all darkest.
  static func level(_ value: Float, low: Float, high: Float) -> Int {
    guard high > low, value.isFinite else { return 0 }
    let t = (value - low) / (high - low)
    // `t` can be infinite when high - low overflows Float.
    return WholeNumber.clamped(
      t * Float(shades.count), in: 0...(shades.count - 1), rounding: .towardZero)
  }

  /// `diff`'s glyphs for a change, weakest first: down, and up. Unchanged is a blank.
  static let decreases: [Character] = ["-", "=", "#"]
  static let increases: [Character] = ["+", "*", "@"]

  /// The diverging cell for `change` on a scale where ±`largest` is the strongest glyph;
  /// changes under a tenth of it count as none, so noise does not speckle the map.
  static func change(_ change: Float, largest: Float) -> Cell {
    guard largest > 0, change.isFinite else { return .blank }
    let t = change / largest
    guard abs(t) >= 0.1 else { return .blank }
    let level = WholeNumber.clamped(abs(t) * 3, in: 0...2, rounding: .towardZero)
    return t > 0
      ? Cell(character: increases[level], tint: .increase(level))
      : Cell(character: decreases[level], tint: .decrease(level))
  }

  static func glyph(_ value: Float, low: Float, high: Float) -> Character {
    shades[level(value, low: low, high: high)]
  }
}

/// One character on screen with how to colour it.
struct Cell: Equatable {
  enum Tint: Equatable {
    case plain
    /// A grey from the 256-colour ramp, 0 (dark) ... 9 (bright).
    case shade(Int)
    case dropped
    /// `diff`: a value that went up or down, 0 (a little) ... 2 (the most).
    case increase(Int)
    case decrease(Int)
    /// Two pixels in one character: the upper half block in `top`'s colour
    /// over a background of `bottom`'s (nil: the terminal's own, for the last
    /// row of a picture with an odd number of pixel rows).
    case halves(top: RGB, bottom: RGB?)
  }
  var character: Character
  var tint: Tint = .plain

  static let blank = Cell(character: " ")
  /// The upper half block, U+2580: its foreground is the top pixel, its background the bottom one.
  static let upperHalf: Character = "\u{2580}"

  /// Two stacked pixels as one character.
  static func halves(_ top: RGB, _ bottom: RGB?) -> Cell {
    Cell(character: upperHalf, tint: .halves(top: top, bottom: bottom))
  }
}

/// A row of cells, turned into text with or without ANSI colour.
typealias CellLine = [Cell]

extension Array where Element == Cell {
  init(text: String) { self = text.map { Cell(character: $0) } }

  /// The line as text: plain ASCII, or shaded with ANSI escapes on a colour terminal.
  func rendered(color: Bool) -> String { rendered(color ? .palette256 : .none) }

  /// The line as text with the escapes `depth` allows. Half blocks need
  /// colour; without it (a drawing that reached plain output) each becomes
  /// the ASCII shade of its two pixels' mean brightness.
  func rendered(_ depth: ColorDepth) -> String {
    var out = ""
    var current: Cell.Tint = .plain
    for cell in self {
      var character = cell.character
      if depth != .none, cell.tint != current {
        if current != .plain { out += "\u{1B}[0m" }
        switch cell.tint {
        case .plain: break
        // 232...255 is the 24-step grey ramp; start at 240 so dark shades stay visible.
        case .shade(let level): out += "\u{1B}[38;5;\(240 + level * 15 / 9)m"
        case .dropped: out += "\u{1B}[31m"
        // Reds up, blues down, paler for smaller changes (256-colour codes).
        case .increase(let level):
          out += "\u{1B}[38;5;\([217, 203, 196][Swift.min(Swift.max(level, 0), 2)])m"
        case .decrease(let level):
          out += "\u{1B}[38;5;\([153, 75, 27][Swift.min(Swift.max(level, 0), 2)])m"
        case .halves(let top, let bottom):
          out +=
            "\u{1B}[" + top.escape(depth, background: false) + ";"
            + (bottom?.escape(depth, background: true) ?? "49") + "m"
        }
        current = cell.tint
      }
      if depth == .none, case .halves(let top, let bottom) = cell.tint {
        let brightness = (top.luminance + (bottom ?? top).luminance) / 2
        character = Ramp.glyph(brightness, low: 0, high: 1)
      }
      // A character from a caption (a layer name read from a file) must not
      // carry an escape of its own into the drawing.
      let text = String(character)
      out += SafeText.isPrintable(text) ? text : SafeText.terminal(text)
    }
    if depth != .none, current != .plain { out += "\u{1B}[0m" }
    var trimmed = Substring(out)
    while trimmed.last == " " { trimmed = trimmed.dropLast() }
    return String(trimmed)
  }
}

/// Numbers spelled the same way on every machine (no locale, no printf).
enum Fmt {
  /// `value` rounded to `digits` decimals: fixed(-0.123, 2) == "-0.12".
  static func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 1e17 else { return "\(value)" }
    let units = Int(scaled)
    let whole = units / Int(scale)
    let fraction = units % Int(scale)
    var text = "\(whole)"
    if digits > 0 {
      let f = String(fraction)
      text += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return (value < 0 && units != 0 ? "-" : "") + text
  }

  static func fixed(_ value: Float, _ digits: Int) -> String { fixed(Double(value), digits) }

  /// `[-0.12, 0.84]`.
  static func range(_ low: Float, _ high: Float) -> String {
    "[\(fixed(low, 2)), \(fixed(high, 2))]"
  }
}
