import Foundation

/// The element-wise (and softmax) functions Keras's `activation=` and
/// `Activation(...)` accept, by Keras 3's definitions
/// (keras/src/activations/activations.py).
///
/// Two differ from Keras 2's: `hard_sigmoid` is relu6(x + 3) / 6 (Keras 2:
/// clip(0.2x + 0.5, 0, 1)), and `gelu` is the exact one, Keras 3's default
/// (`approximate=False`). `swish` is Keras's other name for `silu`; files
/// written by Keras 3 say `silu`.
public enum ActivationFunction: String, Sendable, CaseIterable {
  case linear, relu, sigmoid, tanh, softmax
  case elu, selu, softplus, softsign, silu, gelu
  case leakyReLU = "leaky_relu"
  case hardSigmoid = "hard_sigmoid"
  case exponential

  /// The function a Keras name stands for: the raw names, plus `swish`.
  public init?(kerasName name: String) {
    if name == "swish" {
      self = .silu
      return
    }
    self.init(rawValue: name)
  }

  /// Names a learner may write, for hints.
  public static var kerasNames: [String] { allCases.map(\.rawValue) + ["swish"] }

  /// SELU's constants (Klambauer et al. 2017), as Keras spells them.
  static let seluAlpha: Float = 1.6732632423543772
  static let seluScale: Float = 1.0507009873554805
  /// 1/sqrt(2) and 1/sqrt(2π), for gelu.
  static let rootHalf: Float = 0.70710678118654752
  static let rootHalfOverPi: Float = 0.39894228040143268
  /// `leaky_relu`'s default slope as an activation (the LeakyReLU layer's is 0.3).
  public static let leakySlope: Float = 0.2

  /// Applies the function to `input`; softmax runs over the last axis.
  func apply(_ input: Tensor) -> Tensor {
    switch self {
    case .linear: return input
    case .relu:
      return Tensor(validShape: input.shape, scalars: ElementwiseKernels.relu(input.scalars))
    case .softmax: return softmaxLastAxis(input)
    default:
      let f = scalarFunction
      return Tensor(validShape: input.shape, scalars: ElementwiseKernels.map(input.scalars, f))
    }
  }

  /// The function on one float32 value (every case but softmax).
  var scalarFunction: @Sendable (Float) -> Float {
    switch self {
    case .linear, .softmax: return { $0 }
    case .relu: return { max($0, 0) }
    case .sigmoid: return { 1 / (1 + Foundation.exp(-$0)) }
    case .tanh: return { Foundation.tanh($0) }
    case .elu: return { $0 > 0 ? $0 : Foundation.expm1($0) }
    case .selu:
      return { x in
        ActivationFunction.seluScale
          * (x > 0 ? x : ActivationFunction.seluAlpha * Foundation.expm1(x))
      }
    // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    case .softplus: return { max($0, 0) + Foundation.log1p(Foundation.exp(-abs($0))) }
    case .softsign: return { $0 / (1 + abs($0)) }
    case .silu: return { $0 / (1 + Foundation.exp(-$0)) }
    case .gelu: return { 0.5 * $0 * (1 + Foundation.erf($0 * ActivationFunction.rootHalf)) }
    case .leakyReLU: return { $0 >= 0 ? $0 : ActivationFunction.leakySlope * $0 }
    case .hardSigmoid: return { min(max($0 / 6 + 0.5, 0), 1) }
    case .exponential: return { Foundation.exp($0) }
    }
  }

  /// dOutput/dInput at input x with output y (every case but softmax).
  var slope: @Sendable (_ x: Float, _ y: Float) -> Float {
    switch self {
    case .linear, .softmax: return { _, _ in 1 }
    // TensorFlow and JAX give ReLU slope 0 at exactly 0; so does LayerLab.
    case .relu: return { x, _ in x > 0 ? 1 : 0 }
    case .sigmoid: return { _, y in y * (1 - y) }
    case .tanh: return { _, y in 1 - y * y }
    case .elu: return { x, y in x > 0 ? 1 : y + 1 }
    case .selu:
      return { x, _ in
        x > 0
          ? ActivationFunction.seluScale
          : ActivationFunction.seluScale * ActivationFunction.seluAlpha * Foundation.exp(x)
      }
    case .softplus: return { x, _ in 1 / (1 + Foundation.exp(-x)) }
    case .softsign:
      return { x, _ in
        let d = 1 + abs(x)
        return 1 / (d * d)
      }
    case .silu:
      return { x, _ in
        let s = 1 / (1 + Foundation.exp(-x))
        return s * (1 + x * (1 - s))
      }
    case .gelu:
      return { x, _ in
        let cumulative: Float = 0.5 * (1 + Foundation.erf(x * ActivationFunction.rootHalf))
        let density: Float = Foundation.exp(-0.5 * x * x) * ActivationFunction.rootHalfOverPi
        return cumulative + x * density
      }
    case .leakyReLU: return { x, _ in x >= 0 ? 1 : ActivationFunction.leakySlope }
    // The slope is 1/6 strictly inside (-3, 3), as JAX's relu6 gives.
    case .hardSigmoid: return { x, _ in x > -3 && x < 3 ? 1 / 6 : 0 }
    case .exponential: return { _, y in y }
    }
  }

  /// dLoss/dInput from dLoss/dOutput, given the layer's input and output.
  func backward(outputGradient: Tensor, input: Tensor, output: Tensor) -> Tensor {
    switch self {
    case .linear:
      return outputGradient
    case .relu:
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
    default:
      let slope = self.slope
      var result = outputGradient.scalars
      input.scalars.withUnsafeBufferPointer { x in
        output.scalars.withUnsafeBufferPointer { y in
          result.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] *= slope(x[i], y[i]) }
          }
        }
      }
      return Tensor(validShape: input.shape, scalars: result)
    }
  }

  /// The function at `x` in double precision, for explanations a learner
  /// checks by hand (softmax and linear give x back).
  public func value(at x: Double) -> Double {
    switch self {
    case .linear, .softmax: return x
    case .relu: return max(x, 0)
    case .sigmoid: return 1 / (1 + exp(-x))
    case .tanh: return Foundation.tanh(x)
    case .elu: return x > 0 ? x : expm1(x)
    case .selu:
      return Double(ActivationFunction.seluScale)
        * (x > 0 ? x : Double(ActivationFunction.seluAlpha) * expm1(x))
    case .softplus: return max(x, 0) + log1p(exp(-abs(x)))
    case .softsign: return x / (1 + abs(x))
    case .silu: return x / (1 + exp(-x))
    case .gelu: return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
    case .leakyReLU: return x >= 0 ? x : Double(ActivationFunction.leakySlope) * x
    case .hardSigmoid: return min(max(x / 6 + 0.5, 0), 1)
    case .exponential: return exp(x)
    }
  }

  /// The rule, as `explain` writes it after `relu(x) = `.
  public var formula: String {
    switch self {
    case .linear, .softmax: "x"
    case .relu: "max(x, 0)"
    case .sigmoid: "1 / (1 + exp(-x))"
    case .tanh: "(exp(x) - exp(-x)) / (exp(x) + exp(-x))"
    case .elu: "x if x > 0, else exp(x) - 1"
    case .selu: "1.0507 * (x if x > 0, else 1.6733 * (exp(x) - 1))"
    case .softplus: "log(1 + exp(x))"
    case .softsign: "x / (1 + |x|)"
    case .silu: "x / (1 + exp(-x))"
    case .gelu: "x/2 * (1 + erf(x / sqrt(2)))"
    case .leakyReLU: "x if x >= 0, else 0.2 * x"
    case .hardSigmoid: "min(max(x / 6 + 1/2, 0), 1)"
    case .exponential: "exp(x)"
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
