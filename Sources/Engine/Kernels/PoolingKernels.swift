/// Max and average pooling over each channel, channels-last.
///
/// The window of output cell (oy, ox) covers input rows oy·strideY − padTop ..<
/// + kernelHeight and columns likewise, clipped to the input (padding cells
/// take no part: TensorFlow ignores them for max and leaves them out of the
/// mean's count). `ConvGeometry.filters` equals `inChannels` here.
///
/// Max pooling records, for each output value, where in its window the
/// winner was (`ky · kernelWidth + kx` of the clipped window's top-left
/// corner): the first cell in row-major order wins a tie, and backward sends
/// the whole gradient there. The fast paths below walk the channels
/// innermost (they are contiguous in NHWC) and split the work by image,
/// so each output is computed by one thread in the same order as the
/// reference loops: results are identical to them, bit for bit.
public enum PoolingKernels {
  /// The clipped window of output cell (oy, ox): rows y0..<y1, columns x0..<x1.
  @inline(__always)
  static func window(_ g: ConvGeometry, _ oy: Int, _ ox: Int) -> (
    y0: Int, y1: Int, x0: Int, x1: Int
  ) {
    let top = oy * g.strideY - g.padTop
    let left = ox * g.strideX - g.padLeft
    return (
      max(top, 0), min(top + g.kernelHeight, g.inHeight), max(left, 0),
      min(left + g.kernelWidth, g.inWidth)
    )
  }

  /// The flat input index that the winner offset of output `index` points at.
  public static func winnerInputIndex(_ g: ConvGeometry, outputIndex index: Int, offset: Int32)
    -> Int
  {
    let c = index % g.inChannels
    let ox = (index / g.inChannels) % g.outWidth
    let oy = (index / (g.inChannels * g.outWidth)) % g.outHeight
    let n = index / (g.inChannels * g.outWidth * g.outHeight)
    let w = window(g, oy, ox)
    let span = w.x1 - w.x0
    let iy = w.y0 + Int(offset) / max(span, 1)
    let ix = w.x0 + Int(offset) % max(span, 1)
    return ((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c
  }

  // MARK: - Fast paths

  /// Max pooling with the winners: the reference loops' comparisons (the
  /// window's first cell, then a later cell wins only when strictly
  /// larger), eight channels at a time; output rows are the units of work.
  public static func maxForward(_ g: ConvGeometry, input: [Float]) -> (
    output: [Float], winners: [Int32]
  ) {
    let channels = g.inChannels
    let rowsOut = g.batch * g.outHeight
    let rowFloats = g.outWidth * channels
    var winners = [Int32](unsafeUninitializedCapacity: g.outputCount) { _, count in
      count = g.outputCount
    }
    let output = [Float](unsafeUninitializedCapacity: g.outputCount) { ob, count in
      input.withUnsafeBufferPointer { xb in
        winners.withUnsafeMutableBufferPointer { wb in
          guard let xp = xb.baseAddress, let op = ob.baseAddress, let wp = wb.baseAddress,
            g.outputCount > 0
          else { return }
          let (x, o, w) = (SendableConstPointer(xp), SendablePointer(op), SendablePointer(wp))
          // About 64 KB of output per unit.
          let perUnit = max(1, 16_384 / max(rowFloats, 1))
          parallelUnits((rowsOut + perUnit - 1) / perUnit) { unit, _ in
            for row in (unit * perUnit)..<min(rowsOut, (unit + 1) * perUnit) {
              let n = row / g.outHeight
              let oy = row % g.outHeight
              for ox in 0..<g.outWidth {
                let win = window(g, oy, ox)
                let at = ((n * g.outHeight + oy) * g.outWidth + ox) * channels
                let out = o.p + at
                let won = w.p + at
                guard win.y1 > win.y0, win.x1 > win.x0 else {
                  // No cell of the input in the window (as the reference: 0, offset 0).
                  out.initialize(repeating: 0, count: channels)
                  won.initialize(repeating: 0, count: channels)
                  continue
                }
                @inline(__always) func cell(_ iy: Int, _ ix: Int) -> UnsafePointer<Float> {
                  x.p + ((n * g.inHeight + iy) * g.inWidth + ix) * channels
                }
                var c = 0
                while c + 8 <= channels {
                  var best = UnsafeRawPointer(cell(win.y0, win.x0) + c).loadUnaligned(
                    as: SIMD8<Float>.self)
                  var winner = SIMD8<Int32>()
                  var offset: Int32 = 0
                  for iy in win.y0..<win.y1 {
                    for ix in win.x0..<win.x1 {
                      defer { offset += 1 }
                      if offset == 0 { continue }
                      let v = UnsafeRawPointer(cell(iy, ix) + c).loadUnaligned(
                        as: SIMD8<Float>.self)
                      let larger = v .> best
                      best.replace(with: v, where: larger)
                      winner.replace(with: SIMD8(repeating: offset), where: larger)
                    }
                  }
                  UnsafeMutableRawPointer(out + c).storeBytes(of: best, as: SIMD8<Float>.self)
                  UnsafeMutableRawPointer(won + c).storeBytes(of: winner, as: SIMD8<Int32>.self)
                  c += 8
                }
                while c < channels {
                  var best = cell(win.y0, win.x0)[c]
                  var winner: Int32 = 0
                  var offset: Int32 = 0
                  for iy in win.y0..<win.y1 {
                    for ix in win.x0..<win.x1 {
                      defer { offset += 1 }
                      if offset == 0 { continue }
                      let v = cell(iy, ix)[c]
                      if v > best {
                        best = v
                        winner = offset
                      }
                    }
                  }
                  out[c] = best
                  won[c] = winner
                  c += 1
                }
              }
            }
          }
        }
      }
      count = g.outputCount
    }
    return (output, winners)
  }

  /// Max pooling's values only, for inference (nothing will go backward):
  /// the same comparisons as `maxForward` (the window's first cell, then a
  /// later cell wins only when strictly larger), eight channels at a time,
  /// so the same bits; output rows are the units of work, so one image still
  /// uses every thread.
  public static func maxForwardValues(_ g: ConvGeometry, input: [Float]) -> [Float] {
    let channels = g.inChannels
    let rowsOut = g.batch * g.outHeight
    let rowFloats = g.outWidth * channels
    return [Float](unsafeUninitializedCapacity: g.outputCount) { ob, count in
      input.withUnsafeBufferPointer { xb in
        guard let xp = xb.baseAddress, let op = ob.baseAddress, g.outputCount > 0 else { return }
        let (x, o) = (SendableConstPointer(xp), SendablePointer(op))
        // About 64 KB of output per unit.
        let perUnit = max(1, 16_384 / max(rowFloats, 1))
        parallelUnits((rowsOut + perUnit - 1) / perUnit) { unit, _ in
          for row in (unit * perUnit)..<min(rowsOut, (unit + 1) * perUnit) {
            let n = row / g.outHeight
            let oy = row % g.outHeight
            for ox in 0..<g.outWidth {
              let win = window(g, oy, ox)
              let out = o.p + ((n * g.outHeight + oy) * g.outWidth + ox) * channels
              guard win.y1 > win.y0, win.x1 > win.x0 else {
                out.initialize(repeating: 0, count: channels)
                continue
              }
              let first = x.p + ((n * g.inHeight + win.y0) * g.inWidth + win.x0) * channels
              var c = 0
              while c + 8 <= channels {
                var best = UnsafeRawPointer(first + c).loadUnaligned(as: SIMD8<Float>.self)
                for iy in win.y0..<win.y1 {
                  for ix in win.x0..<win.x1 where iy != win.y0 || ix != win.x0 {
                    let v = UnsafeRawPointer(
                      x.p + ((n * g.inHeight + iy) * g.inWidth + ix) * channels + c
                    )
                    .loadUnaligned(as: SIMD8<Float>.self)
                    best.replace(with: v, where: v .> best)
                  }
                }
                UnsafeMutableRawPointer(out + c).storeBytes(of: best, as: SIMD8<Float>.self)
                c += 8
              }
              while c < channels {
                var best = first[c]
                for iy in win.y0..<win.y1 {
                  for ix in win.x0..<win.x1 where iy != win.y0 || ix != win.x0 {
                    let v = x.p[((n * g.inHeight + iy) * g.inWidth + ix) * channels + c]
                    if v > best { best = v }
                  }
                }
                out[c] = best
                c += 1
              }
            }
          }
        }
      }
      count = g.outputCount
    }
  }

  /// Each output's gradient added to its winner's cell. Windows that tile
  /// the input (stride = pool size, no padding: the seed network's 2x2)
  /// give every cell one window at most, so each cell is written once,
  /// eight channels at a time: 0 + g at the winner, +0 elsewhere, the same
  /// bits as adding into zeros. Otherwise windows may overlap and the
  /// gradients are added in the reference loops' order.
  public static func maxBackward(_ g: ConvGeometry, outputGradient: [Float], winners: [Int32])
    -> [Float]
  {
    guard tiles(g), g.inputCount > 0, g.outputCount > 0 else {
      return maxBackwardScatter(g, outputGradient: outputGradient, winners: winners)
    }
    return maxBackwardTiling(g, outputGradient: outputGradient, winners: winners, output: nil)
  }

  /// `maxBackward` followed by the gradient of the ReLU below the pool
  /// (`reluBackward` with the pool's input, the ReLU's output), in one pass:
  /// a winner's gradient goes through only where the pooled value `output`
  /// (the winner's own value) is positive. The same bits as the two passes:
  /// 0 + g where both let it through, +0 everywhere else. Saves the ReLU's
  /// read and write of a whole activation (5.5 ms of a big training step
  /// for conv2d_1's). Nil where the windows do not tile the input.
  public static func maxBackwardThroughReLU(
    _ g: ConvGeometry, outputGradient: [Float], winners: [Int32], output: [Float]
  ) -> [Float]? {
    guard tiles(g), g.inputCount > 0, g.outputCount > 0, output.count == g.outputCount else {
      return nil
    }
    return maxBackwardTiling(g, outputGradient: outputGradient, winners: winners, output: output)
  }

  /// Windows that tile the input: stride = pool size, no padding.
  static func tiles(_ g: ConvGeometry) -> Bool {
    g.strideY == g.kernelHeight && g.strideX == g.kernelWidth && g.padTop == 0
      && g.padLeft == 0 && g.outHeight * g.kernelHeight <= g.inHeight
      && g.outWidth * g.kernelWidth <= g.inWidth
  }

  /// `maxBackward` for tiling windows, each cell written once; with
  /// `output`, only where it is positive (`maxBackwardThroughReLU`).
  private static func maxBackwardTiling(
    _ g: ConvGeometry, outputGradient: [Float], winners: [Int32], output: [Float]?
  ) -> [Float] {
    // Without a ReLU below, the winners alone decide; `masked` is the same
    // for every cell, so the branch is always predicted.
    let masked = output != nil
    let pooled = output ?? []
    let channels = g.inChannels
    let rowsIn = g.batch * g.inHeight
    let inRow = g.inWidth * channels
    return [Float](unsafeUninitializedCapacity: g.inputCount) { ib, count in
      outputGradient.withUnsafeBufferPointer { gb in
        winners.withUnsafeBufferPointer { wb in
          pooled.withUnsafeBufferPointer { pb in
            guard let gp = gb.baseAddress, let wp = wb.baseAddress, let ip = ib.baseAddress else {
              return
            }
            let (gr, w, dx) = (
              SendableConstPointer(gp), SendableConstPointer(wp), SendablePointer(ip)
            )
            let y = SendableConstPointer(pb.baseAddress ?? gp)
            let perUnit = max(1, 16_384 / max(inRow, 1))
            parallelUnits((rowsIn + perUnit - 1) / perUnit) { unit, _ in
              for row in (unit * perUnit)..<min(rowsIn, (unit + 1) * perUnit) {
                let n = row / g.inHeight
                let iy = row % g.inHeight
                let line = dx.p + row * inRow
                let oy = iy / g.kernelHeight
                guard oy < g.outHeight else {
                  // Below the last window: no gradient reaches these cells.
                  line.initialize(repeating: 0, count: inRow)
                  continue
                }
                let dyRow = (iy - oy * g.kernelHeight) * g.kernelWidth
                let covered = g.outWidth * g.kernelWidth
                let outputs = (n * g.outHeight + oy) * g.outWidth * channels
                var out = line
                for ox in 0..<g.outWidth {
                  let at = outputs + ox * channels
                  for kx in 0..<g.kernelWidth {
                    let cellOffset = Int32(truncatingIfNeeded: dyRow + kx)
                    let here = SIMD8<Int32>(repeating: cellOffset)
                    var c = 0
                    while c + 8 <= channels {
                      let v = UnsafeRawPointer(gr.p + at + c).loadUnaligned(as: SIMD8<Float>.self)
                      let won = UnsafeRawPointer(w.p + at + c).loadUnaligned(as: SIMD8<Int32>.self)
                      var through = won .== here
                      if masked {
                        through
                          .&= UnsafeRawPointer(y.p + at + c).loadUnaligned(as: SIMD8<Float>.self)
                          .> 0
                      }
                      let sent = SIMD8<Float>().replacing(with: v, where: through)
                      UnsafeMutableRawPointer(out + c).storeBytes(
                        of: SIMD8<Float>() + sent, as: SIMD8<Float>.self)
                      c += 8
                    }
                    while c < channels {
                      let through = w.p[at + c] == cellOffset && (!masked || y.p[at + c] > 0)
                      out[c] = 0 + (through ? gr.p[at + c] : 0)
                      c += 1
                    }
                    out += channels
                  }
                }
                (line + covered * channels).initialize(
                  repeating: 0, count: (g.inWidth - covered) * channels)
              }
            }
          }
        }
      }
      count = g.inputCount
    }
  }

  /// `maxBackward` for any windows: zeros, then each output's gradient
  /// added to its winner's cell in output order; images are the units.
  static func maxBackwardScatter(
    _ g: ConvGeometry, outputGradient: [Float], winners: [Int32]
  ) -> [Float] {
    var inputGradient = [Float](repeating: 0, count: g.inputCount)
    let channels = g.inChannels
    outputGradient.withUnsafeBufferPointer { gb in
      winners.withUnsafeBufferPointer { wb in
        inputGradient.withUnsafeMutableBufferPointer { ib in
          guard let gp = gb.baseAddress, let wp = wb.baseAddress, let ip = ib.baseAddress else {
            return
          }
          let (gr, w, dx) = (
            SendableConstPointer(gp), SendableConstPointer(wp), SendablePointer(ip)
          )
          // Windows of one image only reach that image's input: images are independent.
          parallelUnits(g.batch) { n, _ in
            for oy in 0..<g.outHeight {
              for ox in 0..<g.outWidth {
                let win = window(g, oy, ox)
                let span = max(win.x1 - win.x0, 1)
                let outBase = ((n * g.outHeight + oy) * g.outWidth + ox) * channels
                for c in 0..<channels {
                  let offset = Int(w.p[outBase + c])
                  let iy = win.y0 + offset / span
                  let ix = win.x0 + offset % span
                  dx.p[((n * g.inHeight + iy) * g.inWidth + ix) * channels + c] += gr.p[outBase + c]
                }
              }
            }
          }
        }
      }
    }
    return inputGradient
  }

  public static func averageForward(_ g: ConvGeometry, input: [Float]) -> [Float] {
    var output = [Float](repeating: 0, count: g.outputCount)
    let channels = g.inChannels
    input.withUnsafeBufferPointer { xb in
      output.withUnsafeMutableBufferPointer { ob in
        guard let xp = xb.baseAddress, let op = ob.baseAddress else { return }
        let (x, o) = (SendableConstPointer(xp), SendablePointer(op))
        parallelUnits(g.batch) { n, _ in
          for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
              let win = window(g, oy, ox)
              let outBase = ((n * g.outHeight + oy) * g.outWidth + ox) * channels
              let cells = Float((win.y1 - win.y0) * (win.x1 - win.x0))
              for iy in win.y0..<win.y1 {
                for ix in win.x0..<win.x1 {
                  let base = ((n * g.inHeight + iy) * g.inWidth + ix) * channels
                  for c in 0..<channels { o.p[outBase + c] += x.p[base + c] }
                }
              }
              for c in 0..<channels { o.p[outBase + c] /= cells }
            }
          }
        }
      }
    }
    return output
  }

  public static func averageBackward(_ g: ConvGeometry, outputGradient: [Float]) -> [Float] {
    var inputGradient = [Float](repeating: 0, count: g.inputCount)
    let channels = g.inChannels
    outputGradient.withUnsafeBufferPointer { gb in
      inputGradient.withUnsafeMutableBufferPointer { ib in
        guard let gp = gb.baseAddress, let ip = ib.baseAddress else { return }
        let (gr, dx) = (SendableConstPointer(gp), SendablePointer(ip))
        parallelUnits(g.batch) { n, _ in
          for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
              let win = window(g, oy, ox)
              let outBase = ((n * g.outHeight + oy) * g.outWidth + ox) * channels
              // Every cell of the window contributed 1/count of the mean.
              let share = 1 / Float((win.y1 - win.y0) * (win.x1 - win.x0))
              for iy in win.y0..<win.y1 {
                for ix in win.x0..<win.x1 {
                  let base = ((n * g.inHeight + iy) * g.inWidth + ix) * channels
                  for c in 0..<channels { dx.p[base + c] += gr.p[outBase + c] * share }
                }
              }
            }
          }
        }
      }
    }
    return inputGradient
  }

  // MARK: - Reference loops

  /// Max pooling, one output value at a time: the readable definition.
  public static func maxForwardReference(_ g: ConvGeometry, input: [Float]) -> (
    output: [Float], winners: [Int32]
  ) {
    var output = [Float](repeating: 0, count: g.outputCount)
    var winners = [Int32](repeating: 0, count: g.outputCount)
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          let win = window(g, oy, ox)
          for c in 0..<g.inChannels {
            var best = -Float.infinity
            var bestOffset: Int32 = -1
            var offset: Int32 = 0
            for iy in win.y0..<win.y1 {
              for ix in win.x0..<win.x1 {
                let v = input[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c]
                if bestOffset < 0 || v > best {
                  best = v
                  bestOffset = offset
                }
                offset += 1
              }
            }
            let o = ((n * g.outHeight + oy) * g.outWidth + ox) * g.inChannels + c
            output[o] = best
            winners[o] = max(bestOffset, 0)
          }
        }
      }
    }
    return (output, winners)
  }

  /// Max pooling's backward, one output value at a time: the readable
  /// definition (the tests' oracle).
  public static func maxBackwardReference(
    _ g: ConvGeometry, outputGradient: [Float], winners: [Int32]
  ) -> [Float] {
    var inputGradient = [Float](repeating: 0, count: g.inputCount)
    for o in 0..<g.outputCount {
      inputGradient[winnerInputIndex(g, outputIndex: o, offset: winners[o])] += outputGradient[o]
    }
    return inputGradient
  }

  /// Average pooling, one output value at a time: the readable definition.
  public static func averageForwardReference(_ g: ConvGeometry, input: [Float]) -> [Float] {
    var output = [Float](repeating: 0, count: g.outputCount)
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          let win = window(g, oy, ox)
          for c in 0..<g.inChannels {
            var sum: Float = 0
            for iy in win.y0..<win.y1 {
              for ix in win.x0..<win.x1 {
                sum += input[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c]
              }
            }
            output[((n * g.outHeight + oy) * g.outWidth + ox) * g.inChannels + c] =
              sum / Float((win.y1 - win.y0) * (win.x1 - win.x0))
          }
        }
      }
    }
    return output
  }
}
