import Foundation

extension PyArray: PyOperand {
  public var scalar: PyValue? { count == 1 ? element(0) : nil }

  public func unary(_ op: String) throws -> PyValue? {
    switch op {
    case "-":
      let t = dtype == .bool ? DType.int64 : dtype
      return .object(PyArray(shape: shape, dtype: t, count: count) { -self.double($0) })
    case "+": return .object(self)
    case "~" where dtype == .bool:
      return .object(
        PyArray(shape: shape, dtype: .bool, count: count) { self.double($0) == 0 ? 1 : 0 })
    default: return nil
    }
  }

  public func binary(_ op: String, _ other: PyValue, reflected: Bool, context: any CallContext)
    throws -> PyValue?
  {
    if op == "abs" {
      return .object(PyArray(shape: shape, dtype: dtype, count: count) { abs(self.double($0)) })
    }
    guard let (right, weak) = try PyArray.operand(other) else { return nil }
    let (a, b) = reflected ? (right, self) : (self, right)
    if ["in", "not in", "is", "is not"].contains(op) { return nil }
    if op == "/", let note = try prescaledDivision(other, reflected: reflected) {
      context.write(note.message + "\n")
      return .object(note.result)
    }
    let resultType = try PyArray.resultType(op, a, b, weak: weak, reflectedWeak: reflected)
    let outShape = try PyArray.broadcast(a.shape, b.shape, op)
    let (ia, ib) = (PyArray.indexer(a.shape, to: outShape), PyArray.indexer(b.shape, to: outShape))
    guard let total = Shape(outShape).checkedScalarCount, total <= PyArray.maxElements else {
      throw LabError("the result would be too large to hold")
    }
    let f = try PyArray.function(op)
    return .object(
      PyArray(shape: outShape, dtype: resultType, count: total) { i in
        f(a.double(ia(i)), b.double(ib(i)))
      })
  }

  /// The most values one array may hold: 2 GB of doubles.
  public static let maxElements = 250_000_000

  /// The seed divides pixels LayerLab already scaled when loading: say so
  /// and leave them as they are, rather than divide twice.
  private func prescaledDivision(_ other: PyValue, reflected: Bool) throws -> (
    message: String, result: PyArray
  )? {
    guard !reflected, let scale = prescaled, let divisor = other.number, divisor > 0,
      Float(1 / divisor) == scale
    else { return nil }
    let result = converted(to: dtype.isFloat ? dtype : .float64)
    result.prescaled = nil
    let whole = divisor.checkedInt.flatMap { Double($0) == divisor ? String($0) : nil }
    let written = whole ?? pythonFloatRepr(divisor)
    return (
      "(these 8-bit pixels were already multiplied by 1/\(written) when LayerLab loaded them, so they are not divided again; see 'pixels')",
      result
    )
  }

  /// `other` as an array, and whether it was a Python number (numpy's weak
  /// scalars: `uint8_array * 2` stays uint8).
  static func operand(_ other: PyValue) throws -> (PyArray, Bool)? {
    switch other {
    case .object(let o):
      guard let array = o as? PyArray else { return nil }
      return (array, false)
    case .int(let n): return (PyArray(shape: [], values: .int64([Int64(n)])), true)
    case .bool(let b): return (PyArray(shape: [], values: .bool([b])), true)
    case .float(let x): return (PyArray(shape: [], values: .float64([x])), true)
    case .list, .tuple: return (try PyArray.from(other, dtype: nil), false)
    default: return nil
    }
  }

  private static func resultType(
    _ op: String, _ a: PyArray, _ b: PyArray, weak: Bool, reflectedWeak: Bool
  ) throws -> DType {
    if ["==", "!=", "<", "<=", ">", ">="].contains(op) { return .bool }
    if ["&", "|", "^"].contains(op) {
      guard !a.dtype.isFloat, !b.dtype.isFloat else {
        throw LabError("'\(op)' needs whole numbers or booleans, not floats")
      }
      return max(a.dtype, b.dtype)
    }
    let t: DType
    if weak {
      // numpy 2 (NEP 50): a Python number takes the array's dtype when of the same kind.
      let (array, number) = reflectedWeak ? (b, a) : (a, b)
      if number.dtype.isFloat {
        t = array.dtype.isFloat ? array.dtype : .float64
      } else if number.dtype == .bool {
        t = array.dtype
      } else {
        t = array.dtype == .bool ? .int64 : array.dtype
      }
    } else {
      t = promote(a.dtype, b.dtype)
    }
    if op == "/" { return t.isFloat ? t : .float64 }
    if t == .bool { return op == "+" || op == "*" ? .bool : .int64 }
    return t
  }

  /// numpy's type promotion between two arrays.
  public static func promote(_ a: DType, _ b: DType) -> DType {
    if a == b { return a }
    if a.isFloat || b.isFloat {
      let other = a.isFloat ? b : a
      let float = a.isFloat ? a : b
      if float == .float64 || (other.isFloat ? other : .float32) == .float64 { return .float64 }
      return other == .bool || other == .uint8 || other == .float32 ? .float32 : .float64
    }
    return max(a, b)
  }

  private static func broadcast(_ a: [Int], _ b: [Int], _ op: String) throws -> [Int] {
    let n = max(a.count, b.count)
    var out: [Int] = []
    for i in 0..<n {
      let x = i < n - a.count ? 1 : a[i - (n - a.count)]
      let y = i < n - b.count ? 1 : b[i - (n - b.count)]
      guard x == y || x == 1 || y == 1 else {
        throw LabError(
          "operands could not be broadcast together with shapes \(Shape(a)) \(Shape(b))")
      }
      out.append(x == 1 ? y : x)
    }
    return out
  }

  /// Maps a flat index of `outShape` to the flat index of `shape` broadcast to it.
  private static func indexer(_ shape: [Int], to outShape: [Int]) -> (Int) -> Int {
    if shape == outShape { return { $0 } }
    if Shape(shape).scalarCount == 1 { return { _ in 0 } }
    let padded = [Int](repeating: 1, count: outShape.count - shape.count) + shape
    var strides = [Int](repeating: 0, count: padded.count)
    var step = 1
    for axis in stride(from: padded.count - 1, through: 0, by: -1) {
      strides[axis] = padded[axis] == 1 ? 0 : step
      step *= padded[axis]
    }
    return { flat in
      var rest = flat
      var index = 0
      for axis in stride(from: outShape.count - 1, through: 0, by: -1) {
        let size = outShape[axis]
        index += (rest % size) * strides[axis]
        rest /= size
      }
      return index
    }
  }

  private static func function(_ op: String) throws -> (Double, Double) -> Double {
    switch op {
    case "+": return { $0 + $1 }
    case "-": return { $0 - $1 }
    case "*": return { $0 * $1 }
    case "/": return { $0 / $1 }
    case "//": return { $1 == 0 ? ($0 == 0 ? .nan : $0 / $1) : ($0 / $1).rounded(.down) }
    case "%":
      return { a, b in
        guard b != 0 else { return .nan }
        let r = a.truncatingRemainder(dividingBy: b)
        return r != 0 && (r < 0) != (b < 0) ? r + b : r
      }
    case "**": return { pow($0, $1) }
    case "==": return { $0 == $1 ? 1 : 0 }
    case "!=": return { $0 != $1 ? 1 : 0 }
    case "<": return { $0 < $1 ? 1 : 0 }
    case "<=": return { $0 <= $1 ? 1 : 0 }
    case ">": return { $0 > $1 ? 1 : 0 }
    case ">=": return { $0 >= $1 ? 1 : 0 }
    case "&": return { Double(PyArray.wrap($0) & PyArray.wrap($1)) }
    case "|": return { Double(PyArray.wrap($0) | PyArray.wrap($1)) }
    case "^": return { Double(PyArray.wrap($0) ^ PyArray.wrap($1)) }
    default: throw LabError("arrays do not support '\(op)'")
    }
  }

  // MARK: - Making arrays

  /// An array from nested lists or tuples of numbers, as `np.array` makes one.
  public static func from(_ value: PyValue, dtype: DType?) throws -> PyArray {
    if let array = value.object(as: PyArray.self) {
      return dtype.map { array.converted(to: $0) } ?? array
    }
    var shape: [Int] = []
    var flat: [PyValue] = []
    func walk(_ v: PyValue, _ depth: Int) throws {
      if let items = v.sequence {
        if depth == shape.count {
          shape.append(items.count)
        } else if shape[depth] != items.count {
          throw LabError("the lists have different lengths: numpy needs a rectangle")
        }
        for item in items { try walk(item, depth + 1) }
      } else if let inner = v.object(as: PyArray.self) {
        try walk(inner.nestedList(), depth)
      } else {
        guard depth == shape.count else {
          throw LabError("the lists nest to different depths: numpy needs a rectangle")
        }
        guard v.number != nil else {
          throw LabError("LayerLab's arrays hold numbers, not \(v.typeName)")
        }
        flat.append(v)
        guard flat.count <= maxElements else { throw LabError("the array would be too large") }
      }
    }
    try walk(value, 0)
    let inferred: DType =
      flat.contains { if case .float = $0 { true } else { false } }
      ? .float64
      : flat.allSatisfy { if case .bool = $0 { true } else { false } } && !flat.isEmpty
        ? .bool : flat.isEmpty ? .float64 : .int64
    let t = dtype ?? inferred
    return PyArray(shape: shape, dtype: t, count: flat.count) { flat[$0].number ?? 0 }
  }
}
