import Foundation

extension PyArray {
  /// The method `name` bound to this array, or nil.
  func method(_ name: String) -> PyBuiltinFunction? {
    let body: ((CallArguments, any CallContext) throws -> PyValue)?
    switch name {
    case "astype":
      body = { a, _ in
        guard let first = a.positional.first else {
          throw LabError("astype() needs a dtype, e.g. x.astype('float32')")
        }
        return .object(self.converted(to: try PyArray.dtype(first.value)))
      }
    case "reshape":
      body = { a, _ in
        let dims: [PyValue] =
          a.positional.count == 1
          ? (a.positional[0].value.sequence ?? [a.positional[0].value])
          : a.positional.map(\.value)
        return .object(
          try self.reshaped(
            try dims.map { v in
              guard let n = v.integer else { throw LabError("reshape() takes whole numbers") }
              return n
            }))
      }
    case "flatten", "ravel":
      body = { _, _ in .object(try self.reshaped([self.count])) }
    case "squeeze":
      body = { _, _ in .object(try self.reshaped(self.shape.filter { $0 != 1 })) }
    case "copy":
      body = { _, _ in
        .object(PyArray(shape: self.shape, values: self.values, prescaled: self.prescaled))
      }
    case "tolist":
      body = { _, _ in self.shape.isEmpty ? self.element(0) : self.nestedList() }
    case "item":
      body = { _, _ in
        guard self.count == 1 else {
          throw LabError("item() needs an array of one value; this one has \(self.count)")
        }
        return self.element(0)
      }
    case "sum", "mean", "max", "min", "argmax", "argmin", "std", "any", "all":
      body = { a, _ in try self.reduce(name, axis: try PyArray.axis(a)) }
    default:
      body = nil
    }
    return body.map { PyBuiltinFunction(name, description: "<built-in method \(name)>", $0) }
  }

  /// The dtype a value names: `'float'`, `np.float32`, `float`, `int`.
  static func dtype(_ value: PyValue) throws -> DType {
    if let d = value.object(as: PyDTypeObject.self) { return d.dtype }
    if let t = value.object(as: PyType.self), let d = DType(name: t.name) { return d }
    if case .string(let name) = value, let d = DType(name: name) { return d }
    throw LabError(
      "LayerLab's arrays are float32, float64, uint8, int32, int64 or bool, not \(value.repr)")
  }

  /// `axis=` of a reduction (or its one positional argument): nil for all.
  static func axis(_ a: CallArguments) throws -> Int? {
    let given = a.keywords.first { $0.name == "axis" }?.item.value ?? a.positional.first?.value
    for keyword in a.keywords where keyword.name != "axis" && keyword.name != "keepdims" {
      throw LabError("LayerLab's reductions take axis= only, not '\(keyword.name)'")
    }
    guard let given, !given.isNone else { return nil }
    guard let n = given.integer else { throw LabError("axis must be a whole number or None") }
    return n
  }

  /// `sum`, `mean`, `max`, `min`, `argmax`, `argmin`, `std`, `any`, `all`
  /// over every value (a Python number) or along `axis` (an array).
  public func reduce(_ name: String, axis: Int?) throws -> PyValue {
    guard count > 0 || name == "sum" || name == "any" || name == "all" else {
      throw LabError("\(name)() of an empty array has no value")
    }
    func combine(_ indices: [Int]) -> Double {
      switch name {
      case "sum": return indices.reduce(0) { $0 + double($1) }
      case "mean": return indices.reduce(0) { $0 + double($1) } / Double(indices.count)
      case "std":
        let mean = indices.reduce(0) { $0 + double($1) } / Double(indices.count)
        return
          (indices.reduce(0) { $0 + (double($1) - mean) * (double($1) - mean) }
          / Double(indices.count)).squareRoot()
      case "max":
        return indices.dropFirst().reduce(double(indices[0])) { v, i in
          let x = double(i)
          return v.isNaN || x.isNaN ? .nan : max(v, x)
        }
      case "min":
        return indices.dropFirst().reduce(double(indices[0])) { v, i in
          let x = double(i)
          return v.isNaN || x.isNaN ? .nan : min(v, x)
        }
      case "argmax", "argmin":
        // The first of equal values wins, as numpy's does; a NaN wins at once.
        var best = 0
        for (k, i) in indices.enumerated() {
          let x = double(i)
          if x.isNaN { return Double(k) }
          let b = double(indices[best])
          if name == "argmax" ? x > b : x < b { best = k }
        }
        return Double(best)
      case "any": return indices.contains { double($0) != 0 } ? 1 : 0
      default: return indices.allSatisfy { double($0) != 0 } ? 1 : 0
      }
    }
    let resultType: DType =
      switch name {
      case "argmax", "argmin": .int64
      case "any", "all": .bool
      case "mean", "std": dtype == .float32 ? .float32 : .float64
      case "sum": dtype.isFloat ? dtype : .int64
      default: dtype
      }
    guard let axis else {
      let whole = PyArray(shape: [], dtype: resultType, count: 1) { _ in
        combine(Array(0..<self.count))
      }
      return whole.scalarValue(0)
    }
    let a = axis < 0 ? axis + shape.count : axis
    guard a >= 0, a < shape.count else {
      throw LabError("axis \(axis) is out of bounds for an array of \(shape.count) dimensions")
    }
    guard shape[a] > 0 || ["sum", "any", "all"].contains(name) else {
      throw LabError("\(name)() along an empty axis has no value")
    }
    let strides = self.strides
    var outShape = shape
    outShape.remove(at: a)
    let outCount = Shape(outShape).scalarCount
    let outer = shape[..<a].reduce(1, *)
    let inner = strides[a]
    return .object(
      PyArray(shape: outShape, dtype: resultType, count: outCount) { o in
        let (before, after) = (o / inner, o % inner)
        let base = before * self.shape[a] * inner + after
        _ = outer
        return combine((0..<self.shape[a]).map { base + $0 * inner })
      })
  }
}
