import Engine

extension CommandTable {
  static let filters = Command(
    name: "filters", group: .look, usage: "filters LAYER [filter F]",
    summary: "Draw a Conv2D layer's learned kernels as small shaded grids",
    example: "filters conv2d filter 0",
    details: """
      One grid per filter and input channel, captioned 'f3 c0 [-0.21, 0.33]': filter 3's \
      weights for input channel 0 and their range. Each grid is shaded from its own lowest \
      weight (' ') to its highest ('@'). Without 'filter' it draws the first \(FilterView.defaultFilters) filters \
      (\(FilterView.defaultChannels) channels each); 'kernel LAYER filter F' prints the numbers.
      It ends with the kernel's norm and, when this layer was drawn before, how far the \
      kernel moved since then (the norm of the change, and that as a share of the norm then).
      """,
    keywords: ["filter"]
  ) { session, arguments in
    let index = try layerIndex(session, arguments, at: 0)
    let layerToken = arguments.tokens[0]
    let layer = session.model.layers[index]
    guard let conv = layer as? Conv2D else {
      let article = "AEIOU".contains(layer.typeName.prefix(1)) ? "an" : "a"
      throw LabError(
        message:
          "\(layer.name) is \(article) \(layer.typeName) layer; only Conv2D has kernels to draw",
        column: layerToken.column, hint: "type 'layers' to find a Conv2D")
    }
    guard let parameter = conv.kernel else {
      throw LabError(
        message: "\(conv.name) has no weights yet", hint: "load an image or give input_shape= first"
      )
    }
    let kernel = parameter.value
    var chosen: Int?
    if arguments.count > 1 {
      let word = arguments.tokens[1]
      guard word.text == "filter" else {
        throw LabError(
          message: "unexpected '\(word.text)'", column: word.column,
          hint: "usage: \(arguments.usage)")
      }
      chosen = try arguments.int(at: 2, "the filter", in: 0...(kernel.shape[3] - 1))
      try arguments.noMore(than: 3)
    }
    let view = FilterView(width: session.display.width)
    for line in view.lines(conv.name, kernel: kernel, filter: chosen) {
      session.console.out(StyledLine(line, colors: session.display.colors))
    }
    var norm: Double = 0
    for w in kernel.scalars { norm += Double(w) * Double(w) }
    var line =
      "the whole kernel's norm (square root of the sum of squares): \(Fmt.sig(norm.squareRoot()))"
    if let change = session.drawnKernels.change(of: parameter, layer: conv.name) {
      line +=
        change.moved == 0
        ? "; unchanged since the last 'filters \(conv.name)'"
        : "; since the last 'filters \(conv.name)' it moved by \(Fmt.sig(change.moved)), \(Fmt.fixed(change.moved / max(change.normThen, 1e-30) * 100, 1))% of its norm then"
    }
    session.console.out(line)
    session.drawnKernels.remember(parameter, layer: conv.name)
  }
}

/// A Conv2D kernel `(kh, kw, in, out)` as one row of small shaded grids per filter.
struct FilterView {
  var width = 80
  static let defaultFilters = 8
  /// Three captioned grids fit one 80-column row, so each filter stays on one row.
  static let defaultChannels = 3

  func lines(_ name: String, kernel: Tensor, filter: Int?) -> [CellLine] {
    let (kh, kw, inChannels, filters) = (
      kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3]
    )
    let shownFilters = filter.map { [$0] } ?? Array(0..<min(filters, Self.defaultFilters))
    let shownChannels = Array(
      0..<(filter == nil ? min(inChannels, Self.defaultChannels) : inChannels))
    // Small kernels are blown up so a 3x3 reads as a picture, not three dots.
    let zoom = max(1, min(3, 8 / max(kh, kw)))
    var renderer = FeatureMapRenderer(width: width)
    renderer.size = 2 * kw * zoom
    var lines = [
      CellLine(
        text:
          "\(name) kernel \(kernel.shape): one grid per filter f and input channel c, each shaded from its lowest to its highest weight"
      )
    ]
    for f in shownFilters {
      var pictures: [(caption: String, lines: [CellLine])] = []
      for c in shownChannels {
        var values: [Float] = []
        for y in 0..<(kh * zoom) {
          for x in 0..<(kw * zoom) {
            values.append(
              kernel.scalars[(((y / zoom) * kw + x / zoom) * inChannels + c) * filters + f])
          }
        }
        let low = values.min() ?? 0
        let high = values.max() ?? 0
        let map = FeatureMap(
          caption: "f\(f) c\(c) " + Fmt.range(low, high), height: kh * zoom, width: kw * zoom,
          values: values)
        pictures.append((map.caption, renderer.picture(map, low: low, high: high)))
      }
      lines.append([])
      lines += renderer.grid(pictures)
    }
    var notes: [String] = []
    if shownFilters.count < filters {
      notes.append("filters 0-\(shownFilters.count - 1) of \(filters)")
    }
    if shownChannels.count < inChannels {
      notes.append("channels 0-\(shownChannels.count - 1) of \(inChannels)")
    }
    if filter == nil, !notes.isEmpty {
      lines.append(
        CellLine(
          text: "(" + notes.joined(separator: ", ")
            + "; e.g. filters \(name) filter \(min(shownFilters.count, filters - 1)))"))
    }
    return lines
  }
}
