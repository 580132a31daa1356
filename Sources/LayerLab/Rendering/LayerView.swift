import Engine

/// Turns what the model saw and made into pictures for `show`.
struct LayerView {
  let session: Session
  let request: ShowRequest
  var renderer: FeatureMapRenderer
  var strips: StripRenderer
  /// How many channels to draw when none are chosen: enough to see, few enough to read.
  static let defaultChannels = 12
  static let defaultChannelsInAll = 3
  static let defaultDropoutChannels = 3

  init(session: Session, request: ShowRequest) {
    self.session = session
    self.request = request
    renderer = FeatureMapRenderer(
      width: session.display.width, size: request.size, glyphs: session.display.glyphs,
      colorMap: session.display.colorMap)
    strips = StripRenderer(width: session.display.width)
  }

  /// `show input`: each channel of the image, or its luminance; with half
  /// blocks a colour picture in its own colours.
  func input() throws -> [CellLine] {
    guard let image = session.image else {
      throw LabError(message: "there is no image yet", hint: "load one, e.g. image demo cat")
    }
    let (h, w, c) = (image.shape[1], image.shape[2], image.shape[3])
    let lines = [CellLine(text: "input \(image.shape) from \(session.imageSource)")]
    if request.gray || c == 1 {
      let weights: [Float] =
        c == 3 ? [0.299, 0.587, 0.114] : Array(repeating: 1 / Float(c), count: c)
      var values = [Float](repeating: 0, count: h * w)
      for p in 0..<(h * w) {
        for k in 0..<c { values[p] += image.scalars[p * c + k] * weights[k] }
      }
      let map = FeatureMap(caption: "luminance", height: h, width: w, values: values)
      return lines + draw([map], tint: renderer.glyphs == .blocks ? .gray : nil)
    }
    if renderer.glyphs == .blocks, c == 3, request.channels == nil {
      return lines + colorPicture(image)
    }
    let names = c == 3 ? ["R", "G", "B"] : (0..<c).map { "#\($0)" }
    let chosen = try selected(channels: c, defaultCount: c)
    let maps = chosen.map { k in
      FeatureMap(caption: names[k], height: h, width: w, values: channel(image, k))
    }
    let tint: PictureTint? =
      renderer.glyphs == .blocks && c == 3 ? .channels(chosen.map { Self.hues[$0] }) : nil
    return lines + draw(maps, tint: tint)
  }

  /// Red, green and blue, for an RGB image's channels drawn in their own colours.
  static let hues: [RGB] = [RGB(255, 0, 0), RGB(0, 255, 0), RGB(0, 0, 255)]

  /// `show all`: every layer, a few channels each.
  func all() throws -> [CellLine] {
    guard !session.model.lastOutputs.isEmpty else { throw Self.noPass }
    var lines: [CellLine] = []
    for index in session.model.layers.indices {
      try Interrupt.check()
      if index > 0 { lines.append([]) }
      lines += try layer(index, defaultChannels: Self.defaultChannelsInAll)
    }
    return lines
  }

  /// One layer's output of the last pass.
  func layer(_ index: Int, defaultChannels: Int = LayerView.defaultChannels) throws -> [CellLine] {
    let model = session.model
    guard model.lastOutputs.indices.contains(index) else { throw Self.noPass }
    let layer = model.layers[index]
    let output = model.lastOutputs[index]
    var lines = [
      CellLine(text: "\(index + 1). \(layer.name) (\(layer.typeName)) -> \(output.shape)")
    ]
    if let dropout = layer as? Dropout {
      guard model.lastMode == .training, let lastMask = dropout.lastMask,
        lastMask.shape == output.shape
      else {
        lines.append(
          CellLine(
            text:
              "at inference Dropout passes values through unchanged; run 'forward training' to see which cells it drops"
          ))
        return lines
      }
      let input = index > 0 ? model.lastOutputs[index - 1] : model.lastInput
      return lines + (try dropoutView(dropout, output: output, mask: lastMask, input: input))
    }
    if output.shape.rank == 4 {
      let (h, w, c) = (output.shape[1], output.shape[2], output.shape[3])
      let chosen = try selected(channels: c, defaultCount: defaultChannels)
      let maps = chosen.map { k in
        FeatureMap(caption: "#\(k)", height: h, width: w, values: channel(output, k))
      }
      lines += draw(maps)
      if request.channels == nil, chosen.count < c {
        lines.append(
          CellLine(
            text:
              "(channels 0-\(chosen.count - 1) of \(c); e.g. show \(layer.name) channels 0-\(c - 1))"
          ))
      }
      return lines
    }
    let values = Array(output.scalars.prefix(output.count / max(output.shape[0], 1)))
    if Self.isProbability(output, layer: layer) {
      if !session.labels.isEmpty, session.labels.count != values.count {
        lines.append(
          CellLine(
            text:
              "(labels has \(session.labels.count) names, the output \(values.count) classes: classes are numbered)"
          ))
        return lines + strips.bars(values, labels: []).map { CellLine(text: $0) }
      }
      return lines + strips.bars(values, labels: session.labels).map { CellLine(text: $0) }
    }
    let range = minMax(values)
    let (strip, note) = strips.strip(values, low: range.0, high: range.1)
    lines.append(CellLine(text: note + ", " + Fmt.range(range.0, range.1)))
    guard values.count <= Self.maxListed else { return lines + strip }
    // Short strips are framed, so a lowest value drawn as a blank at the end
    // still counts, and the numbers are printed under them.
    let frame = Cell(character: "|")
    return lines + strip.map { [frame] + $0 + [frame] } + Self.numbered(values)
  }

  /// Vectors up to this long get their numbers printed under the strip.
  static let maxListed = 64

  /// `values` in rows of 12, each row headed by the positions it holds,
  /// with one rounding for all so the columns line up.
  static func numbered(_ values: [Float]) -> [CellLine] {
    let largest = Double(values.map(abs).max() ?? 0)
    let decimals = Fmt.decimals(forLargest: largest, digits: 3)
    let texts = values.map { Fmt.fixed(Double($0), decimals) }
    let cell = texts.map(\.count).max() ?? 0
    let perRow = 12
    let label = "\(values.count - 1)-\(values.count - 1):".count + 1
    return stride(from: 0, to: values.count, by: perRow).map { start in
      let end = min(start + perRow, values.count)
      let head = (end - start == 1 ? "\(start):" : "\(start)-\(end - 1):").padding(label)
      return CellLine(
        text: head + texts[start..<end].map { $0.padded(cell) }.joined(separator: " "))
    }
  }

  /// A Dropout layer's training pass: what it dropped, what that did to the
  /// mean, and the maps (or the strip of a flat output) with the dropped cells marked.
  private func dropoutView(_ dropout: Dropout, output: Tensor, mask: Tensor, input: Tensor?)
    throws -> [CellLine]
  {
    var lines = [CellLine(text: Self.dropoutCount(mask, dropout))]
    // The mask view shows only which cells are on; the values' story is show dropout's.
    if !request.maskOnly, let input, input.count == output.count {
      lines.append(CellLine(text: Self.dropoutMeans(input: input, output: output, dropout)))
    }
    guard output.shape.rank == 4 else {
      let values = Array(output.scalars.prefix(output.count / max(output.shape[0], 1)))
      let maskValues = Array(mask.scalars.prefix(values.count))
      if request.maskOnly {
        let cells = maskValues.map {
          Cell(character: $0 == 0 ? Ramp.dropped : Ramp.kept, tint: $0 == 0 ? .dropped : .plain)
        }
        let columns = max(8, min(64, session.display.width - 2))
        return lines
          + stride(from: 0, to: cells.count, by: columns).map {
            Array(cells[$0..<min($0 + columns, cells.count)])
          }
      }
      let range = minMax(values, mask: maskValues)
      let (strip, note) = strips.strip(values, mask: maskValues, low: range.0, high: range.1)
      lines.append(CellLine(text: note + ", " + Fmt.range(range.0, range.1)))
      return lines + strip
    }
    let (h, w, c) = (output.shape[1], output.shape[2], output.shape[3])
    var dead: [Int] = []
    var chosen: [Int]
    if let input, input.shape == output.shape {
      let counts = (0..<c).map { k in channel(input, k).reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
      dead = (0..<c).filter { counts[$0] == 0 }
      // The liveliest channels, in channel order: a dead one shows nothing to drop.
      let ranked = (0..<c).sorted {
        counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1)
      }
      chosen = Array(ranked.prefix(Self.defaultDropoutChannels)).sorted()
    } else {
      chosen = Array(0..<min(c, Self.defaultDropoutChannels))
    }
    if request.channels != nil { chosen = try selected(channels: c, defaultCount: c) }
    if !dead.isEmpty, !request.maskOnly {
      lines.append(
        CellLine(
          text:
            "dead channel\(dead.count == 1 ? "" : "s") \(MapSheet.spelled(dead)) (\(dead.count) of \(c)): all-zero input, nothing to drop"
        ))
    }
    let maps = chosen.map { k in
      FeatureMap(
        caption: "#\(k)", height: h, width: w,
        values: request.maskOnly ? channel(mask, k) : channel(output, k), mask: channel(mask, k))
    }
    lines += request.maskOnly ? maskSheet(maps) : draw(maps, exact: true)
    if request.channels == nil, chosen.count < c {
      let which =
        chosen == Array(0..<chosen.count)
        ? "channels 0-\(chosen.count - 1) of \(c)"
        : "channels \(MapSheet.spelled(chosen)) of \(c): most non-zero inputs"
      lines.append(CellLine(text: "(\(which); e.g. show \(dropout.name) channels 0-\(c - 1))"))
    }
    return lines
  }

  /// `dropped 3,071 of 12,288 (25.0%), rate 0.25, kept x1.333`.
  static func dropoutCount(_ mask: Tensor, _ dropout: Dropout) -> String {
    let dropped = mask.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    let total = mask.count
    let percent = total == 0 ? 0 : Double(dropped) * 100 / Double(total)
    return
      "dropped \(groupedThousands(dropped)) of \(groupedThousands(total)) (\(Fmt.fixed(percent, 1))%), "
      + "rate \(formatNumber(dropout.rate)), kept x\(Fmt.fixed(dropout.keptScale, 3))"
  }

  /// The compensation in numbers: `mean of input 0.0885, output 0.0878:
  /// x1.333 makes up for the dropped cells`.
  static func dropoutMeans(input: Tensor, output: Tensor, _ dropout: Dropout) -> String {
    func mean(_ t: Tensor) -> Double {
      t.count == 0 ? 0 : t.scalars.reduce(0) { $0 + Double($1) } / Double(t.count)
    }
    let (meanIn, meanOut) = (mean(input), mean(output))
    let digits = Fmt.decimals(forLargest: max(abs(meanIn), abs(meanOut)), digits: 3)
    return
      "mean of input \(Fmt.fixed(meanIn, digits)), output \(Fmt.fixed(meanOut, digits)): "
      + "x\(Fmt.fixed(dropout.keptScale, 3)) makes up for the dropped cells"
  }

  /// True for a softmax layer's output, or any rows of non-negative values summing to 1.
  static func isProbability(_ output: Tensor, layer: any Layer) -> Bool {
    guard output.shape.rank == 2 else { return false }
    if let activation = layer as? Activation, activation.function == .softmax { return true }
    if layer.spec.activation == .softmax { return true }
    let classes = output.shape[1]
    guard classes > 1 else { return false }
    let row = output.scalars.prefix(classes)
    return row.allSatisfy { $0 >= 0 } && abs(row.reduce(0, +) - 1) < 1e-4
  }

  static func label(_ index: Int, _ labels: [String]) -> String {
    index < labels.count ? "'\(labels[index])'" : "\(index)"
  }

  static let noPass = LabError(
    message: "nothing to show yet: no forward pass since the model last changed",
    hint: "run 'forward' first")

  // MARK: - Sheets

  /// How a sheet's maps are coloured in half blocks, when not by the colour map.
  enum PictureTint {
    /// The input's channels, each from black to its own hue.
    case channels([RGB])
    case gray
  }

  /// Maps side by side, one layout for all, then a line saying what one
  /// character stands for and which value each shade or colour means.
  private func draw(_ maps: [FeatureMap], exact: Bool = false, tint: PictureTint? = nil)
    -> [CellLine]
  {
    guard let first = maps.first else { return [] }
    let layout = renderer.layout(for: first, count: maps.count, exact: exact)
    let dots = maps.map { layout.sample($0.values) }
    let dropped = maps.map { $0.mask.map(layout.droppedShare) }
    // The shown range: what the dots hold, so the largest drawn value gets
    // the brightest shade even when a mean has flattened the peaks.
    let ranges = maps.indices.map { i in
      minMax(dots[i], mask: dropped[i].map { $0.map { $0 > 0.999 ? 0 : 1 } })
    }
    let shared = (ranges.map(\.0).min() ?? 0, ranges.map(\.1).max() ?? 0)
    let top = tint == nil ? nil : colorTop(shared)
    let absolute = top != nil
    var pictures: [(caption: String, lines: [CellLine])] = []
    for (i, map) in maps.enumerated() {
      var range = request.sharedScale ? shared : ranges[i]
      if let top { range = (0, top) }
      let raw = minMax(map.values, mask: map.mask)
      var lines: [CellLine]
      switch tint {
      case .channels(let hues)?:
        let hue = hues[i % hues.count]
        lines = renderer.draw(
          layout, ascii: { _ in .blank },
          color: { hue.scaled(by: FeatureMapRenderer.fraction(dots[i][$0], range.0, range.1)) })
      case .gray?:
        var gray = renderer
        gray.colorMap = .gray
        lines = gray.picture(
          dots: dots[i], dropped: nil, layout: layout, low: range.0, high: range.1)
      case nil:
        lines = renderer.picture(
          dots: dots[i], dropped: dropped[i], layout: layout, low: range.0, high: range.1)
      }
      pictures.append((map.caption + " " + Fmt.range(raw.0, raw.1), lines))
    }
    var out = renderer.grid(pictures)
    let oneRange = maps.count == 1 || request.sharedScale || absolute
    out.append(
      legend(
        layout, range: oneRange ? (top.map { (0, $0) } ?? shared) : nil, tint: tint,
        dropout: exact && maps.first?.mask != nil))
    if let note = sizeNote(layout, unit: exact ? "cell" : "pixel") {
      out.append(CellLine(text: note))
    }
    return out
  }

  /// `1 char = 2x4 px, their mean; ' .:-=+*#%@' from 0.00 to 2.31, steps of 0.23`,
  /// or with half blocks the colour bar between the two values.
  private func legend(
    _ layout: MapLayout, range: (Float, Float)?, tint: PictureTint?, dropout: Bool
  ) -> CellLine {
    let unit = dropout ? "cell" : "px"
    var line = CellLine(text: layout.scaleText(unit: unit) + "; ")
    switch renderer.glyphs {
    case .ascii:
      let shades = "'" + String(Ramp.shades) + "'"
      if let range, range.1 > range.0 {
        let step = (range.1 - range.0) / Float(Ramp.shades.count)
        line += CellLine(
          text: "\(shades) from \(Fmt.fixed(range.0, 2)) to \(Fmt.fixed(range.1, 2)), "
            + "\(MapLayout.number(Double(step), digits: 2)) per shade")
      } else if let range {
        line += CellLine(text: "all \(Fmt.fixed(range.0, 2)), drawn ' '")
      } else {
        line += CellLine(text: "\(shades) span each map's range")
      }
      if dropout { line += CellLine(text: "; 'x' dropped") }
    case .blocks:
      let colors: (Float) -> RGB
      var name = renderer.colorMap.rawValue
      switch tint {
      case .channels(let hues)?:
        let hue = hues.first ?? RGB(255, 255, 255)
        colors = hue.scaled(by:)
        name = "each channel in its own colour"
      case .gray?:
        colors = ColorMap.gray.color
        name = "gray"
      case nil:
        colors = renderer.colorMap.color
      }
      let low = range.map { Fmt.fixed($0.0, 2) } ?? "lowest"
      let high = range.map { Fmt.fixed($0.1, 2) } ?? "highest of each map"
      line +=
        CellLine(text: low + " ") + FeatureMapRenderer.swatch(colors)
        + CellLine(text: " " + high + " (\(name))")
      if dropout {
        line +=
          CellLine(text: "; ") + [Cell.halves(ColorMap.dropped, ColorMap.dropped)]
          + CellLine(text: " dropped")
      }
    }
    return line
  }

  /// What was drawn instead when `size N` could not be met, or nil.
  private func sizeNote(_ layout: MapLayout, unit: String = "pixel") -> String? {
    guard let size = request.size, layout.columns != size else { return nil }
    if size > session.display.width, layout.resolution == .reduced {
      return
        "(size \(size) is wider than the \(session.display.width) columns: drawn \(layout.columns) wide)"
    }
    switch layout.resolution {
    case .magnified:
      return
        "(size \(size): drawn \(layout.columns) wide, 2 characters per \(unit), the most there is)"
    case .full:
      return
        "(size \(size): drawn \(layout.columns) wide, 1 character per \(unit); size \(2 * layout.width) draws 2 per \(unit))"
    case .reduced:
      return "(size \(size): drawn \(layout.columns) wide)"
    }
  }

  /// `show dropout mask`: kept and dropped cells only.
  private func maskSheet(_ maps: [FeatureMap]) -> [CellLine] {
    guard let first = maps.first else { return [] }
    let layout = renderer.layout(for: first, count: maps.count, exact: true)
    let pictures = maps.map { map -> (caption: String, lines: [CellLine]) in
      let share = layout.droppedShare(map.mask ?? map.values)
      // A character standing for several cells says what most of them are.
      let lines = renderer.draw(
        layout,
        ascii: { i in
          share[i] > 0.5
            ? Cell(character: Ramp.dropped, tint: .dropped) : Cell(character: Ramp.kept)
        },
        color: { i in share[i] > 0.5 ? ColorMap.dropped : RGB(150, 150, 150) })
      return (map.caption, lines)
    }
    var out = renderer.grid(pictures)
    var legend = CellLine(text: layout.scaleText(unit: "cell") + "; ")
    switch renderer.glyphs {
    case .ascii:
      legend += CellLine(
        text: layout.resolution == .reduced
          ? "'x' where most cells were switched off, else 'o'" : "'o' kept, 'x' switched off")
    case .blocks:
      legend +=
        [Cell.halves(RGB(150, 150, 150), RGB(150, 150, 150))] + CellLine(text: " kept, ")
        + [Cell.halves(ColorMap.dropped, ColorMap.dropped)] + CellLine(text: " switched off")
    }
    out.append(legend)
    if let note = sizeNote(layout, unit: "cell") { out.append(CellLine(text: note)) }
    return out
  }

  /// The RGB picture itself, one dot per pixel's colour: values in 0...1
  /// as they are, any other range stretched to it (and said so).
  private func colorPicture(_ image: Tensor) -> [CellLine] {
    let (h, w) = (image.shape[1], image.shape[2])
    let planes = (0..<3).map { channel(image, $0) }
    let map = FeatureMap(caption: "RGB", height: h, width: w, values: planes[0])
    let layout = renderer.layout(for: map)
    let dots = planes.map { layout.sample($0) }
    let all = minMax(planes.flatMap { $0 })
    let top = colorTop(all)
    let absolute = top != nil
    let (low, high) = top.map { (Float(0), $0) } ?? all
    func fraction(_ plane: Int, _ dot: Int) -> Float {
      FeatureMapRenderer.fraction(dots[plane][dot], low, high)
    }
    let lines = renderer.draw(
      layout, ascii: { _ in .blank },
      color: { RGB(unit: fraction(0, $0), fraction(1, $0), fraction(2, $0)) })
    var out = renderer.grid([("RGB " + Fmt.range(all.0, all.1), lines)])
    out.append(
      CellLine(
        text: layout.scaleText() + "; "
          + (absolute
            ? "the picture in its own colours"
            : "colours stretched from \(Fmt.fixed(low, 2)) (none) to \(Fmt.fixed(high, 2)) (full)")
      ))
    if let note = sizeNote(layout) { out.append(CellLine(text: note)) }
    return out
  }

  /// The value drawn at full colour when the input's values are pixels as
  /// loaded: 255 times the pixel scale (so an 8-bit 255 is 255 again), or 1
  /// for float pictures in 0...1; nil when they must be stretched instead.
  private func colorTop(_ range: (Float, Float)) -> Float? {
    guard range.0 >= 0 else { return nil }
    let pixelTop = 255 * session.display.pixelScale
    if range.1 <= pixelTop { return pixelTop }
    return range.1 <= 1 ? 1 : nil
  }

  // MARK: - Helpers

  private func selected(channels: Int, defaultCount: Int) throws -> [Int] {
    guard let chosen = request.channels else { return Array(0..<min(channels, defaultCount)) }
    if let bad = chosen.first(where: { $0 >= channels }) {
      throw LabError(
        message: "there is no channel \(bad): this output has \(channels) (0-\(channels - 1))",
        column: request.channelsColumn, hint: "choose channels from 0 to \(channels - 1)")
    }
    return chosen
  }

  /// Channel `k` of the first item of a `[n, h, w, c]` tensor, row-major.
  private func channel(_ tensor: Tensor, _ k: Int) -> [Float] {
    let (h, w, c) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
    return (0..<(h * w)).map { tensor.scalars[$0 * c + k] }
  }

  /// The smallest and largest finite value, counting only kept cells when a mask is given.
  private func minMax(_ values: [Float], mask: [Float]? = nil) -> (Float, Float) {
    var low = Float.infinity
    var high = -Float.infinity
    for (i, v) in values.enumerated() where v.isFinite && (mask.map({ $0[i] != 0 }) ?? true) {
      low = min(low, v)
      high = max(high, v)
    }
    return low <= high ? (low, high) : (0, 0)
  }
}
