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
  /// Calls it with `arguments`; `context` runs user functions and prints.
  func call(_ arguments: CallArguments, context: CallContext) throws -> PyValue
}

/// What a call needs from the interpreter running it.
public protocol CallContext: AnyObject {
  /// Writes one line of the program's output (`print`).
  func output(_ line: String)
  /// Calls `function` (a value found callable) with `arguments`.
  func call(_ function: PyValue, _ arguments: CallArguments) throws -> PyValue
}
