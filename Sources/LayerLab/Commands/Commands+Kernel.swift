import Engine

extension CommandTable {
  static let kernel = Command(
    name: "kernel", group: .model, usage: KernelRequest.usage,
    summary: "Print a Conv2D layer's kernel numbers, or set them by hand",
    example: "kernel conv2d preset sobel_x filter 0",
    details: """
      Kernels are Keras-shaped (height, width, in_channels, filters); filters and channels \
      count from 0.
      kernel LAYER [filter F] [channel C] prints filter F (default 0): each input channel's numbers.
      preset NAME puts a 3x3 kernel on filter F (default: every filter). Presets: sobel_x \
      (brighter to the right > 0), sobel_y (brighter below > 0), blur (mean of 9), sharpen, identity.
      = [[...], ...] sets the numbers as a Python nested list, one row per kernel row.
      Without 'channel', the kernel goes on every input channel divided by the number of \
      channels, so the filter sees the average of the channels: a gray picture gives the plain \
      preset's result. With 'channel C', only that channel of the filter changes, unscaled.
      kernel LAYER bias [F] = V sets filter F's bias (default: every filter). Presets leave \
      biases alone.
      Each change can be undone with 'undo'; run 'forward' again to see its effect.
      e.g. kernel conv2d filter 0 channel 0 = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
           kernel conv2d bias 0 = 0.5
      """,
    keywords: ["filter", "channel", "preset", "bias"] + KernelPreset.allCases.map(\.rawValue)
  ) { session, arguments in
    let request = try KernelRequest(arguments)
    let index = try layerIndex(
      session,
      Arguments(
        line: arguments.line, tokens: [request.layer], restColumn: request.layer.column,
        usage: arguments.usage),
      at: 0)
    let layer = session.model.layers[index]
    guard let conv = layer as? Conv2D else {
      throw LabError(
        message:
          "\(layer.name) (\(layer.typeName)) has no kernel to set: only Conv2D layers do here",
        column: request.layer.column, hint: "type 'layers' to find a Conv2D")
    }
    guard let kernel = conv.kernel else {
      throw LabError(
        message: "\(conv.name) has no weights yet: its input shape is unknown",
        column: request.layer.column,
        hint: "load an image first, e.g. image demo edges 24x24")
    }
    let target = try KernelTarget(request, shape: kernel.value.shape)
    switch request.action {
    case .print:
      for line in KernelTable.lines(
        conv.name, kernel: kernel.value, bias: conv.bias?.value, filter: target.firstFilter,
        channel: request.channel?.value, width: session.display.width)
      {
        session.console.out(line)
      }
    case .preset(let preset, _):
      guard target.kh == 3, target.kw == 3 else {
        throw LabError(
          message: "presets are 3x3, but \(conv.name)'s kernel is \(target.kh)x\(target.kw)",
          column: request.layer.column,
          hint: "set its numbers instead: kernel \(conv.name) filter 0 channel 0 = [[...]]")
      }
      try target.set(
        preset.rows, on: kernel, conv: conv, in: session, describing: "preset \(preset.rawValue)")
    case .numbers(let literal):
      let rows = try kernelRows(literal, of: request, height: target.kh, width: target.kw)
      try target.set(rows, on: kernel, conv: conv, in: session, describing: "numbers")
    case .bias(let literal):
      guard let bias = conv.bias else {
        throw LabError(
          message: "\(conv.name) was made with use_bias=False: it has no bias",
          column: request.layer.column)
      }
      let value = try request.number(
        literal, what: "a number for the bias", hint: "e.g. kernel \(conv.name) bias 0 = 0.5")
      try session.changeModel {
        var values = bias.value
        for f in target.filters { values.scalars[f] = Float(value) }
        bias.value = values
        session.model.clearPass()
        session.console.out(
          "\(conv.name): bias of \(target.filterWords) = \(formatNumber(Float(value)))")
        return "kernel \(conv.name) bias"
      }
    }
  }

  /// `[[1, 0, -1], [2, 0, -2], [1, 0, -1]]` as rows of floats, exactly `height` x `width`.
  static func kernelRows(
    _ literal: PyExpr, of request: KernelRequest, height: Int, width: Int
  ) throws -> [[Float]] {
    let shape = "\(height) rows of \(width) numbers"
    let example =
      "["
      + Array(
        repeating: "[" + Array(repeating: "0", count: width).joined(separator: ", ") + "]",
        count: height
      ).joined(separator: ", ") + "]"
    guard case .list(let rows) = literal.kind else {
      throw LabError(
        message: "expected a nested list of \(shape), got \(request.quoted(literal))",
        column: literal.start.column, hint: "e.g. \(example)")
    }
    guard rows.count == height else {
      let column = rows.count > height ? rows[height].start.column : literal.end.column - 1
      throw LabError(
        message: "the kernel is \(height)x\(width): expected \(height) rows, got \(rows.count)",
        column: column, hint: "e.g. \(example)")
    }
    return try rows.map { row in
      guard case .list(let items) = row.kind else {
        throw LabError(
          message: "expected a row like [1, 0, -1], got \(request.quoted(row))",
          column: row.start.column, hint: "e.g. \(example)")
      }
      guard items.count == width else {
        let column = items.count > width ? items[width].start.column : row.end.column - 1
        throw LabError(
          message:
            "the kernel is \(height)x\(width): each row needs \(width) numbers, this one has \(items.count)",
          column: column, hint: "e.g. \(example)")
      }
      return try items.map { item in
        try request.number(item, what: "a number", hint: "e.g. \(example)")
      }
    }
  }
}

/// Which filters and channels of a kernel `(kh, kw, in, out)` a request touches.
struct KernelTarget {
  let kh: Int, kw: Int, inChannels: Int, filterCount: Int
  let filters: [Int]
  let channel: Int?

  init(_ request: KernelRequest, shape: Shape) throws {
    (kh, kw, inChannels, filterCount) = (shape[0], shape[1], shape[2], shape[3])
    if let (f, token) = request.filter {
      guard f < filterCount else {
        throw LabError(
          message: "there is no filter \(f): this layer has \(filterCount) (0-\(filterCount - 1))",
          column: token.column, hint: "choose a filter from 0 to \(filterCount - 1)")
      }
      filters = [f]
    } else {
      filters = Array(0..<filterCount)
    }
    if let (c, token) = request.channel {
      guard c < inChannels else {
        throw LabError(
          message: "there is no channel \(c): the input has \(inChannels) (0-\(inChannels - 1))",
          column: token.column, hint: "choose a channel from 0 to \(inChannels - 1)")
      }
    }
    channel = request.channel?.value
  }

  var firstFilter: Int { filters.first ?? 0 }

  /// `filter 0`, or `all 8 filters`.
  var filterWords: String {
    filters.count == 1 ? "filter \(firstFilter)" : "all \(filterCount) filters"
  }

  /// Writes `rows` into the chosen slices, undoably, and prints the result.
  func set(
    _ rows: [[Float]], on kernel: Parameter, conv: Conv2D, in session: Session,
    describing what: String
  ) throws {
    // On every channel the share is 1/in, so the channels' sum is the kernel applied to their mean.
    let scale: Float = channel == nil ? 1 / Float(inChannels) : 1
    let channels = channel.map { [$0] } ?? Array(0..<inChannels)
    try session.changeModel {
      var values = kernel.value
      for ky in 0..<kh {
        for kx in 0..<kw {
          for c in channels {
            for f in filters {
              values.scalars[((ky * kw + kx) * inChannels + c) * filterCount + f] =
                rows[ky][kx] * scale
            }
          }
        }
      }
      kernel.value = values
      session.model.clearPass()
      let whereTo =
        channel.map { "channel \($0) of \(filterWords)" }
        ?? (inChannels == 1
          ? filterWords : "every input channel of \(filterWords), each x1/\(inChannels)")
      session.console.out("\(conv.name): \(what) on \(whereTo)")
      for line in KernelTable.lines(
        conv.name, kernel: values, bias: conv.bias?.value, filter: firstFilter, channel: channel,
        width: session.display.width)
      {
        session.console.out(line)
      }
      return "kernel \(conv.name) \(what)"
    }
  }
}
