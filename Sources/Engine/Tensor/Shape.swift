/// The dimensions of a tensor, outermost first.
///
/// Images travel channels-last, `[batch, height, width, channels]`, exactly as
/// Keras's default `channels_last` (NHWC). Dense layers see `[batch, features]`.
///
/// Kernel loops use one legend everywhere: `n` batch, `y`/`x` position,
/// `c` input channel, `f` filter (output channel), `ky`/`kx` kernel offset,
/// `g` the upstream gradient being propagated.
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
  public var dims: [Int]

  public init(arrayLiteral dims: Int...) { self.dims = dims }
  public init(_ dims: [Int]) { self.dims = dims }

  /// The number of scalars a tensor of this shape holds.
  public var scalarCount: Int { dims.reduce(1, *) }
  public var rank: Int { dims.count }
  public subscript(axis: Int) -> Int { dims[axis] }

  /// The scalar count, or nil when it would overflow `Int` or a dimension is negative.
  public var checkedScalarCount: Int? {
    var total = 1
    for d in dims {
      guard d >= 0 else { return nil }
      let (product, overflow) = total.multipliedReportingOverflow(by: d)
      if overflow { return nil }
      total = product
    }
    return total
  }

  /// `(2, 3)`, Python's tuple spelling, which is how Keras prints shapes.
  public var description: String {
    dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
  }

  /// The shape with a leading batch dimension of `batch`.
  public func batched(_ batch: Int) -> Shape { Shape([batch] + dims) }

  /// The shape without its leading (batch) dimension.
  public var unbatched: Shape { Shape(Array(dims.dropFirst())) }

  /// Keras's summary spelling with an unknown batch: `(None, 100, 100, 32)`.
  public var withNoneBatch: String {
    "(" + (["None"] + dims.map(String.init)).joined(separator: ", ") + ")"
  }
}
