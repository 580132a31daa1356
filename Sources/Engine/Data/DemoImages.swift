import Foundation

/// Small pictures drawn in code, so a lesson can show filters at work without
/// any file: every call with the same arguments gives the same pixels.
public enum DemoImages {
  /// The names `make` accepts.
  public static let names = ["edges", "blobs", "texture", "cat"]

  /// Draws the demo picture `name` as a `[height, width, 3]` tensor with values in [0, 1).
  public static func make(_ name: String, height: Int = 48, width: Int = 48) throws(EngineError)
    -> Tensor
  {
    guard (4...4096).contains(height), (4...4096).contains(width) else {
      throw .data("a demo image must be from 4x4 to 4096x4096 pixels, got \(height)x\(width)")
    }
    let paint: (Float, Float) -> (Float, Float, Float)
    switch name.lowercased() {
    case "edges": paint = edges
    case "blobs": paint = blobs
    case "texture": paint = texture
    case "cat": paint = cat
    default:
      throw .data("no demo image named '\(name)'; choose one of: \(names.joined(separator: ", "))")
    }
    var out = [Float]()
    out.reserveCapacity(height * width * 3)
    for y in 0..<height {
      for x in 0..<width {
        // Pixel centres in [0, 1) units, so the drawing scales with the size.
        let (r, g, b) = paint((Float(y) + 0.5) / Float(height), (Float(x) + 0.5) / Float(width))
        out += [clamp(r), clamp(g), clamp(b)]
      }
    }
    return Tensor(validShape: [height, width, 3], scalars: out)
  }

  /// The largest float below 1, so that values stay in [0, 1) as promised.
  private static func clamp(_ v: Float) -> Float { min(max(v, 0), Float(1).nextDown) }

  /// A bright rectangle (horizontal and vertical edges) and a yellow diagonal line on dark ground.
  private static func edges(_ y: Float, _ x: Float) -> (Float, Float, Float) {
    if abs((1 - y) - x) < 0.035 && x > 0.05 && x < 0.95 { return (0.9, 0.8, 0.2) }
    if y > 0.2 && y < 0.55 && x > 0.15 && x < 0.6 { return (0.92, 0.92, 0.92) }
    return (0.08, 0.08, 0.1)
  }

  /// Three soft Gaussian blobs of different colours and sizes.
  private static func blobs(_ y: Float, _ x: Float) -> (Float, Float, Float) {
    func g(_ cy: Float, _ cx: Float, _ sigma: Float) -> Float {
      exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * sigma * sigma))
    }
    let red = g(0.3, 0.3, 0.12)
    let blue = g(0.65, 0.6, 0.2)
    let green = g(0.22, 0.78, 0.07)
    return (0.05 + 0.9 * red + 0.1 * blue, 0.05 + 0.85 * green + 0.2 * blue, 0.05 + 0.85 * blue)
  }

  /// Fine vertical stripes above, a coarse checkerboard below.
  private static func texture(_ y: Float, _ x: Float) -> (Float, Float, Float) {
    if y < 0.5 {
      let on = WholeNumber.clamped(x * 12, rounding: .down) % 2 == 0
      return on ? (0.85, 0.75, 0.3) : (0.15, 0.1, 0.2)
    }
    let on =
      (WholeNumber.clamped(x * 4, rounding: .down) + WholeNumber.clamped(y * 8, rounding: .down))
      % 2 == 0
    return on ? (0.2, 0.6, 0.85) : (0.9, 0.9, 0.85)
  }

  /// A cartoon cat face: round head, two triangle ears, eyes and a nose.
  private static func cat(_ y: Float, _ x: Float) -> (Float, Float, Float) {
    let orange: (Float, Float, Float) = (0.9, 0.55, 0.2)
    let dy = y - 0.58
    let dx = x - 0.5
    let inHead = dy * dy + dx * dx < 0.3 * 0.3
    for (ex, sign) in [(Float(0.32), Float(-1)), (Float(0.68), Float(1))] {
      let eyeY = y - 0.52
      let eyeX = x - ex
      if eyeY * eyeY / 0.0036 + eyeX * eyeX / 0.0016 < 1 {
        return eyeX * sign > 0.01 ? (0.05, 0.05, 0.05) : (0.3, 0.8, 0.3)
      }
    }
    if inHead {
      let ny = y - 0.66
      let nx = x - 0.5
      if ny >= -0.03 && ny <= 0.02 && abs(nx) < (0.02 - ny) * 0.9 { return (0.95, 0.5, 0.6) }
      return orange
    }
    // Ears: triangles with the tip up, standing on the head.
    for cx in [Float(0.3), Float(0.7)] where y > 0.1 && y < 0.42 {
      let halfWidth = (y - 0.1) * 0.45
      if abs(x - cx) < halfWidth { return orange }
    }
    return (0.25, 0.3, 0.45)
  }
}
