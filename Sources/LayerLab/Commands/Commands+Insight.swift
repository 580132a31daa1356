import Engine

/// What the network learned: which pixels matter (`saliency`), where a
/// layer looks (`gradcam`), how far a cell sees (`receptive`), what a
/// channel responds to (`maximize`), and the gradients a batch sends back
/// (`gradients`, in Commands+Gradients).
///
/// Each command is one self-contained declaration: the engine does the
/// work (Sequential+Saliency, +GradCAM, +ReceptiveField, +Maximize) on a
/// copy of the model, so the last pass `show` draws is left as it was.
extension CommandTable {
  static let insight: [Command] = [saliency, gradcam, receptive, maximize, gradients]

  static let saliency = Command(
    name: "saliency", group: .insight, usage: "saliency [CLASS]",
    summary: "Which pixels the class's score reacts to most, drawn beside the image",
    example: "saliency cats",
    details: """
      For every pixel: how much the class's score (the softmax's input, its logit) \
      changes when that pixel changes a little, the largest over the colour channels:
        max over c of |d logit / d pixel[y, x, c]|
      Bright: a small change there moves the score most. CLASS is a number from 0 or a \
      name from 'labels'; without it, the predicted class. Runs in inference mode \
      (Dropout off) and leaves the last pass as it was.
      'save saliency PATH.npy' writes the map, (H, W) float32. See also 'explain saliency'.
      """
  ) { session, arguments in
    try arguments.noMore(than: 1)
    let (model, input, note) = try insightInput(session)
    let classIndex = try classArgument(arguments.tokens.first, session, arguments.usage)
    let map = try model.saliency(of: input, classIndex: classIndex)
    if let note { session.console.out(note) }
    let largest = map.values.max() ?? 0
    let at = map.values.firstIndex(of: largest) ?? 0
    session.console.out(
      "saliency for class \(scoreLine(map.scores, session)): |d logit / d pixel|, largest \(Fmt.sig(Double(largest), 3)) at row \(at / map.width), column \(at % map.width)"
    )
    let (h, w) = (map.height, map.width)
    let image = InsightView.luminance(input)
    let overlay = zip(image, InsightView.normalised(map.values)).map { $0 * $1 }
    let view = InsightView(display: session.display)
    let lines = view.pictures([
      (FeatureMap(caption: "image", height: h, width: w, values: image), 0, image.max() ?? 0),
      (
        FeatureMap(caption: "saliency", height: h, width: w, values: map.values), 0, largest
      ),
      (
        FeatureMap(caption: "image x saliency", height: h, width: w, values: overlay), 0,
        overlay.max() ?? 0
      ),
    ])
    for line in lines { session.console.out(StyledLine(line, colors: session.display.colors)) }
    session.insight.saliency = try Tensor(shape: [h, w], scalars: map.values)
  }

  static let gradcam = Command(
    name: "gradcam", group: .insight, usage: "gradcam LAYER [CLASS]",
    summary: "Where a layer's maps raise the class's score (Grad-CAM), over the image",
    example: "gradcam conv2d_3",
    details: """
      Each of the layer's maps gets a weight: the mean, over its positions, of how much \
      the class's score (logit) rises when the map rises there. The picture is the \
      weighted sum of the maps, negative parts cut to 0, at the layer's resolution, then \
      stretched to the image's size:
        ReLU(sum over k of weight_k x map_k)
      LAYER is a layer that makes maps (a Conv2D, an activation, pooling or Dropout \
      before Flatten), by name or position. CLASS is a number or a name from 'labels'; \
      without it, the predicted class.
      'save gradcam PATH.npy' writes the map at the layer's resolution, (h, w) float32, \
      not stretched and not normalised. See also 'explain gradcam'.
      """
  ) { session, arguments in
    try arguments.noMore(than: 2)
    let index = try layerIndex(session, arguments, at: 0)
    let (model, input, note) = try insightInput(session)
    let classIndex = try classArgument(
      arguments.tokens.count > 1 ? arguments.tokens[1] : nil, session, arguments.usage)
    let cam = try model.gradCAM(of: input, layer: index, classIndex: classIndex)
    if let note { session.console.out(note) }
    let layer = model.layers[index]
    let (h, w) = (cam.height, cam.width)
    let (_, high) = InsightView.range(cam.values)
    session.console.out(
      "Grad-CAM at \(layer.name) (\(h)x\(w), \(cam.weights.count) maps) for class \(scoreLine(cam.scores, session)): largest value \(Fmt.sig(Double(high), 3))"
    )
    session.console.out(strongestMaps(cam.weights))
    guard high > 0 else {
      session.console.out(
        "the map is all zero: wherever this layer is active, its maps lower the class's score on balance"
      )
      session.insight.gradcam = try Tensor(shape: [h, w], scalars: cam.values)
      return
    }
    let (height, width) = (input.shape[1], input.shape[2])
    let stretched = InsightView.upsampled(cam.values, h: h, w: w, height: height, width: width)
    let image = InsightView.luminance(input)
    let overlay = zip(image, InsightView.normalised(stretched)).map { $0 * $1 }
    var maps: [(map: FeatureMap, low: Float, high: Float)] = [
      (
        FeatureMap(caption: "\(layer.name) \(h)x\(w)", height: h, width: w, values: cam.values), 0,
        high
      )
    ]
    if h != height || w != width {
      maps.append(
        (
          FeatureMap(
            caption: "stretched to \(height)x\(width)", height: height, width: width,
            values: stretched), 0, stretched.max() ?? 0
        ))
    }
    maps.append(
      (
        FeatureMap(caption: "image x Grad-CAM", height: height, width: width, values: overlay), 0,
        overlay.max() ?? 0
      ))
    let lines = InsightView(display: session.display).pictures(maps)
    for line in lines { session.console.out(StyledLine(line, colors: session.display.colors)) }
    session.insight.gradcam = try Tensor(shape: [h, w], scalars: cam.values)
  }

  static let receptive = Command(
    name: "receptive", group: .insight, usage: "receptive LAYER Y X",
    summary: "The input pixels one cell of a layer can see (its receptive field)",
    example: "receptive conv2d_1 5 5",
    details: """
      Y X pick a cell of the layer's maps (row, column, from 0). The field is worked out \
      from every Conv2D's and pooling layer's window, stride and padding below it, \
      exactly; no image or weights are needed. Each 3x3 convolution widens it by 2 times \
      the strides below; a 2x2 pooling doubles the step between neighbouring cells' \
      fields. With padding='same', part of a field near the border lies outside the image.
      'save receptive PATH.npy' writes the mask, (H, W) float32, 1 inside. See also \
      'explain receptive'.
      """
  ) { session, arguments in
    try arguments.noMore(than: 3)
    let index = try layerIndex(session, arguments, at: 0)
    let model = session.model
    guard model.inputShape != nil, model.outputShapes.count == model.layers.count else {
      throw EngineError.noInputShape
    }
    let layer = model.layers[index]
    let shape = model.outputShapes[index]
    var cell: [Int] = []
    if shape.rank == 3 {
      for (axis, name) in ["row", "column"].enumerated() {
        let token = try arguments.requiredWord(at: axis + 1, "the \(name)")
        guard let value = Int(token.text), (0..<shape[axis]).contains(value) else {
          throw LabError(
            message:
              "there is no \(name) \(token.text): \(layer.name)'s maps have \(shape[axis]) \(name)s, 0-\(shape[axis] - 1)",
            column: token.column, hint: "usage: \(arguments.usage)")
        }
        cell.append(value)
      }
    } else {
      cell = [0, 0]
    }
    let field = try model.receptiveField(layer: index, y: cell[0], x: cell[1])
    session.console.out(receptiveLine(field, layer: layer))
    if let padding = paddingLine(field) { session.console.out(padding) }
    let (h, w) = (field.inputHeight, field.inputWidth)
    let mask = field.mask
    var maps: [(map: FeatureMap, low: Float, high: Float)] = [
      (FeatureMap(caption: "field", height: h, width: w, values: mask), 0, 1)
    ]
    if let image = session.image, image.shape[1] == h, image.shape[2] == w {
      // The image at full brightness inside the field and a quarter of it
      // outside, so the field shows where it lies on the picture.
      let brightness = InsightView.luminance(image)
      maps.append(
        (
          FeatureMap(
            caption: "on the image", height: h, width: w,
            values: zip(brightness, mask).map { $0 * (0.25 + 0.75 * $1) }), 0,
          brightness.max() ?? 0
        ))
    }
    let view = InsightView(display: session.display)
    for line in view.pictures(maps) {
      session.console.out(StyledLine(line, colors: session.display.colors))
    }
    session.insight.receptive = try Tensor(shape: [h, w], scalars: mask)
  }

  static let maximizeSignature = Signature(
    "maximize",
    [Signature.Argument("steps", .optional(.int(64)), .int(in: 1...10_000), keywordOnly: true)],
    example: "maximize conv2d_1 3 steps=64")

  static let maximize = Command(
    name: "maximize", group: .insight, usage: "maximize LAYER CHANNEL [steps=N]",
    summary: "Paint the picture that makes one channel fire most, by gradient ascent",
    example: "maximize conv2d_1 3 steps=64",
    details: """
      Starts from a grey picture with a little noise and, step after step, changes every \
      pixel a little in the direction that raises the channel's mean activation (the \
      gradient, sent back to the input). Each step also pulls the pixels back towards \
      grey a little (L2 decay) and looks at the picture shifted by a pixel (jitter), so \
      what stays is what the channel keeps asking for. Pixels stay between 0 and 1. \
      Default steps=64 (1-10000). The random seed fixes the noise, so the same seed \
      paints the same picture. Ctrl-C stops early and keeps the best picture so far.
      'save maximized PATH.npy' writes it, (H, W, C) float32, and 'image PATH.npy' loads \
      it back. See also 'explain maximize'.
      """,
    keywords: ["steps="]
  ) { session, arguments in
    let index = try layerIndex(session, arguments, at: 0)
    let model = session.model
    guard model.inputShape != nil, model.outputShapes.count == model.layers.count else {
      throw EngineError.noInputShape
    }
    let channels = model.outputShapes[index].dims.last ?? 0
    let token = try arguments.requiredWord(at: 1, "the channel")
    guard let channel = Int(token.text), (0..<channels).contains(channel) else {
      throw LabError(
        message:
          "there is no channel \(token.text): \(model.layers[index].name)'s output has \(channels), 0-\(channels - 1)",
        column: token.column, hint: "usage: \(arguments.usage)")
    }
    var rest = arguments
    rest.dropFirstWord()
    rest.dropFirstWord()
    let options = try rest.bind(maximizeSignature, from: 0, in: session)
    var settings = MaximizeOptions()
    settings.steps = options.int("steps")
    settings.seed = session.seed
    let live = session.display.terminal
    let quarter = max(settings.steps / 4, 1)
    let result = try model.maximize(
      layer: index, channel: channel, options: settings,
      onStep: { p in
        let line =
          "step \(p.step)/\(p.steps): mean activation \(Fmt.sig(Double(p.value), 4)) (best \(Fmt.sig(Double(p.best), 4)))"
        if live {
          session.console.transient(line)
        } else if p.step % quarter == 0 || p.step == p.steps {
          session.console.out(line)
        }
      }, shouldStop: { Interrupt.pending != 0 })
    if live { session.console.transient("") }
    if result.interrupted {
      Interrupt.clear()
      session.console.out(
        "interrupted after step \(result.stepsTaken): the best picture so far is kept")
    }
    let layer = model.layers[index]
    session.console.out(
      "\(layer.name) channel \(channel): mean activation \(Fmt.sig(Double(result.startValue), 4)) on the grey start, \(Fmt.sig(Double(result.value), 4)) on the picture painted (best at step \(result.bestStep) of \(result.stepsTaken))"
    )
    if let image = session.image, image.shape.unbatched == model.inputShape {
      let onImage = try model.channelMean(of: image, layer: index, channel: channel)
      let ratio =
        onImage > 0 ? ", \(Fmt.fixed(result.value / onImage, 1)) times as much" : ""
      session.console.out(
        "on the current image (\(session.imageSource)): \(Fmt.sig(Double(onImage), 4))\(ratio)")
    }
    let picture = result.image
    let (h, w, c) = (picture.shape[1], picture.shape[2], picture.shape[3])
    let names = c == 3 ? ["R", "G", "B"] : (0..<c).map { "#\($0)" }
    let view = InsightView(display: session.display)
    let maps = (0..<c).map { k in
      (
        map: FeatureMap(
          caption: names[k], height: h, width: w, values: InsightView.channel(picture, k)),
        low: Float(0), high: Float(1)
      )
    }
    session.console.out("the picture painted, each channel on 0-1:")
    for line in view.pictures(maps) {
      session.console.out(StyledLine(line, colors: session.display.colors))
    }
    session.insight.maximized = try picture.reshaped(picture.shape.unbatched)
  }

  // MARK: - Shared by the insight commands

  /// The model, the image fitted to it (a batch of one), and a note when
  /// fitting changed the image; errors when there is no model or image.
  static func insightInput(_ session: Session) throws -> (Sequential, Tensor, String?) {
    let model = session.model
    guard !model.layers.isEmpty else { throw EngineError.noLayers }
    guard let image = session.image else {
      throw LabError(
        message: "there is no image to look at", hint: "load one first, e.g. image demo cat")
    }
    let (input, note) = try fitted(image, to: model, session)
    return (model, input, note)
  }

  /// CLASS as a number from 0 or a name from `labels`; nil when not given.
  static func classArgument(_ token: Token?, _ session: Session, _ usage: String) throws(LabError)
    -> Int?
  {
    guard let token else { return nil }
    let classes = session.model.outputShapes.last.flatMap { $0.rank == 1 ? $0[0] : nil }
    if let number = Int(token.text) {
      if let classes, !(0..<classes).contains(number) {
        throw LabError(
          message:
            "there is no class \(number): the model has \(classes) classes, 0-\(classes - 1)",
          column: token.column, hint: "usage: \(usage)")
      }
      return number
    }
    if let found = session.labels.firstIndex(of: token.text) { return found }
    throw LabError(
      message: "'\(token.text)' is not a class: give a number from 0 or a name from 'labels'",
      column: token.column,
      hint: closestMatch(token.text, in: session.labels).map { "did you mean '\($0)'?" }
        ?? (session.labels.isEmpty
          ? "name the classes first, e.g. labels dogs,cats"
          : "labels: "
            + session.labels.joined(separator: ",")))
  }

  /// `'cats' (predicted 'cats' at 41.2%)` or `'dogs' at 12.0% (predicted 'cats' at 41.2%)`.
  static func scoreLine(_ scores: ClassScores, _ session: Session) -> String {
    func named(_ c: Int) -> String { LayerView.label(c, session.labels) }
    func percent(_ c: Int) -> String { Fmt.fixed(scores.probabilities[c] * 100, 1) + "%" }
    let predicted = "predicted \(named(scores.predicted)) at \(percent(scores.predicted))"
    if scores.chosen == scores.predicted { return "\(named(scores.chosen)) (\(predicted))" }
    return "\(named(scores.chosen)) at \(percent(scores.chosen)) (\(predicted))"
  }

  /// The maps whose weights push the class's score up, and down, most.
  static func strongestMaps(_ weights: [Float]) -> String {
    let order = weights.indices.sorted { weights[$0] > weights[$1] }
    func listed(_ indices: [Int]) -> String {
      indices.map { "#\($0) \(Fmt.sig(Double(weights[$0]), 3))" }.joined(separator: ", ")
    }
    let up = order.prefix(3).filter { weights[$0] > 0 }
    let down = order.reversed().prefix(3).filter { weights[$0] < 0 }
    var line = "weights: " + (up.isEmpty ? "no map raises the score" : "most for it " + listed(up))
    if !down.isEmpty { line += "; most against it " + listed(Array(down)) }
    return line
  }

  /// `conv2d_1 cell (5, 5) sees rows 2-8 and columns 2-8 of the input: 7x7 pixels`.
  static func receptiveLine(_ field: ReceptiveField, layer: any Layer) -> String {
    func span(_ flags: [Bool]) -> String {
      let seen = flags.indices.filter { flags[$0] }
      guard let first = seen.first, let last = seen.last else { return "none" }
      let gaps = seen.count < last - first + 1 ? " (with gaps)" : ""
      return (first == last ? "\(first)" : "\(first)-\(last)") + gaps
    }
    return
      "\(layer.name) cell (\(field.y), \(field.x)) sees rows \(span(field.rows)) and columns \(span(field.columns)) of the \(field.inputHeight)x\(field.inputWidth) input: \(field.visibleRows)x\(field.visibleColumns) pixels"
  }

  /// Says how much of the field lies in the padding, if any does.
  static func paddingLine(_ field: ReceptiveField) -> String? {
    let outside =
      max(0, -field.top) + max(0, field.bottom - (field.inputHeight - 1))
    let outsideColumns =
      max(0, -field.left) + max(0, field.right - (field.inputWidth - 1))
    guard outside > 0 || outsideColumns > 0 else { return nil }
    return
      "its whole field is \(field.fullHeight)x\(field.fullWidth); \(outside) row\(outside == 1 ? "" : "s") and \(outsideColumns) column\(outsideColumns == 1 ? "" : "s") of it lie outside the image, where 'same' padding reads zeros"
  }
}

extension CommandTable {
  /// `save saliency|gradcam|receptive|maximized PATH.npy`: the map last drawn, float32.
  static func saveInsight(_ kind: InsightMaps.Kind, _ session: Session, _ arguments: Arguments)
    throws
  {
    let path = try arguments.requiredWord(at: 1, "the file name")
    try arguments.noMore(than: 2)
    guard path.text.hasSuffix(".npy") else {
      throw LabError(
        message: "'\(path.text)' must end in .npy: a map is one array", column: path.column,
        hint: "e.g. save \(kind.rawValue) \(kind.rawValue).npy")
    }
    guard let map = session.insight[kind] else {
      throw LabError(
        message: "there is no \(kind.rawValue) map yet",
        hint: "draw one first with '\(kind.command)' (see 'help \(kind.command)')")
    }
    try Npy.write(NDArray(tensor: map), path: path.text)
    session.console.out("saved the \(kind.rawValue) map \(map.shape), float32, to \(path.text)")
  }
}
