import ArgumentParser
import Engine
import Foundation

/// `layerlab-bench`: the engine's kernels at the seed network's sizes.
///
/// Each measured thing is a `Benchmark` (a name, its FLOP count and a closure
/// that runs it once), grouped in sections; a section is a function that
/// returns its list. The peak rows (independent FMA chains on every thread
/// the kernels may use) are always measured first, and every row reports
/// its GFLOP/s as a share of the best of them.
@main
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "layerlab-bench",
    abstract: "Time LayerLab's kernels (GEMM, the seed network's conv and dense products).")

  enum Section: String, ExpressibleByArgument, CaseIterable, Codable {
    case peak, gemm, conv, dense, net, epoch, layers, stages
  }

  @Option(help: "Threads the kernels may use (default: active processors).")
  var threads: Int?

  @Flag(help: "Print one JSON document instead of a table.")
  var json = false

  @Option(help: "Timed runs per row (after one warm-up run); the best is reported.")
  var repeats = 5

  @Option(help: "Batch size for the conv and dense rows.")
  var batch = 32

  @Option(help: "Side of the square GEMM (m = n = k).")
  var gemmSize = 1024

  @Flag(help: "Time the plain reference loops instead of the fast paths (use a small --batch).")
  var reference = false

  @Option(
    parsing: .upToNextOption,
    help: """
      Sections to run: peak gemm conv dense net epoch layers stages (default: all but epoch; \
      the peak rows are always measured).
      """)
  var sections: [Section] = Section.allCases.filter { $0 != .epoch }

  @Option(help: "Pictures in the epoch row (the blog's workload: 100x100x3, batch 32).")
  var epochImages = 3200

  @Option(help: "Only rows whose name contains this text (e.g. conv2d_1, forward).")
  var filter: String?

  @Flag(
    help: """
      Skip the peak rows (and so the shares of the peak): for instruction counts under \
      valgrind, where the chains' many runs would take minutes.
      """)
  var noPeak = false

  @Flag(help: "Leave glibc's malloc settings alone (to measure what keeping freed memory buys).")
  var defaultMalloc = false

  @Flag(
    help: """
      Time the network rows as ../shared/bench/peers.py times the peers (its warm-up, \
      minimum runs, time budget and maximum runs per row) instead of --repeats.
      """)
  var likePeers = false

  mutating func run() throws {
    if !defaultMalloc { MemoryTuning.keepFreedMemoryForReuse() }
    if let threads { EngineThreads.count = max(1, threads) }
    let loadBefore = Self.loadAverage()
    var rows: [Row] = []
    var peak: Double? = nil
    // The peak first: the yardstick of every other row.
    for section in (noPeak ? [] : [Section.peak]) + sections.filter({ $0 != .peak }) {
      let list: [Benchmark]
      switch section {
      case .peak: list = peakBenchmarks()
      case .gemm: list = gemmBenchmarks()
      case .conv: list = convBenchmarks()
      case .dense: list = denseBenchmarks()
      case .net: list = try networkBenchmarks()
      case .epoch: list = try epochBenchmarks()
      case .layers: list = try layerBenchmarks()
      case .stages: list = try stageBenchmarks()
      }
      // The peak rows are the yardstick for the others: never filtered out.
      var measured: [Row] = []
      for b in list where section == .peak || (filter.map({ b.name.contains($0) }) ?? true) {
        var row: Row
        if let plan = b.fixedPlan {
          row = b.measure(plan)
        } else if likePeers, let plan = b.peersPlan {
          row = b.measure(plan)
        } else {
          row = b.measure(repeats: max(1, repeats))
        }
        if section == .peak {
          if row.threads == EngineThreads.count { peak = max(peak ?? 0, row.gflops) }
          measured.append(row)
          continue
        }
        if let peak { row.share(of: peak) }
        measured.append(row)
        if !json { print(row.line) }
      }
      if section == .peak {
        // Shares of the best peak row, once all of them are in.
        for i in measured.indices {
          if let peak, measured[i].threads == EngineThreads.count { measured[i].share(of: peak) }
          if !json { print(measured[i].line) }
        }
      }
      rows += measured
    }
    let report = Report(
      date: ISO8601DateFormatter().string(from: Date()), cpu: Self.cpuName(),
      threads: EngineThreads.count,
      implementation: reference ? "reference" : "fast, \(Gemm.microKernelName) micro-kernel",
      batch: batch, loadBefore: loadBefore, loadAfter: Self.loadAverage(),
      peakResidentMB: Self.peakResidentMB(), peakGflops: peak, rows: rows)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(
        "\(report.cpu), \(report.threads) thread(s), \(report.implementation), batch \(batch), "
          + "load avg \(loadBefore) -> \(report.loadAfter), peak resident \(WholeNumber.clamped(report.peakResidentMB, rounding: .towardZero)) MB"
          + (peak.map { String(format: ", FMA peak %.1f GFLOP/s", $0) } ?? ""))
    }
  }

  // MARK: - Sections

  /// Independent FMA chains and nothing else: what the cores can do at all
  /// right now, so the other rows can be read as a fraction of it on a
  /// shared machine. Twelve SIMD8 chains fill AVX2's sixteen ymm registers;
  /// twelve SIMD16 chains need AVX-512's zmm registers. On one thread, then
  /// on every thread the kernels may use (one set of chains per thread, the
  /// row's time the slowest thread's, as `../shared/bench/peak/peak.c`
  /// counts). The best row at `--threads` is the yardstick: many short runs,
  /// since on a shared machine only the undisturbed ones show the peak.
  func peakBenchmarks() -> [Benchmark] {
    let steps = 1_000_000
    let threads = EngineThreads.count
    func chains(
      _ name: String, lanes: Int, threads: Int, _ run: @escaping @Sendable () -> Void
    ) -> Benchmark {
      var b = Benchmark(
        section: "peak", name: threads == 1 ? name : "\(name), \(threads) threads",
        shape: "12 chains x \(steps)",
        flops: 2.0 * 12 * Double(lanes) * Double(steps) * Double(threads), threads: threads
      ) {
        if threads == 1 {
          run()
        } else {
          DispatchQueue.concurrentPerform(iterations: threads) { _ in run() }
        }
      }
      b.fixedPlan = TimingPlan(warmup: 3, minRuns: 30, seconds: 1, maxRuns: 400)
      return b
    }
    let simd8: @Sendable () -> Void = { blackHole(fmaChains(SIMD8<Float>.self, steps: steps)) }
    let simd16: @Sendable () -> Void = { blackHole(fmaChains(SIMD16<Float>.self, steps: steps)) }
    var list = [
      chains("fma SIMD8", lanes: 8, threads: 1, simd8),
      chains("fma SIMD16", lanes: 16, threads: 1, simd16),
    ]
    if threads > 1 {
      list += [
        chains("fma SIMD8", lanes: 8, threads: threads, simd8),
        chains("fma SIMD16", lanes: 16, threads: threads, simd16),
      ]
    }
    return list
  }

  func gemmBenchmarks() -> [Benchmark] {
    let s = gemmSize
    var rng = SeededGenerator(seed: 1)
    let a = (0..<(s * s)).map { _ in rng.nextFloat(in: -1, 1) }
    let b = (0..<(s * s)).map { _ in rng.nextFloat(in: -1, 1) }
    let flops = 2.0 * Double(s) * Double(s) * Double(s)
    let reference = self.reference
    return [(false, false, "NN"), (false, true, "NT"), (true, false, "TN")].map { ta, tb, name in
      Benchmark(section: "gemm", name: "sgemm \(name)", shape: "\(s)x\(s)x\(s)", flops: flops) {
        var c = [Float](repeating: 0, count: s * s)
        if reference {
          Gemm.reference(transA: ta, transB: tb, m: s, n: s, k: s, a: a, b: b, c: &c)
        } else {
          Gemm.sgemm(transA: ta, transB: tb, m: s, n: s, k: s, a: a, b: b, c: &c)
        }
        blackHole(c)
      }
    }
  }

  /// The seed network's convolutions at 100x100x3 (Keras names).
  func convLayers() -> [(String, ConvGeometry)] {
    func conv(_ side: Int, _ c: Int, _ f: Int, same: Bool) -> ConvGeometry {
      let out = same ? side : side - 2
      return ConvGeometry(
        batch: batch, inHeight: side, inWidth: side, inChannels: c, outHeight: out,
        outWidth: out, filters: f, kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1,
        padTop: same ? 1 : 0, padLeft: same ? 1 : 0)
    }
    return [
      ("conv2d", conv(100, 3, 32, same: true)),
      ("conv2d_1", conv(100, 32, 32, same: false)),
      ("conv2d_2", conv(49, 32, 64, same: true)),
      ("conv2d_3", conv(49, 64, 64, same: false)),
    ]
  }

  func convBenchmarks() -> [Benchmark] {
    var list: [Benchmark] = []
    let reference = self.reference
    for (name, g) in convLayers() {
      var rng = SeededGenerator(seed: 2)
      let x = (0..<g.inputCount).map { _ in rng.nextFloat(in: -1, 1) }
      let w = (0..<g.kernelCount).map { _ in rng.nextFloat(in: -0.1, 0.1) }
      let bias = (0..<g.filters).map { _ in rng.nextFloat(in: -0.1, 0.1) }
      let dy = (0..<g.outputCount).map { _ in rng.nextFloat(in: -1, 1) }
      let flops =
        2.0 * Double(g.outputCount) * Double(g.kernelHeight * g.kernelWidth * g.inChannels)
      let shape =
        "\(g.inHeight)x\(g.inWidth)x\(g.inChannels)->\(g.outHeight)x\(g.outWidth)x\(g.filters)"
      list.append(
        Benchmark(section: "conv", name: "\(name) forward", shape: shape, flops: flops) {
          blackHole(
            reference
              ? ConvKernels.forwardReference(g, input: x, kernel: w, bias: bias)
              : ConvKernels.forward(g, input: x, kernel: w, bias: bias))
        })
      if !reference && Winograd.takes(g) {
        // What `predict` runs for this layer (with ReLU): Winograd, its
        // kernel transformed once beforehand as the layer keeps it. The
        // GFLOP/s count the direct convolution's multiply-adds.
        let tile = Winograd.choose(g, pool: false)
        let u = Winograd.transformKernel(w, tile, channels: g.inChannels, filters: g.filters)
        list.append(
          Benchmark(
            section: "conv", name: "\(name) forward, winograd \(tile)", shape: shape, flops: flops
          ) {
            blackHole(
              Winograd.forward(
                g, input: x, transformedKernel: u, bias: bias, relu: true, pool: false, tile: tile))
          })
      }
      if !reference && Winograd.takesInputGradient(g) {
        // What a training step runs for this layer's gradients.
        let gb = Winograd.inputGradientGeometry(g)
        let tile = Winograd.choose(gb, pool: false)
        let u = Winograd.transformKernel(
          Winograd.rotatedKernel(w, channels: g.inChannels, filters: g.filters), tile,
          channels: gb.inChannels, filters: gb.filters)
        list.append(
          Benchmark(
            section: "conv", name: "\(name) backwardInput, winograd \(tile)", shape: shape,
            flops: flops
          ) {
            blackHole(
              Winograd.backwardInput(g, outputGradient: dy, transformedKernel: u, tile: tile))
          })
        list.append(
          Benchmark(
            section: "conv", name: "\(name) kernelGradient, winograd", shape: shape, flops: flops
          ) {
            var kg = [Float](repeating: 0, count: g.kernelCount)
            var bg = [Float](repeating: 0, count: g.filters)
            _ = Winograd.accumulateKernelGradient(
              g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
            blackHole(kg)
          })
      }
      list.append(
        Benchmark(section: "conv", name: "\(name) backwardInput", shape: shape, flops: flops) {
          blackHole(
            reference
              ? ConvKernels.backwardInputReference(g, outputGradient: dy, kernel: w)
              : ConvKernels.backwardInput(g, outputGradient: dy, kernel: w))
        })
      list.append(
        Benchmark(section: "conv", name: "\(name) kernelGradient", shape: shape, flops: flops) {
          var kg = [Float](repeating: 0, count: g.kernelCount)
          var bg = [Float](repeating: 0, count: g.filters)
          if reference {
            ConvKernels.accumulateKernelGradientReference(
              g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
          } else {
            ConvKernels.accumulateKernelGradient(
              g, input: x, outputGradient: dy, kernelGradient: &kg, biasGradient: &bg)
          }
          blackHole(kg)
        })
    }
    return list
  }

  /// The seed network's dense layers: 23x23x64 flattened -> 512 -> 6.
  func denseBenchmarks() -> [Benchmark] {
    var list: [Benchmark] = []
    let reference = self.reference
    let rows = batch
    for (name, inF, units) in [("dense", 33_856, 512), ("dense_1", 512, 6)] {
      var rng = SeededGenerator(seed: 3)
      let x = (0..<(rows * inF)).map { _ in rng.nextFloat(in: -1, 1) }
      let w = (0..<(inF * units)).map { _ in rng.nextFloat(in: -0.01, 0.01) }
      let bias = [Float](repeating: 0.1, count: units)
      let dy = (0..<(rows * units)).map { _ in rng.nextFloat(in: -1, 1) }
      let flops = 2.0 * Double(rows) * Double(inF) * Double(units)
      let shape = "\(inF)->\(units)"
      let gradients = GradientBuffers(kernel: inF * units, bias: units)
      list.append(
        Benchmark(section: "dense", name: "\(name) forward", shape: shape, flops: flops) {
          blackHole(
            reference
              ? DenseKernels.forwardReference(
                rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: bias)
              : DenseKernels.forward(
                rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: bias))
        })
      if !reference && rows <= DenseKernels.slicedRows {
        list.append(
          Benchmark(section: "dense", name: "\(name) forward, sliced", shape: shape, flops: flops) {
            // What `predict` runs for up to a batch (`infer(exact: false)`).
            blackHole(
              DenseKernels.forwardSlicedK(
                rows: rows, inFeatures: inF, units: units, input: x, kernel: w, bias: bias))
          })
      }
      if !reference, let parts = DenseKernels.panelParts(rows: rows, inFeatures: inF, units: units)
      {
        // What the REPL's `forward` runs for one image: the same bits as the
        // first row, over the kernel's column panels. Cutting them is paid
        // once per change of the weights (the next row).
        let panels = DenseKernels.columnPanels(
          kernel: w, inFeatures: inF, units: units, parts: parts)
        list.append(
          Benchmark(section: "dense", name: "\(name) forward, panels", shape: shape, flops: flops) {
            blackHole(DenseKernels.forwardPanels(rows: rows, input: x, panels: panels, bias: bias))
          })
        list.append(
          Benchmark(section: "dense", name: "\(name) cut into panels", shape: shape, flops: 0) {
            blackHole(
              DenseKernels.columnPanels(kernel: w, inFeatures: inF, units: units, parts: parts))
          })
      }
      list.append(
        Benchmark(section: "dense", name: "\(name) backwardInput", shape: shape, flops: flops) {
          blackHole(
            reference
              ? DenseKernels.backwardInputReference(
                rows: rows, inFeatures: inF, units: units, outputGradient: dy, kernel: w)
              : DenseKernels.backwardInput(
                rows: rows, inFeatures: inF, units: units, outputGradient: dy, kernel: w))
        })
      list.append(
        Benchmark(section: "dense", name: "\(name) kernelGradient", shape: shape, flops: flops) {
          // A layer keeps its gradient buffers from step to step: reuse one
          // (a fresh 69 MB array would time the kernel's page faults).
          var kg = gradients.kernel
          var bg = gradients.bias
          gradients.kernel = []
          gradients.bias = []
          defer {
            gradients.kernel = kg
            gradients.bias = bg
          }
          if reference {
            DenseKernels.accumulateKernelGradientReference(
              rows: rows, inFeatures: inF, units: units, input: x, outputGradient: dy,
              kernelGradient: &kg, biasGradient: &bg)
          } else {
            DenseKernels.accumulateKernelGradient(
              rows: rows, inFeatures: inF, units: units, input: x, outputGradient: dy,
              kernelGradient: &kg, biasGradient: &bg)
          }
          blackHole(kg)
        })
    }
    return list
  }

  // MARK: - Machine

  static func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
  }

  /// The process's largest resident set so far (getrusage's ru_maxrss is in KB on Linux).
  static func peakResidentMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
  }

  /// Resets the kernel's high-water mark of this process's resident set
  /// (`VmHWM`) to what is resident now (Linux: "5" into
  /// `/proc/self/clear_refs`); false where that is not possible.
  static func resetResidentPeak() -> Bool {
    let fd = open("/proc/self/clear_refs", O_WRONLY)
    if fd < 0 { return false }
    defer { close(fd) }
    return write(fd, "5", 1) == 1
  }

  /// `VmHWM` from `/proc/self/status`: the largest resident set since the
  /// last reset, in MB; nil where there is no such file.
  static func residentPeakMB() -> Double? {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      let kb = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
        .flatMap { Double($0) }
      return kb.map { $0 / 1024 }
    }
    return nil
  }

  static func cpuName() -> String {
    let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown CPU"
  }
}

/// One thing to time.
struct Benchmark {
  var section: String
  var name: String
  var shape: String
  /// Useful floating-point operations per run (a multiply-add counts 2).
  var flops: Double
  /// Images per run, for the ms/image and images/s columns (1 for kernels).
  var perItem: Int
  /// Threads the row runs on: `EngineThreads.count`, but for the
  /// one-thread peak rows.
  var threads: Int
  var body: () -> Void

  init(
    section: String, name: String, shape: String, flops: Double, perItem: Int = 1,
    threads: Int = EngineThreads.count, body: @escaping () -> Void
  ) {
    self.section = section
    self.name = name
    self.shape = shape
    self.flops = flops
    self.perItem = perItem
    self.threads = threads
    self.body = body
  }

  /// How `peers.py` times this row (`--like-peers`), if it is one of the
  /// rows the peers measure.
  var peersPlan: TimingPlan? = nil

  /// A plan this row always uses, whatever `--repeats` and `--like-peers`
  /// say (the peak's many short runs, the epoch's single one).
  var fixedPlan: TimingPlan? = nil

  /// Best and median of `repeats` runs after a warm-up run: the machine is
  /// shared, so the best run is the one least disturbed by other processes.
  func measure(repeats: Int) -> Row {
    measure(TimingPlan(warmup: 1, minRuns: repeats, seconds: 0, maxRuns: repeats))
  }

  /// Best and median of the runs `plan` asks for, after its warm-up runs,
  /// and the largest resident set while they ran.
  func measure(_ plan: TimingPlan) -> Row {
    let peakKnown = Bench.resetResidentPeak()
    for _ in 0..<plan.warmup { body() }
    var times: [Double] = []
    var cpuTimes: [Double] = []
    let clock = ContinuousClock()
    let start = clock.now
    while times.count < plan.maxRuns
      && (times.count < plan.minRuns
        || clock.now - start < .milliseconds(WholeNumber.clamped(plan.seconds * 1000)))
    {
      let cpu0 = processCPUms()
      let elapsed = clock.measure { body() }
      cpuTimes.append(processCPUms() - cpu0)
      times.append(
        Double(elapsed.components.seconds) * 1e3
          + Double(elapsed.components.attoseconds) * 1e-15)
    }
    times.sort()
    cpuTimes.sort()
    let best = times[0]
    let median = times[times.count / 2]
    return Row(
      section: section, name: name, shape: shape, threads: threads, flops: flops, bestMs: best,
      medianMs: median, gflops: flops / (best * 1e6), medianGflops: flops / (median * 1e6),
      cpuMs: cpuTimes[0], runs: times.count, msPerItem: best / Double(perItem),
      itemsPerSecond: Double(perItem) * 1000 / best,
      medianItemsPerSecond: Double(perItem) * 1000 / median,
      peakResidentMB: peakKnown ? Bench.residentPeakMB() : nil)
  }
}

/// Warm-up runs, then timed runs: at least `minRuns`, more while
/// `seconds` have not passed, never more than `maxRuns`. The same rule as
/// `../shared/bench/peers.py`'s `timeit`, so that "best" and "median" mean
/// the same number of tries on both sides.
struct TimingPlan {
  var warmup: Int
  var minRuns: Int
  var seconds: Double
  var maxRuns: Int

  /// peers.py's `plan()`: (warmup, min_reps, budget_s, max_reps) per
  /// variant for one image, a batch of 32, and a training step.
  static func peers(big: Bool, kind: Kind) -> TimingPlan {
    switch (big, kind) {
    case (true, .oneImage): return TimingPlan(warmup: 10, minRuns: 15, seconds: 3, maxRuns: 200)
    case (true, .batch): return TimingPlan(warmup: 3, minRuns: 7, seconds: 4, maxRuns: 50)
    case (true, .training): return TimingPlan(warmup: 3, minRuns: 5, seconds: 8, maxRuns: 30)
    case (false, .oneImage): return TimingPlan(warmup: 20, minRuns: 50, seconds: 2, maxRuns: 1000)
    case (false, .batch): return TimingPlan(warmup: 5, minRuns: 20, seconds: 3, maxRuns: 300)
    case (false, .training): return TimingPlan(warmup: 5, minRuns: 15, seconds: 4, maxRuns: 200)
    }
  }

  enum Kind { case oneImage, batch, training }
}

/// Gradient arrays that live across benchmark runs, like a layer's.
final class GradientBuffers {
  var kernel: [Float]
  var bias: [Float]
  init(kernel: Int, bias: Int) {
    self.kernel = [Float](repeating: 0, count: kernel)
    self.bias = [Float](repeating: 0, count: bias)
  }
}

struct Row: Codable {
  var section: String
  var name: String
  var shape: String
  var threads: Int
  var flops: Double
  var bestMs: Double
  var medianMs: Double
  var gflops: Double
  var medianGflops: Double
  /// `gflops` and `medianGflops` as fractions of the report's `peakGflops`
  /// (the best FMA-chain row at the report's thread count).
  var peakShare: Double? = nil
  var medianPeakShare: Double? = nil
  /// CPU time of the whole process (all threads) in the run with the least:
  /// with one thread, time spent descheduled by a busy machine is left out.
  var cpuMs: Double
  var runs: Int
  /// For the network rows: milliseconds per image and images per second.
  var msPerItem: Double
  var itemsPerSecond: Double
  var medianItemsPerSecond: Double
  /// The process's largest resident set while the row ran (its warm-up
  /// included), in MB: what the data and the run need, plus what earlier
  /// rows left allocated. nil where Linux's `VmHWM` cannot be reset.
  var peakResidentMB: Double?

  mutating func share(of peak: Double) {
    guard peak > 0, flops > 0 else { return }
    peakShare = gflops / peak
    medianPeakShare = medianGflops / peak
  }

  var line: String {
    func pad(_ s: String, _ n: Int) -> String {
      s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }
    return pad(section, 6) + pad(name, 26) + pad(shape, 28)
      + pad(String(format: "%9.2f ms", bestMs), 13)
      + pad(String(format: "(median %8.2f)", medianMs), 18)
      + String(format: "%7.1f GFLOP/s", gflops)
      + String(format: "   cpu %9.2f ms %7.1f GFLOP/s", cpuMs, flops / (cpuMs * 1e6))
      + (section == "net" || section == "epoch"
        ? String(format: "   %8.3f ms/image %8.1f images/s", msPerItem, itemsPerSecond) : "")
      + (peakShare.map { p in
        String(format: "   %4.0f%% of peak (median %4.0f%%)", 100 * p, 100 * (medianPeakShare ?? 0))
      } ?? "")
      + (section == "epoch"
        ? (peakResidentMB.map { String(format: "   %.0f MB resident", $0) } ?? "") : "")
      + String(format: "   %d runs", runs)
  }
}

struct Report: Codable {
  var date: String
  var cpu: String
  var threads: Int
  var implementation: String
  var batch: Int
  var loadBefore: String
  var loadAfter: String
  var peakResidentMB: Double
  /// The yardstick: the best FMA-chain row at `threads` threads, GFLOP/s.
  var peakGflops: Double?
  var rows: [Row]
}

@inline(never)
func fmaChains<V: SIMD>(_: V.Type, steps: Int) -> V where V.Scalar == Float {
  let x = V(repeating: 0.999_999)
  let y = V(repeating: 1e-7)
  // c ← y + c·x: each chain depends on itself only, and stays finite.
  var c0 = V(repeating: 1)
  var c1 = c0
  var c2 = c0
  var c3 = c0
  var c4 = c0
  var c5 = c0
  var c6 = c0
  var c7 = c0
  var c8 = c0
  var c9 = c0
  var c10 = c0
  var c11 = c0
  for _ in 0..<steps {
    c0 = y.addingProduct(c0, x)
    c1 = y.addingProduct(c1, x)
    c2 = y.addingProduct(c2, x)
    c3 = y.addingProduct(c3, x)
    c4 = y.addingProduct(c4, x)
    c5 = y.addingProduct(c5, x)
    c6 = y.addingProduct(c6, x)
    c7 = y.addingProduct(c7, x)
    c8 = y.addingProduct(c8, x)
    c9 = y.addingProduct(c9, x)
    c10 = y.addingProduct(c10, x)
    c11 = y.addingProduct(c11, x)
  }
  return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11
}

/// CPU time used so far by all of the process's threads.
func processCPUms() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) * 1e-6
}

/// Keeps the optimiser from dropping a result nobody reads.
@inline(never)
func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }
