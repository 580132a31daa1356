/// One value on the pickle machine's stack or in its memo.
///
/// Values are flat: containers and numpy objects live in ``PickleHeap`` and
/// are referred to by index, as Python refers to objects. That gives the
/// memo Python's sharing (a `BUILD` on an object is seen through every
/// reference to it, as a big-endian dtype must be), and it means no file can
/// make a value nested deeply enough to exhaust the stack when Swift walks or
/// frees it.
enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  /// A Python 3 `str`, as the UTF-8 bytes the pickle holds.
  case text([UInt8])
  /// `bytes` or `bytearray`, or a Python 2 `str`, which numpy reads as
  /// bytes (`np.load(..., encoding='latin1')`).
  case bytes([UInt8])
  /// One of the few callables ``PickleGlobal`` accepts.
  case global(PickleGlobal)
  case tuple(Int)
  case list(Int)
  case dict(Int)
  case dtype(Int)
  case array(Int)

  /// What the value is, in Python's words, for error messages.
  var typeName: String {
    switch self {
    case .none: "None"
    case .bool: "a bool"
    case .int: "an int"
    case .float: "a float"
    case .text: "a str"
    case .bytes: "bytes"
    case .global(let g): "the function \(g.name)"
    case .tuple: "a tuple"
    case .list: "a list"
    case .dict: "a dict"
    case .dtype: "a dtype"
    case .array: "an array"
    }
  }
}

/// The containers and numpy objects a pickle has built so far.
struct PickleHeap {
  var tuples: [[PickleValue]] = []
  var lists: [[PickleValue]] = []
  var dicts: [[(key: PickleValue, value: PickleValue)]] = []
  var dtypes: [PickledDType] = []
  var arrays: [PickledArray] = []

  mutating func tuple(_ items: [PickleValue]) -> PickleValue {
    tuples.append(items)
    return .tuple(tuples.count - 1)
  }

  /// The items of a tuple, or nil for any other value.
  func items(ofTuple value: PickleValue) -> [PickleValue]? {
    if case .tuple(let i) = value { return tuples[i] }
    return nil
  }

  /// The items of a list or tuple, for the places numpy accepts either.
  func items(ofSequence value: PickleValue) -> [PickleValue]? {
    switch value {
    case .tuple(let i): tuples[i]
    case .list(let i): lists[i]
    default: nil
    }
  }
}

/// An ndarray as the pickle builds it: `_reconstruct` makes an empty one,
/// `BUILD` gives it its state (numpy's `ndarray.__setstate__`).
enum PickledArray {
  case unbuilt
  case numeric(NDArray)
  /// An object array: its shape and its items, in C order.
  case objects(shape: [Int], items: [PickleValue])
}
