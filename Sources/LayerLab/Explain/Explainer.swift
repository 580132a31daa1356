import Engine

/// Takes one output cell of the last pass apart, reading the layer's input,
/// weights and Dropout mask as the engine used them.
///
/// It recomputes from those parts rather than trusting a cache, so the
/// caller can check the rebuilt value against the stored one and notice
/// weights changed since the pass (training updates them after its forward).
struct Explainer {
  let model: Sequential

  /// The cell `indices` (`[y, x, c]` or `[i]`) of layer `index`'s output for batch item 0.
  func explain(layer index: Int, at indices: [Int]) throws -> Explanation {
    guard model.lastOutputs.indices.contains(index), let firstInput = model.lastInput,
      let mode = model.lastMode
    else {
      throw LayerView.noPass
    }
    let layer = model.layers[index]
    let output = model.lastOutputs[index]
    let input = index == 0 ? firstInput : model.lastOutputs[index - 1]
    let cell = Explanation.Cell(
      layerIndex: index, layerName: layer.name, typeName: layer.typeName, indices: indices,
      outputShape: output.shape, mode: mode,
      source: index == 0 ? "the input" : "\(model.layers[index - 1].name)'s output",
      actual: output.scalars[Self.offset(indices, in: output.shape)])
    let kind: Explanation.Kind
    switch layer {
    case let conv as Conv2D: kind = .convolution(try convolution(conv, input: input, at: indices))
    case let pool as Pooling2D: kind = .pooling(pooling(pool, input: input, at: indices))
    case let dropout as Dropout:
      kind = .dropout(self.dropout(dropout, input: input, output: output, at: indices, mode: mode))
    case let dense as Dense:
      kind = .dense(try self.dense(dense, input: input, at: indices, index: index))
    case let activation as Activation:
      kind = .activation(squash(activation.function, input: input, at: indices))
    case let leaky as LeakyReLU:
      let offset = Self.offset(indices, in: input.shape)
      kind = .activation(
        .leaky(slope: Double(leaky.negativeSlope), input: Double(input.scalars[offset])))
    case let norm as BatchNormalization:
      kind = .normalization(normalization(norm, input: input, at: indices, mode: mode))
    case let pool as GlobalPooling2D:
      kind = .globalPool(globalPool(pool, input: input, at: indices))
    case is Flatten:
      let from = Self.unflattened(indices[0], shape: input.shape.unbatched)
      kind = .flatten(
        .init(
          inputShape: input.shape.unbatched, from: from, input: Double(input.scalars[indices[0]])))
    default:
      throw LabError(message: "explain does not know \(layer.typeName) layers yet")
    }
    return Explanation(cell: cell, kind: kind)
  }

  /// Flat offset of batch item 0's cell.
  static func offset(_ indices: [Int], in shape: Shape) -> Int {
    var offset = 0
    for (axis, i) in indices.enumerated() { offset = offset * shape[axis + 1] + i }
    return offset
  }

  /// Flatten's row-major rule backwards: `i = (y · W + x) · C + c`.
  static func unflattened(_ i: Int, shape: Shape) -> [Int] {
    var rest = i
    var result = [Int](repeating: 0, count: shape.rank)
    for axis in stride(from: shape.rank - 1, through: 0, by: -1) {
      result[axis] = rest % shape[axis]
      rest /= shape[axis]
    }
    return result
  }

  // MARK: - Per kind

  private func convolution(_ conv: Conv2D, input: Tensor, at cell: [Int]) throws
    -> Explanation.Convolution
  {
    guard let kernel = conv.kernel?.value else { throw LayerView.noPass }
    let spec = conv.spec
    let (kh, kw, inChannels, filters) = (
      kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3]
    )
    let strides = spec.strides ?? [1, 1]
    let (top, left) = windowCorner(
      spec.padding, input: input.shape, window: [kh, kw], strides: strides, at: cell)
    let filter = cell[2]
    let channels = (0..<inChannels).map { c in
      Explanation.ChannelPart(
        channel: c,
        window: window(input, top: top, left: left, size: [kh, kw], channel: c),
        kernel: (0..<kh).map { ky in
          (0..<kw).map { kx in
            Double(kernel.scalars[((ky * kw + kx) * inChannels + c) * filters + filter])
          }
        })
    }
    var result = Explanation.Convolution(
      top: top, left: left, strides: strides, padding: spec.padding, inChannels: inChannels,
      channels: channels,
      bias: Double(conv.bias?.value.scalars[filter] ?? 0), squash: nil)
    result.squash = squashAfterSum(
      conv.activationFunction, pre: result.preActivation, logits: conv.lastPreActivation, at: cell)
    return result
  }

  private func pooling(_ pool: Pooling2D, input: Tensor, at cell: [Int]) -> Explanation.Pooling {
    let spec = pool.spec
    let size = spec.poolSize
    let (top, left) = windowCorner(
      spec.padding, input: input.shape, window: size, strides: spec.strides ?? size, at: cell)
    let values = window(input, top: top, left: left, size: size, channel: cell[2])
    var winner: (row: Int, column: Int)?
    if spec.kind == .maxPooling2D {
      // The engine's rule: a strictly larger value wins, so a tie stays with the first in row-major order.
      var best = -Double.infinity
      for (r, row) in values.enumerated() {
        for (c, value) in row.enumerated() {
          guard let value else { continue }
          if winner == nil || value > best {
            best = value
            winner = (r, c)
          }
        }
      }
    }
    return .init(
      isMax: spec.kind == .maxPooling2D, top: top, left: left, channel: cell[2], window: values,
      winner: winner)
  }

  private func dropout(_ layer: Dropout, input: Tensor, output: Tensor, at cell: [Int], mode: Mode)
    -> Explanation.DropoutStep
  {
    let offset = Self.offset(cell, in: input.shape)
    var kept: Bool?
    if mode == .training, layer.rate > 0, let mask = layer.lastMask, mask.shape == output.shape {
      kept = mask.scalars[offset] != 0
    }
    return .init(
      input: Double(input.scalars[offset]), rate: Double(layer.rate), kept: kept,
      scale: Double(layer.keptScale))
  }

  private func dense(_ dense: Dense, input: Tensor, at cell: [Int], index: Int) throws
    -> Explanation.DenseSum
  {
    guard let kernel = dense.kernel?.value else { throw LayerView.noPass }
    let (inFeatures, units) = (kernel.shape[0], kernel.shape[1])
    let unit = cell[cell.count - 1]
    // Dense works on the last axis, so a cell's inputs are the row at the same leading indices.
    let rowStart = Self.offset(Array(cell.dropLast()) + [0], in: input.shape)
    let terms = (0..<inFeatures).map { i in
      Explanation.Term(
        index: i, input: Double(input.scalars[rowStart + i]),
        weight: Double(kernel.scalars[i * units + unit]))
    }
    .sorted {
      abs($0.product) > abs($1.product)
        || (abs($0.product) == abs($1.product) && $0.index < $1.index)
    }
    var flattenedFrom: Shape?
    if index > 0, model.layers[index - 1] is Flatten {
      flattenedFrom =
        index > 1 ? model.lastOutputs[index - 2].shape.unbatched : model.lastInput?.shape.unbatched
    }
    var result = Explanation.DenseSum(
      unit: unit, inFeatures: inFeatures, terms: terms,
      bias: Double(dense.bias?.value.scalars[unit] ?? 0),
      squash: nil, flattenedFrom: flattenedFrom)
    result.squash = squashAfterSum(
      dense.activationFunction, pre: result.preActivation, logits: dense.lastPreActivation, at: cell
    )
    return result
  }

  private func normalization(
    _ layer: BatchNormalization, input: Tensor, at cell: [Int], mode: Mode
  ) -> Explanation.Normalization {
    let offset = Self.offset(cell, in: input.shape)
    let channel = cell[cell.count - 1]
    let training = mode == .training
    // Recomputed from the input, as the engine computed it for this pass.
    let (mean, variance) =
      training
      ? BatchNormalization.batchStatistics(input)
      : (layer.movingMean?.value.scalars ?? [], layer.movingVariance?.value.scalars ?? [])
    let channels = input.shape.dims.last ?? 1
    return .init(
      input: Double(input.scalars[offset]), channel: channel,
      mean: Double(mean.indices.contains(channel) ? mean[channel] : 0),
      variance: Double(variance.indices.contains(channel) ? variance[channel] : 1),
      epsilon: Double(layer.spec.epsilon),
      gamma: Double(layer.gamma?.value.scalars[channel] ?? 1),
      beta: Double(layer.beta?.value.scalars[channel] ?? 0),
      batchStatistics: training, count: input.count / max(channels, 1))
  }

  private func globalPool(_ pool: GlobalPooling2D, input: Tensor, at cell: [Int])
    -> Explanation.GlobalPool
  {
    let channel = cell[cell.count - 1]
    let (h, w) = (input.shape[1], input.shape[2])
    var sum: Double = 0
    var best = -Double.infinity
    var at = (y: 0, x: 0)
    for y in 0..<h {
      for x in 0..<w {
        let value = Double(input[0, y, x, channel])
        sum += value
        if value > best {
          best = value
          at = (y, x)
        }
      }
    }
    return .init(
      isMax: pool.isMax, channel: channel, height: h, width: w, sum: sum, maximum: best, at: at)
  }

  private func squash(_ function: ActivationFunction, input: Tensor, at cell: [Int])
    -> Explanation.Squash
  {
    let offset = Self.offset(cell, in: input.shape)
    guard function == .softmax else {
      return .elementwise(function, input: Double(input.scalars[offset]))
    }
    let classes = input.shape.dims.last ?? 1
    let start = offset - offset % classes
    return .softmax(
      row: input.scalars[start..<(start + classes)].map(Double.init), index: offset - start)
  }

  /// The activation= of a Conv2D or Dense; a softmax needs the rest of the row from the pass.
  private func squashAfterSum(
    _ function: ActivationFunction, pre: Double, logits: Tensor?, at cell: [Int]
  ) -> Explanation.Squash? {
    switch function {
    case .linear: return nil
    case .softmax:
      guard let logits else { return nil }
      let offset = Self.offset(cell, in: logits.shape)
      let classes = logits.shape.dims.last ?? 1
      let start = offset - offset % classes
      var row = logits.scalars[start..<(start + classes)].map(Double.init)
      // The explained entry is the sum just shown, so the softmax starts from what the learner saw.
      row[offset - start] = pre
      return .softmax(row: row, index: offset - start)
    default: return .elementwise(function, input: pre)
    }
  }

  // MARK: - Windows

  /// Input row and column of the window's top-left cell for output `cell`, padding as the engine pads.
  private func windowCorner(
    _ padding: Padding, input: Shape, window: [Int], strides: [Int], at cell: [Int]
  ) -> (Int, Int) {
    let padTop =
      padding.outputLength(input: input[1], kernel: window[0], stride: strides[0])?.before ?? 0
    let padLeft =
      padding.outputLength(input: input[2], kernel: window[1], stride: strides[1])?.before ?? 0
    return (cell[0] * strides[0] - padTop, cell[1] * strides[1] - padLeft)
  }

  /// Channel `channel` of batch item 0 under the window; nil outside the picture.
  private func window(_ input: Tensor, top: Int, left: Int, size: [Int], channel: Int)
    -> [[Double?]]
  {
    let (h, w) = (input.shape[1], input.shape[2])
    return (0..<size[0]).map { ky in
      (0..<size[1]).map { kx in
        let (y, x) = (top + ky, left + kx)
        guard (0..<h).contains(y), (0..<w).contains(x) else { return nil }
        return Double(input[0, y, x, channel])
      }
    }
  }
}
