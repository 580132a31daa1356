import Testing

@testable import Engine

/// The fast pooling paths must equal the reference loops bit for bit, on odd
/// sizes, strides, both paddings, and with ties (small integer values).
@Test(arguments: 0..<32)
func poolingFastPathsMatchTheReference(_ trial: Int) {
  var rng = SeededGenerator(seed: UInt64(100 + trial))
  let pool = (1 + rng.nextInt(below: 3), 1 + rng.nextInt(below: 3))
  // Half the trials: windows that tile the input (maxBackward's fast path).
  let stride =
    trial % 4 >= 2 ? pool : (1 + rng.nextInt(below: 3), 1 + rng.nextInt(below: 3))
  let padding: Padding = trial % 2 == 0 ? .valid : .same
  let (h, w, c, n) = (
    pool.0 + rng.nextInt(below: 9), pool.1 + rng.nextInt(below: 9), 1 + rng.nextInt(below: 40),
    1 + rng.nextInt(below: 3)
  )
  guard
    let g = windowGeometry(
      batch: n, height: h, width: w, channels: c, filters: c, kernel: pool, stride: stride,
      padding: padding)
  else {
    Issue.record("shape")
    return
  }
  // Whole numbers from a small range make ties common.
  let x = (0..<g.inputCount).map { _ in Float(rng.nextInt(below: 5)) - 2 }
  let fast = PoolingKernels.maxForward(g, input: x)
  let reference = PoolingKernels.maxForwardReference(g, input: x)
  #expect(fast.output == reference.output)
  #expect(fast.winners == reference.winners)
  // Every winner points at a cell of its window holding the output's value.
  for o in 0..<g.outputCount {
    #expect(
      x[PoolingKernels.winnerInputIndex(g, outputIndex: o, offset: fast.winners[o])]
        == fast.output[o])
  }
  #expect(
    PoolingKernels.averageForward(g, input: x)
      == PoolingKernels.averageForwardReference(g, input: x))
  // Backward: the gradient's total is kept (max sends it whole, average shares it out).
  // With −0 among them: adding into zeros makes it +0, and so must the fast path.
  let dy = (0..<g.outputCount).map { _ in
    let v = Float(rng.nextInt(below: 7)) - 1
    return v == 0 ? -0.0 : v
  }
  let dxMax = PoolingKernels.maxBackward(g, outputGradient: dy, winners: fast.winners)
  #expect(dxMax.reduce(0, +) == dy.reduce(0, +))
  #expect(
    bits(dxMax)
      == bits(PoolingKernels.maxBackwardReference(g, outputGradient: dy, winners: fast.winners)))
  // Through a ReLU below (its output is the pool's input, so zeros and
  // ties at zero are common): the one pass gives the two passes' bits, NaN
  // gradients included, and is only offered where the windows tile.
  let relu = x.map { max($0, 0) }
  let reluPool = PoolingKernels.maxForward(g, input: relu)
  var dyNaN = dy
  if !dyNaN.isEmpty { dyNaN[trial % dyNaN.count] = .nan }
  let fused = PoolingKernels.maxBackwardThroughReLU(
    g, outputGradient: dyNaN, winners: reluPool.winners, output: reluPool.output)
  // Tiling: every window lies inside the input, and no two overlap.
  let tiles =
    stride == pool && g.padTop == 0 && g.padLeft == 0 && g.outHeight * pool.0 <= h
    && g.outWidth * pool.1 <= w
  #expect((fused != nil) == tiles)
  if let fused {
    let twoPasses = ElementwiseKernels.reluBackward(
      PoolingKernels.maxBackward(g, outputGradient: dyNaN, winners: reluPool.winners),
      input: relu)
    #expect(bits(fused) == bits(twoPasses))
  }
  let dxAvg = PoolingKernels.averageBackward(g, outputGradient: dy)
  let total = dy.reduce(0, +)
  #expect(abs(dxAvg.reduce(0, +) - total) <= 1e-4 * max(1, total))
}

@Test func elementwiseKernelsMatchPlainMaps() {
  var rng = SeededGenerator(seed: 9)
  let a = (0..<200_003).map { _ in rng.nextFloat(in: -1, 1) }
  let b = (0..<200_003).map { _ in rng.nextFloat(in: -1, 1) }
  #expect(ElementwiseKernels.relu(a) == a.map { $0 > 0 ? $0 : 0 })
  #expect(ElementwiseKernels.reluBackward(b, input: a) == zip(b, a).map { g, x in x > 0 ? g : 0 })
  #expect(ElementwiseKernels.map([]) { $0 } == [])
}
