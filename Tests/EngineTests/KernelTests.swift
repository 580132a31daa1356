import Testing

@testable import Engine

// The fast paths against the reference loops, on seeded random shapes that
// hit every edge: sizes below and between the micro-kernel's 8×32 tiles,
// k split into cache blocks, strides 1–3, both paddings, every kernel size
// the layers use.

/// |fast − reference| ≤ 1e-4 · max(1, max |reference|): a relative bound
/// that cancellation in a single element cannot break.
private func expectClose(
  _ fast: [Float], _ reference: [Float], _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(fast.count == reference.count, "\(what()): count", sourceLocation: sourceLocation)
  guard fast.count == reference.count else { return }
  let scale = max(1, reference.map { abs($0) }.max() ?? 0)
  var worst: Float = 0
  var at = 0
  for i in fast.indices {
    let d = abs(fast[i] - reference[i])
    if !(d <= worst) {
      worst = d
      at = i
    }
  }
  #expect(
    worst <= 1e-4 * scale,
    "\(what()): worst error \(worst) at \(at) (scale \(scale))", sourceLocation: sourceLocation)
}

// MARK: - GEMM

private struct GemmCase: CustomStringConvertible {
  var m: Int, n: Int, k: Int, transA: Bool, transB: Bool, pad: Int, accumulate: Bool
  var lda: Int { (transA ? m : k) + pad }
  var ldb: Int { (transB ? k : n) + pad }
  var ldc: Int { n + pad }
  var description: String {
    "m\(m) n\(n) k\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") pad\(pad)\(accumulate ? " acc" : "")"
  }
}

private func gemmCases() -> [GemmCase] {
  let sizes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 33, 7), (7, 1, 9), (8, 32, 1), (9, 31, 17), (16, 64, 8),
    (17, 65, 33), (33, 3, 100), (3, 100, 45), (70, 45, 300), (24, 40, 700),
    (5, 7, 1300), (130, 9, 20), (65, 300, 12),
    // Few rows against a B bigger than 2^20 floats: B is streamed per k block.
    (3, 1030, 1050),
  ]
  var cases: [GemmCase] = []
  var rng = SeededGenerator(seed: 11)
  for (m, n, k) in sizes {
    for ta in [false, true] {
      for tb in [false, true] {
        cases.append(
          GemmCase(
            m: m, n: n, k: k, transA: ta, transB: tb, pad: rng.nextInt(below: 3),
            accumulate: rng.nextInt(below: 2) == 1))
      }
    }
  }
  return cases
}

@Test(arguments: gemmCases())
private func gemmMatchesReference(_ t: GemmCase) {
  var rng = SeededGenerator(seed: UInt64(t.m * 1_000_003 + t.n * 1009 + t.k))
  let a = randomFloats((t.transA ? t.k : t.m) * t.lda, &rng)
  let b = randomFloats((t.transB ? t.n : t.k) * t.ldb, &rng)
  let c0 = randomFloats(t.m * t.ldc, &rng)
  var fast = c0
  var slow = c0
  Gemm.sgemm(
    transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, a: a, lda: t.lda, b: b,
    ldb: t.ldb, c: &fast, ldc: t.ldc, accumulate: t.accumulate)
  Gemm.reference(
    transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, a: a, lda: t.lda, b: b,
    ldb: t.ldb, c: &slow, ldc: t.ldc, accumulate: t.accumulate)
  expectClose(fast, slow, "\(t)")
  // Padding columns of C (between n and ldc) are not C: untouched.
  for i in 0..<t.m {
    for j in t.n..<t.ldc { #expect(fast[i * t.ldc + j] == c0[i * t.ldc + j]) }
  }
}

@Test func gemmWithEmptyDimensions() {
  var c: [Float] = [5, 5, 5, 5]
  Gemm.sgemm(m: 2, n: 2, k: 0, a: [], b: [], c: &c)
  #expect(c == [0, 0, 0, 0])
  c = [5, 5, 5, 5]
  Gemm.sgemm(m: 2, n: 2, k: 0, a: [], b: [], c: &c, accumulate: true)
  #expect(c == [5, 5, 5, 5])
  Gemm.sgemm(m: 0, n: 2, k: 3, a: [], b: [Float](repeating: 1, count: 6), c: &c)
  #expect(c == [5, 5, 5, 5])
}

/// The probe's rule: a tie (or the narrow kernel a little ahead, as on a
/// Zen 4 where both fit in registers) keeps the wide kernel; only a clear
/// win, as where the wide one spills (AVX2: ~1.7x), picks the narrow one.
@Test func microKernelChoiceNeedsAClearWin() {
  #expect(Gemm.preferred(wide: 300, narrow: 300) == .wide8x32)
  #expect(Gemm.preferred(wide: 300, narrow: 280) == .wide8x32)
  #expect(Gemm.preferred(wide: 300, narrow: 250) == .wide8x32)
  #expect(Gemm.preferred(wide: 540, narrow: 310) == .narrow6x16)
  #expect(Gemm.preferred(wide: 300, narrow: 900) == .wide8x32)
  // A kernel the probe could not time (`.max`) is never kept over one it did.
  #expect(Gemm.preferred(wide: .max, narrow: 310) == .narrow6x16)
  #expect(Gemm.preferred(wide: 300, narrow: .max) == .wide8x32)
}

// MARK: - Convolution

private struct ConvCase: CustomStringConvertible {
  var g: ConvGeometry
  var padding: Padding
  var description: String {
    "n\(g.batch) \(g.inHeight)x\(g.inWidth)x\(g.inChannels) k\(g.kernelHeight)x\(g.kernelWidth)"
      + " s\(g.strideY),\(g.strideX) \(padding) f\(g.filters)"
  }
}

private func convCase(
  batch: Int, h: Int, w: Int, c: Int, f: Int, kh: Int, kw: Int, sy: Int, sx: Int, padding: Padding
) -> ConvCase? {
  windowGeometry(
    batch: batch, height: h, width: w, channels: c, filters: f, kernel: (kh, kw), stride: (sy, sx),
    padding: padding
  ).map { ConvCase(g: $0, padding: padding) }
}

private func convCases() -> [ConvCase] {
  var rng = SeededGenerator(seed: 2024)
  let kernels = [(1, 1), (2, 2), (3, 3), (5, 3)]
  let channels = [1, 2, 3, 5, 16, 33, 64]
  let filterCounts = [1, 4, 7, 32, 40, 64]
  var cases: [ConvCase] = []
  // The 1x1 stride-1 case that skips im2col, and a shape like the seed
  // network's (several blocks of rows per image).
  cases += [
    convCase(batch: 2, h: 5, w: 7, c: 9, f: 33, kh: 1, kw: 1, sy: 1, sx: 1, padding: .valid),
    convCase(batch: 1, h: 21, w: 19, c: 32, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same),
  ].compactMap { $0 }
  precondition(cases.count == 2, "both fixed conv cases must be valid shapes")
  while cases.count < 48 {
    let (kh, kw) = kernels[rng.nextInt(below: kernels.count)]
    let c = channels[rng.nextInt(below: channels.count)]
    let f = filterCounts[rng.nextInt(below: filterCounts.count)]
    // Keep the reference loops quick: fewer pixels when channels are many.
    let maxSide = c * f > 512 ? 7 : 12
    let h = kh + rng.nextInt(below: maxSide)
    let w = kw + rng.nextInt(below: maxSide)
    let sy = 1 + rng.nextInt(below: 3)
    let sx = 1 + rng.nextInt(below: 3)
    let padding: Padding = rng.nextInt(below: 2) == 0 ? .valid : .same
    let batch = 1 + rng.nextInt(below: 3)
    if let t = convCase(
      batch: batch, h: h, w: w, c: c, f: f, kh: kh, kw: kw, sy: sy, sx: sx, padding: padding)
    {
      cases.append(t)
    }
  }
  return cases
}

@Test(arguments: convCases())
private func convMatchesReference(_ t: ConvCase) {
  let g = t.g
  var rng = SeededGenerator(seed: UInt64(g.inputCount * 31 + g.kernelCount))
  let input = randomFloats(g.inputCount, &rng)
  let kernel = randomFloats(g.kernelCount, &rng)
  let bias = randomFloats(g.filters, &rng)
  let dOut = randomFloats(g.outputCount, &rng)

  expectClose(
    ConvKernels.forward(g, input: input, kernel: kernel, bias: bias),
    ConvKernels.forwardReference(g, input: input, kernel: kernel, bias: bias), "forward \(t)")
  expectClose(
    ConvKernels.forward(g, input: input, kernel: kernel, bias: nil),
    ConvKernels.forwardReference(g, input: input, kernel: kernel, bias: nil),
    "forward no bias \(t)")
  expectClose(
    ConvKernels.backwardInput(g, outputGradient: dOut, kernel: kernel),
    ConvKernels.backwardInputReference(g, outputGradient: dOut, kernel: kernel),
    "backwardInput \(t)")

  // Accumulates into what is already there.
  let k0 = randomFloats(g.kernelCount, &rng)
  let b0 = randomFloats(g.filters, &rng)
  var kFast = k0
  var bFast = b0
  var kRef = k0
  var bRef = b0
  ConvKernels.accumulateKernelGradient(
    g, input: input, outputGradient: dOut, kernelGradient: &kFast, biasGradient: &bFast)
  ConvKernels.accumulateKernelGradientReference(
    g, input: input, outputGradient: dOut, kernelGradient: &kRef, biasGradient: &bRef)
  expectClose(kFast, kRef, "kernelGradient \(t)")
  expectClose(bFast, bRef, "biasGradient \(t)")
  // Without a bias gradient.
  var kNoBias = k0
  var none: [Float] = []
  ConvKernels.accumulateKernelGradient(
    g, input: input, outputGradient: dOut, kernelGradient: &kNoBias, biasGradient: &none)
  #expect(kNoBias == kFast, "the bias gradient must not change the kernel gradient")
  #expect(none.isEmpty)
}

// MARK: - Dense

@Test(arguments: [(1, 1, 1), (3, 7, 6), (33, 300, 40), (2, 700, 33), (70, 33, 5)])
func denseMatchesReference(_ shape: (Int, Int, Int)) {
  let (rows, inF, units) = shape
  var rng = SeededGenerator(seed: UInt64(rows * 7919 + inF * 31 + units))
  let x = randomFloats(rows * inF, &rng)
  let w = randomFloats(inF * units, &rng)
  let b = randomFloats(units, &rng)
  let dy = randomFloats(rows * units, &rng)
  let what = "dense \(rows)x\(inF)->\(units)"
  expectClose(
    DenseKernels.forward(rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: b),
    DenseKernels.forwardReference(
      rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: b), "\(what) forward")
  expectClose(
    DenseKernels.backwardInput(
      rows: rows, inFeatures: inF, units: units, outputGradient: dy, kernel: w),
    DenseKernels.backwardInputReference(
      rows: rows, inFeatures: inF, units: units, outputGradient: dy, kernel: w),
    "\(what) backwardInput")
  let k0 = randomFloats(inF * units, &rng)
  let b0 = randomFloats(units, &rng)
  var kf = k0
  var bf = b0
  var kr = k0
  var br = b0
  DenseKernels.accumulateKernelGradient(
    rows: rows, inFeatures: inF, units: units, input: x, outputGradient: dy,
    kernelGradient: &kf, biasGradient: &bf)
  DenseKernels.accumulateKernelGradientReference(
    rows: rows, inFeatures: inF, units: units, input: x, outputGradient: dy,
    kernelGradient: &kr, biasGradient: &br)
  expectClose(kf, kr, "\(what) kernelGradient")
  expectClose(bf, br, "\(what) biasGradient")
}

// MARK: - Same bits for any thread count

/// Runs products with 1 and then 2 threads, with each micro-kernel, and
/// with and without implicit im2col, and expects bit-identical results.
/// Serialized: it is the only suite that changes these settings (other
/// tests running meanwhile only change speed, never bits).
@Suite(.serialized) struct Reproducibility {
  @Test func bothMicroKernelsGiveTheSameBits() {
    var rng = SeededGenerator(seed: 77)
    for (m, n, k, ta, tb) in [
      (1, 1, 1, false, false), (13, 47, 700, false, false), (50, 31, 9, true, false),
      (7, 90, 33, false, true), (61, 17, 65, true, true),
    ] {
      let a = randomFloats(m * k, &rng)
      let b = randomFloats(k * n, &rng)
      let c0 = randomFloats(m * n, &rng)
      let results = Gemm.MicroKernel.allCases.map { kind in
        withMicroKernel(kind) {
          var c = c0
          Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, b: b, c: &c, accumulate: true)
          return bits(c)
        }
      }
      #expect(results[0] == results[1], "m\(m) n\(n) k\(k)")
    }
    let t = convCase(
      batch: 2, h: 11, w: 9, c: 5, f: 37, kh: 3, kw: 3, sy: 2, sx: 1, padding: .same)!
    let g = t.g
    let x = randomFloats(g.inputCount, &rng)
    let w = randomFloats(g.kernelCount, &rng)
    let dy = randomFloats(g.outputCount, &rng)
    let convs = Gemm.MicroKernel.allCases.map { kind in
      withMicroKernel(kind) {
        var kg = [Float](repeating: 0, count: g.kernelCount)
        var bg = [Float](repeating: 0, count: g.filters)
        ConvKernels.accumulateKernelGradient(
          g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
        return [
          ConvKernels.forward(g, input: x, kernel: w, bias: nil),
          ConvKernels.backwardInput(g, outputGradient: dy, kernel: w), kg,
        ].map(bits)
      }
    }
    #expect(convs[0] == convs[1])
  }

  @Test func implicitConvolutionGivesIm2colBits() {
    var rng = SeededGenerator(seed: 31)
    for t in [
      convCase(batch: 2, h: 13, w: 17, c: 16, f: 37, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 12, w: 19, c: 33, f: 8, kh: 5, kw: 3, sy: 2, sx: 3, padding: .same)!,
      convCase(batch: 2, h: 9, w: 14, c: 32, f: 64, kh: 2, kw: 2, sy: 1, sx: 2, padding: .valid)!,
      convCase(batch: 1, h: 4, w: 3, c: 64, f: 5, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      // k = 720, two blocks: one product per kernel row instead of one pass.
      convCase(batch: 1, h: 7, w: 9, c: 80, f: 24, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
    ] {
      let g = t.g
      let x = randomFloats(g.inputCount, &rng)
      let w = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(g.filters, &rng)
      let dy = randomFloats(g.outputCount, &rng)
      let run = { (implicit: Bool) -> [[UInt32]] in
        let saved = KernelSettings.implicitConvolution
        KernelSettings.implicitConvolution = implicit
        defer { KernelSettings.implicitConvolution = saved }
        return [
          ConvKernels.forward(g, input: x, kernel: w, bias: b),
          ConvKernels.backwardInput(g, outputGradient: dy, kernel: w),
        ].map { bits($0) }
      }
      #expect(run(true) == run(false), "\(t)")
    }
  }

  @Test func segmentedInPlaceConvolutionGivesIm2colBits() {
    // Either kernel reads whole windows in place in one pass over the
    // kernel rows (also for a 3-channel first layer), and must give the
    // im2col bits.
    var rng = SeededGenerator(seed: 57)
    for t in [
      convCase(batch: 2, h: 13, w: 17, c: 3, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 10, w: 11, c: 3, f: 37, kh: 3, kw: 3, sy: 1, sx: 1, padding: .valid)!,
      convCase(batch: 2, h: 9, w: 12, c: 32, f: 20, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 8, w: 9, c: 5, f: 7, kh: 2, kw: 3, sy: 2, sx: 1, padding: .valid)!,
    ] {
      let g = t.g
      let x = randomFloats(g.inputCount, &rng)
      let w = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(g.filters, &rng)
      for kind in Gemm.MicroKernel.allCases {
        let run = { (implicit: Bool, relu: Bool) -> [UInt32] in
          let saved = KernelSettings.implicitConvolution
          KernelSettings.implicitConvolution = implicit
          defer { KernelSettings.implicitConvolution = saved }
          return withMicroKernel(kind) {
            bits(ConvKernels.forwardFast(g, input: x, kernel: w, bias: b, relu: relu))
          }
        }
        for relu in [false, true] {
          #expect(run(true, relu) == run(false, relu), "\(t) \(kind) relu \(relu)")
        }
        let reference = ConvKernels.forwardReference(g, input: x, kernel: w, bias: b)
        let fast = run(true, false).map { Float(bitPattern: $0) }
        for (u, v) in zip(fast, reference) { #expect(abs(u - v) <= 1e-4 * max(1, abs(v))) }
      }
    }
  }

  /// A first layer convolved directly across its filters
  /// (`convolveFewChannels`) gives the GEMM route's bits: 'same' and
  /// 'valid', 3x3, 5x5 and 1x3 windows, 1 to 4 channels, 32 to 96 filters,
  /// rows that are not a multiple of six pixels, with and without bias and
  /// ReLU, on 1 and 2 threads, against every micro-kernel.
  @Test func fewChannelConvolutionGivesGemmBits() {
    var rng = SeededGenerator(seed: 61)
    for t in [
      convCase(batch: 2, h: 13, w: 17, c: 3, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 10, w: 11, c: 3, f: 64, kh: 3, kw: 3, sy: 1, sx: 1, padding: .valid)!,
      convCase(batch: 3, h: 9, w: 7, c: 1, f: 32, kh: 5, kw: 5, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 6, w: 23, c: 4, f: 96, kh: 1, kw: 3, sy: 1, sx: 1, padding: .valid)!,
      convCase(batch: 1, h: 100, w: 100, c: 3, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
    ] {
      let g = t.g
      #expect(ConvKernels.takesFewChannels(ConvKernels.Im2col(g), filters: g.filters), "\(t)")
      let x = randomFloats(g.inputCount, &rng)
      let w = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(g.filters, &rng)
      for bias in [true, false] {
        for relu in [false, true] {
          let run = { (direct: Bool, threads: Int, kind: Gemm.MicroKernel?) -> [UInt32] in
            let saved = KernelSettings.fewChannelConvolution
            KernelSettings.fewChannelConvolution = direct
            defer { KernelSettings.fewChannelConvolution = saved }
            let body = {
              withThreads(threads) {
                bits(
                  ConvKernels.forwardFast(g, input: x, kernel: w, bias: bias ? b : nil, relu: relu))
              }
            }
            if let kind { return withMicroKernel(kind, body) }
            return body()
          }
          let direct = run(true, 1, nil)
          #expect(run(true, 2, nil) == direct, "\(t) threads")
          for kind in Gemm.MicroKernel.allCases {
            #expect(run(false, 2, kind) == direct, "\(t) \(kind) bias \(bias) relu \(relu)")
            // The direct tiles follow the micro-kernel too (16 or 32 filters).
            #expect(run(true, 2, kind) == direct, "\(t) direct \(kind)")
          }
        }
      }
    }
  }

  /// A first layer's kernel gradient summed directly across its filters
  /// (`accumulateKernelGradientFewChannels`) gives the GEMM route's bits,
  /// added into what the gradients hold, on 1 and 2 threads and against
  /// every micro-kernel: 'same' and 'valid', odd and even windows, 1 to 4
  /// channels, 32 to 96 filters, with and without a bias gradient, and
  /// batches of several slices whose boundaries fall inside a row.
  @Test func fewChannelKernelGradientGivesGemmBits() {
    var rng = SeededGenerator(seed: 67)
    for t in [
      convCase(batch: 2, h: 13, w: 17, c: 3, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 10, w: 11, c: 3, f: 64, kh: 3, kw: 3, sy: 1, sx: 1, padding: .valid)!,
      convCase(batch: 3, h: 9, w: 7, c: 1, f: 32, kh: 5, kw: 5, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 1, h: 6, w: 23, c: 4, f: 96, kh: 1, kw: 3, sy: 1, sx: 1, padding: .valid)!,
      convCase(batch: 5, h: 97, w: 71, c: 3, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 16, h: 47, w: 53, c: 1, f: 32, kh: 5, kw: 5, sy: 1, sx: 1, padding: .valid)!,
    ] {
      let g = t.g
      #expect(
        ConvKernels.takesFewChannelKernelGradient(ConvKernels.Im2col(g), filters: g.filters),
        "\(t)")
      let x = randomFloats(g.inputCount, &rng)
      let dy = randomFloats(g.outputCount, &rng)
      let k0 = randomFloats(g.kernelCount, &rng)
      let b0 = randomFloats(g.filters, &rng)
      for bias in [true, false] {
        let run = { (direct: Bool, threads: Int, kind: Gemm.MicroKernel?) -> [[UInt32]] in
          let saved = KernelSettings.fewChannelKernelGradient
          KernelSettings.fewChannelKernelGradient = direct
          defer { KernelSettings.fewChannelKernelGradient = saved }
          let body = {
            withThreads(threads) {
              var kg = k0
              var bg = bias ? b0 : []
              ConvKernels.accumulateKernelGradient(
                g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
              return [bits(kg), bits(bg)]
            }
          }
          if let kind { return withMicroKernel(kind, body) }
          return body()
        }
        let direct = run(true, 1, nil)
        #expect(run(true, 2, nil) == direct, "\(t) threads")
        for kind in Gemm.MicroKernel.allCases {
          #expect(run(false, 2, kind) == direct, "\(t) \(kind) bias \(bias)")
        }
        var kRef = k0
        var bRef = bias ? b0 : []
        ConvKernels.accumulateKernelGradientReference(
          g, input: x, outputGradient: dy, kernelGradient: &kRef, biasGradient: &bRef)
        expectClose(direct[0].map { Float(bitPattern: $0) }, kRef, "\(t) kernel, bias \(bias)")
        expectClose(direct[1].map { Float(bitPattern: $0) }, bRef, "\(t) bias")
      }
    }
  }

  @Test func fewChannelInputGradientBothWays() {
    // Few input channels take the dCol + col2im path; the gather path must
    // agree with the reference there too.
    var rng = SeededGenerator(seed: 41)
    for t in [
      convCase(batch: 2, h: 11, w: 13, c: 3, f: 32, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!,
      convCase(batch: 3, h: 9, w: 8, c: 1, f: 7, kh: 5, kw: 3, sy: 2, sx: 3, padding: .same)!,
    ] {
      let g = t.g
      let w = randomFloats(g.kernelCount, &rng)
      let dy = randomFloats(g.outputCount, &rng)
      let reference = ConvKernels.backwardInputReference(g, outputGradient: dy, kernel: w)
      for scatter in [true, false] {
        let saved = KernelSettings.scatterInputGradient
        KernelSettings.scatterInputGradient = scatter
        defer { KernelSettings.scatterInputGradient = saved }
        expectClose(
          ConvKernels.backwardInput(g, outputGradient: dy, kernel: w), reference,
          "\(t) scatter \(scatter)")
      }
    }
  }

  @Test func gemmIsBitIdentical() {
    var rng = SeededGenerator(seed: 5)
    for (m, n, k, ta, tb) in [
      (203, 77, 301, false, false), (45, 600, 900, false, true), (300, 33, 64, true, false),
      (20, 500, 129, true, true), (20, 1100, 1000, false, false),
    ] {
      let a = randomFloats(m * k, &rng)
      let b = randomFloats(k * n, &rng)
      let run = { (threads: Int) -> [Float] in
        withThreads(threads) {
          var c = [Float](repeating: 0, count: m * n)
          Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, b: b, c: &c)
          return c
        }
      }
      #expect(bits(run(1)) == bits(run(2)), "m\(m) n\(n) k\(k)")
    }
  }

  @Test func convIsBitIdentical() {
    // Big enough for several row blocks and several kernel-gradient slices.
    let t = convCase(
      batch: 2, h: 130, w: 129, c: 3, f: 8, kh: 3, kw: 3, sy: 1, sx: 1, padding: .same)!
    let s = convCase(
      batch: 3, h: 40, w: 37, c: 16, f: 20, kh: 3, kw: 3, sy: 2, sx: 1, padding: .valid)!
    for g in [t.g, s.g] {
      var rng = SeededGenerator(seed: 9)
      let x = randomFloats(g.inputCount, &rng)
      let w = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(g.filters, &rng)
      let dy = randomFloats(g.outputCount, &rng)
      let run = { (threads: Int) -> [[Float]] in
        withThreads(threads) {
          var kg = [Float](repeating: 0, count: g.kernelCount)
          var bg = [Float](repeating: 0, count: g.filters)
          ConvKernels.accumulateKernelGradient(
            g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
          return [
            ConvKernels.forward(g, input: x, kernel: w, bias: b),
            ConvKernels.backwardInput(g, outputGradient: dy, kernel: w), kg, bg,
          ]
        }
      }
      let one = run(1)
      let two = run(2)
      for i in one.indices { #expect(bits(one[i]) == bits(two[i]), "product \(i)") }
    }
  }
}
