import Engine
import Testing

@testable import LayerLab

@Suite struct RendererTests {
  /// Class names with control characters (from folder names) are shown
  /// escaped, so the bars are measured on what the terminal shows: the
  /// bars of `predict` line up whatever the names hold.
  @Test func probabilityBarsLineUpWithEscapedNames() {
    let lines = StripRenderer(width: 80).bars(
      [0.5, 0.25, 0.25], labels: ["cat\u{1B}[31mRED", "dog", "bird"])
    let columns = lines.map { line in
      line.firstIndex(of: "|").map { line.distance(from: line.startIndex, to: $0) }
    }
    #expect(Set(columns).count == 1, "\(lines)")
    #expect(!lines.joined().contains("\u{1B}"))
  }

  @Test func rampRunsDarkToBrightAndDroppedIsNoShade() {
    #expect(Ramp.glyph(0, low: 0, high: 1) == " ")
    #expect(Ramp.glyph(1, low: 0, high: 1) == "@")
    #expect(Ramp.glyph(0.5, low: 0, high: 1) == "+")
    #expect(Ramp.glyph(3, low: 3, high: 3) == " ")  // a flat map is all darkest
    #expect(!Ramp.shades.contains(Ramp.dropped))
    #expect(!Ramp.shades.contains(Ramp.kept))
  }

  @Test func smallMapsGetTwoColumnsPerPixel() {
    let map = FeatureMap(caption: "#0", height: 2, width: 3, values: [0, 0.5, 1, 1, 0.5, 0])
    let lines = FeatureMapRenderer().picture(map, low: 0, high: 1).map { $0.rendered(color: false) }
    #expect(lines == ["  ++@@", "@@++"])
  }

  @Test func largeMapsArePooledTwiceAsMuchDownAsAcross() {
    let map = FeatureMap(
      caption: "#0", height: 100, width: 100, values: Array(repeating: 0.5, count: 10_000))
    let picture = FeatureMapRenderer(width: 80, size: 24).picture(map, low: 0, high: 1)
    // 100 columns into 24 (25/6 px each), rows twice as tall (25/3 px) → 12: still square.
    #expect(picture.count == 12)
    #expect(picture.allSatisfy { $0.count == 24 })
  }

  @Test func theGridFitsTheWidth() {
    let renderer = FeatureMapRenderer(width: 80, size: 24)
    let maps = (0..<7).map { k in
      FeatureMap(
        caption: "#\(k) [-0.12, 0.84]", height: 48, width: 48,
        values: (0..<2304).map { Float($0 % 7) })
    }
    let pictures = maps.map { ($0.caption, renderer.picture($0, low: 0, high: 6)) }
    let lines = renderer.grid(pictures).map { $0.rendered(color: false) }
    #expect(lines.allSatisfy { $0.count <= 80 })
    #expect(lines.first == "#0 [-0.12, 0.84]          #1 [-0.12, 0.84]          #2 [-0.12, 0.84]")
    // Three per row: 7 maps make 3 rows of (caption + 12 lines), with blank lines between.
    #expect(lines.count == 3 * 13 + 2)
  }

  @Test func droppedCellsKeepTheirOwnGlyph() {
    let map = FeatureMap(
      caption: "#0", height: 1, width: 4, values: [0, 1, 0, 2], mask: [0, 1, 0, 1])
    let line = FeatureMapRenderer().picture(map, low: 1, high: 2)[0].rendered(color: false)
    #expect(line == "xx  xx@@")
  }

  @Test func dropoutCountLine() throws {
    let model = Sequential(seed: 5)
    try model.add(LayerSpec(parsing: PyParser.parse("Dropout(0.25, input_shape=(64, 64, 3))")))
    let input = Tensor(repeating: 1, shape: [1, 64, 64, 3])
    try model.forward(input, mode: .training)
    let dropout = try #require(model.layers[0] as? Dropout)
    let mask = try #require(dropout.lastMask)
    let dropped = mask.scalars.filter { $0 == 0 }.count
    let line = LayerView.dropoutCount(mask, dropout)
    #expect(
      line
        == "dropped \(groupedThousands(dropped)) of 12,288 (\(Fmt.fixed(Double(dropped) * 100 / 12288, 1))%), rate 0.25, kept x1.333"
    )
    #expect(line.hasPrefix("dropped 3,"))
  }

  @Test func numbersAreSpelledWithoutLocale() {
    #expect(Fmt.fixed(-0.123, 2) == "-0.12")
    #expect(Fmt.fixed(0.004, 2) == "0.00")
    #expect(Fmt.fixed(-0.001, 2) == "0.00")
    #expect(Fmt.fixed(25.0, 1) == "25.0")
    #expect(Fmt.fixed(1.3333, 3) == "1.333")
    #expect(Fmt.range(-0.12, 0.84) == "[-0.12, 0.84]")
  }

  /// A loss that has almost vanished reads as Keras prints it, not as
  /// `0.0000` (a newcomer's find). Expected strings are Python's: at
  /// verbose=1 `f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"`, at verbose=2
  /// the same without `abs` (keras/src/utils/progbar.py, `update`).
  @Test func tinyMetricsGetKerasExponents() {
    let piped = ProgressRenderer(live: false)
    let line = piped.line(
      step: 3, of: 3, elapsed: 0, metrics: [("accuracy", 0), ("loss", 1.1920929e-07)])
    #expect(line == "3/3 ==================== - accuracy: 0.0000e+00 - loss: 1.1921e-07")
    let summary = piped.summaryLine(
      steps: 3, elapsed: nil, metrics: [("accuracy", 0.25), ("loss", 2.5e-4)])
    #expect(summary == "3/3 - accuracy: 0.2500 - loss: 2.5000e-04")
    let cases: [(Float, String, String)] = [
      // Float(0.001) is 0.0010000000475, above Python's 1e-3.
      (0.001, "0.0010", "0.0010"),
      (0.00099, "9.9000e-04", "9.9000e-04"),
      (0.0011, "0.0011", "0.0011"),
      (-0.5, "-0.5000", "-5.0000e-01"),
      (.nan, "nan", "nan"),
      (-.infinity, "-inf", "-inf"),
      (1.8073, "1.8073", "1.8073"),
    ]
    for (value, one, two) in cases {
      #expect(ProgressRenderer.metric(value, verbose: 1) == one, "\(value)")
      #expect(ProgressRenderer.metric(value, verbose: 2) == two, "\(value)")
    }
  }

  @Test func colourOnlyWhenAsked() {
    let line: CellLine = [
      Cell(character: "@", tint: .shade(9)), Cell(character: "x", tint: .dropped),
    ]
    #expect(line.rendered(color: false) == "@x")
    #expect(line.rendered(color: true).contains("\u{1B}["))
  }

  @Test func probabilitiesBecomeLabelledBars() {
    let bars = StripRenderer(width: 80).bars([0.25, 0.75], labels: ["dogs", "cats"])
    #expect(bars.count == 2)
    #expect(bars[1].hasPrefix("cats  0.750 |##############################"))
    #expect(bars[1].hasSuffix("| <"))
  }
}
