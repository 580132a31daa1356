import Foundation

/// The element-wise (and softmax) functions Keras's `Activation` accepts.
public enum ActivationFunction: String, Sendable, CaseIterable {
  case linear, relu, sigmoid, tanh, softmax

  /// Applies the function to `input`; softmax runs over the last axis.
  func apply(_ input: Tensor) -> Tensor {
    switch self {
    case .linear: return input
    case .relu:
      return Tensor(validShape: input.shape, scalars: ElementwiseKernels.relu(input.scalars))
    case .sigmoid:
      return Tensor(
        validShape: input.shape,
        scalars: ElementwiseKernels.map(input.scalars) { 1 / (1 + Foundation.exp(-$0)) })
    case .tanh:
      return Tensor(
        validShape: input.shape,
        scalars: ElementwiseKernels.map(input.scalars) { Foundation.tanh($0) })
    case .softmax: return softmaxLastAxis(input)
    }
  }

  /// dLoss/dInput from dLoss/dOutput, given the layer's input and output.
  func backward(outputGradient: Tensor, input: Tensor, output: Tensor) -> Tensor {
    switch self {
    case .linear:
      return outputGradient
    case .relu:
      // Slope 1 where x > 0 and 0 elsewhere; TensorFlow also uses 0 at exactly 0.
      return Tensor(
        validShape: input.shape,
        scalars: ElementwiseKernels.reluBackward(outputGradient.scalars, input: input.scalars))
    case .sigmoid:
      return Tensor(
        validShape: output.shape,
        scalars: ElementwiseKernels.zip(outputGradient.scalars, output.scalars) { g, y in
          g * y * (1 - y)
        })
    case .tanh:
      return Tensor(
        validShape: output.shape,
        scalars: ElementwiseKernels.zip(outputGradient.scalars, output.scalars) { g, y in
          g * (1 - y * y)
        })
    case .softmax:
      // dx_i = y_i · (g_i − Σ_j g_j y_j), row by row over the last axis.
      let classes = output.shape.dims.last ?? 1
      var result = outputGradient.scalars
      output.scalars.withUnsafeBufferPointer { y in
        outputGradient.scalars.withUnsafeBufferPointer { g in
          var start = 0
          while start < y.count {
            var dot: Float = 0
            for j in start..<(start + classes) { dot += g[j] * y[j] }
            for j in start..<(start + classes) { result[j] = y[j] * (g[j] - dot) }
            start += classes
          }
        }
      }
      return Tensor(validShape: output.shape, scalars: result)
    }
  }
}

/// Softmax over the last axis; the row maximum is subtracted first so exp never overflows.
public func softmaxLastAxis(_ input: Tensor) -> Tensor {
  let classes = input.shape.dims.last ?? 1
  var out = input.scalars
  guard classes > 0 else { return input }
  var start = 0
  while start < out.count {
    var m = -Float.infinity
    for j in start..<(start + classes) { m = max(m, out[j]) }
    var sum: Float = 0
    for j in start..<(start + classes) {
      out[j] = Foundation.exp(out[j] - m)
      sum += out[j]
    }
    for j in start..<(start + classes) { out[j] /= sum }
    start += classes
  }
  return Tensor(validShape: input.shape, scalars: out)
}
