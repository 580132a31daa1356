import Testing

@testable import Engine

// Winograd's F(2x2, 3x3) and F(4x4, 3x3) regroup the convolution's sums, so
// they are checked against the reference loops within rounding (not bits),
// on odd and even sizes, both paddings, tiles cut across images and blocks,
// both micro-kernels; and for the same bits whatever the thread count.

private func randomFloats(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
  (0..<count).map { _ in rng.nextFloat(in: -1, 1) }
}

private func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

private func geometry(_ n: Int, _ h: Int, _ w: Int, _ c: Int, _ f: Int, same: Bool) -> ConvGeometry?
{
  let padding: Padding = same ? .same : .valid
  guard let y = padding.outputLength(input: h, kernel: 3, stride: 1),
    let x = padding.outputLength(input: w, kernel: 3, stride: 1)
  else { return nil }
  return ConvGeometry(
    batch: n, inHeight: h, inWidth: w, inChannels: c, outHeight: y.length, outWidth: x.length,
    filters: f, kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1, padTop: y.before,
    padLeft: x.before)
}

/// |a - b| within a tolerance scaled by the size of the sums: each output
/// adds 9·c products of values in [-1, 1].
private func expectClose(_ a: [Float], _ b: [Float], depth: Int, _ what: String) {
  #expect(a.count == b.count, "\(what)")
  let tolerance = 2e-6 * Float(depth)
  let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
  #expect(worst <= tolerance, "\(what): worst difference \(worst)")
}

@Suite(.serialized) struct WinogradConvolution {
  /// Odd and even sides (half-used last tiles), 'same' and 'valid', sides of
  /// 1 and 2 ('same' only), channels 16 to 64, filters 16 to 64, batches
  /// whose tiles run across image boundaries inside one block.
  static let shapes: [(Int, Int, Int, Int, Int, Bool)] = [
    (1, 8, 8, 16, 16, true), (2, 9, 7, 16, 32, true), (3, 11, 13, 32, 16, false),
    (1, 1, 1, 16, 16, true), (2, 2, 5, 24, 48, true), (1, 3, 3, 16, 16, false),
    (4, 15, 15, 32, 64, true), (2, 13, 13, 64, 64, false), (1, 30, 17, 48, 32, false),
  ]

  @Test func matchesTheReferenceLoops() throws {
    var rng = SeededGenerator(seed: 91)
    for (n, h, w, c, f, same) in Self.shapes {
      let g = try #require(geometry(n, h, w, c, f, same: same))
      #expect(Winograd.takes(g))
      let x = randomFloats(g.inputCount, &rng)
      let k = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(f, &rng)
      let reference = ConvKernels.forwardReference(g, input: x, kernel: k, bias: b)
      let noBias = ConvKernels.forwardReference(g, input: x, kernel: k, bias: nil)
      for kind in Gemm.MicroKernel.allCases {
        let saved = Gemm.kernelOverride
        Gemm.kernelOverride = kind
        defer { Gemm.kernelOverride = saved }
        for tile in Winograd.Tile.allCases {
          let what = "\(g) \(kind) \(tile)"
          let plain = try #require(
            Winograd.forward(g, input: x, kernel: k, bias: b, relu: false, pool: false, tile: tile))
          expectClose(plain, reference, depth: 9 * c, what)
          let unbiased = try #require(
            Winograd.forward(
              g, input: x, kernel: k, bias: nil, relu: false, pool: false, tile: tile))
          expectClose(unbiased, noBias, depth: 9 * c, "\(what) no bias")
          let relu = try #require(
            Winograd.forward(g, input: x, kernel: k, bias: b, relu: true, pool: false, tile: tile))
          expectClose(relu, reference.map { $0 > 0 ? $0 : 0 }, depth: 9 * c, "\(what) relu")
          #expect(relu.allSatisfy { $0 >= 0 && $0.sign == .plus })
        }
      }
    }
  }

  @Test func pooledMatchesReLUThenMaxPooling() throws {
    var rng = SeededGenerator(seed: 92)
    for (n, h, w, c, f, same) in Self.shapes {
      let g = try #require(geometry(n, h, w, c, f, same: same))
      let pooled = Winograd.forward(
        g, input: randomFloats(g.inputCount, &rng), kernel: randomFloats(g.kernelCount, &rng),
        bias: nil, relu: true, pool: true)
      guard g.outHeight >= 2, g.outWidth >= 2 else {
        #expect(pooled == nil, "\(g): no 2x2 window to pool")
        continue
      }
      let x = randomFloats(g.inputCount, &rng)
      let k = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(f, &rng)
      let pg = ConvGeometry(
        batch: n, inHeight: g.outHeight, inWidth: g.outWidth, inChannels: f,
        outHeight: g.outHeight / 2, outWidth: g.outWidth / 2, filters: f, kernelHeight: 2,
        kernelWidth: 2, strideY: 2, strideX: 2, padTop: 0, padLeft: 0)
      let reference = PoolingKernels.maxForwardValues(
        pg,
        input: ElementwiseKernels.relu(
          ConvKernels.forwardReference(g, input: x, kernel: k, bias: b)))
      for tile in Winograd.Tile.allCases {
        let fused = try #require(
          Winograd.forward(g, input: x, kernel: k, bias: b, relu: true, pool: true, tile: tile))
        expectClose(fused, reference, depth: 9 * c, "\(g) \(tile) pooled")
      }
    }
  }

  @Test func sameBitsForAnyThreadCount() throws {
    var rng = SeededGenerator(seed: 93)
    // Enough tiles for several blocks per thread.
    let g = try #require(geometry(3, 40, 38, 32, 32, same: true))
    let x = randomFloats(g.inputCount, &rng)
    let k = randomFloats(g.kernelCount, &rng)
    let b = randomFloats(g.filters, &rng)
    for pool in [false, true] {
      for tile in Winograd.Tile.allCases {
        let runs = try [1, 2, 3].map { threads in
          let saved = EngineThreads.count
          EngineThreads.count = threads
          defer { EngineThreads.count = saved }
          return try #require(
            Winograd.forward(g, input: x, kernel: k, bias: b, relu: true, pool: pool, tile: tile))
        }
        #expect(
          bits(runs[0]) == bits(runs[1]) && bits(runs[1]) == bits(runs[2]), "pool \(pool) \(tile)")
      }
    }
  }

  /// The seed network's layers take F(4,3) (fewer multiply-adds even with
  /// its costlier transforms); a small output where 4x4 tiles would mostly
  /// compute padding takes F(2,3).
  @Test func picksTheTileByCost() throws {
    let big = try #require(geometry(1, 49, 49, 32, 64, same: true))
    #expect(Winograd.choose(big, pool: false) == .f4)
    let pooled = try #require(geometry(1, 49, 49, 64, 64, same: false))
    #expect(Winograd.choose(pooled, pool: true) == .f4)
    // 5x5 outputs: 9 tiles of 16 against 4 of 36.
    let small = try #require(geometry(1, 7, 7, 32, 32, same: false))
    #expect(Winograd.choose(small, pool: false) == .f2)
  }

  @Test func declinesWhatItDoesNotTake() throws {
    var rng = SeededGenerator(seed: 94)
    // An RGB first layer, odd channel and filter counts, another kernel size
    // or a stride: the direct convolution's shapes.
    let declined: [ConvGeometry] = try [
      #require(geometry(1, 8, 8, 3, 32, same: true)),
      #require(geometry(1, 8, 8, 20, 32, same: true)),
      #require(geometry(1, 8, 8, 32, 24, same: true)),
      ConvGeometry(
        batch: 1, inHeight: 8, inWidth: 8, inChannels: 16, outHeight: 4, outWidth: 4, filters: 16,
        kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2, padTop: 0, padLeft: 0),
      ConvGeometry(
        batch: 1, inHeight: 8, inWidth: 8, inChannels: 16, outHeight: 4, outWidth: 4, filters: 16,
        kernelHeight: 5, kernelWidth: 5, strideY: 1, strideX: 1, padTop: 0, padLeft: 0),
    ]
    for g in declined {
      #expect(!Winograd.takes(g))
      let out = Winograd.forward(
        g, input: randomFloats(g.inputCount, &rng), kernel: randomFloats(g.kernelCount, &rng),
        bias: nil, relu: false, pool: false)
      #expect(out == nil, "\(g)")
    }
  }
}
