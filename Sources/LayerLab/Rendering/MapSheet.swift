import Engine

/// Feature maps laid out on one 8-bit image for a slide: each map scaled to
/// 0–255 on its own range, blown up to at least 4 pixels per cell, in a
/// near-square grid with white gaps between maps.
struct MapSheet {
  var width: Int
  var height: Int
  var channels: Int
  var pixels: [UInt8]
  var count: Int
  var scale: Int

  /// Pixels per cell: small maps grow to about 96 pixels, never under 4 per cell.
  static func scale(height: Int, width: Int) -> Int { max(4, 96 / max(height, width, 1)) }
  static let gap = 8

  /// Channels `channels` of batch item 0 of `[n, h, w, c]`, or a vector as one strip.
  static func maps(_ output: Tensor, channels: [Int]) -> MapSheet {
    guard output.shape.rank == 4 else {
      let values = Array(output.scalars.prefix(output.count / max(output.shape[0], 1)))
      return sheet([values], height: 1, width: values.count)
    }
    let (h, w, c) = (output.shape[1], output.shape[2], output.shape[3])
    let maps = channels.map { k in (0..<(h * w)).map { output.scalars[$0 * c + k] } }
    return sheet(maps, height: h, width: w)
  }

  /// The picture itself: RGB for three channels (one shared range, so colours
  /// stay true), otherwise each channel as its own gray map.
  static func picture(_ image: Tensor) -> MapSheet {
    let (h, w, c) = (image.shape[1], image.shape[2], image.shape[3])
    guard c == 3 else { return maps(image, channels: Array(0..<c)) }
    let values = Array(image.scalars.prefix(h * w * 3))
    let levels = bytes(values)
    let s = scale(height: h, width: w)
    var pixels = [UInt8](repeating: 0, count: h * s * w * s * 3)
    for y in 0..<(h * s) {
      for x in 0..<(w * s) {
        for k in 0..<3 { pixels[(y * w * s + x) * 3 + k] = levels[((y / s) * w + x / s) * 3 + k] }
      }
    }
    return MapSheet(width: w * s, height: h * s, channels: 3, pixels: pixels, count: 1, scale: s)
  }

  private static func sheet(_ maps: [[Float]], height h: Int, width w: Int) -> MapSheet {
    let s = scale(height: h, width: w)
    let columns = max(1, WholeNumber.clamped(Double(maps.count).squareRoot(), rounding: .up))
    let rows = (maps.count + columns - 1) / columns
    let (mapWidth, mapHeight) = (w * s, h * s)
    let width = columns * mapWidth + (columns - 1) * gap
    let height = rows * mapHeight + (rows - 1) * gap
    var pixels = [UInt8](repeating: 255, count: width * height)
    for (i, map) in maps.enumerated() {
      let levels = bytes(map)
      let (left, top) = ((i % columns) * (mapWidth + gap), (i / columns) * (mapHeight + gap))
      for y in 0..<mapHeight {
        for x in 0..<mapWidth {
          pixels[(top + y) * width + left + x] = levels[(y / s) * w + x / s]
        }
      }
    }
    return MapSheet(
      width: width, height: height, channels: 1, pixels: pixels, count: maps.count, scale: s)
  }

  /// Values spread over 0...255 on their own range; a flat map is all black.
  private static func bytes(_ values: [Float]) -> [UInt8] {
    let finite = values.filter(\.isFinite)
    let low = finite.min() ?? 0
    let high = finite.max() ?? 0
    guard high > low else { return [UInt8](repeating: 0, count: values.count) }
    return values.map { v in
      guard v.isFinite else { return 0 }
      // In Double: high - low overflows Float for values near ±3e38.
      return WholeNumber.byte(Float((Double(v) - Double(low)) / (Double(high) - Double(low)) * 255))
    }
  }

  /// `[0, 1, 2, 3, 7]` → `0-3,7`.
  static func spelled(_ channels: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < channels.count {
      var j = i
      while j + 1 < channels.count, channels[j + 1] == channels[j] + 1 { j += 1 }
      parts.append(j > i ? "\(channels[i])-\(channels[j])" : "\(channels[i])")
      i = j + 1
    }
    return parts.joined(separator: ",")
  }
}
