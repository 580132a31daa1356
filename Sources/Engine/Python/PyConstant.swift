/// A Python literal that can be kept, compared and written back: what a
/// layer's arguments hold once the binder has checked them.
///
/// Unlike ``PyValue`` it is a plain value (no lists that change under you,
/// no arrays), so a ``LayerSpec`` holding it stays `Sendable` and `Equatable`.
public indirect enum PyConstant: Hashable, Sendable, CustomStringConvertible {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  case tuple([PyConstant])

  /// The constant `value` holds, or nil when it is not a literal (a list
  /// becomes a tuple: Keras takes either for sizes).
  public init?(_ value: PyValue) {
    switch value {
    case .none: self = .none
    case .bool(let b): self = .bool(b)
    case .int(let n): self = .int(n)
    case .float(let x): self = .float(x)
    case .string(let s): self = .string(s)
    case .tuple(let items):
      guard let constants = PyConstant.all(items) else { return nil }
      self = .tuple(constants)
    case .list(let list):
      guard let constants = PyConstant.all(list.items) else { return nil }
      self = .tuple(constants)
    default: return nil
    }
  }

  private static func all(_ items: [PyValue]) -> [PyConstant]? {
    var constants: [PyConstant] = []
    for item in items {
      guard let constant = PyConstant(item) else { return nil }
      constants.append(constant)
    }
    return constants
  }

  /// The same literal as an interpreter value.
  public var value: PyValue {
    switch self {
    case .none: .none
    case .bool(let b): .bool(b)
    case .int(let n): .int(n)
    case .float(let x): .float(x)
    case .string(let s): .string(s)
    case .tuple(let items): .tuple(items.map(\.value))
    }
  }

  /// Python's `repr`: `32`, `(3, 3)`, `'same'`, `None`, `True`.
  public var description: String { value.repr }

  /// True when both are the same number, `0` and `0.0` included, or the same literal.
  public func matches(_ other: PyConstant) -> Bool {
    switch (self, other) {
    case (.int(let a), .float(let b)), (.float(let b), .int(let a)): Double(a) == b
    case (.tuple(let a), .tuple(let b)):
      a.count == b.count && zip(a, b).allSatisfy { $0.matches($1) }
    default: self == other
    }
  }
}
