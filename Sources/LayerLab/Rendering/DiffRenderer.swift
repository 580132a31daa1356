import Engine

/// Draws new − old for one layer's output: image-shaped outputs as maps of
/// diverging glyphs (or colours) on one shared scale, short vectors as a table.
struct DiffRenderer {
  var width = 80
  var labels: [String] = []
  /// 0-based channels to draw; nil = the first few.
  var channels: [Int]?
  var channelsColumn = 0
  var glyphs: Glyphs = .ascii
  /// Set for a Dropout layer: its cells are marked one by one (dropped,
  /// boosted by this factor, unchanged), never averaged, since a dropped
  /// cell and its boosted neighbours would cancel in a mean.
  var dropoutScale: Float?
  static let defaultChannels = 8
  static let defaultDropoutChannels = 3
  /// Vectors up to this long are listed value by value.
  static let maxListed = 16

  func lines(before: Tensor, after: Tensor) throws -> [CellLine] {
    let old = Array(before.scalars.prefix(before.count / max(before.shape[0], 1)))
    let new = Array(after.scalars.prefix(old.count))
    let change = zip(new, old).map { $0 - $1 }
    let largest = change.map(abs).max() ?? 0
    let mean = change.isEmpty ? 0 : change.map(abs).reduce(0, +) / Float(change.count)
    var lines = [
      CellLine(
        text: "change " + Fmt.range(change.min() ?? 0, change.max() ?? 0) + ", mean |change| "
          + Fmt.sig(Double(mean)))
    ]
    guard largest > 0 else { return lines + [CellLine(text: "(no value changed)")] }
    if after.shape.rank == 4 {
      let (h, w, c) = (after.shape[1], after.shape[2], after.shape[3])
      var chosen = try selected(c)
      if dropoutScale != nil, channels == nil {
        // The channels Dropout changed most; a dead one has nothing to show.
        let changed = (0..<c).map { k in (0..<(h * w)).filter { change[$0 * c + k] != 0 }.count }
        let ranked = (0..<c).sorted {
          changed[$0] > changed[$1] || (changed[$0] == changed[$1] && $0 < $1)
        }
        chosen = Array(ranked.prefix(Self.defaultDropoutChannels)).sorted()
      }
      if let dropoutScale {
        lines += dropoutMaps(old: old, new: new, shape: (h, w, c), chosen, scale: dropoutScale)
      } else {
        lines += changeMaps(change, shape: (h, w, c), chosen, largest: largest)
      }
      if channels == nil, chosen.count < c {
        let first = chosen == Array(0..<chosen.count)
        let which =
          first
          ? "channels 0-\(chosen.count - 1) of \(c)"
          : "channels \(MapSheet.spelled(chosen)) of \(c): the most changed cells"
        let next = first ? "\(chosen.count)-\(c - 1)" : "0-\(c - 1)"
        lines.append(CellLine(text: "(\(which); e.g. diff LAYER channels \(next))"))
      }
      return lines
    }
    if change.count <= Self.maxListed {
      let names = change.indices.map {
        $0 < labels.count && labels.count == change.count ? "\($0) \(labels[$0])" : "\($0)"
      }
      let digits = Fmt.decimals(forLargest: Double((old + new).map(abs).max() ?? 0), digits: 4)
      var rows = [["", "old", "new", "change"]]
      for i in change.indices {
        rows.append([
          names[i], Fmt.fixed(old[i], digits), Fmt.fixed(new[i], digits),
          Fmt.fixed(change[i], digits),
        ])
      }
      return lines + NumberTable.columns(rows).map { CellLine(text: $0) }
    }
    let columns = max(8, min(64, width - 2))
    let group = max(1, (change.count + columns * 8 - 1) / (columns * 8))
    var cells: [Cell] = []
    for start in stride(from: 0, to: change.count, by: group) {
      let slice = change[start..<min(start + group, change.count)]
      cells.append(Ramp.change(slice.reduce(0, +) / Float(slice.count), largest: largest))
    }
    lines.append(
      CellLine(
        text: "\(groupedThousands(change.count)) values"
          + (group > 1 ? ", each character the mean of \(group)" : "") + "; '+*@' up, '-=#' down"))
    return lines
      + stride(from: 0, to: cells.count, by: columns).map {
        Array(cells[$0..<min($0 + columns, cells.count)])
      }
  }

  /// The change of each chosen channel on one scale: glyphs from `Ramp.change`,
  /// or blue (down) to red (up) half blocks.
  private func changeMaps(
    _ change: [Float], shape: (Int, Int, Int), _ chosen: [Int], largest: Float
  ) -> [CellLine] {
    let (h, w, c) = shape
    let renderer = FeatureMapRenderer(width: width, glyphs: glyphs)
    guard let firstChannel = chosen.first else { return [] }
    let sample = FeatureMap(caption: "#\(firstChannel)", height: h, width: w, values: [])
    let layout = renderer.layout(for: sample, count: chosen.count)
    let pictures = chosen.map { k -> (caption: String, lines: [CellLine]) in
      let values = (0..<(h * w)).map { change[$0 * c + k] }
      let mapMean = values.map(abs).reduce(0, +) / Float(max(values.count, 1))
      let caption =
        "#\(k) " + Fmt.range(values.min() ?? 0, values.max() ?? 0) + " " + Fmt.fixed(mapMean, 3)
      // A blank picture reads as a rendering fault; say it.
      guard values.contains(where: { $0 != 0 }) else {
        return (caption, [CellLine(text: "(unchanged)")])
      }
      let dots = layout.sample(values)
      let lines = renderer.draw(
        layout, ascii: { Ramp.change(dots[$0], largest: largest) },
        color: { ColorMap.diverging(dots[$0] / largest) })
      return (caption, lines)
    }
    let strongest = Fmt.sig(Double(largest), 3)
    var lines: [CellLine]
    switch glyphs {
    case .ascii:
      lines = [
        CellLine(
          text:
            "'+*@' up, '-=#' down, blank unchanged; one scale, strongest glyph at +-\(strongest)")
      ]
    case .blocks:
      lines = [
        CellLine(text: "-\(strongest) ")
          + FeatureMapRenderer.swatch({ ColorMap.diverging(2 * $0 - 1) }, count: 17)
          + CellLine(text: " +\(strongest): blue down, red up, dark unchanged; one scale")
      ]
    }
    lines.append(CellLine(text: "captions: channel, [lowest, highest] change, mean |change|"))
    lines += renderer.grid(pictures)
    lines.append(CellLine(text: layout.scaleText()))
    return lines
  }

  /// What Dropout did to each cell between the passes.
  enum DropoutChange: Int, CaseIterable {
    case unchanged, dropped, boosted, restored, scaledBack, other

    var cell: Cell {
      switch self {
      case .unchanged: return .blank
      case .dropped: return Cell(character: Ramp.dropped, tint: .dropped)
      case .boosted: return Cell(character: "^", tint: .increase(2))
      case .restored: return Cell(character: "o", tint: .increase(0))
      case .scaledBack: return Cell(character: "v", tint: .decrease(1))
      case .other: return Cell(character: "?", tint: .plain)
      }
    }

    var color: RGB {
      switch self {
      case .unchanged: return ColorMap.diverging(0)
      case .dropped: return ColorMap.dropped
      case .boosted: return ColorMap.diverging(0.8)
      case .restored: return RGB(220, 220, 220)
      case .scaledBack: return ColorMap.diverging(-0.8)
      case .other: return RGB(140, 90, 200)
      }
    }

    var meaning: String {
      switch self {
      case .unchanged: return "unchanged (0 stays 0)"
      case .dropped: return "dropped (now 0)"
      case .boosted: return "boosted"
      case .restored: return "switched back on"
      case .scaledBack: return "scaled back"
      case .other: return "other change"
      }
    }

    /// The change from `old` to `new` for a Dropout that multiplies kept cells by `scale`.
    static func of(old: Float, new: Float, scale: Float) -> DropoutChange {
      if old == new { return .unchanged }
      if new == 0 { return .dropped }
      if old == 0 { return .restored }
      let ratio = new / old
      if abs(ratio - scale) <= 1e-3 * scale { return .boosted }
      if abs(ratio * scale - 1) <= 1e-3 { return .scaledBack }
      return .other
    }
  }

  /// Dropout's changes cell by cell: a glyph (or colour) per kind, counted.
  private func dropoutMaps(
    old: [Float], new: [Float], shape: (Int, Int, Int), _ chosen: [Int], scale: Float
  ) -> [CellLine] {
    let (h, w, c) = shape
    let kinds = zip(old, new).map { DropoutChange.of(old: $0, new: $1, scale: scale) }
    var counts = [Int](repeating: 0, count: DropoutChange.allCases.count)
    for kind in kinds { counts[kind.rawValue] += 1 }
    let renderer = FeatureMapRenderer(width: width, glyphs: glyphs)
    guard let firstChannel = chosen.first else { return [] }
    let sample = FeatureMap(caption: "#\(firstChannel)", height: h, width: w, values: [])
    let layout = renderer.layout(for: sample, count: chosen.count, exact: true)
    let pictures = chosen.map { k -> (caption: String, lines: [CellLine]) in
      let cells = (0..<(h * w)).map { kinds[$0 * c + k] }
      // A character standing for several cells shows the kind most of them are.
      let shares = DropoutChange.allCases.map { kind in
        layout.sample(cells.map { $0 == kind ? 1 : 0 })
      }
      func kind(_ dot: Int) -> DropoutChange {
        DropoutChange.allCases.max { shares[$0.rawValue][dot] < shares[$1.rawValue][dot] }
          ?? .unchanged
      }
      let dropped = cells.filter { $0 == .dropped }.count
      let caption = "#\(k) \(dropped) dropped"
      guard cells.contains(where: { $0 != .unchanged }) else {
        return (caption, [CellLine(text: "(unchanged)")])
      }
      return (
        caption, renderer.draw(layout, ascii: { kind($0).cell }, color: { kind($0).color })
      )
    }
    let order: [DropoutChange] = [.dropped, .boosted, .restored, .scaledBack, .other, .unchanged]
    let shown = order.filter { counts[$0.rawValue] > 0 || $0 == .dropped }
    // `'x' 65 dropped (now 0), '^' 196 boosted x1.333, blank 315 unchanged (0 stays 0)`
    var legend: CellLine = []
    for (i, kind) in shown.enumerated() {
      if i > 0 { legend += CellLine(text: ", ") }
      switch glyphs {
      case .ascii:
        legend += CellLine(text: kind == .unchanged ? "blank" : "'\(kind.cell.character)'")
      case .blocks:
        legend.append(Cell.halves(kind.color, kind.color))
      }
      var meaning = kind.meaning
      if kind == .boosted { meaning += " x\(Fmt.fixed(scale, 3))" }
      if kind == .scaledBack { meaning += " /\(Fmt.fixed(scale, 3))" }
      legend += CellLine(text: " \(groupedThousands(counts[kind.rawValue])) \(meaning)")
    }
    var lines = [legend]
    lines += renderer.grid(pictures)
    var scale = layout.scaleText(unit: "cell")
    if layout.resolution == .reduced {
      scale += ", drawn as the kind most of them are; one channel at a time shows every cell"
    }
    lines.append(CellLine(text: scale))
    return lines
  }

  private func selected(_ count: Int) throws -> [Int] {
    guard let channels else { return Array(0..<min(count, Self.defaultChannels)) }
    if let bad = channels.first(where: { $0 >= count }) {
      throw LabError(
        message: "there is no channel \(bad): this output has \(count) (0-\(count - 1))",
        column: channelsColumn,
        hint: "choose channels from 0 to \(count - 1)")
    }
    return channels
  }
}
