/// A dense, row-major block of `Float`s with a ``Shape``.
///
/// A value type: assigning a tensor copies it (lazily, through `Array`'s
/// copy-on-write), so a layer's cached input cannot change behind its back.
public struct Tensor: Equatable, Sendable {
  public private(set) var shape: Shape
  public var scalars: [Float]

  /// Wraps `scalars`; throws when their count does not fit `shape`.
  public init(shape: Shape, scalars: [Float]) throws(EngineError) {
    guard let count = shape.checkedScalarCount else {
      throw .badShape("shape \(shape) is not a valid tensor shape")
    }
    guard count == scalars.count else {
      throw .scalarCountMismatch(shape: shape, got: scalars.count)
    }
    self.shape = shape
    self.scalars = scalars
  }

  /// For shapes the engine has already validated.
  init(validShape shape: Shape, scalars: [Float]) {
    precondition(shape.scalarCount == scalars.count, "internal: \(shape) vs \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
  }

  /// A tensor of `shape` filled with `value`.
  public init(repeating value: Float, shape: Shape) {
    self.shape = shape
    self.scalars = [Float](repeating: value, count: shape.scalarCount)
  }

  public static func zeros(_ shape: Shape) -> Tensor { Tensor(repeating: 0, shape: shape) }

  public var count: Int { scalars.count }

  /// The same scalars seen with another shape of the same size.
  public func reshaped(_ newShape: Shape) throws(EngineError) -> Tensor {
    guard newShape.checkedScalarCount == scalars.count else {
      throw .badShape("cannot reshape \(shape) (\(scalars.count) values) to \(newShape)")
    }
    return Tensor(validShape: newShape, scalars: scalars)
  }

  /// Element `[i0, i1, i2, i3]` of a rank-4 tensor, e.g. `[n, y, x, c]`.
  public subscript(i0: Int, i1: Int, i2: Int, i3: Int) -> Float {
    get { scalars[offset(i0, i1, i2, i3)] }
    set { scalars[offset(i0, i1, i2, i3)] = newValue }
  }

  /// Element `[i0, i1]` of a rank-2 tensor, e.g. `[n, feature]`.
  public subscript(i0: Int, i1: Int) -> Float {
    get { scalars[i0 * shape.dims[1] + i1] }
    set { scalars[i0 * shape.dims[1] + i1] = newValue }
  }

  @inline(__always)
  func offset(_ i0: Int, _ i1: Int, _ i2: Int, _ i3: Int) -> Int {
    let d = shape.dims
    return ((i0 * d[1] + i1) * d[2] + i2) * d[3] + i3
  }

  public func map(_ transform: (Float) -> Float) -> Tensor {
    Tensor(validShape: shape, scalars: scalars.map(transform))
  }

  /// Combines two same-shaped tensors scalar by scalar.
  public func zipMap(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
    precondition(shape == other.shape, "internal: zipMap \(shape) vs \(other.shape)")
    var out = scalars
    other.scalars.withUnsafeBufferPointer { o in
      for i in out.indices { out[i] = combine(out[i], o[i]) }
    }
    return Tensor(validShape: shape, scalars: out)
  }

  /// Items `range` of the leading (batch) axis.
  public func slice(batch range: Range<Int>) -> Tensor {
    let per = shape.dims.dropFirst().reduce(1, *)
    var dims = shape.dims
    dims[0] = range.count
    return Tensor(
      validShape: Shape(dims),
      scalars: Array(scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
  }

  /// The listed items of the leading (batch) axis, in that order.
  public func gather(batch indices: [Int]) -> Tensor {
    let per = shape.dims.dropFirst().reduce(1, *)
    var dims = shape.dims
    dims[0] = indices.count
    var out = [Float]()
    out.reserveCapacity(indices.count * per)
    for i in indices { out.append(contentsOf: scalars[(i * per)..<((i + 1) * per)]) }
    return Tensor(validShape: Shape(dims), scalars: out)
  }

  /// The smallest and largest scalar (0, 0 when empty).
  public var range: (min: Float, max: Float) {
    guard var lo = scalars.first else { return (0, 0) }
    var hi = lo
    for v in scalars {
      if v < lo { lo = v }
      if v > hi { hi = v }
    }
    return (lo, hi)
  }

  /// True when every scalar is finite (no NaN, no infinity).
  ///
  /// x · 0 is 0 for every finite x and NaN otherwise, so one sum of those
  /// answers for a whole block; sixteen lanes at a time, as it runs every step.
  public var isFinite: Bool {
    scalars.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return true }
      let count = buffer.count
      var lanes = SIMD16<Float>()
      var i = 0
      while i + 16 <= count {
        lanes += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self) * 0
        i += 16
      }
      var tail: Float = 0
      while i < count {
        tail += base[i] * 0
        i += 1
      }
      return (lanes.sum() + tail) == 0
    }
  }
}
