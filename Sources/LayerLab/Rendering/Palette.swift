import Engine

/// How many colours the terminal shows, and so which escapes a drawing uses.
enum ColorDepth: Equatable, Sendable {
  /// Plain text: piped output, `NO_COLOR`, `TERM=dumb`, `--no-color`.
  case none
  /// The xterm 256-colour palette (`ESC[38;5;Nm`).
  case palette256
  /// 24-bit colour (`ESC[38;2;R;G;Bm`), when `COLORTERM` says `truecolor` or `24bit`.
  case trueColor
}

/// A colour as the terminal gets it, 8 bits a channel.
struct RGB: Equatable, Sendable {
  var r: UInt8
  var g: UInt8
  var b: UInt8

  init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
    self.r = r
    self.g = g
    self.b = b
  }

  /// A colour from channel values in 0...1 (clamped; NaN counts as 0).
  init(unit r: Float, _ g: Float, _ b: Float) {
    self.init(Self.byte(r), Self.byte(g), Self.byte(b))
  }

  static func byte(_ value: Float) -> UInt8 {
    guard value.isFinite else { return 0 }
    return WholeNumber.byte(value * 255)
  }

  /// This colour dimmed towards black: `t` 1 is the colour, 0 black.
  func scaled(by t: Float) -> RGB {
    RGB(unit: Float(r) / 255 * t, Float(g) / 255 * t, Float(b) / 255 * t)
  }

  /// Perceived brightness 0...1 (ITU-R BT.601 weights, as `show input gray`).
  var luminance: Float {
    (0.299 * Float(r) + 0.587 * Float(g) + 0.114 * Float(b)) / 255
  }

  /// The nearest colour of the xterm 256-colour palette: the 6x6x6 cube
  /// (16...231, levels 0, 95, 135, ..., 255) or the grey ramp (232...255).
  var palette256: Int {
    let levels = [0, 95, 135, 175, 215, 255]
    func nearestLevel(_ v: UInt8) -> Int {
      levels.indices.min { abs(levels[$0] - v.asInt) < abs(levels[$1] - v.asInt) } ?? 0
    }
    let (cr, cg, cb) = (nearestLevel(r), nearestLevel(g), nearestLevel(b))
    let cube = RGB(UInt8(levels[cr]), UInt8(levels[cg]), UInt8(levels[cb]))
    let mean = (r.asInt + g.asInt + b.asInt) / 3
    let step = min(max((mean - 8 + 5) / 10, 0), 23)
    let grey = RGB(UInt8(8 + 10 * step), UInt8(8 + 10 * step), UInt8(8 + 10 * step))
    return distance(to: grey) < distance(to: cube) ? 232 + step : 16 + 36 * cr + 6 * cg + cb
  }

  private func distance(to other: RGB) -> Int {
    let (dr, dg, db) = (r.asInt - other.r.asInt, g.asInt - other.g.asInt, b.asInt - other.b.asInt)
    return dr * dr + dg * dg + db * db
  }

  /// The foreground (`background` false) or background escape for this colour.
  func escape(_ depth: ColorDepth, background: Bool) -> String {
    switch depth {
    case .none: return ""
    case .palette256: return background ? "48;5;\(palette256)" : "38;5;\(palette256)"
    case .trueColor: return (background ? "48;2;" : "38;2;") + "\(r);\(g);\(b)"
    }
  }
}

/// The colours maps are painted with in half blocks.
enum ColorMap: String, CaseIterable, Sendable {
  /// Dark purple through blue and green to yellow: brightness rises evenly,
  /// so it reads right in colour and in grey, and to colour-blind eyes.
  case viridis
  case gray

  /// The colour for `t` in 0...1 (0 the lowest value shown, 1 the highest).
  func color(_ t: Float) -> RGB {
    let t = t.isFinite ? min(max(t, 0), 1) : 0
    switch self {
    case .gray:
      // Not quite black, so the lowest values still differ from the background.
      return RGB(unit: 0.08 + 0.92 * t, 0.08 + 0.92 * t, 0.08 + 0.92 * t)
    case .viridis:
      return Self.interpolate(Self.viridisStops, t)
    }
  }

  /// matplotlib's viridis (van der Walt and Smith, CC0), every 32nd of its
  /// 256 entries and the last, in 8 bits: `_viridis_data` in `_cm_listed.py`.
  static let viridisStops: [RGB] = [
    RGB(68, 1, 84), RGB(71, 44, 122), RGB(59, 81, 139), RGB(44, 113, 142), RGB(33, 144, 141),
    RGB(39, 173, 129), RGB(92, 200, 99), RGB(170, 220, 50), RGB(253, 231, 37),
  ]

  /// The colour a Dropout-switched-off cell is painted: a red that neither
  /// viridis nor grey ever shows, so it cannot be read as a value.
  static let dropped = RGB(230, 40, 60)

  /// `diff`'s colours: blue for a value that went down, red for one that went
  /// up, fading to the dark centre for no change (so an unchanged map is dark
  /// like the blank of the ASCII drawing). `t` runs from -1 to 1.
  static func diverging(_ t: Float) -> RGB {
    let t = t.isFinite ? min(max(t, -1), 1) : 0
    let centre = RGB(40, 40, 40)
    return t >= 0
      ? interpolate([centre, RGB(200, 60, 50), RGB(255, 190, 90)], t)
      : interpolate([centre, RGB(50, 100, 210), RGB(120, 210, 255)], -t)
  }

  /// The colour at `t` along evenly spaced `stops`, blended linearly.
  private static func interpolate(_ stops: [RGB], _ t: Float) -> RGB {
    guard stops.count > 1 else { return stops.first ?? RGB(0, 0, 0) }
    let position = t * Float(stops.count - 1)
    let i = WholeNumber.clamped(position, in: 0...(stops.count - 2), rounding: .towardZero)
    let f = position - Float(i)
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
      WholeNumber.byte(Float(a) + (Float(b) - Float(a)) * f)
    }
    let (a, b) = (stops[i], stops[i + 1])
    return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
  }
}

extension UInt8 {
  /// The byte as an `Int`, for colour arithmetic (always exact).
  fileprivate var asInt: Int { Int(truncatingIfNeeded: self) }
}
