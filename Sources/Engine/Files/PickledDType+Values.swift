import Foundation

/// How an array's bytes are laid out in a pickle.
enum PickledOrder: Equatable {
  /// Row-major: the last axis varies fastest.
  case c
  /// Column-major (`np.asfortranarray`): the first axis varies fastest.
  case fortran
  /// Protocol 5's order `'K'`: the bytes are the C-order array of the given
  /// shape, which `transpose(axes)` turns into the real one
  /// (numpy `_frombuffer`, `array_reduce_ex_picklebuffer`).
  case transposed(axes: [Int])
}

extension PickledDType {
  /// The array that `raw` holds: elements of this dtype laid out in `order`
  /// for `shape`, whose size the caller has checked against `raw`.
  ///
  /// The storage is the one `Npy` gives the same dtype in a `.npy` file;
  /// uint64 and float16, which `.npy` reading refuses, become int64 (when
  /// every value fits) and float32.
  func array(from raw: [UInt8], shape: [Int], order: PickledOrder) throws(PickleError) -> NDArray {
    let count = raw.count / size
    var bytes = raw
    var shape = shape
    switch order {
    case .c: break
    case .fortran:
      // Fortran order for shape S is C order for S reversed, transposed back.
      let reversed = Array(shape.reversed())
      (bytes, shape) = Self.transposed(
        raw, size: size, shape: reversed, axes: Array((0..<shape.count).reversed()))
    case .transposed(let axes):
      (bytes, shape) = Self.transposed(raw, size: size, shape: shape, axes: axes)
    }
    switch (kind, size) {
    case (.unsigned, 8):
      var values = [Int64]()
      values.reserveCapacity(count)
      for i in 0..<count {
        let v = Self.load(bytes, i, bigEndian, UInt64.self)
        guard v <= UInt64(Int64.max) else {
          throw PickleError(
            "it holds a uint64 value \(v) that does not fit int64; LayerLab reads uint64 arrays whose values are below 2^63"
          )
        }
        values.append(Int64(v))
      }
      return NDArray(validShape: shape, storage: .int64(values))
    case (.float, 2):
      let values = (0..<count).map {
        Self.float(half: Self.load(bytes, $0, bigEndian, UInt16.self))
      }
      return NDArray(validShape: shape, storage: .float32(values))
    case (.object, _):
      preconditionFailure("internal: object arrays hold items, not bytes")
    default:
      let kinds: [Kind: Npy.DType.Kind] = [
        .bool: .bool, .signed: .signed, .unsigned: .unsigned, .float: .float,
      ]
      guard let npyKind = kinds[kind] else { preconditionFailure("internal: \(kind)") }
      let header = Npy.Header(
        dtype: Npy.DType(kind: npyKind, size: size, bigEndian: bigEndian), shape: shape,
        dataOffset: 0, count: count)
      return Npy.decodeValues(Data(bytes), header)
    }
  }

  /// numpy's `transpose(axes)` on `raw`, elements of `size` bytes in C order
  /// for `shape`: the result's bytes in C order, and its shape.
  static func transposed(_ raw: [UInt8], size: Int, shape: [Int], axes: [Int]) -> (
    bytes: [UInt8], shape: [Int]
  ) {
    let rank = shape.count
    var strides = [Int](repeating: size, count: rank)
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * shape[axis + 1]
    }
    let outShape = axes.map { shape[$0] }
    let outStrides = axes.map { strides[$0] }
    let count = raw.count / size
    var out = [UInt8]()
    out.reserveCapacity(raw.count)
    var index = [Int](repeating: 0, count: rank)
    var offset = 0
    for _ in 0..<count {
      out.append(contentsOf: raw[offset..<(offset + size)])
      // Step the output index like an odometer, last axis fastest.
      var axis = rank - 1
      while axis >= 0 {
        index[axis] += 1
        offset += outStrides[axis]
        if index[axis] < outShape[axis] { break }
        offset -= outStrides[axis] * outShape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
    return (out, outShape)
  }

  /// IEEE 754 half precision (numpy's float16) widened exactly to Float.
  static func float(half bits: UInt16) -> Float {
    let exponent = Int(bits >> 10) & 0x1F
    let fraction = UInt32(bits & 0x3FF)
    let magnitude: Float
    switch exponent {
    case 0: magnitude = Float(fraction) * 0x1p-24  // zero and subnormals
    case 31: magnitude = fraction == 0 ? .infinity : .nan
    default: magnitude = Float(bitPattern: UInt32(exponent + 112) << 23 | fraction << 13)
    }
    return bits & 0x8000 != 0 ? -magnitude : magnitude
  }

  private static func load<T: FixedWidthInteger>(
    _ bytes: [UInt8], _ index: Int, _ bigEndian: Bool, _: T.Type
  ) -> T {
    let v = bytes.withUnsafeBytes {
      $0.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)
    }
    return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
  }
}
