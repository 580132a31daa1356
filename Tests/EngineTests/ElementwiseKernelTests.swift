import Testing

@testable import Engine

// The vectorized element-wise kernels against the one-element-at-a-time
// definitions, bit for bit: lengths around the vector width and the
// threads' chunk, and the awkward values (NaN, ±0, ±infinity, subnormals).

private func values(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
  let special: [Float] = [
    .nan, -0.0, 0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1,
  ]
  return (0..<count).map { i in
    i % 7 == 3 ? special[(i / 7) % special.count] : rng.nextFloat(in: -2, 2)
  }
}

@Suite(.serialized) struct ElementwiseKernelValues {
  static let lengths = [
    0, 1, 7, 8, 9, 63, ElementwiseKernels.chunk - 3, ElementwiseKernels.chunk + 11,
    3 * ElementwiseKernels.chunk + 5,
  ]

  /// One bad value anywhere (first, last, either side of a chunk's edge)
  /// is found, with 1 and 2 threads; copy and zero write every element.
  @Test func finiteCheckCopyAndZero() {
    var rng = SeededGenerator(seed: 35)
    for n in Self.lengths {
      let clean = (0..<n).map { _ in rng.nextFloat(in: -3e38, 3e38) }
      let spots = Set([0, n - 1, ElementwiseKernels.chunk - 1, ElementwiseKernels.chunk, n / 2])
        .filter { $0 >= 0 && $0 < n }
      for threads in [1, 2] {
        withThreads(threads) {
          #expect(ElementwiseKernels.allFinite(clean) == clean.allSatisfy(\.isFinite))
          for spot in spots {
            for bad in [Float.nan, .infinity, -.infinity] {
              var x = clean
              x[spot] = bad
              #expect(!ElementwiseKernels.allFinite(x), "\(n) \(spot) \(bad)")
            }
          }
          var copy = [Float](repeating: 7, count: n)
          ElementwiseKernels.copy(clean, into: &copy)
          #expect(bits(copy) == bits(clean))
          ElementwiseKernels.zero(&copy)
          #expect(bits(copy) == bits([Float](repeating: 0, count: n)))
        }
      }
    }
  }

  @Test func reluMatchesTheDefinition() {
    var rng = SeededGenerator(seed: 31)
    for n in Self.lengths {
      let x = values(n, &rng)
      let expected = x.map { $0 > 0 ? $0 : 0 }
      for threads in [1, 2] {
        let relu = withThreads(threads) { ElementwiseKernels.relu(x) }
        #expect(bits(relu) == bits(expected), "n \(n) threads \(threads)")
      }
    }
  }

  @Test func reluBackwardMatchesTheDefinition() {
    var rng = SeededGenerator(seed: 32)
    for n in Self.lengths {
      let g = values(n, &rng)
      let x = values(n, &rng)
      let expected = zip(g, x).map { g, x in x > 0 ? g : 0 }
      #expect(bits(ElementwiseKernels.reluBackward(g, input: x)) == bits(expected), "n \(n)")
    }
  }

  @Test func scaledProductMatchesTheDefinition() {
    var rng = SeededGenerator(seed: 33)
    for n in Self.lengths {
      let g = values(n, &rng)
      let mask = (0..<n).map { _ in Float(rng.nextUnitFloat() < 0.5 ? 0 : 1) }
      for scale: Float in [1 / 0.75, 2, 1 / 0.9] {
        let expected = zip(g, mask).map { g, m in g * m * scale }
        #expect(
          bits(ElementwiseKernels.scaledProduct(g, mask, scale: scale)) == bits(expected), "n \(n)")
      }
    }
  }

  @Test func mapAndZipMatchTheDefinition() {
    var rng = SeededGenerator(seed: 34)
    for n in Self.lengths {
      let a = values(n, &rng)
      let b = values(n, &rng)
      #expect(bits(ElementwiseKernels.map(a) { $0 * 3 - 1 }) == bits(a.map { $0 * 3 - 1 }))
      #expect(
        bits(ElementwiseKernels.zip(a, b) { $0 * $1 + 2 }) == bits(zip(a, b).map { $0 * $1 + 2 }))
    }
  }
}
