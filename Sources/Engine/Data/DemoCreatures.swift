/// The built-in dataset: six kinds of creature drawn in code from simple
/// shapes, named after the seed blog's classes.
///
/// Every picture varies in position, size, colours, facing and background,
/// with clutter and pixel noise on top, so a network has to learn the shapes
/// (ears, tails, beaks, legs) rather than a colour. Small training sets of it
/// are easy to over-fit, which is what the Dropout lesson needs. The same
/// seed draws the same pictures on every machine.
public enum DemoCreatures {
  public static let classNames = ["dogs", "cats", "monkeys", "birds", "fish", "lizards"]

  /// `count` pictures `[count, size, size, 3]` in [0, 1), classes in turn
  /// (0, 1, …, 5, 0, …) so every class is equally represented.
  public static func make(count: Int, size: Int = 32, seed: UInt64) -> (
    images: Tensor, labels: [Int]
  ) {
    var rng = SeededGenerator(seed: seed)
    var scalars: [Float] = []
    scalars.reserveCapacity(count * size * size * 3)
    var labels: [Int] = []
    for i in 0..<count {
      let label = i % classNames.count
      var canvas = Canvas(size: size, rng: &rng)
      draw(label, on: &canvas, rng: &rng)
      canvas.addNoise(rng: &rng)
      scalars.append(contentsOf: canvas.pixels)
      labels.append(label)
    }
    return (Tensor(validShape: [count, size, size, 3], scalars: scalars), labels)
  }

  static func draw(_ label: Int, on canvas: inout Canvas, rng: inout SeededGenerator) {
    let s = Float(canvas.size)
    // Where and how big: the creature's centre wanders over the middle half.
    let cx = s * rng.nextFloat(in: 0.38, 0.62)
    let cy = s * rng.nextFloat(in: 0.40, 0.62)
    let r = s * rng.nextFloat(in: 0.17, 0.25)
    let facing: Float = rng.nextUnitFloat() < 0.5 ? -1 : 1
    let body = canvas.randomColour(rng: &rng)
    let detail = canvas.contrasting(body, rng: &rng)
    switch label {
    case 0:  // dogs: round head, long ears hanging down both sides, a snout
      canvas.ellipse(cx - r * 0.95, cy + r * 0.35, r * 0.35, r * 0.75, detail)
      canvas.ellipse(cx + r * 0.95, cy + r * 0.35, r * 0.35, r * 0.75, detail)
      canvas.ellipse(cx, cy, r, r, body)
      canvas.ellipse(cx, cy + r * 0.45, r * 0.45, r * 0.3, detail)
    case 1:  // cats: round head with two pointed ears on top
      canvas.triangle(
        (cx - r * 0.95, cy - r * 0.2), (cx - r * 0.2, cy - r * 0.75),
        (cx - r * 0.85, cy - r * 1.45), body)
      canvas.triangle(
        (cx + r * 0.95, cy - r * 0.2), (cx + r * 0.2, cy - r * 0.75),
        (cx + r * 0.85, cy - r * 1.45), body)
      canvas.ellipse(cx, cy, r, r * 0.9, body)
      canvas.ellipse(cx - r * 0.4, cy - r * 0.1, r * 0.14, r * 0.2, detail)
      canvas.ellipse(cx + r * 0.4, cy - r * 0.1, r * 0.14, r * 0.2, detail)
    case 2:  // monkeys: round ears at the sides and a pale face inside the head
      canvas.ellipse(cx - r * 1.05, cy, r * 0.38, r * 0.38, body)
      canvas.ellipse(cx + r * 1.05, cy, r * 0.38, r * 0.38, body)
      canvas.ellipse(cx, cy, r, r, body)
      canvas.ellipse(cx, cy + r * 0.15, r * 0.65, r * 0.6, detail)
    case 3:  // birds: small body, a beak to one side, a wing above
      canvas.triangle(
        (cx + facing * r * 0.7, cy - r * 0.2), (cx + facing * r * 0.7, cy + r * 0.2),
        (cx + facing * r * 1.4, cy), detail)
      canvas.ellipse(cx, cy, r * 0.75, r * 0.6, body)
      canvas.triangle(
        (cx - facing * r * 0.5, cy - r * 0.1), (cx + facing * r * 0.3, cy - r * 0.1),
        (cx - facing * r * 0.4, cy - r * 1.3), detail)
    case 4:  // fish: a long oval body with a forked tail behind
      canvas.triangle(
        (cx - facing * r * 0.8, cy), (cx - facing * r * 1.6, cy - r * 0.7),
        (cx - facing * r * 1.6, cy + r * 0.7), detail)
      canvas.ellipse(cx, cy, r * 1.05, r * 0.5, body)
      canvas.ellipse(cx + facing * r * 0.55, cy - r * 0.1, r * 0.1, r * 0.1, detail)
    default:  // lizards: a thin body, four short legs and a long tail
      for dx: Float in [-0.55, 0.45] {
        canvas.rect(cx + dx * r - r * 0.08, cy - r * 0.55, r * 0.16, r * 1.1, detail)
      }
      canvas.ellipse(cx, cy, r * 0.95, r * 0.28, body)
      canvas.triangle(
        (cx - facing * r * 0.8, cy - r * 0.15), (cx - facing * r * 0.8, cy + r * 0.15),
        (cx - facing * r * 1.9, cy + r * 0.25), body)
      canvas.ellipse(cx + facing * r * 1.0, cy, r * 0.3, r * 0.22, body)
    }
  }
}

/// A tiny RGB raster with a cluttered background, enough to draw the creatures.
struct Canvas {
  let size: Int
  var pixels: [Float]

  init(size: Int, rng: inout SeededGenerator) {
    self.size = size
    let base = (
      rng.nextFloat(in: 0.05, 0.5), rng.nextFloat(in: 0.05, 0.5), rng.nextFloat(in: 0.05, 0.5)
    )
    pixels = [Float](repeating: 0, count: size * size * 3)
    // A gentle gradient, so the background is never a flat giveaway.
    let tilt = rng.nextFloat(in: -0.2, 0.2)
    for y in 0..<size {
      for x in 0..<size {
        let shade = tilt * (Float(x + y) / Float(2 * size) - 0.5)
        let i = (y * size + x) * 3
        pixels[i] = base.0 + shade
        pixels[i + 1] = base.1 + shade
        pixels[i + 2] = base.2 + shade
      }
    }
    // Clutter: a few small blobs and bars that belong to no class.
    let s = Float(size)
    for _ in 0..<(1 + rng.nextInt(below: 3)) {
      let colour = randomColour(rng: &rng)
      if rng.nextUnitFloat() < 0.5 {
        ellipse(rng.nextFloat(in: 0, s), rng.nextFloat(in: 0, s), s * 0.06, s * 0.06, colour)
      } else {
        rect(
          rng.nextFloat(in: 0, s), rng.nextFloat(in: 0, s), s * rng.nextFloat(in: 0.05, 0.2),
          s * 0.04, colour)
      }
    }
  }

  func randomColour(rng: inout SeededGenerator) -> (Float, Float, Float) {
    (rng.nextFloat(in: 0.2, 1), rng.nextFloat(in: 0.2, 1), rng.nextFloat(in: 0.2, 1))
  }

  /// A colour far enough from `colour` to be told apart.
  func contrasting(_ colour: (Float, Float, Float), rng: inout SeededGenerator) -> (
    Float, Float, Float
  ) {
    let shift = rng.nextFloat(in: 0.35, 0.6)
    func away(_ v: Float) -> Float { v > 0.55 ? v - shift : v + shift }
    return (away(colour.0), away(colour.1), away(colour.2))
  }

  mutating func plot(_ x: Int, _ y: Int, _ c: (Float, Float, Float)) {
    guard x >= 0, y >= 0, x < size, y < size else { return }
    let i = (y * size + x) * 3
    pixels[i] = c.0
    pixels[i + 1] = c.1
    pixels[i + 2] = c.2
  }

  /// A coordinate truncated to a pixel index (clamped well outside the picture).
  private func whole(_ v: Float) -> Int {
    WholeNumber.clamped(v, in: -size...(2 * size), rounding: .towardZero)
  }

  mutating func ellipse(
    _ cx: Float, _ cy: Float, _ rx: Float, _ ry: Float, _ c: (Float, Float, Float)
  ) {
    guard rx > 0, ry > 0 else { return }
    let (y0, y1) = (max(0, whole(cy - ry)), min(size - 1, whole(cy + ry) + 1))
    let (x0, x1) = (max(0, whole(cx - rx)), min(size - 1, whole(cx + rx) + 1))
    guard y0 <= y1, x0 <= x1 else { return }
    for y in y0...y1 {
      for x in x0...x1 {
        let dx = (Float(x) + 0.5 - cx) / rx
        let dy = (Float(y) + 0.5 - cy) / ry
        if dx * dx + dy * dy <= 1 { plot(x, y, c) }
      }
    }
  }

  mutating func rect(_ x0: Float, _ y0: Float, _ w: Float, _ h: Float, _ c: (Float, Float, Float)) {
    guard w > 0, h > 0 else { return }
    for y in max(0, whole(y0))..<max(0, min(size, whole(y0 + h) + 1)) {
      for x in max(0, whole(x0))..<max(0, min(size, whole(x0 + w) + 1)) { plot(x, y, c) }
    }
  }

  mutating func triangle(
    _ a: (Float, Float), _ b: (Float, Float), _ c: (Float, Float), _ colour: (Float, Float, Float)
  ) {
    func edge(_ p: (Float, Float), _ q: (Float, Float), _ x: Float, _ y: Float) -> Float {
      (q.0 - p.0) * (y - p.1) - (q.1 - p.1) * (x - p.0)
    }
    let minX = max(0, Int(min(a.0, b.0, c.0)))
    let maxX = min(size - 1, Int(max(a.0, b.0, c.0)) + 1)
    let minY = max(0, Int(min(a.1, b.1, c.1)))
    let maxY = min(size - 1, Int(max(a.1, b.1, c.1)) + 1)
    guard minX <= maxX, minY <= maxY else { return }
    for y in minY...maxY {
      for x in minX...maxX {
        let (px, py) = (Float(x) + 0.5, Float(y) + 0.5)
        let e0 = edge(a, b, px, py)
        let e1 = edge(b, c, px, py)
        let e2 = edge(c, a, px, py)
        // Inside when all three agree in sign, whichever way the corners wind.
        if (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0) { plot(x, y, colour) }
      }
    }
  }

  /// Pixel noise, then a clamp to [0, 1) like 8-bit pixels scaled by 1/256.
  mutating func addNoise(rng: inout SeededGenerator) {
    let amount = rng.nextFloat(in: 0.03, 0.12)
    for i in pixels.indices {
      pixels[i] = min(max(pixels[i] + rng.nextFloat(in: -amount, amount), 0), 255.0 / 256.0)
    }
  }
}
