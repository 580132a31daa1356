/// The input pixels one output cell of a layer can be affected by.
///
/// Worked out from the layers' geometry alone (no weights, no image): the
/// cell's row set is carried down through every window as the union of the
/// rows each of its rows reads, and the same for columns. Every window reads
/// a rectangle, so the pixels seen are exactly the rows seen times the
/// columns seen; a stride larger than the window leaves gaps, which stay.
public struct ReceptiveField: Sendable, Equatable {
  public var layerIndex: Int
  public var y: Int
  public var x: Int
  public var inputHeight: Int
  public var inputWidth: Int
  /// `inputHeight` flags: true for the input rows the cell can see.
  public var rows: [Bool]
  /// `inputWidth` flags: true for the input columns the cell can see.
  public var columns: [Bool]
  /// The field's extent in input rows and columns before it is clipped to
  /// the image: a `top` below 0 or a `bottom` past the last row lies in the
  /// padding, where 'same' layers read zeros.
  public var top: Int
  public var bottom: Int
  public var left: Int
  public var right: Int

  /// Row-major `inputHeight * inputWidth`: 1 for a pixel the cell can see, 0 elsewhere.
  public var mask: [Float] {
    var values = [Float](repeating: 0, count: inputHeight * inputWidth)
    for r in 0..<inputHeight where rows[r] {
      for c in 0..<inputWidth where columns[c] { values[r * inputWidth + c] = 1 }
    }
    return values
  }

  /// How many input rows (columns) inside the image the cell sees.
  public var visibleRows: Int { rows.reduce(0) { $0 + ($1 ? 1 : 0) } }
  public var visibleColumns: Int { columns.reduce(0) { $0 + ($1 ? 1 : 0) } }
  /// The field's full size, padding included: (bottom − top + 1) x (right − left + 1).
  public var fullHeight: Int { bottom - top + 1 }
  public var fullWidth: Int { right - left + 1 }
}

extension Sequential {
  /// The receptive field of cell (`y`, `x`) of layer `index`'s output, in
  /// the model's input.
  ///
  /// Passes through layers that declare their ``SpatialReach``; a layer
  /// that makes no maps (Flatten, Dense) or does not say how far it reaches
  /// is refused with a message naming it.
  public func receptiveField(layer index: Int, y: Int, x: Int) throws(EngineError)
    -> ReceptiveField
  {
    guard layers.indices.contains(index) else {
      throw .indexOutOfRange(index: index, count: layers.count)
    }
    guard let inputShape, outputShapes.count == layers.count else { throw .noInputShape }
    guard inputShape.rank == 3 else {
      throw .notExplainable(
        "receptive fields are measured in an image, and the model takes inputs shaped \(inputShape.withNoneBatch)"
      )
    }
    let layer = layers[index]
    let shape = outputShapes[index]
    guard shape.rank == 3 else {
      let suggestion = lastMapLayerName(below: index).map { ", e.g. \($0)" } ?? ""
      throw .notExplainable(
        "\(layer.name)'s output is \(shape.withNoneBatch), not maps: after Flatten every value can see the whole image; choose a layer before it\(suggestion)"
      )
    }
    guard (0..<shape[0]).contains(y), (0..<shape[1]).contains(x) else {
      throw .notExplainable(
        "there is no cell (\(y), \(x)) in \(layer.name)'s \(shape[0])x\(shape[1]) maps: rows 0-\(shape[0] - 1), columns 0-\(shape[1] - 1)"
      )
    }
    var rows = [Bool](repeating: false, count: shape[0])
    var columns = [Bool](repeating: false, count: shape[1])
    rows[y] = true
    columns[x] = true
    var (top, bottom, left, right) = (y, y, x, x)
    for i in stride(from: index, through: 0, by: -1) {
      let below = i > 0 ? outputShapes[i - 1] : inputShape
      guard let reaching = layers[i] as? any ReachingLayer else {
        throw .notExplainable(
          "receptive fields do not pass through \(layers[i].name) (\(layers[i].typeName)) yet: LayerLab does not know which of its input cells each output cell reads"
        )
      }
      guard below.rank == 3 else {
        throw .notExplainable(
          "\(layers[i].name) reads \(below.withNoneBatch), not maps: receptive fields stop at Flatten"
        )
      }
      switch try reaching.spatialReach(for: below) {
      case .samePlace:
        continue
      case .window(let g):
        rows = Self.reached(
          rows, size: below[0], kernel: g.kernelHeight, stride: g.strideY, pad: g.padTop)
        columns = Self.reached(
          columns, size: below[1], kernel: g.kernelWidth, stride: g.strideX, pad: g.padLeft)
        top = top * g.strideY - g.padTop
        bottom = bottom * g.strideY - g.padTop + g.kernelHeight - 1
        left = left * g.strideX - g.padLeft
        right = right * g.strideX - g.padLeft + g.kernelWidth - 1
      }
    }
    return ReceptiveField(
      layerIndex: index, y: y, x: x, inputHeight: inputShape[0], inputWidth: inputShape[1],
      rows: rows, columns: columns, top: top, bottom: bottom, left: left, right: right)
  }

  /// The input positions (of `size`) that the output positions flagged in
  /// `seen` read along one axis: output o reads o·stride − pad + k for k in
  /// 0..<kernel, the ones outside 0..<size being padding.
  static func reached(_ seen: [Bool], size: Int, kernel: Int, stride: Int, pad: Int) -> [Bool] {
    var result = [Bool](repeating: false, count: size)
    for o in seen.indices where seen[o] {
      for k in 0..<kernel {
        let i = o * stride - pad + k
        if i >= 0, i < size { result[i] = true }
      }
    }
    return result
  }
}
