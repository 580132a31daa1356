import Engine

/// Draws new − old for one layer's output: image-shaped outputs as maps of
/// diverging glyphs on one shared scale, short vectors as a table.
struct DiffRenderer {
  var width = 80
  var labels: [String] = []
  /// 0-based channels to draw; nil = the first few.
  var channels: [Int]?
  var channelsColumn = 0
  static let defaultChannels = 8
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
      let chosen = try selected(c)
      let renderer = FeatureMapRenderer(width: width)
      let pictures = chosen.map { k -> (caption: String, lines: [CellLine]) in
        let values = (0..<(h * w)).map { change[$0 * c + k] }
        let mapMean = values.map(abs).reduce(0, +) / Float(max(values.count, 1))
        let caption =
          "#\(k) " + Fmt.range(values.min() ?? 0, values.max() ?? 0) + " " + Fmt.fixed(mapMean, 3)
        // A blank picture reads as a rendering fault; say it.
        guard values.contains(where: { $0 != 0 }) else {
          return (caption, [CellLine(text: "(unchanged)")])
        }
        let map = FeatureMap(caption: caption, height: h, width: w, values: values)
        return (caption, renderer.picture(map) { Ramp.change($0, largest: largest) })
      }
      lines.append(
        CellLine(
          text:
            "'+*@' up, '-=#' down, blank unchanged; one scale, strongest glyph at +-\(Fmt.sig(Double(largest), 3))"
        ))
      lines.append(CellLine(text: "captions: channel, [lowest, highest] change, mean |change|"))
      lines += renderer.grid(pictures)
      if channels == nil, chosen.count < c {
        lines.append(
          CellLine(
            text:
              "(channels 0-\(chosen.count - 1) of \(c); e.g. diff LAYER channels \(chosen.count)-\(c - 1))"
          ))
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
