import Testing

@testable import Engine

// A training step's Winograd products: the input gradient (a Winograd
// convolution of the output gradient with the rotated kernel) and the
// kernel gradient (Σ over tiles of V ⊗ A dY Aᵀ, then Gᵀ · G), against the
// reference loops within rounding, for both tiles and both micro-kernels;
// and the same bits for any thread count.

/// |a - b| within a tolerance scaled by the number of products in each sum
/// (values in [-1, 1]).
private func expectClose(_ a: [Float], _ b: [Float], terms: Int, _ what: String) {
  #expect(a.count == b.count, "\(what)")
  let tolerance = 2e-6 * Float(terms)
  let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
  #expect(worst <= tolerance, "\(what): worst difference \(worst)")
}

@Suite(.serialized) struct WinogradTraining {
  /// Odd and even sides (partial last tiles), both paddings, tiles across
  /// images, channels and filters 16 to 64 either way round.
  static let shapes: [(Int, Int, Int, Int, Int, Bool)] = [
    (1, 8, 8, 16, 16, true), (2, 9, 7, 16, 32, true), (3, 11, 13, 32, 16, false),
    (2, 2, 5, 24, 48, true), (4, 15, 15, 32, 64, true), (2, 13, 13, 64, 64, false),
    (1, 30, 17, 48, 32, false),
  ]

  static func geometry(_ s: (Int, Int, Int, Int, Int, Bool)) -> ConvGeometry? {
    windowGeometry(
      batch: s.0, height: s.1, width: s.2, channels: s.3, filters: s.4, kernel: (3, 3),
      padding: s.5 ? .same : .valid)
  }

  @Test func kernelGradientMatchesTheReferenceLoops() throws {
    var rng = SeededGenerator(seed: 93)
    for shape in Self.shapes {
      let g = try #require(Self.geometry(shape))
      let x = randomFloats(g.inputCount, &rng)
      let dy = randomFloats(g.outputCount, &rng)
      // Accumulates onto what is there, as a layer's gradient does.
      let start = randomFloats(g.kernelCount, &rng)
      let biasStart = randomFloats(g.filters, &rng)
      var reference = start
      var referenceBias = biasStart
      ConvKernels.accumulateKernelGradientReference(
        g, input: x, outputGradient: dy, kernelGradient: &reference,
        biasGradient: &referenceBias)
      let rows = g.batch * g.outHeight * g.outWidth
      for kind in Gemm.MicroKernel.allCases {
        for tile in Winograd.Tile.allCases {
          var kg = start
          var bg = biasStart
          let done = withMicroKernel(kind) {
            Winograd.accumulateKernelGradient(
              g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg,
              tile: tile)
          }
          #expect(done)
          expectClose(kg, reference, terms: rows, "\(g) \(kind) \(tile) kernel")
          expectClose(bg, referenceBias, terms: rows, "\(g) \(kind) \(tile) bias")
        }
      }
      // Without a bias the kernel gradient is the same.
      var kg = start
      var none: [Float] = []
      #expect(
        Winograd.accumulateKernelGradient(
          g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &none))
      expectClose(kg, reference, terms: rows, "\(g) no bias")
    }
  }

  @Test func inputGradientMatchesTheReferenceLoops() throws {
    var rng = SeededGenerator(seed: 94)
    for shape in Self.shapes {
      let g = try #require(Self.geometry(shape))
      // Its filters are the forward's channels: 24 is no multiple of 16.
      guard Winograd.takesInputGradient(g) else {
        #expect(g.inChannels == 24)
        continue
      }
      let dy = randomFloats(g.outputCount, &rng)
      let k = randomFloats(g.kernelCount, &rng)
      let reference = ConvKernels.backwardInputReference(g, outputGradient: dy, kernel: k)
      let gb = Winograd.inputGradientGeometry(g)
      let rotated = Winograd.rotatedKernel(k, channels: g.inChannels, filters: g.filters)
      for kind in Gemm.MicroKernel.allCases {
        for tile in Winograd.Tile.allCases {
          let u = Winograd.transformKernel(
            rotated, tile, channels: gb.inChannels, filters: gb.filters)
          let dx = try #require(
            withMicroKernel(kind) {
              Winograd.backwardInput(g, outputGradient: dy, transformedKernel: u, tile: tile)
            })
          expectClose(dx, reference, terms: 9 * g.filters, "\(g) \(kind) \(tile)")
          // Through a ReLU below (the layer's input is its output, a third
          // of it zeros): the two passes' bits, NaN gradients included.
          let reluOutput = randomFloats(g.inputCount, &rng).map { max($0 + 0.3, 0) }
          var dyNaN = dy
          dyNaN[shape.1 % dyNaN.count] = .nan
          let plain = try #require(
            withMicroKernel(kind) {
              Winograd.backwardInput(g, outputGradient: dyNaN, transformedKernel: u, tile: tile)
            })
          let fused = try #require(
            withMicroKernel(kind) {
              Winograd.backwardInput(
                g, outputGradient: dyNaN, transformedKernel: u, tile: tile,
                keepingWherePositive: reluOutput)
            })
          #expect(
            bits(fused) == bits(ElementwiseKernels.reluBackward(plain, input: reluOutput)),
            "\(g) \(kind) \(tile) through a ReLU")
        }
      }
    }
  }

  @Test func shapesWinogradDoesNotTakeAreLeftAlone() throws {
    let g = try #require(Self.geometry((1, 6, 6, 3, 16, true)))
    var kg = [Float](repeating: 1, count: g.kernelCount)
    var bg: [Float] = []
    #expect(
      !Winograd.accumulateKernelGradient(
        g, input: [Float](repeating: 1, count: g.inputCount),
        outputGradient: [Float](repeating: 1, count: g.outputCount), kernelGradient: &kg,
        biasGradient: &bg))
    #expect(kg.allSatisfy { $0 == 1 })
    // 8 filters: the forward product is not Winograd's, so neither are its gradients.
    let narrow = try #require(Self.geometry((1, 6, 6, 16, 8, true)))
    #expect(!Winograd.takesInputGradient(narrow))
  }

  @Test func gradientsAreBitIdenticalForAnyThreadCount() throws {
    var rng = SeededGenerator(seed: 95)
    // Enough tiles for several slices (F(4,3): 8 x 8 tiles per image).
    let g = try #require(Self.geometry((12, 32, 32, 32, 32, true)))
    let x = randomFloats(g.inputCount, &rng)
    let dy = randomFloats(g.outputCount, &rng)
    let k = randomFloats(g.kernelCount, &rng)
    let gb = Winograd.inputGradientGeometry(g)
    let tile = Winograd.choose(gb, pool: false)
    let u = Winograd.transformKernel(
      Winograd.rotatedKernel(k, channels: g.inChannels, filters: g.filters), tile,
      channels: gb.inChannels, filters: gb.filters)
    func run(_ threads: Int) -> ([UInt32], [UInt32], [UInt32]) {
      withThreads(threads) {
        var kg = [Float](repeating: 0, count: g.kernelCount)
        var bg = [Float](repeating: 0, count: g.filters)
        _ = Winograd.accumulateKernelGradient(
          g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
        let dx = Winograd.backwardInput(g, outputGradient: dy, transformedKernel: u, tile: tile)
        return (bits(kg), bits(bg), bits(dx ?? []))
      }
    }
    let one = run(1)
    let two = run(2)
    #expect(one.0 == two.0)
    #expect(one.1 == two.1)
    #expect(one.2 == two.2)
    #expect(!one.2.isEmpty)
  }
}
