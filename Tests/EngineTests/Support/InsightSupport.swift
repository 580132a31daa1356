import Foundation
import Testing

@testable import Engine

/// A model from Keras lines, the first carrying `input_shape=`.
func insightModel(_ lines: [String], seed: UInt64 = 3) throws -> Sequential {
  let model = Sequential(seed: seed)
  for line in lines { try model.add(LayerSpec(parsing: PyParser.parse(line))) }
  return model
}

/// A smooth network (tanh, sigmoid, average pooling, strides, 'same' with
/// odd sizes) and one with kinks (ReLU, max pooling, Dropout), ending in a
/// softmax layer or a Dense's softmax activation.
let insightNetworks: [[String]] = [
  [
    "Conv2D(3, (3, 3), strides=(2, 2), padding='same', activation='tanh', input_shape=(7, 6, 2))",
    "AveragePooling2D(pool_size=(2, 2), padding='same')", "Conv2D(4, (2, 2))",
    "Activation('sigmoid')", "Flatten()", "Dense(3)", "Activation('softmax')",
  ],
  [
    // Pooling before the ReLU: a window of zeros after a ReLU is a tie that
    // central differences cannot see through.
    "Conv2D(4, (3, 3), padding='same', input_shape=(8, 8, 3))", "MaxPooling2D(pool_size=(2, 2))",
    "Activation('relu')", "Dropout(0.5)", "Conv2D(5, (3, 3), activation='relu')",
    "Flatten()", "Dense(4, activation='softmax')",
  ],
]

/// The softmax's input for `x`, computed by forward passes only.
func logits(_ model: Sequential, _ x: Tensor) throws -> [Float] {
  try model.forward(x, mode: .inference)
  return try readLogits(model)
}

private func readLogits(_ model: Sequential) throws -> [Float] {
  switch model.head {
  case .softmaxLayer: return model.lastOutputs[model.layers.count - 2].scalars
  case .softmaxActivation(let layer): return try #require(layer.lastPreActivation).scalars
  case .plain: throw EngineError.notExplainable("test network without a softmax")
  }
}

/// The logits when layer `index`'s output is replaced by `activation`: the
/// layers above it run forward from there.
func logits(_ model: Sequential, above index: Int, activation: Tensor) throws -> [Float] {
  var current = activation
  var rng = SeededGenerator(seed: 0)
  var beforeLast = activation
  for i in (index + 1)..<model.layers.count {
    if i == model.layers.count - 1 { beforeLast = current }
    current = try model.layers[i].forward(current, mode: .inference, rng: &rng)
  }
  switch model.head {
  case .softmaxLayer: return beforeLast.scalars
  case .softmaxActivation(let layer): return try #require(layer.lastPreActivation).scalars
  case .plain: throw EngineError.notExplainable("test network without a softmax")
  }
}

/// Central differences of f at every value of `x`.
func centralDifferences(_ x: Tensor, epsilon: Float, _ f: (Tensor) throws -> Float) rethrows
  -> [Float]
{
  var result = [Float](repeating: 0, count: x.count)
  for i in 0..<x.count {
    var plus = x
    var minus = x
    plus.scalars[i] += epsilon
    minus.scalars[i] -= epsilon
    result[i] = (try f(plus) - f(minus)) / (2 * epsilon)
  }
  return result
}

/// The largest |a − b| over the largest |b|: gaps relative to the map's largest value.
func gapOfLargest(_ a: [Float], _ b: [Float]) -> Float {
  precondition(a.count == b.count, "maps of \(a.count) and \(b.count) values")
  let largest = b.map { abs($0) }.max() ?? 0
  let gap = zip(a, b).map { abs($0 - $1) }.max() ?? 0
  return largest > 0 ? gap / largest : gap
}
