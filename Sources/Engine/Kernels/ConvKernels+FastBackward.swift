/// The backward fast paths: the input gradient (a gather, or a scatter
/// for few input channels) and the kernel gradient (dOutᵀ · im2col), on
/// `Gemm`'s micro-kernel. The scheme is described in
/// `ConvKernels+Im2col.swift`.
extension ConvKernels {
  // MARK: - Input gradient

  static func backwardInputFast(
    _ g: ConvGeometry, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    precondition(outputGradient.count == g.outputCount && kernel.count == g.kernelCount)
    if g.inputCount == 0 || g.outputCount == 0 || g.kernelCount == 0 {
      return backwardInputReference(g, outputGradient: outputGradient, kernel: kernel)
    }
    if g.inChannels < 16 && KernelSettings.scatterInputGradient {
      return backwardInputScatter(g, outputGradient: outputGradient, kernel: kernel)
    }
    let kh = g.kernelHeight
    let kw = g.kernelWidth
    let c = g.inChannels
    let f = g.filters
    // dInput[iy] = Σ_ky dOut[(iy + padTop − ky) / strideY]: a stride-1
    // convolution over the output gradient dilated by the stride, padded by
    // kh − 1 − padTop, with the kernel rotated 180° and in/out swapped.
    var rotated = [Float](repeating: 0, count: kernel.count)
    for ky in 0..<kh {
      for kx in 0..<kw {
        for ci in 0..<c {
          for fi in 0..<f {
            rotated[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * f + fi) * c + ci] =
              kernel[((ky * kw + kx) * c + ci) * f + fi]
          }
        }
      }
    }
    var plan = Im2col(g)
    plan.inHeight = g.outHeight
    plan.inWidth = g.outWidth
    plan.inChannels = f
    plan.dilationY = g.strideY
    plan.dilationX = g.strideX
    plan.outHeight = g.inHeight
    plan.outWidth = g.inWidth
    plan.strideY = 1
    plan.strideX = 1
    plan.padTop = kh - 1 - g.padTop
    plan.padLeft = kw - 1 - g.padLeft
    return [Float](unsafeUninitializedCapacity: g.inputCount) { out, count in
      outputGradient.withUnsafeBufferPointer { dy in
        rotated.withUnsafeBufferPointer { w in
          convolveFast(
            plan, batch: g.batch, filters: c, input: dy.start, weights: w.start,
            bias: nil, output: out.start)
        }
      }
      count = g.inputCount
    }
  }

  /// The input gradient of a layer with few input channels (an RGB input):
  /// the gather has only `inChannels` output columns, so 16-wide tiles would
  /// waste most of their work. Instead dCol = dOut · kernelᵀ (kh·kw·c
  /// columns, e.g. 27), then each dCol row is added into the window it came
  /// from (col2im). Windows of one image overlap only within that image, so
  /// images are the units of work, each summed in row order: the result is
  /// the same for any thread count.
  static func backwardInputScatter(
    _ g: ConvGeometry, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    let plan = Im2col(g)
    let depth = plan.depth
    let f = g.filters
    let c = g.inChannels
    let kw = g.kernelWidth
    let perImage = g.outHeight * g.outWidth
    let inImage = g.inHeight * g.inWidth * c
    var inputGradient = [Float](repeating: 0, count: g.inputCount)
    let block = blockRows(depth: depth)
    let kind = Gemm.activeKernel
    outputGradient.withUnsafeBufferPointer { dyb in
      kernel.withUnsafeBufferPointer { kb in
        inputGradient.withUnsafeMutableBufferPointer { dxb in
          // op(B) = kernelᵀ: filters × depth.
          let panels = Gemm.allocatePanels(k: f, n: depth, direct: nil)
          defer { panels.deallocate() }
          Gemm.pack(
            Gemm.MatrixView(kb.start, rs: 1, cs: f), into: panels,
            panels: 0..<panels.count)
          let workers = min(EngineThreads.effective, g.batch)
          let scratch = WorkerScratch(
            workers: workers, floatsPerWorker: block * depth + Gemm.tileFloats)
          defer { scratch.deallocate() }
          let dy = SendableConstPointer(dyb.start)
          let dx = SendablePointer(dxb.start)
          parallelUnits(g.batch, workers: workers) { n, w in
            let cols = scratch.of(w)
            let tile = cols + block * depth
            let image = dx.p + n * inImage
            var r0 = 0
            while r0 < perImage {
              let r1 = min(perImage, r0 + block)
              Gemm.multiplyRows(
                kind, 0..<(r1 - r0), panels: 0..<panels.count,
                a: Gemm.MatrixView(dy.p + (n * perImage + r0) * f, rs: f, cs: 1), b: panels,
                c: Gemm.MutableMatrixView(cols, rs: depth, cs: 1), accumulate: false,
                tile: tile)
              for r in r0..<r1 {
                let oy = r / g.outWidth
                let ox = r % g.outWidth
                let row = cols + (r - r0) * depth
                let x0 = ox * g.strideX - g.padLeft
                let inside = x0 >= 0 && x0 + kw <= g.inWidth
                for ky in 0..<g.kernelHeight {
                  let iy = oy * g.strideY - g.padTop + ky
                  if iy < 0 || iy >= g.inHeight { continue }
                  let line = image + iy * g.inWidth * c
                  if inside {
                    // The window row is one run of kw·c floats on both sides.
                    addFloats(line + x0 * c, row + ky * kw * c, kw * c)
                    continue
                  }
                  for kx in 0..<kw {
                    let ix = x0 + kx
                    if ix < 0 || ix >= g.inWidth { continue }
                    addFloats(line + ix * c, row + (ky * kw + kx) * c, c)
                  }
                }
              }
              r0 = r1
            }
          }
        }
      }
    }
    return inputGradient
  }

  // MARK: - Kernel gradient

  static func accumulateKernelGradientFast(
    _ g: ConvGeometry, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    precondition(input.count == g.inputCount && outputGradient.count == g.outputCount)
    precondition(kernelGradient.count == g.kernelCount)
    precondition(biasGradient.isEmpty || biasGradient.count == g.filters)
    let plan = Im2col(g)
    let depth = plan.depth
    let f = g.filters
    let rows = g.batch * g.outHeight * g.outWidth
    if rows > 0 && g.inputCount > 0 && takesFewChannelKernelGradient(plan, filters: f) {
      input.withUnsafeBufferPointer { x in
        outputGradient.withUnsafeBufferPointer { dy in
          kernelGradient.withUnsafeMutableBufferPointer { kg in
            biasGradient.withUnsafeMutableBufferPointer { bg in
              accumulateKernelGradientFewChannels(
                plan, batch: g.batch, filters: f, input: x.start, outputGradient: dy.start,
                kernelGradient: kg.start, biasGradient: bg.isEmpty ? nil : bg.start)
            }
          }
        }
      }
      return
    }
    if rows == 0 || f == 0 || depth == 0 || g.inputCount == 0 {
      accumulateKernelGradientReference(
        g, input: input, outputGradient: outputGradient,
        kernelGradient: &kernelGradient, biasGradient: &biasGradient)
      return
    }

    // The sum over rows is cut into slices fixed by the shape alone; each
    // slice sums into its own partial gradient, and the partials are added in
    // slice order. So the bits do not depend on the thread count.
    let slices = kernelGradientSlices(rows: rows)
    let block = blockRows(depth: depth, cap: 504)
    let partialSize = depth * f + f
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: slices * partialSize)
    partials.initialize(repeating: 0, count: slices * partialSize)
    defer { partials.deallocate() }
    let workers = min(EngineThreads.effective, slices)
    let identity = plan.isIdentity
    // Per worker: the im2col block, a ragged B panel, one C tile.
    let colFloats = identity ? 0 : block * depth
    let edgeFloats = block * Gemm.nr
    let scratch = WorkerScratch(
      workers: workers, floatsPerWorker: colFloats + edgeFloats + Gemm.tileFloats)
    defer { scratch.deallocate() }
    let hasBias = !biasGradient.isEmpty
    input.withUnsafeBufferPointer { xb in
      outputGradient.withUnsafeBufferPointer { dyb in
        let x = SendableConstPointer(xb.start)
        let dy = SendableConstPointer(dyb.start)
        let part = SendablePointer(partials)
        parallelUnits(slices, workers: workers) { s, w in
          let lo = s * rows / slices
          let hi = (s + 1) * rows / slices
          let mine = scratch.of(w)
          let edge = mine + colFloats
          let tile = edge + edgeFloats
          let dk = part.p + s * partialSize  // filters × depth
          let db = dk + depth * f
          var r0 = lo
          while r0 < hi {
            let r1 = min(hi, r0 + block)
            let len = r1 - r0
            // dKernelᵀ (filters × depth) += dOutᵀ · im2col, with the im2col
            // block as B: it is read in place, 32 columns at a time, and
            // only the 6 or 8 rows of dOutᵀ per tile are repacked. (As
            // im2colᵀ · dOut, A would be the transposed block and every
            // tile would repack it, for only one or two 32-wide panels of
            // filters to amortise it over.)
            let cols: UnsafePointer<Float>
            if identity {
              cols = x.p + r0 * depth
            } else {
              plan.fill(rows: r0..<r1, from: x.p, into: mine)
              cols = UnsafePointer(mine)
            }
            let dyRows = dy.p + r0 * f
            let bView = Gemm.MatrixView(cols, rs: depth, cs: 1)
            let panels = Gemm.Panels(
              k: len, n: depth, count: (depth + Gemm.nr - 1) / Gemm.nr,
              kc: Gemm.kBlockSize(len), direct: cols, rsB: depth,
              packed: depth % Gemm.nr == 0 ? nil : edge)
            Gemm.pack(bView, into: panels, panels: (panels.count - 1)..<panels.count)
            Gemm.multiplyRows(
              0..<f, panels: 0..<panels.count, a: Gemm.MatrixView(dyRows, rs: 1, cs: f),
              b: panels, c: Gemm.MutableMatrixView(dk, rs: depth, cs: 1), accumulate: true,
              tile: tile)
            if hasBias { sumRows(len, of: dyRows, width: f, into: db) }
            r0 = r1
          }
        }
      }
    }
    // Partials are filters × depth; the gradient is depth × filters.
    kernelGradient.withUnsafeMutableBufferPointer { kg in
      for d in 0..<depth {
        for j in 0..<f {
          let i = j * depth + d
          var sum = partials[i]
          for s in 1..<max(slices, 1) { sum += partials[s * partialSize + i] }
          kg[d * f + j] += sum
        }
      }
    }
    if hasBias {
      for j in 0..<f {
        var sum = partials[depth * f + j]
        for s in 1..<max(slices, 1) { sum += partials[s * partialSize + depth * f + j] }
        biasGradient[j] += sum
      }
    }
  }

  /// The kernel gradient's slices of output pixels: fixed by the shape, so
  /// that the sums' grouping, and so their bits, do not depend on the
  /// thread count; shared with `accumulateKernelGradientFewChannels`,
  /// which gives the same bits.
  static func kernelGradientSlices(rows: Int) -> Int { min(16, max(1, rows / 16_384)) }

  /// `sums[j] += Σ_r rows[r·width + j]`, each column summed in row order as
  /// the plain loop sums it (so the same bits), but 16 columns at a time in
  /// registers: the plain loop loaded and stored `sums` on every row (the
  /// compiler cannot keep them in registers, as `sums` might alias `rows`),
  /// about 1 ms of a big first layer's 27 on one core (BENCHMARKS.md).
  @inline(__always)
  static func sumRows(
    _ count: Int, of rows: UnsafePointer<Float>, width: Int, into sums: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD16<Float>
    var j = 0
    while j + 16 <= width {
      var acc = UnsafeRawPointer(sums + j).loadUnaligned(as: V.self)
      var row = UnsafeRawPointer(rows + j)
      let step = width * MemoryLayout<Float>.stride
      for _ in 0..<count {
        acc += row.loadUnaligned(as: V.self)
        row += step
      }
      UnsafeMutableRawPointer(sums + j).storeBytes(of: acc, as: V.self)
      j += 16
    }
    while j < width {
      var acc = sums[j]
      for r in 0..<count { acc += rows[r * width + j] }
      sums[j] = acc
      j += 1
    }
  }
}
