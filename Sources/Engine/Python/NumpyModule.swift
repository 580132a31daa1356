import Foundation

/// The part of numpy that Keras tutorials use: `np.load` and `np.save`,
/// making arrays, the reductions with `axis`, a few element-wise functions
/// and the dtypes.
public enum NumpyModule {
  /// The `numpy` module (imported as `np` by every tutorial).
  public static func make() -> PyModule {
    let np = PyModule("numpy")
    func add(_ name: String, _ body: @escaping (CallArguments, any CallContext) throws -> PyValue) {
      np.set(name, .object(PyBuiltinFunction(name, description: "<function numpy.\(name)>", body)))
    }
    add("load") { a, _ in
      let bound = try loadSignature.bind(a)
      guard case .string(let path) = bound["file"] else {
        throw LabError("np.load takes a file name in quotes, e.g. np.load('data.npz')")
      }
      return try load(path: path)
    }
    add("save") { a, _ in
      guard a.positional.count == 2, case .string(var path) = a.positional[0].value else {
        throw LabError("np.save takes a file name and an array: np.save('x.npy', x)")
      }
      if !path.hasSuffix(".npy") { path += ".npy" }
      try Npy.write(try PyArray.from(a.positional[1].value, dtype: nil).ndArray(), path: path)
      return .none
    }
    for (name, compression) in [("savez", Npz.Compression.stored), ("savez_compressed", .deflate)] {
      add(name) { a, _ in
        guard let first = a.positional.first, case .string(var path) = first.value else {
          throw LabError("np.\(name) takes a file name, then arrays: np.\(name)('d.npz', x=x)")
        }
        if !path.hasSuffix(".npz") { path += ".npz" }
        var arrays: [(name: String, array: NDArray)] = []
        for (i, item) in a.positional.dropFirst().enumerated() {
          arrays.append(("arr_\(i)", try PyArray.from(item.value, dtype: nil).ndArray()))
        }
        for keyword in a.keywords {
          arrays.append((keyword.name, try PyArray.from(keyword.item.value, dtype: nil).ndArray()))
        }
        try Npz.write(arrays, path: path, compression: compression)
        return .none
      }
    }
    for name in ["array", "asarray"] {
      add(name) { a, _ in
        guard let first = a.positional.first else {
          throw LabError("np.\(name) needs a list of numbers")
        }
        let dtype = try (a.keyword("dtype")?.value ?? a.positional.dropFirst().first?.value).map(
          PyArray.dtype)
        return .object(try PyArray.from(first.value, dtype: dtype))
      }
    }
    for (name, fill) in [("zeros", 0.0), ("ones", 1.0)] {
      add(name) { a, _ in
        guard let first = a.positional.first else { throw LabError("np.\(name) needs a shape") }
        let dims = first.value.sequence ?? [first.value]
        let shape = try dims.map { v -> Int in
          guard let n = v.integer, n >= 0 else {
            throw LabError("np.\(name)'s shape takes whole numbers of 0 or more")
          }
          return n
        }
        guard let count = Shape(shape).checkedScalarCount, count <= PyArray.maxElements else {
          throw LabError("np.\(name)\(Shape(shape)) would be too large to hold")
        }
        let dtype = try a.keyword("dtype").map { try PyArray.dtype($0.value) } ?? .float64
        return .object(PyArray(shape: shape, dtype: dtype, count: count) { _ in fill })
      }
    }
    add("arange") { a, _ in
      let numbers = a.positional.map(\.value)
      guard (1...3).contains(numbers.count), numbers.allSatisfy({ $0.number != nil }) else {
        throw LabError("np.arange takes 1 to 3 numbers: np.arange(10), np.arange(0, 1, 0.1)")
      }
      let values = numbers.compactMap(\.number)
      let (start, stop) = values.count == 1 ? (0, values[0]) : (values[0], values[1])
      let step = values.count == 3 ? values[2] : 1
      guard step != 0 else { throw LabError("np.arange's step cannot be zero") }
      guard let steps = ((stop - start) / step).rounded(.up).checkedInt,
        steps <= PyArray.maxElements
      else { throw LabError("np.arange would make too many values") }
      let n = max(steps, 0)
      let integral = numbers.allSatisfy(\.isIntegral)
      return .object(
        PyArray(shape: [n], dtype: integral ? .int64 : .float64, count: n) {
          start + Double($0) * step
        })
    }
    for name in [
      "argmax", "argmin", "mean", "max", "amax", "min", "amin", "sum", "std", "any", "all",
    ] {
      add(name) { a, _ in
        guard let first = a.positional.first else { throw LabError("np.\(name) needs an array") }
        var rest = a
        rest.positional.removeFirst()
        let reduction = name == "amax" ? "max" : name == "amin" ? "min" : name
        return try PyArray.from(first.value, dtype: nil).reduce(
          reduction, axis: try PyArray.axis(rest))
      }
    }
    let functions: [(String, (Double) -> Double)] = [
      ("exp", { Foundation.exp($0) }), ("log", { Foundation.log($0) }),
      ("sqrt", { $0.squareRoot() }),
      ("abs", { Swift.abs($0) }), ("absolute", { Swift.abs($0) }),
    ]
    for (name, f) in functions {
      add(name) { a, _ in
        guard a.positional.count == 1 else { throw LabError("np.\(name) takes one array") }
        let v = a.positional[0].value
        if let x = v.number, v.object(as: PyArray.self) == nil { return .float(f(x)) }
        let array = try PyArray.from(v, dtype: nil)
        let dtype: PyArray.DType =
          name.hasPrefix("abs") ? array.dtype : (array.dtype == .float32 ? .float32 : .float64)
        return .object(
          PyArray(shape: array.shape, dtype: dtype, count: array.count) { f(array.double($0)) })
      }
    }
    for name in ["round", "around"] {
      add(name) { a, _ in
        guard let first = a.positional.first else { throw LabError("np.\(name) needs an array") }
        let decimals =
          (a.keyword("decimals")?.value ?? a.positional.dropFirst().first?.value)?.integer ?? 0
        let array = try PyArray.from(first.value, dtype: nil)
        let scale = pow(10.0, Double(decimals))
        return .object(
          PyArray(shape: array.shape, dtype: array.dtype, count: array.count) {
            (array.double($0) * scale).rounded(.toNearestOrEven) / scale
          })
      }
    }
    add("clip") { a, _ in
      guard a.positional.count == 3, let low = a.positional[1].value.number,
        let high = a.positional[2].value.number
      else {
        throw LabError("np.clip takes an array and two numbers: np.clip(x, 0, 1)")
      }
      let array = try PyArray.from(a.positional[0].value, dtype: nil)
      return .object(
        PyArray(shape: array.shape, dtype: array.dtype, count: array.count) {
          min(max(array.double($0), low), high)
        })
    }
    add("expand_dims") { a, _ in
      guard let first = a.positional.first,
        let axis = (a.keyword("axis")?.value ?? a.positional.dropFirst().first?.value)?.integer
      else { throw LabError("np.expand_dims takes an array and an axis: np.expand_dims(x, 0)") }
      let array = try PyArray.from(first.value, dtype: nil)
      let at = axis < 0 ? axis + array.shape.count + 1 : axis
      guard at >= 0, at <= array.shape.count else {
        throw LabError("axis \(axis) is out of bounds")
      }
      var shape = array.shape
      shape.insert(1, at: at)
      return .object(try array.reshaped(shape))
    }
    add("reshape") { a, _ in
      guard a.positional.count == 2 else { throw LabError("np.reshape takes an array and a shape") }
      let dims = a.positional[1].value.sequence ?? [a.positional[1].value]
      return .object(
        try PyArray.from(a.positional[0].value, dtype: nil).reshaped(dims.map { $0.integer ?? -2 }))
    }
    add("squeeze") { a, _ in
      guard let first = a.positional.first else { throw LabError("np.squeeze needs an array") }
      let array = try PyArray.from(first.value, dtype: nil)
      return .object(try array.reshaped(array.shape.filter { $0 != 1 }))
    }
    add("unique") { a, _ in
      guard let first = a.positional.first else { throw LabError("np.unique needs an array") }
      let array = try PyArray.from(first.value, dtype: nil)
      var counts: [Double: Int] = [:]
      for i in 0..<array.count { counts[array.double(i), default: 0] += 1 }
      let keys = counts.keys.sorted()
      let values = PyArray(shape: [keys.count], dtype: array.dtype, count: keys.count) { keys[$0] }
      guard a.keyword("return_counts")?.value.isTrue ?? false else { return .object(values) }
      let n = PyArray(shape: [keys.count], dtype: .int64, count: keys.count) {
        Double(counts[keys[$0]] ?? 0)
      }
      return .tuple([.object(values), .object(n)])
    }
    add("concatenate") { a, context in
      guard let first = a.positional.first, let interpreter = context as? PyInterpreter else {
        throw LabError("np.concatenate takes a list of arrays")
      }
      if let axis = a.keyword("axis")?.value.integer, axis != 0 {
        throw LabError("LayerLab's np.concatenate joins along axis 0 only")
      }
      let arrays = try interpreter.items(of: first.value, at: a.start).map {
        try PyArray.from($0, dtype: nil)
      }
      guard let head = arrays.first,
        arrays.allSatisfy({ Array($0.shape.dropFirst()) == Array(head.shape.dropFirst()) })
      else {
        throw LabError("np.concatenate needs arrays with the same shape after the first axis")
      }
      let dtype = arrays.map(\.dtype).reduce(head.dtype, PyArray.promote)
      var flat: [Double] = []
      for array in arrays { flat += (0..<array.count).map(array.double) }
      guard flat.count <= PyArray.maxElements else {
        throw LabError("the result would be too large")
      }
      let shape = [arrays.reduce(0) { $0 + ($1.shape.first ?? 0) }] + head.shape.dropFirst()
      return .object(PyArray(shape: shape, dtype: dtype, count: flat.count) { flat[$0] })
    }
    for dtype in PyArray.DType.allCases {
      np.set(dtype == .bool ? "bool_" : dtype.rawValue, .object(PyDTypeObject(dtype)))
    }
    np.set("pi", .float(Double.pi))
    np.set("e", .float(M_E))
    np.set("nan", .float(.nan))
    np.set("inf", .float(.infinity))
    np.set("newaxis", .none)
    np.set(
      "ndarray",
      .object(PyType("ndarray") { _, _ in throw LabError("use np.array(...) to make an array") }))
    return np
  }

  /// numpy 1.16-2.x's `np.load` signature; pickles are read by a restricted
  /// reader whatever allow_pickle says, so it is accepted and not used.
  static let loadSignature = Signature(
    "np.load",
    [
      .required("file", .string),
      .keptAtDefault("mmap_mode", .none, why: "LayerLab reads the whole file"),
      .ignored(
        "allow_pickle", .bool(false), why: "only numeric arrays are ever read from a pickle"),
      .ignored("fix_imports", .bool(true), why: "only for Python 2 pickles"),
      .ignored("encoding", .string("ASCII"), why: "only for Python 2 pickles"),
      .ignored(
        "max_header_size", .int(10_000), why: "headers are bounded anyway", keywordOnly: true),
    ], example: "np.load('data.npz')")

  /// What `np.load(path)` gives: an array for `.npy`, the named arrays of an
  /// `.npz`, and for a pickled `.npy` (the blog's data file, `np.save` of a
  /// tuple of arrays) a tuple of its arrays. numpy gives an object array of
  /// them there, which unpacks, indexes and has a `len` as the tuple does.
  /// Every way of loading arrays from a file comes through here.
  public static func load(path: String) throws -> PyValue {
    let head = [UInt8](
      (try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 4)) ?? Data())
    if head.starts(with: [0x50, 0x4B]) {
      return .object(PyNpzFile(path: path, arrays: try Npz.read(path: path)))
    }
    switch try Npy.readContent(path: path) {
    case .array(let array): return .object(PyArray(array))
    case .objects(let arrays): return .tuple(arrays.map { .object(PyArray($0)) })
    }
  }
}

/// What `np.load` gives for an `.npz`: its arrays by name, in file order.
public final class PyNpzFile: PySubscriptable, PyIterable, PySized, PyNamedUnpacking {
  public let path: String
  public let arrays: [(name: String, array: NDArray)]

  public init(path: String, arrays: [(name: String, array: NDArray)]) {
    self.path = path
    self.arrays = arrays
  }

  public var typeName: String { "NpzFile" }
  public var repr: String {
    "NpzFile '\(path)' with keys: " + arrays.map(\.name).joined(separator: ", ")
  }
  public var length: Int { arrays.count }
  public var attributeNames: [String] { ["files", "keys"] }

  public func attribute(_ name: String) throws -> PyValue? {
    switch name {
    case "files": return .list(PyList(arrays.map { .string($0.name) }))
    case "keys":
      return .object(
        PyBuiltinFunction("keys") { _, _ in .list(PyList(self.arrays.map { .string($0.name) })) })
    default: return nil
    }
  }

  public func items() throws -> [PyValue] { arrays.map { .string($0.name) } }

  public func item(_ index: PyValue) throws -> PyValue {
    guard case .string(let name) = index else {
      throw LabError("an npz file is indexed by array name, e.g. data['x_train']")
    }
    guard let found = arrays.first(where: { $0.name == name }) else {
      throw LabError(
        "\(path) has no array '\(name)'",
        hint: closestMatch(name, in: arrays.map(\.name)).map { "did you mean '\($0)'?" }
          ?? "arrays: " + arrays.map(\.name).joined(separator: ", "))
    }
    return .object(PyArray(found.array))
  }

  /// `X_train, x_test, Y_train, y_test = np.load("data.npz")`: Python would
  /// give the key names; LayerLab gives the arrays whose names match (in
  /// any case), which is what the seed script means.
  public func unpack(into names: [String]) -> [PyValue]? {
    guard names.count == arrays.count else { return nil }
    var result: [PyValue] = []
    var used = Set<Int>()
    for name in names {
      let matches = arrays.indices.filter {
        !used.contains($0) && arrays[$0].name.lowercased() == name.lowercased()
      }
      guard let index = matches.first else { return nil }
      used.insert(index)
      result.append(.object(PyArray(arrays[index].array)))
    }
    return result
  }
}
