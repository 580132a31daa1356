import Foundation

/// Keras's two classification losses. Labels are class indices here; one-hot
/// targets are turned into indices when a dataset is loaded, so both losses
/// compute the same number and differ only in what Keras expects as `y`.
public enum LossKind: String, Sendable, CaseIterable {
  case categoricalCrossentropy = "categorical_crossentropy"
  case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
}

/// Keras's `backend.epsilon()`, the clip applied to probabilities before the log.
public let lossEpsilon: Float = 1e-7

/// Mean cross-entropy of softmax(`logits`) against `labels`, and d(loss)/d(logits).
///
/// Fused on purpose: the gradient collapses to (softmax − onehot) / batch, and
/// log-softmax is computed as z_label − logsumexp(z), so nothing overflows or
/// takes log(0). Keras does the same when the model ends in softmax: it finds
/// the logits behind the softmax and uses them (`_keras_logits`), unclipped.
///
/// - Parameters:
///   - logits: `[batch, classes]`.
///   - labels: `batch` integers in `0..<classes`.
public func softmaxCrossEntropy(
  logits: Tensor, labels: [Int]
) throws(EngineError) -> (loss: Float, logitsGradient: Tensor, probabilities: Tensor) {
  let (batch, classes) = try classificationShape(logits, labels: labels)
  var gradient = [Float](repeating: 0, count: logits.count)
  var probabilities = [Float](repeating: 0, count: logits.count)
  var total: Double = 0
  for n in 0..<batch {
    let row = n * classes
    var m = -Float.infinity
    for j in 0..<classes { m = max(m, logits.scalars[row + j]) }
    var sum: Float = 0
    for j in 0..<classes {
      let e = Foundation.exp(logits.scalars[row + j] - m)  // minus the max: exp never overflows
      probabilities[row + j] = e
      sum += e
    }
    let label = labels[n]
    total += Double(Foundation.log(sum) + m - logits.scalars[row + label])
    for j in 0..<classes {
      let p = probabilities[row + j] / sum
      probabilities[row + j] = p
      gradient[row + j] = (p - (j == label ? 1 : 0)) / Float(batch)
    }
  }
  return (
    Float(total / Double(batch)),
    Tensor(validShape: logits.shape, scalars: gradient),
    Tensor(validShape: logits.shape, scalars: probabilities)
  )
}

/// Mean cross-entropy of probabilities `output` against `labels`, and d(loss)/d(output),
/// for models that do not end in softmax.
///
/// As Keras's `categorical_crossentropy(from_logits=False)`: each row is first
/// divided by its sum, then clipped to [eps, 1 − eps] before the log; the
/// gradient is zero where the clip is active. The sparse variant skips the
/// normalisation, as Keras's does.
public func crossEntropy(
  output: Tensor, labels: [Int], kind: LossKind
) throws(EngineError) -> (loss: Float, outputGradient: Tensor) {
  let (batch, classes) = try classificationShape(output, labels: labels)
  var gradient = [Float](repeating: 0, count: output.count)
  var total: Double = 0
  let normalise = kind == .categoricalCrossentropy
  for n in 0..<batch {
    let row = n * classes
    let label = labels[n]
    var sum: Float = 1
    if normalise {
      sum = 0
      for j in 0..<classes { sum += output.scalars[row + j] }
      if sum == 0 || !sum.isFinite { sum = 1 }
    }
    let q = output.scalars[row + label] / sum
    let clipped = min(max(q, lossEpsilon), 1 - lossEpsilon)
    total -= Double(Foundation.log(clipped))
    guard q > lossEpsilon, q < 1 - lossEpsilon else { continue }
    // dL/dq_label = −1/q; through q_i = p_i / S: dL/dp_j = (dL/dq_j − Σ_i dL/dq_i·q_i) / S.
    let dq = -1 / q / Float(batch)
    for j in 0..<classes {
      var d: Float = normalise ? -dq * q / sum : 0
      if j == label { d += dq / sum }
      gradient[row + j] = d
    }
  }
  return (Float(total / Double(batch)), Tensor(validShape: output.shape, scalars: gradient))
}

/// Keras's `accuracy` for classification: the share of rows whose largest
/// output is at the label (the first largest wins a tie, as argmax does).
public func accuracy(output: Tensor, labels: [Int]) -> Float {
  guard let classes = output.shape.dims.last, classes > 0, !labels.isEmpty else { return 0 }
  var correct = 0
  for n in 0..<labels.count
  where argmax(output.scalars[(n * classes)..<((n + 1) * classes)]) == labels[n] {
    correct += 1
  }
  return Float(correct) / Float(labels.count)
}

/// Index of the first largest value (0 for an empty slice).
public func argmax(_ values: ArraySlice<Float>) -> Int {
  var best = values.startIndex
  for i in values.indices where values[i] > values[best] { best = i }
  return best - values.startIndex
}

func classificationShape(_ output: Tensor, labels: [Int]) throws(EngineError) -> (Int, Int) {
  guard output.shape.rank == 2, output.shape[0] == labels.count else {
    throw .badShape(
      "the model's output is shaped \(output.shape) but there are \(labels.count) labels: a classifier ends in Dense(classes)"
    )
  }
  let classes = output.shape[1]
  for label in labels where label < 0 || label >= classes {
    throw .labelOutOfRange(label: label, classCount: classes)
  }
  return (output.shape[0], classes)
}
