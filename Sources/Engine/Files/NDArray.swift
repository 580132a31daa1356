/// An n-dimensional array as a file holds it: a shape and typed values, row-major.
///
/// Files keep their own dtype (MNIST is uint8, labels are int64, weights are
/// float32); the engine only turns them into `Float` tensors at the point
/// where it knows what the numbers mean.
public struct NDArray: Equatable, Sendable {
  /// The values, in one of the dtypes the engine reads and writes.
  public enum Storage: Equatable, Sendable {
    case float32([Float])
    case float64([Double])
    case uint8([UInt8])
    case int32([Int32])
    case int64([Int64])

    /// The number of values held.
    public var count: Int {
      switch self {
      case .float32(let v): v.count
      case .float64(let v): v.count
      case .uint8(let v): v.count
      case .int32(let v): v.count
      case .int64(let v): v.count
      }
    }

    /// numpy's name for the dtype, as users see it in `arr.dtype`.
    public var dtypeName: String {
      switch self {
      case .float32: "float32"
      case .float64: "float64"
      case .uint8: "uint8"
      case .int32: "int32"
      case .int64: "int64"
      }
    }
  }

  public var shape: [Int]
  public var storage: Storage

  /// Wraps `storage`; throws when its count does not fit `shape`.
  public init(shape: [Int], storage: Storage) throws(EngineError) {
    guard let count = Shape(shape).checkedScalarCount else {
      throw .badShape("shape \(Shape(shape)) is not a valid array shape")
    }
    guard count == storage.count else {
      throw .badShape(
        "an array of shape \(Shape(shape)) needs \(count) values, got \(storage.count)")
    }
    self.shape = shape
    self.storage = storage
  }

  /// For shapes already checked against the storage.
  init(validShape shape: [Int], storage: Storage) {
    precondition(
      Shape(shape).checkedScalarCount == storage.count, "internal: \(shape) vs \(storage.count)")
    self.shape = shape
    self.storage = storage
  }

  /// A float32 array with the tensor's shape and values.
  public init(tensor: Tensor) {
    self.init(validShape: tensor.shape.dims, storage: .float32(tensor.scalars))
  }

  /// The number of values.
  public var count: Int { storage.count }

  /// True for the integer dtypes (uint8, int32, int64).
  public var isInteger: Bool {
    switch storage {
    case .float32, .float64: false
    case .uint8, .int32, .int64: true
    }
  }

  /// Every value as a `Float`, unscaled (a uint8 255 becomes 255.0).
  public func floats() -> [Float] {
    switch storage {
    case .float32(let v): v
    case .float64(let v): v.map { Float($0) }
    case .uint8(let v): v.map { Float($0) }
    case .int32(let v): v.map { Float($0) }
    case .int64(let v): v.map { Float($0) }
    }
  }

  /// Every value as an `Int` when all are whole numbers, nil otherwise.
  ///
  /// Float arrays qualify when every value is whole (labels are often saved
  /// as `1.0, 2.0`); NaN, infinities and fractions give nil.
  public func integers() -> [Int]? {
    switch storage {
    case .uint8(let v): return v.map { Int($0) }
    case .int32(let v): return v.map { Int($0) }
    case .int64(let v): return v.map { Int($0) }
    case .float32(let v): return Self.wholeNumbers(v.map { Double($0) })
    case .float64(let v): return Self.wholeNumbers(v)
    }
  }

  private static func wholeNumbers(_ values: [Double]) -> [Int]? {
    var out = [Int]()
    out.reserveCapacity(values.count)
    for v in values {
      // 2^53 keeps us inside the range where doubles are exact integers.
      guard abs(v) <= 9_007_199_254_740_992, let whole = WholeNumber.exact(v) else { return nil }
      out.append(whole)
    }
    return out
  }

  /// The values as a float32 tensor of the same shape, unscaled.
  public func tensor() throws(EngineError) -> Tensor {
    try Tensor(shape: Shape(shape), scalars: floats())
  }
}
