/// The three products of a fully connected layer on row-major matrices.
///
/// Shapes: input `[rows, inFeatures]`, kernel `[inFeatures, units]` (Keras's
/// layout), output `[rows, units]`. `rows` is the batch times any leading
/// axes, since Keras's Dense acts on the last axis only.
public enum DenseKernels {
  /// output = input · kernel + bias
  public static func forward(
    rows: Int, inFeatures: Int, units: Int, input: [Float], kernel: [Float], bias: [Float]?
  ) -> [Float] {
    forwardReference(
      rows: rows, inFeatures: inFeatures, units: units, input: input, kernel: kernel, bias: bias)
  }

  /// dInput = outputGradient · kernelᵀ
  public static func backwardInput(
    rows: Int, inFeatures: Int, units: Int, outputGradient: [Float], kernel: [Float]
  ) -> [Float] {
    backwardInputReference(
      rows: rows, inFeatures: inFeatures, units: units, outputGradient: outputGradient,
      kernel: kernel)
  }

  /// dKernel += inputᵀ · outputGradient; dBias += column sums of outputGradient.
  public static func accumulateKernelGradient(
    rows: Int, inFeatures: Int, units: Int, input: [Float], outputGradient: [Float],
    kernelGradient: inout [Float], biasGradient: inout [Float]
  ) {
    accumulateKernelGradientReference(
      rows: rows, inFeatures: inFeatures, units: units, input: input,
      outputGradient: outputGradient, kernelGradient: &kernelGradient,
      biasGradient: &biasGradient)
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
