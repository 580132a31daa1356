import Engine

/// Draws what the insight commands compute (saliency, Grad-CAM, receptive
/// fields, maximized pictures, gradients) with the feature-map pictures
/// `show` uses, side by side with the image they are about.
struct InsightView {
  var renderer: FeatureMapRenderer

  init(display: Display) {
    renderer = FeatureMapRenderer(
      width: display.width, glyphs: display.glyphs, colorMap: display.colorMap)
  }

  /// Pictures side by side sharing the width, each shaded over its own
  /// `low...high` under its caption, then what one character stands for in
  /// the first (the image-sized one).
  func pictures(_ maps: [(map: FeatureMap, low: Float, high: Float)]) -> [CellLine] {
    guard let first = maps.first else { return [] }
    let pictures = maps.map { entry -> (caption: String, lines: [CellLine]) in
      let layout = renderer.layout(for: entry.map, count: maps.count)
      return (
        entry.map.caption,
        renderer.picture(
          dots: layout.sample(entry.map.values), dropped: nil, layout: layout, low: entry.low,
          high: entry.high)
      )
    }
    let scale = renderer.layout(for: first.map, count: maps.count).scaleText()
    return renderer.grid(pictures) + [CellLine(text: scale)]
  }

  /// Maps of signed values (gradients) in `diff`'s diverging glyphs or
  /// colours, on one scale whose strongest glyph is at ±`largest`.
  func signedPictures(_ maps: [FeatureMap], largest: Float) -> [CellLine] {
    guard let first = maps.first else { return [] }
    let layout = renderer.layout(for: first, count: maps.count)
    let pictures = maps.map { map -> (caption: String, lines: [CellLine]) in
      guard map.values.contains(where: { $0 != 0 }) else {
        return (map.caption, [CellLine(text: "(all zero)")])
      }
      let dots = layout.sample(map.values)
      return (
        map.caption,
        renderer.draw(
          layout, ascii: { Ramp.change(dots[$0], largest: largest) },
          color: { ColorMap.diverging(dots[$0] / largest) })
      )
    }
    return renderer.grid(pictures) + [CellLine(text: layout.scaleText())]
  }

  /// A picture's brightness, `(h, w)` row-major, from `[1, h, w, c]`:
  /// the usual 0.299 R + 0.587 G + 0.114 B for colour, the mean otherwise.
  static func luminance(_ image: Tensor) -> [Float] {
    let (h, w, c) = (image.shape[1], image.shape[2], image.shape[3])
    let weights: [Float] =
      c == 3 ? [0.299, 0.587, 0.114] : Array(repeating: 1 / Float(c), count: c)
    return (0..<(h * w)).map { p in
      (0..<c).reduce(Float(0)) { $0 + image.scalars[p * c + $1] * weights[$1] }
    }
  }

  /// Channel `k` of `[1, h, w, c]`, row-major.
  static func channel(_ tensor: Tensor, _ k: Int) -> [Float] {
    let (h, w, c) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
    return (0..<(h * w)).map { tensor.scalars[$0 * c + k] }
  }

  /// An `(h, w)` map resized to `height` x `width`, bilinear, as the image is fitted.
  static func upsampled(_ values: [Float], h: Int, w: Int, height: Int, width: Int) -> [Float] {
    var map = Tensor(repeating: 0, shape: [h, w, 1])
    map.scalars = values
    return ImageOps.resizeBilinear(map, height: height, width: width).scalars
  }

  /// The largest and smallest value (0, 0 when empty).
  static func range(_ values: [Float]) -> (Float, Float) {
    (values.min() ?? 0, values.max() ?? 0)
  }

  /// Each value over the largest, so a map and a picture can be multiplied.
  static func normalised(_ values: [Float]) -> [Float] {
    let largest = values.max() ?? 0
    return largest > 0 ? values.map { $0 / largest } : values
  }
}
