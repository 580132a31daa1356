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
    renderer = FeatureMapRenderer(width: session.display.width)
    strips = StripRenderer(width: session.display.width)
  }

  /// `show input`: each channel of the image, or its luminance.
  func input() throws -> [CellLine] {
    guard let image = session.image else {
      throw LabError(message: "there is no image yet", hint: "load one, e.g. image demo cat")
    }
    let (h, w, c) = (image.shape[1], image.shape[2], image.shape[3])
    var lines = [CellLine(text: "input \(image.shape) from \(session.imageSource)")]
    if request.gray || c == 1 {
      let weights: [Float] =
        c == 3 ? [0.299, 0.587, 0.114] : Array(repeating: 1 / Float(c), count: c)
      var values = [Float](repeating: 0, count: h * w)
      for p in 0..<(h * w) {
        for k in 0..<c { values[p] += image.scalars[p * c + k] * weights[k] }
      }
      let range = minMax(values)
      let map = FeatureMap(
        caption: "luminance \(Fmt.range(range.0, range.1))", height: h, width: w, values: values)
      return lines
        + renderer.grid([(map.caption, renderer.picture(map, low: range.0, high: range.1))])
    }
    let names = c == 3 ? ["R", "G", "B"] : (0..<c).map { "#\($0)" }
    let maps = try selected(channels: c, defaultCount: c).map { k in
      FeatureMap(caption: names[k], height: h, width: w, values: channel(image, k))
    }
    lines += draw(maps)
    return lines
  }

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
    var mask: Tensor?
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
      mask = lastMask
      lines.append(CellLine(text: Self.dropoutCount(lastMask, dropout)))
    }
    if output.shape.rank == 4 {
      let (h, w, c) = (output.shape[1], output.shape[2], output.shape[3])
      let count = mask == nil ? defaultChannels : Self.defaultDropoutChannels
      let chosen = try selected(channels: c, defaultCount: count)
      var maps: [FeatureMap] = []
      for k in chosen {
        var map = FeatureMap(caption: "#\(k)", height: h, width: w, values: channel(output, k))
        if let mask {
          map.mask = channel(mask, k)
          if request.maskOnly { map.values = map.mask ?? [] }
        }
        maps.append(map)
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
    if mask == nil, Self.isProbability(output, layer: layer) {
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
    let maskValues = mask.map { Array($0.scalars.prefix(values.count)) }
    if request.maskOnly, let maskValues {
      let cells = maskValues.map {
        Cell(character: $0 == 0 ? Ramp.dropped : Ramp.kept, tint: $0 == 0 ? .dropped : .plain)
      }
      return lines
        + stride(from: 0, to: cells.count, by: 64).map {
          Array(cells[$0..<min($0 + 64, cells.count)])
        }
    }
    let range = minMax(values, mask: maskValues)
    let (strip, note) = strips.strip(values, mask: maskValues, low: range.0, high: range.1)
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

  /// `dropped 3,071 of 12,288 (25.0%), rate 0.25, kept x1.333`.
  static func dropoutCount(_ mask: Tensor, _ dropout: Dropout) -> String {
    let dropped = mask.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    let total = mask.count
    let percent = total == 0 ? 0 : Double(dropped) * 100 / Double(total)
    return
      "dropped \(groupedThousands(dropped)) of \(groupedThousands(total)) (\(Fmt.fixed(percent, 1))%), "
      + "rate \(formatNumber(dropout.rate)), kept x\(Fmt.fixed(dropout.keptScale, 3))"
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

  // MARK: - Helpers

  private func draw(_ maps: [FeatureMap]) -> [CellLine] {
    let shared = minMax(
      maps.flatMap(\.values), mask: maps.first?.mask == nil ? nil : maps.flatMap { $0.mask ?? [] })
    let pictures = maps.map { map -> (caption: String, lines: [CellLine]) in
      if request.maskOnly, map.mask != nil {
        let lines = (0..<map.height).map { y in
          (0..<map.width).flatMap { x -> [Cell] in
            let kept = map.values[y * map.width + x] != 0
            let cell = Cell(
              character: kept ? Ramp.kept : Ramp.dropped, tint: kept ? .plain : .dropped)
            return 2 * map.width <= renderer.size ? [cell, cell] : [cell]
          }
        }
        return (map.caption, lines)
      }
      let range = request.sharedScale ? shared : minMax(map.values, mask: map.mask)
      return (
        map.caption + " " + Fmt.range(range.0, range.1),
        renderer.picture(map, low: range.0, high: range.1)
      )
    }
    return renderer.grid(pictures)
  }

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

  /// The smallest and largest value, counting only kept cells when a mask is given.
  private func minMax(_ values: [Float], mask: [Float]? = nil) -> (Float, Float) {
    var low = Float.infinity
    var high = -Float.infinity
    for (i, v) in values.enumerated() where mask.map({ $0[i] != 0 }) ?? true {
      low = min(low, v)
      high = max(high, v)
    }
    return low <= high ? (low, high) : (0, 0)
  }
}
