/// A numpy array in LayerLab's Python: a shape, a dtype and the values,
/// row-major. What `np.load`, `X.astype("float") / 256`, `model.predict(x)`
/// and `to_categorical` give.
///
/// Shared like a numpy array (two names can hold the same one), but never
/// changed in place: slicing and arithmetic make new arrays. Arithmetic,
/// comparisons, slicing, `astype`, `reshape`, the reductions with `axis`,
/// and printing follow numpy 2's rules for the cases LayerLab supports.
public final class PyArray: PyObject, PySized, PyIterable, PySubscriptable {
  /// numpy's dtypes that LayerLab keeps, from the narrowest.
  public enum DType: String, Sendable, CaseIterable, Comparable {
    case bool, uint8, int32, int64, float32, float64

    public var isFloat: Bool { self == .float32 || self == .float64 }
    public var isInteger: Bool { !isFloat && self != .bool }

    private var rank: Int { DType.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: DType, b: DType) -> Bool { a.rank < b.rank }

    /// The dtype a name means: `'float'` is float64, `'int'` int64, as numpy says.
    public init?(name: String) {
      switch name.lowercased() {
      case "float", "float64", "double", "f8", "<f8", "d": self = .float64
      case "float32", "single", "f4", "<f4", "f": self = .float32
      case "int", "int64", "i8", "<i8", "long", "intp": self = .int64
      case "int32", "i4", "<i4": self = .int32
      case "uint8", "u1", "|u1", "b": self = .uint8
      case "bool", "bool_", "?": self = .bool
      default: return nil
      }
    }
  }

  /// The values in their dtype.
  public enum Values {
    case bool([Bool])
    case uint8([UInt8])
    case int32([Int32])
    case int64([Int64])
    case float32([Float])
    case float64([Double])

    var count: Int {
      switch self {
      case .bool(let v): v.count
      case .uint8(let v): v.count
      case .int32(let v): v.count
      case .int64(let v): v.count
      case .float32(let v): v.count
      case .float64(let v): v.count
      }
    }
  }

  public let shape: [Int]
  public let values: Values
  /// Set on arrays LayerLab's `data` and `image` commands made, whose 8-bit
  /// pixels were already multiplied by this scale when loaded; dividing
  /// them by 1/scale again (the seed's `/ 256`) is noted and skipped.
  public var prescaled: Float?

  /// An array of `shape` holding `values` (their count must match).
  public init(shape: [Int], values: Values, prescaled: Float? = nil) {
    precondition(
      Shape(shape).checkedScalarCount == values.count, "internal: \(shape) vs \(values.count)")
    self.shape = shape
    self.values = values
    self.prescaled = prescaled
  }

  /// An array with the file's shape and dtype.
  public convenience init(_ array: NDArray) {
    let values: Values =
      switch array.storage {
      case .float32(let v): .float32(v)
      case .float64(let v): .float64(v)
      case .uint8(let v): .uint8(v)
      case .int32(let v): .int32(v)
      case .int64(let v): .int64(v)
      }
    self.init(shape: array.shape, values: values)
  }

  /// A float32 array with the tensor's shape and values.
  public convenience init(_ tensor: Tensor, prescaled: Float? = nil) {
    self.init(shape: tensor.shape.dims, values: .float32(tensor.scalars), prescaled: prescaled)
  }

  /// `count` values of `dtype` made from doubles, converted as numpy casts
  /// (integers wrap, floats round to float32).
  public convenience init(shape: [Int], dtype: DType, count: Int, _ make: (Int) -> Double) {
    let values: Values
    switch dtype {
    case .bool: values = .bool((0..<count).map { make($0) != 0 })
    case .uint8:
      values = .uint8((0..<count).map { UInt8(truncatingIfNeeded: PyArray.wrap(make($0))) })
    case .int32:
      values = .int32((0..<count).map { Int32(truncatingIfNeeded: PyArray.wrap(make($0))) })
    case .int64: values = .int64((0..<count).map { PyArray.wrap(make($0)) })
    case .float32: values = .float32((0..<count).map { Float(make($0)) })
    case .float64: values = .float64((0..<count).map(make))
    }
    self.init(shape: shape, values: values)
  }

  /// A double as an integer the way numpy's cast does, without trapping:
  /// truncated toward zero, NaN and out-of-range values to the minimum.
  static func wrap(_ x: Double) -> Int64 {
    guard x.isFinite, x > -9.223372036854775e18, x < 9.223372036854775e18 else { return Int64.min }
    let whole = WholeNumber.clamped(x, rounding: .towardZero)
    return Int64(whole)
  }

  public var dtype: DType {
    switch values {
    case .bool: .bool
    case .uint8: .uint8
    case .int32: .int32
    case .int64: .int64
    case .float32: .float32
    case .float64: .float64
    }
  }

  public var count: Int { values.count }

  /// The value at flat position `i`, as a double.
  public func double(_ i: Int) -> Double {
    switch values {
    case .bool(let v): v[i] ? 1 : 0
    case .uint8(let v): Double(v[i])
    case .int32(let v): Double(v[i])
    case .int64(let v): Double(v[i])
    case .float32(let v): Double(v[i])
    case .float64(let v): v[i]
    }
  }

  /// The value at flat position `i` as Python gives it: an int, a float or a bool.
  public func element(_ i: Int) -> PyValue {
    switch values {
    case .bool(let v): .bool(v[i])
    case .uint8(let v): .int(Int(v[i]))
    case .int32(let v): .int(Int(v[i]))
    case .int64(let v): .int(Int(v[i]))
    case .float32(let v): .float(Double(v[i]))
    case .float64(let v): .float(v[i])
    }
  }

  /// The value at flat position `i` as numpy gives it from indexing or a
  /// reduction: a Python number, except that a float32 stays a `np.float32`
  /// (a 0-d array), so it prints with float32's digits (`0.3`, not
  /// `0.30000001192092896`).
  public func scalarValue(_ i: Int) -> PyValue {
    if case .float32(let v) = values {
      return .object(PyArray(shape: [], values: .float32([v[i]])))
    }
    return element(i)
  }

  /// Every value as a Float (for the engine); 8-bit pixels are not scaled here.
  public func floats() -> [Float] {
    switch values {
    case .float32(let v): v
    case .float64(let v): v.map { Float($0) }
    default: (0..<count).map { Float(double($0)) }
    }
  }

  /// The values as a float32 tensor of the same shape.
  public func tensor() -> Tensor { Tensor(validShape: Shape(shape), scalars: floats()) }

  /// The values for a file, in a dtype `.npy` keeps (bools become uint8).
  public func ndArray() -> NDArray {
    let storage: NDArray.Storage =
      switch values {
      case .bool(let v): .uint8(v.map { $0 ? 1 : 0 })
      case .uint8(let v): .uint8(v)
      case .int32(let v): .int32(v)
      case .int64(let v): .int64(v)
      case .float32(let v): .float32(v)
      case .float64(let v): .float64(v)
      }
    return NDArray(validShape: shape, storage: storage)
  }

  /// The same values in `dtype`.
  public func converted(to dtype: DType) -> PyArray {
    if dtype == self.dtype { return PyArray(shape: shape, values: values, prescaled: prescaled) }
    let result = PyArray(shape: shape, dtype: dtype, count: count, double)
    if dtype.isFloat { result.prescaled = prescaled }
    return result
  }

  /// Row-major strides, in elements.
  var strides: [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      s[axis] = step
      step *= shape[axis]
    }
    return s
  }

  // MARK: - Python

  public var typeName: String { "ndarray" }
  public var length: Int { shape.first ?? 0 }
  public var isTrue: Bool { count == 1 ? double(0) != 0 : count > 0 }

  public var attributeNames: [String] {
    [
      "shape", "dtype", "ndim", "size", "astype", "reshape", "flatten", "ravel", "tolist",
      "copy", "sum", "mean", "max", "min", "argmax", "argmin", "std", "item", "T", "squeeze",
    ]
  }

  public func attribute(_ name: String) throws -> PyValue? {
    switch name {
    case "shape": return .tuple(shape.map { .int($0) })
    case "dtype": return .object(PyDTypeObject(dtype))
    case "ndim": return .int(shape.count)
    case "size": return .int(count)
    case "T":
      guard shape.count <= 2 else { throw LabError("LayerLab transposes only 1-D and 2-D arrays") }
      return .object(transposed())
    default:
      return method(name).map { .object($0) }
    }
  }

  public func items() throws -> [PyValue] {
    guard !shape.isEmpty else { throw LabError("a 0-d array cannot be looped over") }
    return try (0..<length).map { try item(.int($0)) }
  }

  /// `a[i]`, `a[1:3]`, `a[:, 0]`, `a[0, 1, 2]`: numpy's basic indexing (a copy, not a view).
  public func item(_ index: PyValue) throws -> PyValue {
    let parts: [PyValue]
    if case .tuple(let items) = index { parts = items } else { parts = [index] }
    guard parts.count <= shape.count else {
      throw LabError(
        "too many indices: the array has \(shape.count) axes, \(parts.count) were given")
    }
    var selections: [[Int]] = []
    var keeps: [Bool] = []
    for (axis, part) in parts.enumerated() {
      let size = shape[axis]
      if let slice = part.object(as: PySlice.self) {
        selections.append(try slice.positions(count: size))
        keeps.append(true)
      } else if let i = part.integer, part.isIntegral {
        let at = i < 0 ? i + size : i
        guard at >= 0, at < size else {
          throw LabError("index \(i) is out of bounds for axis \(axis) with size \(size)")
        }
        selections.append([at])
        keeps.append(false)
      } else {
        throw LabError(
          "arrays take whole numbers and slices as indices, not \(part.typeName)",
          hint: "e.g. x[0], x[:10], x[:, 0]")
      }
    }
    for axis in parts.count..<shape.count {
      selections.append(Array(0..<shape[axis]))
      keeps.append(true)
    }
    let outShape = zip(selections, keeps).compactMap { $1 ? $0.count : nil }
    let strides = self.strides
    var offsets = [0]
    for (axis, selection) in selections.enumerated() {
      var next: [Int] = []
      next.reserveCapacity(offsets.count * selection.count)
      for base in offsets {
        for i in selection { next.append(base + i * strides[axis]) }
      }
      offsets = next
    }
    if outShape.isEmpty { return scalarValue(offsets[0]) }
    return .object(gathered(offsets, shape: outShape))
  }

  /// A new array of the values at `offsets`.
  func gathered(_ offsets: [Int], shape: [Int]) -> PyArray {
    let v: Values =
      switch values {
      case .bool(let a): .bool(offsets.map { a[$0] })
      case .uint8(let a): .uint8(offsets.map { a[$0] })
      case .int32(let a): .int32(offsets.map { a[$0] })
      case .int64(let a): .int64(offsets.map { a[$0] })
      case .float32(let a): .float32(offsets.map { a[$0] })
      case .float64(let a): .float64(offsets.map { a[$0] })
      }
    return PyArray(shape: shape, values: v, prescaled: prescaled)
  }

  func reshaped(_ newShape: [Int]) throws -> PyArray {
    var dims = newShape
    if let unknown = dims.firstIndex(of: -1) {
      let known = dims.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
      guard known > 0, count % known == 0, dims.filter({ $0 == -1 }).count == 1 else {
        throw LabError("cannot reshape an array of size \(count) into shape \(Shape(newShape))")
      }
      dims[unknown] = count / known
    }
    guard dims.allSatisfy({ $0 >= 0 }), Shape(dims).checkedScalarCount == count else {
      throw LabError("cannot reshape an array of size \(count) into shape \(Shape(newShape))")
    }
    return PyArray(shape: dims, values: values, prescaled: prescaled)
  }

  private func transposed() -> PyArray {
    guard shape.count == 2 else { return self }
    let (rows, cols) = (shape[0], shape[1])
    return gathered(
      (0..<(rows * cols)).map { i in (i % rows) * cols + i / rows }, shape: [cols, rows])
  }

  /// Nested Python lists of the values, as `tolist()` gives.
  public func nestedList() -> PyValue {
    func build(_ axis: Int, _ offset: Int) -> PyValue {
      if axis == shape.count { return element(offset) }
      let step = strides[axis]
      return .list(PyList((0..<shape[axis]).map { build(axis + 1, offset + $0 * step) }))
    }
    return build(0, 0)
  }
}

/// A numpy dtype as a value: `x.dtype`, `np.float32`; called, it converts a
/// number (`np.float32(0.5)`) or names the type in `astype`.
public final class PyDTypeObject: PyCallable {
  public let dtype: PyArray.DType
  public init(_ dtype: PyArray.DType) { self.dtype = dtype }

  public var typeName: String { "dtype" }
  public var repr: String { "dtype('\(dtype.rawValue)')" }
  public var str: String { dtype.rawValue }
  public var attributeNames: [String] { ["name"] }
  public func attribute(_ name: String) throws -> PyValue? {
    name == "name" ? .string(dtype.rawValue) : nil
  }

  public func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    guard arguments.positional.count == 1, arguments.keywords.isEmpty else {
      throw LabError("\(dtype.rawValue)() takes one number")
    }
    let v = arguments.positional[0].value
    if let array = v.object(as: PyArray.self) { return .object(array.converted(to: dtype)) }
    guard let x = PyBuiltins.scalar(v).number else {
      throw LabError("\(dtype.rawValue)() takes a number, not \(v.typeName)")
    }
    return PyArray(shape: [], dtype: dtype, count: 1) { _ in x }.scalarValue(0)
  }
}
