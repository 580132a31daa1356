/// A value in LayerLab's Python: what a name holds and an expression gives.
///
/// Numbers, strings, `None` and tuples are plain values; lists and dicts are
/// shared references, as in Python (`b = a; b.append(1)` changes `a`).
/// Everything else (modules, functions, the model, a layer, an array, a
/// training history) is an object that answers for itself through
/// ``PyObject``.
public enum PyValue {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  case tuple([PyValue])
  case list(PyList)
  case dict(PyDict)
  case object(any PyObject)

  /// Python's `type(x).__name__`: `int`, `str`, `list`, `Sequential`.
  public var typeName: String {
    switch self {
    case .none: "NoneType"
    case .bool: "bool"
    case .int: "int"
    case .float: "float"
    case .string: "str"
    case .tuple: "tuple"
    case .list: "list"
    case .dict: "dict"
    case .object(let object): object.typeName
    }
  }

  /// Python's truth value: empty, zero and `None` are false.
  public var isTrue: Bool {
    switch self {
    case .none: false
    case .bool(let b): b
    case .int(let n): n != 0
    case .float(let x): x != 0
    case .string(let s): !s.isEmpty
    case .tuple(let items): !items.isEmpty
    case .list(let list): !list.items.isEmpty
    case .dict(let dict): !dict.isEmpty
    case .object(let object): object.isTrue
    }
  }

  /// The number held, for arithmetic: `True` counts as 1, as in Python.
  public var number: Double? {
    switch self {
    case .bool(let b): b ? 1 : 0
    case .int(let n): Double(n)
    case .float(let x): x
    default: nil
    }
  }

  /// The whole number held (`True` is 1); nil for floats, even whole ones.
  public var integer: Int? {
    switch self {
    case .bool(let b): b ? 1 : 0
    case .int(let n): n
    default: nil
    }
  }

  /// True for `None`.
  public var isNone: Bool {
    if case .none = self { return true }
    return false
  }

  /// The items of a tuple or a list.
  public var sequence: [PyValue]? {
    switch self {
    case .tuple(let items): items
    case .list(let list): list.items
    default: nil
    }
  }

  /// The object held, if it is one of type `T`.
  public func object<T>(as type: T.Type) -> T? {
    guard case .object(let object) = self else { return nil }
    return object as? T
  }
}

/// A Python list: shared, so every name bound to it sees a change.
public final class PyList {
  public var items: [PyValue]
  public init(_ items: [PyValue] = []) { self.items = items }
}

/// A Python dict with literal keys, in insertion order as Python keeps them.
public final class PyDict {
  public private(set) var keys: [PyConstant] = []
  private var values: [PyConstant: PyValue] = [:]

  public init(_ pairs: [(PyConstant, PyValue)] = []) {
    for (key, value) in pairs { self[key] = value }
  }

  public var isEmpty: Bool { keys.isEmpty }
  public var count: Int { keys.count }

  public subscript(key: PyConstant) -> PyValue? {
    get { values[key] }
    set {
      if let newValue {
        if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
      } else if values.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  /// Key and value pairs in insertion order.
  public var pairs: [(key: PyConstant, value: PyValue)] {
    keys.compactMap { key in values[key].map { (key, $0) } }
  }
}

/// Anything in LayerLab's Python that is not a plain value: a module, a
/// function, the model, a layer, an array, a history.
///
/// An object lists its attributes (so "did you mean" and Tab can offer
/// them), gives one by name, and may be called.
public protocol PyObject: AnyObject {
  /// Python's `type(x).__name__`.
  var typeName: String { get }
  /// What `repr(x)` and the prompt show.
  var repr: String { get }
  /// What `print(x)` and `str(x)` show; `repr` unless told otherwise.
  var str: String { get }
  /// Python's truth value; objects are true unless they say otherwise.
  var isTrue: Bool { get }
  /// The names `attribute(_:)` answers, for suggestions and completion.
  var attributeNames: [String] { get }
  /// The attribute `name`, or nil when the object has none by that name.
  func attribute(_ name: String) throws -> PyValue?
}

extension PyObject {
  public var str: String { repr }
  public var isTrue: Bool { true }
  public var attributeNames: [String] { [] }
  public func attribute(_ name: String) throws -> PyValue? { nil }
}

/// An object that can be called: a function, a class, a bound method.
public protocol PyCallable: PyObject {
  /// Calls it with `arguments`; `context` prints and runs other callables.
  func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue
}

/// An object that answers `x[index]`.
public protocol PySubscriptable: PyObject {
  func item(_ index: PyValue) throws -> PyValue
}

/// An object that `for`, `list()` and unpacking can walk through.
public protocol PyIterable: PyObject {
  /// Its items in order.
  func items() throws -> [PyValue]
}

/// An object with a length, for `len(x)`.
public protocol PySized: PyObject {
  var length: Int { get }
}

/// An object that takes part in arithmetic and comparisons (an array).
public protocol PyOperand: PyObject {
  /// `self op other` (or `other op self` when `reflected`); nil when the
  /// operation does not apply, so the interpreter can say so.
  func binary(_ op: String, _ other: PyValue, reflected: Bool, context: any CallContext) throws
    -> PyValue?
  /// `-self`, `+self`, `~self`; nil when it does not apply.
  func unary(_ op: String) throws -> PyValue?
  /// The one number it holds, for `float(x)`, `int(x)` and `if x:`; nil when
  /// it holds more or fewer.
  var scalar: PyValue? { get }
}

/// An object unpacked into names by name rather than by order: `a, b =
/// np.load("data.npz")` gives each name the array stored under it.
public protocol PyNamedUnpacking: PyObject {
  /// The values for `names`, or nil when the names do not match.
  func unpack(into names: [String]) -> [PyValue]?
}

/// What a call needs from the interpreter running it.
public protocol CallContext: AnyObject {
  /// Writes text to the program's output, as `print` does (newlines end lines).
  func write(_ text: String)
  /// Calls `function` (a value found callable) with `arguments`.
  func call(_ function: PyValue, _ arguments: CallArguments) throws -> PyValue
}

extension Double {
  /// The whole number toward zero, or nil when there is none that fits an
  /// `Int` (NaN, infinities, beyond ±9.2e18): the interpreter's one way from
  /// a float to an integer, so no value can trap it.
  public var checkedInt: Int? {
    guard isFinite, self > -9.2e18, self < 9.2e18 else { return nil }
    return WholeNumber.clamped(self, rounding: .towardZero)
  }
}
