/// The three products of a fully connected layer on row-major matrices.
///
/// The entry points run on `Gemm`; the `…Reference` loops are the readable
/// definitions and the tests' oracle.
///
/// Shapes: input `[rows, inFeatures]`, kernel `[inFeatures, units]` (Keras's
/// layout), output `[rows, units]`. `rows` is the batch times any leading
/// axes, since Keras's Dense acts on the last axis only.
public enum DenseKernels {
  /// output = input · kernel + bias
  public static func forward(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    precondition(input.count == rows * inFeatures && kernel.count == inFeatures * units)
    precondition(bias == nil || bias!.count == units)
    var output = [Float](repeating: 0, count: rows * units)
    if let bias {
      // The sum starts from the bias, as in the reference loop.
      for r in 0..<rows { output.replaceSubrange(r * units..<(r + 1) * units, with: bias) }
    }
    Gemm.sgemm(
      m: rows, n: units, k: inFeatures, a: input, b: kernel, c: &output,
      accumulate: bias != nil)
    return output
  }

  /// dInput = outputGradient · kernelᵀ
  public static func backwardInput(
    rows: Int, inFeatures: Int, units: Int, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    precondition(outputGradient.count == rows * units && kernel.count == inFeatures * units)
    var inputGradient = [Float](repeating: 0, count: rows * inFeatures)
    Gemm.sgemm(
      transB: true, m: rows, n: inFeatures, k: units, a: outputGradient, b: kernel,
      c: &inputGradient)
    return inputGradient
  }

  /// dKernel += inputᵀ · outputGradient; dBias += column sums of outputGradient.
  public static func accumulateKernelGradient(
    rows: Int, inFeatures: Int, units: Int, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    precondition(input.count == rows * inFeatures && outputGradient.count == rows * units)
    precondition(kernelGradient.count == inFeatures * units)
    precondition(biasGradient.isEmpty || biasGradient.count == units)
    Gemm.sgemm(
      transA: true, m: inFeatures, n: units, k: rows, a: input, b: outputGradient,
      c: &kernelGradient, accumulate: true)
    if !biasGradient.isEmpty {
      // Row by row, the reference loop's order.
      outputGradient.withUnsafeBufferPointer { dy in
        biasGradient.withUnsafeMutableBufferPointer { db in
          for r in 0..<rows { for u in 0..<units { db[u] += dy[r * units + u] } }
        }
      }
    }
  }

  // MARK: - Reference loops

  public static func forwardReference(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    var output = [Float](repeating: 0, count: rows * units)
    for r in 0..<rows {
      for u in 0..<units {
        var sum: Float = bias?[u] ?? 0
        for i in 0..<inFeatures { sum += input[r * inFeatures + i] * kernel[i * units + u] }
        output[r * units + u] = sum
      }
    }
    return output
  }

  public static func backwardInputReference(
    rows: Int, inFeatures: Int, units: Int, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    var inputGradient = [Float](repeating: 0, count: rows * inFeatures)
    for r in 0..<rows {
      for i in 0..<inFeatures {
        var sum: Float = 0
        for u in 0..<units { sum += outputGradient[r * units + u] * kernel[i * units + u] }
        inputGradient[r * inFeatures + i] = sum
      }
    }
    return inputGradient
  }

  public static func accumulateKernelGradientReference(
    rows: Int, inFeatures: Int, units: Int, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    for r in 0..<rows {
      for u in 0..<units {
        let grad = outputGradient[r * units + u]
        if !biasGradient.isEmpty { biasGradient[u] += grad }
        for i in 0..<inFeatures { kernelGradient[i * units + u] += input[r * inFeatures + i] * grad }
      }
    }
  }
}
