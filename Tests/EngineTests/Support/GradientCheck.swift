@testable import Engine

/// Seeded random values in [-1, 1).
func randomTensor(_ shape: Shape, seed: UInt64) -> Tensor {
  var rng = SeededGenerator(seed: seed)
  return Tensor(
    validShape: shape, scalars: (0..<shape.scalarCount).map { _ in rng.nextFloat(in: -1, 1) })
}

/// Distinct values spread evenly over [-1, 1) in a seeded order: no two closer
/// than 2/count, so a ±epsilon nudge never changes which cell wins a pool or
/// which side of ReLU's kink a value is on.
func spreadTensor(_ shape: Shape, seed: UInt64) -> Tensor {
  let count = shape.scalarCount
  var values = (0..<count).map { (Float($0) + 0.5) * 2 / Float(count) - 1 }
  var rng = SeededGenerator(seed: seed)
  rng.shuffle(&values)
  return Tensor(validShape: shape, scalars: values)
}

/// The largest relative gap |a − n| / max(1, |a|, |n|) between analytic and
/// central-difference gradients of loss = Σ output·probe, for the input and
/// every parameter of `layer`. The same mask seed is used on every pass so
/// Dropout stays one fixed function.
func gradientGap(
  _ layer: any Layer, input: Tensor, mode: Mode = .training, epsilon: Float = 1e-2,
  backward: ((any Layer, Tensor) throws -> Tensor)? = nil
) throws -> Float {
  func run(_ x: Tensor) throws -> Tensor {
    var rng = SeededGenerator(seed: 77)
    return try layer.forward(x, mode: mode, rng: &rng)
  }
  let output = try run(input)
  let probe = randomTensor(output.shape, seed: 5)
  func loss(_ x: Tensor) throws -> Float {
    let out = try run(x)
    var s: Double = 0
    for i in 0..<out.count { s += Double(out.scalars[i]) * Double(probe.scalars[i]) }
    return Float(s)
  }
  for p in layer.parameters { p.zeroGradient() }
  _ = try run(input)
  let analyticInput = try backward?(layer, probe) ?? layer.backward(probe)
  var worst: Float = 0
  func compare(_ a: Float, _ n: Float) { worst = max(worst, abs(a - n) / max(1, abs(a), abs(n))) }
  for i in 0..<input.count {
    var plus = input
    var minus = input
    plus.scalars[i] += epsilon
    minus.scalars[i] -= epsilon
    compare(analyticInput.scalars[i], (try loss(plus) - loss(minus)) / (2 * epsilon))
  }
  for p in layer.parameters {
    let analytic = p.gradient
    let saved = p.value
    for i in 0..<saved.count {
      p.value.scalars[i] = saved.scalars[i] + epsilon
      let up = try loss(input)
      p.value.scalars[i] = saved.scalars[i] - epsilon
      let down = try loss(input)
      p.value = saved
      compare(analytic.scalars[i], (up - down) / (2 * epsilon))
    }
  }
  return worst
}

/// A layer built from Keras syntax for a per-sample input shape.
func makeLayer(_ text: String, input: Shape, seed: UInt64 = 1) throws -> any Layer {
  let spec = try LayerSpec(parsing: PyParser.parse(text))
  let layer = try spec.makeLayer(name: spec.kind.autoNameBase)
  var rng = SeededGenerator(seed: seed)
  try layer.build(for: input, using: &rng)
  return layer
}
