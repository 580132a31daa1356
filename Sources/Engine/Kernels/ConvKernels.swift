/// The three products of a 2-D convolution, channels-last, Keras kernel layout.
///
/// These entry points are what layers call. They run the GEMM-based fast
/// paths (`ConvKernels+Fast.swift`); each has a plain reference loop beside
/// it (`…Reference`), the readable definition of the kernel and the oracle
/// the fast paths are tested against.
public enum ConvKernels {
  /// output[n, oy, ox, f] = bias[f] + Σ_{ky,kx,c} input[n, iy, ix, c] · kernel[ky, kx, c, f]
  /// with iy = oy·strideY − padTop + ky, ix = ox·strideX − padLeft + kx.
  public static func forward(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    forwardFast(g, input: input, kernel: kernel, bias: bias)
  }

  /// `forward` followed by ReLU (x > 0 ? x : 0), applied to each block of
  /// rows while it is still in cache: the same bits as the two passes, one
  /// sweep over the output fewer. For inference (`Sequential.infer`).
  public static func forwardReLU(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    forwardFast(g, input: input, kernel: kernel, bias: bias, relu: true)
  }

  /// `forwardReLU`, then 2x2 max pooling with stride 2 and no padding, the
  /// pooling done on each pair of output rows while it is in cache: the
  /// bits of the three passes. nil when the fused path does not take the
  /// shape (then run them one after the other). For `Sequential.infer`.
  public static func forwardReLUMaxPool2(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float]? {
    forwardReLUMaxPool2Fast(g, input: input, kernel: kernel, bias: bias)
  }

  /// dInput[n, iy, ix, c] = Σ over every output cell whose window covers (iy, ix)
  /// of outputGradient[n, oy, ox, f] · kernel[ky, kx, c, f].
  public static func backwardInput(
    _ g: ConvGeometry, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    backwardInputFast(g, outputGradient: outputGradient, kernel: kernel)
  }

  /// Adds dKernel[ky, kx, c, f] = Σ_{n,oy,ox} input[n, iy, ix, c] · outputGradient[n, oy, ox, f]
  /// into `kernelGradient`, and Σ outputGradient[…, f] into `biasGradient` when given.
  public static func accumulateKernelGradient(
    _ g: ConvGeometry, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    accumulateKernelGradientFast(
      g, input: input, outputGradient: outputGradient,
      kernelGradient: &kernelGradient, biasGradient: &biasGradient)
  }

  // MARK: - Reference loops

  /// The convolution's multiply-adds one at a time, in the order the
  /// reference loops sum them: for every output cell (n, oy, ox, f), then
  /// every kernel tap (ky, kx, c) whose input position lies inside the
  /// picture (taps on the zero padding add nothing and are skipped).
  /// `body(o, i, k)` gets the flat output, input and kernel indices.
  @inline(__always)
  static func forEachProduct(_ g: ConvGeometry, _ body: (_ o: Int, _ i: Int, _ k: Int) -> Void) {
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for f in 0..<g.filters {
            let o = ((n * g.outHeight + oy) * g.outWidth + ox) * g.filters + f
            for ky in 0..<g.kernelHeight {
              let iy = oy * g.strideY - g.padTop + ky
              if iy < 0 || iy >= g.inHeight { continue }  // zero padding
              for kx in 0..<g.kernelWidth {
                let ix = ox * g.strideX - g.padLeft + kx
                if ix < 0 || ix >= g.inWidth { continue }
                for c in 0..<g.inChannels {
                  body(
                    o, ((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c,
                    ((ky * g.kernelWidth + kx) * g.inChannels + c) * g.filters + f)
                }
              }
            }
          }
        }
      }
    }
  }

  public static func forwardReference(
    _ g: ConvGeometry, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    // Every output starts at its filter's bias and gathers its window's products.
    var output = [Float](repeating: 0, count: g.outputCount)
    if let bias { for o in output.indices { output[o] = bias[o % g.filters] } }
    forEachProduct(g) { o, i, k in output[o] += input[i] * kernel[k] }
    return output
  }

  public static func backwardInputReference(
    _ g: ConvGeometry, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    // Each output cell sends its gradient back along the window it read.
    var inputGradient = [Float](repeating: 0, count: g.inputCount)
    forEachProduct(g) { o, i, k in inputGradient[i] += kernel[k] * outputGradient[o] }
    return inputGradient
  }

  public static func accumulateKernelGradientReference(
    _ g: ConvGeometry, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    if !biasGradient.isEmpty {
      for o in outputGradient.indices { biasGradient[o % g.filters] += outputGradient[o] }
    }
    forEachProduct(g) { o, i, k in kernelGradient[k] += input[i] * outputGradient[o] }
  }
}
