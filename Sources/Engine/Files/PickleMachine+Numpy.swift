/// What REDUCE and BUILD do with the globals numpy writes: each builds the
/// value numpy's own function would return, from checked arguments, without
/// calling anything.
extension PickleMachine {
  /// REDUCE: the value `function(*args)` returns in numpy.
  mutating func call(_ function: PickleGlobal, _ args: [PickleValue]) throws(PickleError)
    -> PickleValue
  {
    switch function {
    case .reconstruct:
      // `_reconstruct(ndarray, (0,), b'b')` makes an empty array for BUILD.
      guard args.count == 3, case .global(.ndarray) = args[0], heap.items(ofTuple: args[1]) != nil
      else {
        throw PickleError("_reconstruct's arguments are not (ndarray, shape, typecode)")
      }
      heap.arrays.append(.unbuilt)
      return .array(heap.arrays.count - 1)
    case .dtype:
      // `dtype(name, align, copy)`; BUILD sets the byte order afterwards.
      guard (1...3).contains(args.count), let name = Self.string(args[0]) else {
        throw PickleError("numpy.dtype's arguments are not (name, align, copy)")
      }
      heap.dtypes.append(try PickledDType(name: name))
      return .dtype(heap.dtypes.count - 1)
    case .codecsEncode:
      // Protocol 2 writes bytes as their latin-1 text, one character per byte.
      guard args.count == 2, case .text(let utf8) = args[0], let codec = Self.string(args[1]),
        codec == Array("latin1".utf8) || codec == Array("latin-1".utf8)
      else {
        throw PickleError("_codecs.encode's arguments are not (text, 'latin1')")
      }
      let latin1 = try Self.latin1(utf8)
      try spend(latin1.count)
      return .bytes(latin1)
    case .emptyBytes:
      guard args.isEmpty else { throw PickleError("bytes is called with arguments") }
      return .bytes([])
    case .frombuffer:
      return .array(try frombuffer(args))
    case .ndarray:
      throw PickleError("numpy.ndarray is called directly, which numpy never writes")
    }
  }

  /// BUILD: `__setstate__` on a dtype or an array `_reconstruct` made.
  mutating func build(_ object: PickleValue, state: PickleValue) throws(PickleError) {
    guard let items = heap.items(ofTuple: state) else {
      throw PickleError("BUILD's state is \(state.typeName), not a tuple")
    }
    switch object {
    case .dtype(let i):
      try heap.dtypes[i].setState(items)
    case .array(let i):
      guard case .unbuilt = heap.arrays[i] else {
        throw PickleError("BUILD sets an array's state twice, which numpy never writes")
      }
      heap.arrays[i] = try arrayState(items)
    default:
      throw PickleError("BUILD sets the state of \(object.typeName), which numpy never writes")
    }
  }

  /// `ndarray.__setstate__((version, shape, dtype, is_fortran, data))`
  /// (methods.c `array_reduce`; old files omit the version). The data is
  /// the raw bytes, or for an object array the list of its items.
  private mutating func arrayState(_ state: [PickleValue]) throws(PickleError) -> PickledArray {
    guard state.count == 4 || state.count == 5 else {
      throw PickleError("an array's state has \(state.count) items; numpy writes 5")
    }
    let fields = Array(state.suffix(4))
    let shape = try shape(fields[0])
    guard case .dtype(let d) = fields[1] else {
      throw PickleError("an array's dtype is \(fields[1].typeName)")
    }
    let dtype = heap.dtypes[d]
    let fortran: Bool
    switch fields[2] {
    case .bool(let b): fortran = b
    case .int(let i): fortran = i != 0
    default: throw PickleError("an array's Fortran flag is \(fields[2].typeName)")
    }
    let count = try elementCount(shape)
    if dtype.kind == .object {
      guard let items = heap.items(ofSequence: fields[3]), items.count == count else {
        throw PickleError(
          "an object array of shape \(Shape(shape)) does not hold \(count) items")
      }
      return .objects(shape: shape, items: items)
    }
    guard case .bytes(let raw) = fields[3] else {
      throw PickleError("an array's data is \(fields[3].typeName), not bytes")
    }
    return .numeric(try numeric(raw, dtype, shape, fortran ? .fortran : .c))
  }

  /// `_frombuffer(buffer, dtype, shape, order[, axes])`: protocol 5's form.
  private mutating func frombuffer(_ args: [PickleValue]) throws(PickleError) -> Int {
    guard args.count == 4 || args.count == 5, case .bytes(let raw) = args[0],
      case .dtype(let d) = args[1], let order = Self.string(args[3])
    else {
      throw PickleError("_frombuffer's arguments are not (buffer, dtype, shape, order)")
    }
    let shape = try shape(args[2])
    var axes: [Int]?
    if args.count == 5, case .tuple = args[4] { axes = try self.shape(args[4]) }
    let layout: PickledOrder
    switch (order, axes) {
    case (Array("C".utf8), nil): layout = .c
    case (Array("F".utf8), nil): layout = .fortran
    case (Array("K".utf8), let axes?):
      guard axes.count == shape.count, axes.sorted() == Array(0..<shape.count) else {
        throw PickleError("_frombuffer's axes \(axes) do not permute \(shape.count) axes")
      }
      layout = .transposed(axes: axes)
    default:
      throw PickleError("_frombuffer's order is not 'C', 'F' or 'K' with axes")
    }
    heap.arrays.append(.numeric(try numeric(raw, heap.dtypes[d], shape, layout)))
    return heap.arrays.count - 1
  }

  /// Checks the bytes against what the shape declares before converting them.
  private mutating func numeric(
    _ raw: [UInt8], _ dtype: PickledDType, _ shape: [Int], _ order: PickledOrder
  ) throws(PickleError) -> NDArray {
    guard dtype.kind != .object else {
      throw PickleError("an object array's data is bytes, not a list of items")
    }
    let count = try elementCount(shape)
    let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow, needed == raw.count else {
      throw PickleError(
        "an array declares shape \(Shape(shape)) of '\(dtype.name)', which needs \(overflow ? "too many" : String(needed)) bytes, but its data has \(raw.count)"
      )
    }
    try spend(raw.count, array: true)
    return try dtype.array(from: raw, shape: shape, order: order)
  }

  /// A tuple of sizes, as numpy writes shapes.
  private func shape(_ value: PickleValue) throws(PickleError) -> [Int] {
    guard let items = heap.items(ofTuple: value), items.count <= 32 else {
      throw PickleError("an array's shape is \(value.typeName), not a tuple of up to 32 sizes")
    }
    var dims = [Int]()
    for item in items {
      guard case .int(let n) = item, n >= 0 else {
        throw PickleError("an array's shape holds \(item.typeName), not a size")
      }
      dims.append(n)
    }
    return dims
  }

  private func elementCount(_ shape: [Int]) throws(PickleError) -> Int {
    guard let count = Shape(shape).checkedScalarCount else {
      throw PickleError("an array's shape \(Shape(shape)) is too large to be real")
    }
    return count
  }

  /// A Python 3 str or a Python 2 str (bytes), as numpy accepts either in names.
  private static func string(_ value: PickleValue) -> [UInt8]? {
    switch value {
    case .text(let t), .bytes(let t): t
    default: nil
    }
  }

  /// The bytes whose latin-1 text `utf8` holds: every character below 256.
  private static func latin1(_ utf8: [UInt8]) throws(PickleError) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(utf8.count)
    var i = 0
    while i < utf8.count {
      let lead = utf8[i]
      if lead < 0x80 {
        out.append(lead)
        i += 1
      } else if lead & 0xFE == 0xC2, i + 1 < utf8.count, utf8[i + 1] & 0xC0 == 0x80 {
        // U+0080...U+00FF are the two-byte sequences C2 80 ... C3 BF.
        out.append((lead & 0x03) << 6 | utf8[i + 1] & 0x3F)
        i += 2
      } else {
        throw PickleError("_codecs.encode's text has a character beyond latin-1")
      }
    }
    return out
  }
}
