import Testing

@testable import Engine

// The inference fast paths (`Sequential.infer` and the fused kernels behind
// it) must give the bits of the REPL's `forward`, for 1 and 2 threads.

private func model(_ lines: [String], input: [Int], seed: UInt64 = 3) throws -> Sequential {
  let m = Sequential(seed: seed)
  for (i, line) in lines.enumerated() {
    let tuple =
      input.count == 1 ? "(\(input[0]),)" : "(\(input.map(String.init).joined(separator: ", ")))"
    let text =
      i == 0 && line.hasSuffix("()")
      ? String(line.dropLast()) + "input_shape=\(tuple))"
      : i == 0
        ? line.replacingOccurrences(
          of: ")", with: ", input_shape=\(tuple))", options: [],
          range: line.range(of: ")", options: .backwards)) : line
    try m.add(LayerSpec(parsing: PyParser.parse(text)))
  }
  return m
}

/// Models whose layers exercise every branch of `infer`: ReLU after a conv or
/// dense layer, built-in activations, a softmax head either way, average and
/// max pooling with odd sizes and strides, Dropout, and a ReLU() layer.
private let inferenceModels: [(lines: [String], input: [Int])] = [
  (
    seedNetworkLines.map { $0.replacingOccurrences(of: ", input_shape=X.shape[1:]", with: "") },
    [20, 18, 3]
  ),
  (
    [
      "Conv2D(7, (3, 5), strides=(2, 1), padding='same', activation='relu')",
      "MaxPooling2D(pool_size=(3, 2), strides=(2, 3), padding='same')",
      "Conv2D(33, (2, 2))", "ReLU()", "AveragePooling2D(pool_size=(2, 2))", "Dropout(0.3)",
      "Flatten()", "Dense(9, activation='relu')", "Dense(4, activation='softmax')",
    ], [13, 11, 5]
  ),
  (
    [
      "Conv2D(40, (3, 3), padding='same')", "Activation('relu')",
      "Conv2D(16, (1, 1), activation='tanh')",
      "MaxPooling2D(pool_size=(2, 2))", "Flatten()", "Dense(5)", "Activation('relu')", "Dense(3)",
    ], [9, 10, 64]
  ),
  (
    [
      "Conv2D(12, (3, 3), activation='relu')", "MaxPooling2D(pool_size=(2, 2))",
      "Conv2D(9, (3, 3), padding='same')", "ReLU()", "MaxPooling2D(pool_size=(2, 2))",
      "Conv2D(8, (2, 2), padding='same')", "Activation('relu')",
      "MaxPooling2D(pool_size=(2, 2), strides=(1, 1))",
      "Flatten()", "Dense(3, activation='softmax')",
    ], [15, 12, 3]
  ),
  (["Dense(6)", "Activation('relu')", "Dense(2)", "Activation('softmax')"], [37]),
]

@Suite(.serialized) struct Inference {
  @Test(arguments: inferenceModels.indices)
  func inferGivesForwardBits(_ which: Int) throws {
    let spec = inferenceModels[which]
    let m = try model(spec.lines, input: spec.input)
    var rng = SeededGenerator(seed: UInt64(40 + which))
    for batch in [1, 3, 6] {
      let x = try Tensor(
        shape: Shape([batch] + spec.input),
        scalars: randomFloats(batch * spec.input.reduce(1, *), &rng))
      let reference = try withThreads(1) { try m.forward(x, mode: .inference) }
      for threads in [1, 2] {
        let fast = try withThreads(threads) { try m.infer(x) }
        #expect(fast.shape == reference.shape)
        #expect(
          bits(fast.scalars) == bits(reference.scalars),
          "model \(which) batch \(batch) threads \(threads)")
      }
    }
  }

  /// `infer(exact: false)`: forward's values up to rounding, on every
  /// model (Winograd and the sliced Dense where they apply), and the same
  /// bits for 1 and 2 threads.
  @Test(arguments: inferenceModels.indices)
  func inexactInferIsCloseAndReproducible(_ which: Int) throws {
    let spec = inferenceModels[which]
    let m = try model(spec.lines, input: spec.input)
    var rng = SeededGenerator(seed: UInt64(60 + which))
    for batch in [1, 5] {
      let x = try Tensor(
        shape: Shape([batch] + spec.input),
        scalars: randomFloats(batch * spec.input.reduce(1, *), &rng))
      let reference = try m.forward(x, mode: .inference)
      let runs = try [1, 2].map { threads in
        try withThreads(threads) { try m.infer(x, exact: false) }
      }
      #expect(bits(runs[0].scalars) == bits(runs[1].scalars), "model \(which) batch \(batch)")
      #expect(runs[0].shape == reference.shape)
      let scale = max(1, reference.scalars.map(abs).max() ?? 0)
      #expect(zip(runs[0].scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
  }

  /// The layer keeps its Winograd-transformed kernel between images; any
  /// change of the weights (in place, or a training step) must be seen.
  @Test func keptWinogradKernelFollowsTheWeights() throws {
    let spec = inferenceModels[0]
    let m = try model(spec.lines, input: spec.input)
    var rng = SeededGenerator(seed: 71)
    let x = try Tensor(
      shape: Shape([2] + spec.input), scalars: randomFloats(2 * spec.input.reduce(1, *), &rng))
    func expectCloseToForward(_ what: String) throws {
      let reference = try m.forward(x, mode: .inference)
      let fast = try m.infer(x, exact: false)
      let scale = max(1, reference.scalars.map(abs).max() ?? 0)
      #expect(
        zip(fast.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * scale }, "\(what)")
    }
    try expectCloseToForward("first pass")
    let before = try m.infer(x, exact: false)
    #expect(
      bits(try m.infer(x, exact: false).scalars) == bits(before.scalars), "kept kernel: same bits")
    // An in-place change of one weight of the second conv (a Winograd layer).
    let conv = try #require(m.layers.compactMap { $0 as? Conv2D }.dropFirst().first)
    conv.kernel!.value.scalars[5] += 0.5
    try expectCloseToForward("after an in-place change")
    #expect(bits(try m.infer(x, exact: false).scalars) != bits(before.scalars))
    // A training step moves every weight.
    let changed = try m.infer(x, exact: false)
    _ = try m.trainStep(x, labels: [0, 1], loss: .categoricalCrossentropy, optimizer: Adam())
    try expectCloseToForward("after a training step")
    #expect(bits(try m.infer(x, exact: false).scalars) != bits(changed.scalars))
  }

  @Test func inferLeavesTheLastPassAlone() throws {
    let spec = inferenceModels[1]
    let m = try model(spec.lines, input: spec.input)
    var rng = SeededGenerator(seed: 8)
    let x = try Tensor(
      shape: Shape([2] + spec.input), scalars: randomFloats(2 * spec.input.reduce(1, *), &rng))
    try m.forward(x, mode: .training)
    let before = m.lastOutputs.map { bits($0.scalars) }
    let y = try Tensor(
      shape: Shape([3] + spec.input), scalars: randomFloats(3 * spec.input.reduce(1, *), &rng))
    _ = try m.infer(y)
    #expect(m.lastOutputs.map { bits($0.scalars) } == before)
    #expect(m.lastMode == .training)
  }

  @Test func evaluateAndPredictKeepTheirValues() throws {
    // evaluate: infer for all batches but the last; the same loss and accuracy
    // as running every batch through forward.
    for which in [0, 1] {
      let spec = inferenceModels[which]
      let m = try model(spec.lines, input: spec.input)
      var rng = SeededGenerator(seed: 12)
      let count = 7
      let x = try Tensor(
        shape: Shape([count] + spec.input),
        scalars: randomFloats(count * spec.input.reduce(1, *), &rng))
      let classes = m.outputShapes.last!.dims.last!
      let labels = (0..<count).map { $0 % classes }
      var total: Double = 0
      var correct: Double = 0
      var start = 0
      while start < count {
        let end = min(start + 3, count)
        let out = try m.forward(x.slice(batch: start..<end), mode: .inference)
        let step = try m.lossAndGradient(
          output: out, labels: Array(labels[start..<end]), loss: .categoricalCrossentropy)
        total += Double(step.loss) * Double(end - start)
        correct += Double(step.accuracy) * Double(end - start)
        start = end
      }
      let result = try m.evaluate(x, labels: labels, loss: .categoricalCrossentropy, batchSize: 3)
      #expect(result.loss.bitPattern == Float(total / Double(count)).bitPattern)
      #expect(result.accuracy == Float(correct / Double(count)))
      // predict: no Dense kernel here is big enough to be sliced, but the
      // seed network's 32-channel 3x3 convolutions go through Winograd:
      // forward's values up to rounding there, forward's bits elsewhere.
      let predicted = try m.predict(x, batchSize: 3)
      let forwardAll = try m.forward(x, mode: .inference)
      if which == 0 {
        #expect(bits(predicted.scalars) != bits(forwardAll.scalars), "Winograd was not used")
        #expect(zip(predicted.scalars, forwardAll.scalars).allSatisfy { abs($0 - $1) <= 1e-6 })
      } else {
        #expect(bits(predicted.scalars) == bits(forwardAll.scalars))
      }
    }
  }

  @Test func fusedConvReLUGivesTheTwoPassBits() {
    var rng = SeededGenerator(seed: 21)
    // Shapes through both the im2col and the implicit paths, odd sizes, strides, paddings.
    let shapes: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Bool)] = [
      (2, 13, 11, 3, 32, 3, 3, 1, 1, true), (1, 9, 14, 16, 7, 3, 3, 2, 1, false),
      (3, 12, 9, 33, 40, 3, 2, 1, 3, true), (1, 5, 7, 64, 64, 1, 1, 1, 1, false),
      (2, 30, 31, 32, 33, 3, 3, 1, 1, false), (1, 4, 3, 1, 5, 5, 3, 1, 2, true),
    ]
    for (n, h, w, c, f, kh, kw, sy, sx, same) in shapes {
      guard
        let g = windowGeometry(
          batch: n, height: h, width: w, channels: c, filters: f, kernel: (kh, kw),
          stride: (sy, sx), padding: same ? .same : .valid)
      else { continue }
      let x = randomFloats(g.inputCount, &rng)
      let k = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(f, &rng)
      let twoPass = ElementwiseKernels.relu(ConvKernels.forward(g, input: x, kernel: k, bias: b))
      for implicit in [true, false] {
        let saved = KernelSettings.implicitConvolution
        KernelSettings.implicitConvolution = implicit
        defer { KernelSettings.implicitConvolution = saved }
        for threads in [1, 2] {
          let fused = withThreads(threads) {
            ConvKernels.forwardReLU(g, input: x, kernel: k, bias: b)
          }
          #expect(bits(fused) == bits(twoPass), "\(g) implicit \(implicit) threads \(threads)")
        }
      }
      // And against the reference loops.
      let reference = ConvKernels.forwardReference(g, input: x, kernel: k, bias: b).map {
        $0 > 0 ? $0 : 0
      }
      let scale = max(1, reference.map(abs).max() ?? 0)
      #expect(zip(twoPass, reference).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
    }
  }

  @Test func fusedConvReLUMaxPoolGivesTheThreePassBits() {
    var rng = SeededGenerator(seed: 23)
    // Odd and even sizes (the last row and column dropped by the pooling),
    // a 3-channel first layer, wide and narrow kernel rows, both paddings.
    let shapes: [(Int, Int, Int, Int, Int, Bool)] = [
      (2, 13, 11, 3, 32, true), (1, 10, 9, 3, 37, false), (3, 9, 12, 32, 20, true),
      (1, 7, 8, 64, 64, false), (2, 5, 5, 16, 7, true), (1, 3, 3, 5, 9, false),
    ]
    for (n, h, w, c, f, same) in shapes {
      guard
        let g = windowGeometry(
          batch: n, height: h, width: w, channels: c, filters: f, kernel: (3, 3),
          padding: same ? .same : .valid)
      else { continue }
      let pg = pooled2x2(after: g)
      let x = randomFloats(g.inputCount, &rng)
      let k = randomFloats(g.kernelCount, &rng)
      let b = randomFloats(f, &rng)
      let threePass = PoolingKernels.maxForwardValues(
        pg,
        input: ElementwiseKernels.relu(
          ConvKernels.forwardReference(g, input: x, kernel: k, bias: b)))
      let twoPass = PoolingKernels.maxForwardValues(
        pg, input: ConvKernels.forwardReLU(g, input: x, kernel: k, bias: b))
      for kind in Gemm.MicroKernel.allCases {
        for threads in [1, 2] {
          guard
            let fused = withMicroKernel(
              kind,
              {
                withThreads(threads) {
                  ConvKernels.forwardReLUMaxPool2(g, input: x, kernel: k, bias: b)
                }
              })
          else { continue }
          #expect(bits(fused) == bits(twoPass), "\(g) \(kind) threads \(threads)")
          let scale = max(1, threePass.map(abs).max() ?? 0)
          #expect(zip(fused, threePass).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
        }
      }
    }
  }

  /// A kernel past `bigKernel` sums on one thread while another reads
  /// ahead (`streamAhead`): still Gemm's bits, for 1 and 2 threads.
  @Test func bigKernelDenseReadAheadGivesGemmBits() {
    var rng = SeededGenerator(seed: 23)
    let (inF, units) = (8_200, 520)
    #expect(inF * units >= DenseKernels.bigKernel)
    let w = randomFloats(inF * units, &rng)
    let b = randomFloats(units, &rng)
    for rows in [1, 3] {
      let x = randomFloats(rows * inF, &rng)
      var viaGemm = [Float](repeating: 0, count: rows * units)
      for r in 0..<rows { for u in 0..<units { viaGemm[r * units + u] = b[u] } }
      Gemm.sgemm(m: rows, n: units, k: inF, a: x, b: w, c: &viaGemm, accumulate: true)
      for threads in [1, 2] {
        let fast = withThreads(threads) {
          DenseKernels.forward(
            rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: b)
        }
        #expect(bits(fast) == bits(viaGemm), "rows \(rows) threads \(threads)")
      }
    }
  }

  @Test func fewRowDenseGivesGemmBits() {
    var rng = SeededGenerator(seed: 22)
    for (inF, units) in [(1, 1), (7, 3), (33, 17), (300, 512), (1031, 45), (2000, 100)] {
      for rows in 1...DenseKernels.fewRows {
        let x = randomFloats(rows * inF, &rng)
        let w = randomFloats(inF * units, &rng)
        let b = randomFloats(units, &rng)
        for bias in [true, false] {
          // The batched path: Gemm from the bias (or from zero).
          var viaGemm = [Float](repeating: 0, count: rows * units)
          if bias { for r in 0..<rows { for u in 0..<units { viaGemm[r * units + u] = b[u] } } }
          Gemm.sgemm(m: rows, n: units, k: inF, a: x, b: w, c: &viaGemm, accumulate: bias)
          for threads in [1, 2] {
            let fast = withThreads(threads) {
              DenseKernels.forward(
                rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: bias ? b : nil
              )
            }
            #expect(
              bits(fast) == bits(viaGemm),
              "rows \(rows) \(inF)->\(units) bias \(bias) threads \(threads)")
          }
          let reference = DenseKernels.forwardReference(
            rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: bias ? b : nil)
          #expect(
            zip(viaGemm, reference).allSatisfy {
              abs($0 - $1) <= 1e-4 * max(1, abs($1)) * Float(inF).squareRoot()
            })
        }
      }
    }
  }

  /// One image through a big kernel's column panels (the REPL's `forward`)
  /// gives the batched path's bits, whatever the number of panels, rows,
  /// bias or a last panel narrower than a vector.
  @Test func panelledDenseGivesGemmBits() {
    var rng = SeededGenerator(seed: 29)
    let (inF, units) = (4100, 1030)
    #expect(inF * units >= DenseKernels.bigKernel)
    let x4 = randomFloats(4 * inF, &rng)
    let w = randomFloats(inF * units, &rng)
    let b = randomFloats(units, &rng)
    for parts in [2, 3, 65] {
      let panels = DenseKernels.columnPanels(kernel: w, inFeatures: inF, units: units, parts: parts)
      for rows in 1...DenseKernels.fewRows {
        let x = Array(x4.prefix(rows * inF))
        for bias in [true, false] {
          var viaGemm = [Float](repeating: 0, count: rows * units)
          if bias { for r in 0..<rows { for u in 0..<units { viaGemm[r * units + u] = b[u] } } }
          Gemm.sgemm(m: rows, n: units, k: inF, a: x, b: w, c: &viaGemm, accumulate: bias)
          let panelled = DenseKernels.forwardPanels(
            rows: rows, input: x, panels: panels, bias: bias ? b : nil)
          #expect(bits(panelled) == bits(viaGemm), "parts \(parts) rows \(rows) bias \(bias)")
        }
      }
    }
  }

  /// A Dense keeps its panels only while its kernel is unchanged: a pass
  /// after the weights change uses the new ones, and a training pass (whose
  /// weights change every step) never makes a copy.
  @Test func panelledDenseFollowsItsKernel() throws {
    var rng = SeededGenerator(seed: 31)
    let m = try model(["Flatten()", "Dense(1030)"], input: [41, 50, 2])
    let dense = try #require(m.layers[1] as? Dense)
    let kernel = try #require(dense.kernel)
    let input = try Tensor(shape: [1, 41, 50, 2], scalars: randomFloats(4100, &rng))
    // The batched path's bits: Gemm from the bias.
    func direct() -> [Float] {
      var out = dense.bias?.value.scalars ?? [Float](repeating: 0, count: 1030)
      Gemm.sgemm(
        m: 1, n: 1030, k: 4100, a: input.scalars, b: kernel.value.scalars, c: &out,
        accumulate: dense.bias != nil)
      return out
    }
    try withThreads(2) {
      #expect(DenseKernels.panelParts(rows: 1, inFeatures: 4100, units: 1030) == 2)
      var rng2 = SeededGenerator(seed: 1)
      _ = try dense.forward(input.reshaped([1, 4100]), mode: .training, rng: &rng2)
      #expect(dense.panels == nil, "a training pass made a copy")
      #expect(bits(try m.forward(input, mode: .inference).scalars) == bits(direct()))
      #expect(dense.panels != nil)
      kernel.value = try Tensor(shape: kernel.value.shape, scalars: randomFloats(4100 * 1030, &rng))
      #expect(bits(try m.forward(input, mode: .inference).scalars) == bits(direct()))
      #expect(bits(try m.infer(input).scalars) == bits(direct()))
    }
  }

  @Test func slicedDenseIsReproducibleAndClose() throws {
    var rng = SeededGenerator(seed: 23)
    // A few rows (one chain per slice), then batches on the GEMM
    // micro-kernels (whole-row blocks), ragged column panels included.
    for (rows, inF, units) in [
      (1, 4100, 1030), (3, 6151, 171), (4, 2048 * 3, 16), (5, 6151, 171), (32, 4100, 1030),
      (64, 2048 * 3, 40),
    ] {
      let x = randomFloats(rows * inF, &rng)
      let w = randomFloats(inF * units, &rng)
      let b = randomFloats(units, &rng)
      let runs = [1, 2].map { threads in
        withThreads(threads) {
          DenseKernels.forwardSlicedK(
            rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: b)
        }
      }
      #expect(bits(runs[0]) == bits(runs[1]), "rows \(rows) \(inF)->\(units)")
      for kind in Gemm.MicroKernel.allCases where rows > DenseKernels.fewRows {
        let other = withMicroKernel(kind) {
          DenseKernels.forwardSlicedK(
            rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: b)
        }
        #expect(bits(other) == bits(runs[0]), "rows \(rows) \(kind)")
      }
      let reference = DenseKernels.forwardReference(
        rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: b)
      #expect(zip(runs[0], reference).allSatisfy { abs($0 - $1) <= 1e-4 * Float(inF).squareRoot() })
    }
    // infer(exact: false) on a model with such a Dense: forward's values up to
    // rounding; infer() (exact) keeps forward's bits.
    let m = try model(
      ["Flatten()", "Dense(1030)", "Activation('relu')", "Dense(3)", "Activation('softmax')"],
      input: [41, 50, 2])
    for batch in [2, 32] {
      let input = try Tensor(
        shape: [batch, 41, 50, 2], scalars: randomFloats(batch * 4100, &rng))
      let reference = try m.forward(input, mode: .inference)
      #expect(bits(try m.infer(input).scalars) == bits(reference.scalars))
      let fast = try m.infer(input, exact: false)
      #expect(zip(fast.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-5 })
    }
  }

  @Test(arguments: 0..<16)
  func maxPoolValuesGiveMaxForwardBits(_ trial: Int) {
    var rng = SeededGenerator(seed: UInt64(300 + trial))
    let pool = (1 + rng.nextInt(below: 3), 1 + rng.nextInt(below: 3))
    let steps = (1 + rng.nextInt(below: 3), 1 + rng.nextInt(below: 3))
    let padding: Padding = trial % 2 == 0 ? .valid : .same
    let (h, w, c, n) = (
      pool.0 + rng.nextInt(below: 9), pool.1 + rng.nextInt(below: 9), 1 + rng.nextInt(below: 40),
      1 + rng.nextInt(below: 3)
    )
    guard
      let g = windowGeometry(
        batch: n, height: h, width: w, channels: c, filters: c, kernel: pool, stride: steps,
        padding: padding)
    else { return }
    // Ties, signed zeros and a NaN: the comparisons must be the same ones.
    var x = (0..<g.inputCount).map { _ in Float(rng.nextInt(below: 5)) - 2 }
    for i in stride(from: 0, to: x.count, by: 7) { x[i] = -0.0 }
    if x.count > 5 { x[5] = .nan }
    for threads in [1, 2] {
      let values = withThreads(threads) { PoolingKernels.maxForwardValues(g, input: x) }
      #expect(bits(values) == bits(PoolingKernels.maxForward(g, input: x).output))
    }
  }
}
