import Testing

@testable import Engine

// Winograd's F(2x2, 3x3) and F(4x4, 3x3) regroup the convolution's sums, so
// they are checked against the reference loops within rounding (not bits),
// on odd and even sizes, both paddings, tiles cut across images and blocks,
// both micro-kernels; and for the same bits whatever the thread count.

/// A 3x3, stride-1 convolution's geometry.
private func geometry(_ n: Int, _ h: Int, _ w: Int, _ c: Int, _ f: Int, same: Bool) -> ConvGeometry?
{
  windowGeometry(
    batch: n, height: h, width: w, channels: c, filters: f, kernel: (3, 3),
    padding: same ? .same : .valid)
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
        for tile in Winograd.Tile.allCases {
          let what = "\(g) \(kind) \(tile)"
          func run(bias: [Float]?, relu: Bool) throws -> [Float] {
            try #require(
              withMicroKernel(kind) {
                Winograd.forward(
                  g, input: x, kernel: k, bias: bias, relu: relu, pool: false, tile: tile)
              })
          }
          expectClose(try run(bias: b, relu: false), reference, depth: 9 * c, what)
          expectClose(try run(bias: nil, relu: false), noBias, depth: 9 * c, "\(what) no bias")
          let relu = try run(bias: b, relu: true)
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
      let reference = PoolingKernels.maxForwardValues(
        pooled2x2(after: g),
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
          try #require(
            withThreads(threads) {
              Winograd.forward(
                g, input: x, kernel: k, bias: b, relu: true, pool: pool, tile: tile)
            })
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
      #require(
        windowGeometry(
          batch: 1, height: 8, width: 8, channels: 16, filters: 16, kernel: (3, 3), stride: (2, 2),
          padding: .valid)),
      #require(
        windowGeometry(
          batch: 1, height: 8, width: 8, channels: 16, filters: 16, kernel: (5, 5), padding: .valid)
      ),
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
