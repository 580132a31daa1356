import Engine
import Foundation

/// The whole seed network, as a learner trains it: one image forward, a
/// batch forward (both through `Sequential.infer`, as `predict` and
/// `evaluate` run; one row through the REPL's `forward`), and a training
/// step (forward, backward, Adam), at
/// 100x100x3 with 6 classes ("big") and 32x32x3 with 10 classes ("cifar"),
/// the two variants `../shared/bench/peers.py` measures.
extension Bench {
  static let seedLines = [
    "Conv2D(32, (3, 3), padding='same', input_shape=INPUT)", "Activation('relu')",
    "Conv2D(32, (3, 3))", "Activation('relu')", "MaxPooling2D(pool_size=(2, 2))", "Dropout(0.25)",
    "Conv2D(64, (3, 3), padding='same')", "Activation('relu')", "Conv2D(64, (3, 3))",
    "Activation('relu')",
    "MaxPooling2D(pool_size=(2, 2))", "Dropout(0.25)", "Flatten()", "Dense(512)",
    "Activation('relu')",
    "Dropout(0.5)", "Dense(CLASSES)", "Activation('softmax')",
  ]

  static func seedNetwork(side: Int, classes: Int) throws -> Sequential {
    let model = Sequential(seed: 1)
    for line in seedLines {
      let text = line.replacingOccurrences(of: "INPUT", with: "(\(side), \(side), 3)")
        .replacingOccurrences(of: "CLASSES", with: "\(classes)")
      try model.add(LayerSpec(parsing: PyParser.parse(text)))
    }
    return model
  }

  /// Forward FLOPs per image (a multiply-add counts 2): the conv and dense products.
  static func forwardFlops(_ model: Sequential) -> Double {
    var flops = 0.0
    var input = model.inputShape ?? []
    for (layer, output) in zip(model.layers, model.outputShapes) {
      if let conv = layer as? Conv2D, let k = conv.kernel?.value.shape {
        flops += 2 * Double(output.scalarCount) * Double(k[0] * k[1] * k[2])
      } else if layer is Dense {
        flops += 2 * Double(input.scalarCount) * Double(output.scalarCount)
      }
      input = output
    }
    return flops
  }

  func networkBenchmarks() throws -> [Benchmark] {
    var list: [Benchmark] = []
    for (variant, side, classes) in [("big", 100, 6), ("cifar", 32, 10)] {
      let model = try Self.seedNetwork(side: side, classes: classes)
      let perImage = Self.forwardFlops(model)
      var rng = SeededGenerator(seed: 5)
      let one = Tensor(repeating: 0, shape: [1, side, side, 3]).map { _ in rng.nextUnitFloat() }
      let images = (0..<batch).map { _ in one.map { _ in rng.nextUnitFloat() } }
      var scalars: [Float] = []
      for image in images { scalars += image.scalars }
      let x = try Tensor(shape: [batch, side, side, 3], scalars: scalars)
      let labels = (0..<batch).map { $0 % classes }
      let adam = Adam()
      let shape = "\(side)x\(side)x3, \(classes) classes"
      let big = variant == "big"
      var oneImage = Benchmark(
        section: "net", name: "\(variant) forward 1 image", shape: shape, flops: perImage
      ) {
        blackHole(try? model.infer(one, exact: false))
      }
      oneImage.peersPlan = .peers(big: big, kind: .oneImage)
      list.append(oneImage)
      var repl = Benchmark(
        section: "net", name: "\(variant) forward 1 image, REPL", shape: shape, flops: perImage
      ) {
        // The REPL's `forward`: direct sums, every layer's output kept for display.
        blackHole(try? model.forward(one, mode: .inference))
      }
      // As many runs as the row above, so that the two compare.
      repl.peersPlan = .peers(big: big, kind: .oneImage)
      list.append(repl)
      var batchRow = Benchmark(
        section: "net", name: "\(variant) forward batch \(batch)", shape: shape,
        flops: perImage * Double(batch), perItem: batch
      ) {
        blackHole(try? model.infer(x, exact: false))
      }
      batchRow.peersPlan = .peers(big: big, kind: .batch)
      list.append(batchRow)
      // A training step is about three forward passes of work (the peers' count).
      var trainRow = Benchmark(
        section: "net", name: "\(variant) train step \(batch)", shape: shape,
        flops: 3 * perImage * Double(batch), perItem: batch
      ) {
        blackHole(
          try? model.trainStep(x, labels: labels, loss: .categoricalCrossentropy, optimizer: adam))
      }
      trainRow.peersPlan = .peers(big: big, kind: .training)
      list.append(trainRow)
    }
    return list
  }
}

extension Bench {
  /// The blog's real workload: one epoch of `fit` on the seed network at
  /// 100x100x3 (6 classes) over `--epoch-images` pictures, batch 32, Adam,
  /// shuffled, Dropout on: as `train` in the REPL runs it, batch gathering
  /// and running figures included. One timed run (an epoch of 3,200
  /// pictures takes tens of seconds), after one training step to start the
  /// threads and pick the micro-kernel; the row also reports the largest
  /// resident set while it ran (the 384 MB of pictures included).
  func epochBenchmarks() throws -> [Benchmark] {
    let model = try Self.seedNetwork(side: 100, classes: 6)
    let count = max(1, epochImages)
    var rng = SeededGenerator(seed: 8)
    // Made in place: a zero tensor mapped would leave a second 384 MB in the
    // process (freed memory is kept for reuse) and in the resident figure.
    let pictures = try Tensor(
      shape: [count, 100, 100, 3], scalars: (0..<(count * 30_000)).map { _ in rng.nextUnitFloat() })
    let labels = (0..<count).map { $0 % 6 }
    let adam = Adam()
    let warm = pictures.slice(batch: 0..<min(count, 32))
    _ = try model.trainStep(
      warm, labels: Array(labels.prefix(32)), loss: .categoricalCrossentropy, optimizer: adam)
    var row = Benchmark(
      section: "epoch", name: "big epoch, \(count) pictures", shape: "100x100x3, 6 classes",
      flops: 3 * Self.forwardFlops(model) * Double(count), perItem: count
    ) {
      blackHole(
        try? model.fit(
          pictures, labels: labels, loss: .categoricalCrossentropy, optimizer: adam,
          options: FitOptions(epochs: 1, batchSize: 32)))
    }
    row.fixedPlan = TimingPlan(warmup: 0, minRuns: 1, seconds: 0, maxRuns: 1)
    return [row]
  }
}

extension Bench {
  /// Each layer of the seed network alone (big, then cifar), forward and
  /// backward as a training step runs them (`trainStep`'s route: Winograd
  /// where it takes a convolution), at the bench's batch, then the finite
  /// checks and Adam over all weights, and the whole step: where a training
  /// step's time goes.
  func layerBenchmarks() throws -> [Benchmark] {
    try layerBenchmarks(variant: "big", side: 100, classes: 6)
      + layerBenchmarks(variant: "cifar", side: 32, classes: 10)
  }

  func layerBenchmarks(variant: String, side: Int, classes: Int) throws -> [Benchmark] {
    let model = try Self.seedNetwork(side: side, classes: classes)
    var rng = SeededGenerator(seed: 6)
    var x = Tensor(repeating: 0, shape: [batch, side, side, 3]).map { _ in rng.nextUnitFloat() }
    let images = x
    var list: [Benchmark] = []
    var input = model.inputShape ?? []
    let layers = model.layers
    for (index, (layer, output)) in zip(layers, model.outputShapes).enumerated() {
      let layerInput = x
      // As in `trainingPass`: a linear conv then Activation('relu') is one
      // pass (the conv row includes the ReLU; the activation's forward row
      // is only the hand-over, untimed here).
      let fusedReLU =
        (layer as? Conv2D)?.activationFunction == .linear && index + 1 < layers.count
        && (layers[index + 1] as? Activation)?.function == .relu
      let afterFused =
        index > 0 && (layers[index - 1] as? Conv2D)?.activationFunction == .linear
        && (layer as? Activation)?.function == .relu
      func run() -> Tensor? {
        var masks = SeededGenerator(seed: 7)
        if let conv = layer as? Conv2D {
          return try? conv.forward(layerInput, regrouped: true, relu: fusedReLU)
        }
        return try? layer.forward(layerInput, mode: .training, rng: &masks)
      }
      let out = run() ?? layerInput
      let gradient = out.map { _ in rng.nextFloat(in: -1, 1) }
      let shape = "\(input.withNoneBatch)->\(output.withNoneBatch)"
      if !afterFused {
        list.append(
          Benchmark(
            section: "layer", name: "\(variant) \(layer.name) forward\(fusedReLU ? "+relu" : "")",
            shape: shape, flops: 0
          ) {
            blackHole(run())
          })
      }
      // As in a step: the first layer's input gradient is never needed.
      let first = list.count == 1
      list.append(
        Benchmark(
          section: "layer", name: "\(variant) \(layer.name) backward", shape: shape, flops: 0
        ) {
          // The layer's state is the last forward's: the route it took.
          blackHole(try? layer.backward(gradient, inputGradient: !first))
        })
      x = out
      input = output
    }
    let labels = (0..<batch).map { $0 % classes }
    let adam = Adam()
    let parameters = model.parameters
    list.append(
      Benchmark(
        section: "layer", name: "\(variant) finite checks", shape: "all weights", flops: 0
      ) {
        // What a step checks before and after Adam (which now checks the
        // new weights as it writes them: `adam update` includes that half).
        blackHole(parameters.allSatisfy { ElementwiseKernels.allFinite($0.gradient.scalars) })
      })
    list.append(
      Benchmark(section: "layer", name: "\(variant) adam update", shape: "all weights", flops: 0) {
        adam.apply(to: parameters)
      })
    list.append(
      Benchmark(
        section: "layer", name: "\(variant) whole train step",
        shape: "\(side)x\(side)x3, \(classes) classes",
        flops: 3 * Self.forwardFlops(model) * Double(batch), perItem: batch
      ) {
        blackHole(
          try? model.trainStep(
            images, labels: labels, loss: .categoricalCrossentropy, optimizer: adam))
      })
    return list
  }
}

extension Bench {
  /// `infer(exact: false)` (what `predict` runs) on growing prefixes of the
  /// seed network, for one image and for the bench's batch: each row is the
  /// time up to and including a stage, so the difference between two rows
  /// is what that stage costs inside a real pass (caches, thread wake-ups,
  /// allocation and all), which the kernels' own rows do not show.
  func stageBenchmarks() throws -> [Benchmark] {
    // Prefix lengths in `seedLines`, named by their last stage.
    let stages = [
      (2, "conv2d+relu"), (6, "conv2d_1+relu+pool"), (8, "conv2d_2+relu"),
      (12, "conv2d_3+relu+pool"), (15, "dense+relu"), (18, "dense_1+softmax"),
    ]
    var list: [Benchmark] = []
    for (variant, side, classes) in [("big", 100, 6), ("cifar", 32, 10)] {
      var rng = SeededGenerator(seed: 5)
      let x = Tensor(repeating: 0, shape: [batch, side, side, 3]).map { _ in rng.nextUnitFloat() }
      let one = x.slice(batch: 0..<1)
      for (count, name) in stages {
        let model = Sequential(seed: 1)
        for line in Self.seedLines.prefix(count) {
          let text = line.replacingOccurrences(of: "INPUT", with: "(\(side), \(side), 3)")
            .replacingOccurrences(of: "CLASSES", with: "\(classes)")
          try model.add(LayerSpec(parsing: PyParser.parse(text)))
        }
        // FLOPs of the layers in this prefix (the full network's count for its layers).
        let flops = Self.forwardFlops(model)
        for (input, label, items) in [(one, "1 image", 1), (x, "batch \(batch)", batch)] {
          list.append(
            Benchmark(
              section: "stage", name: "\(variant) \(label) through \(name)",
              shape: "\(side)x\(side)x3", flops: flops * Double(items), perItem: items
            ) {
              blackHole(try? model.infer(input, exact: false))
            })
        }
      }
    }
    return list
  }
}
