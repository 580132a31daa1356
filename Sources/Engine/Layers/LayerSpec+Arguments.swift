/// Typed views of the arguments the built-in layers share, by their Keras
/// names: what the layers' forward and backward read.
///
/// Setting one a kind does not have changes nothing (a Flatten has no
/// padding). A new layer with arguments of its own adds its accessors in
/// its own file.
extension LayerSpec {
  /// Conv2D's `filters` or Dense's `units`.
  public var units: Int {
    get { int(kind.ownArguments.contains { $0.name == "filters" } ? "filters" : "units") }
    set {
      set(kind.ownArguments.contains { $0.name == "filters" } ? "filters" : "units", .int(newValue))
    }
  }

  /// `kernel_size`, (rows, columns).
  public var kernelSize: [Int] {
    get { ints("kernel_size") ?? [1, 1] }
    set { set("kernel_size", .tuple(newValue.map { .int($0) })) }
  }

  /// `strides`; nil for pooling's default (the pool size).
  public var strides: [Int]? {
    get { ints("strides") }
    set { set("strides", newValue.map { .tuple($0.map { .int($0) }) } ?? .none) }
  }

  /// `pool_size`, (rows, columns).
  public var poolSize: [Int] {
    get { ints("pool_size") ?? [2, 2] }
    set { set("pool_size", .tuple(newValue.map { .int($0) })) }
  }

  /// `padding`.
  public var padding: Padding {
    get {
      if case .string(let s) = self["padding"], let p = Padding(rawValue: s) { return p }
      return .valid
    }
    set { set("padding", .string(newValue.rawValue)) }
  }

  /// `activation`; `linear` when there is none.
  public var activation: ActivationFunction {
    get {
      if case .string(let s) = self["activation"], let f = ActivationFunction(rawValue: s) {
        return f
      }
      return .linear
    }
    set { set("activation", .string(newValue.rawValue)) }
  }

  /// `use_bias`.
  public var useBias: Bool {
    get { self["use_bias"] != .bool(false) }
    set { set("use_bias", .bool(newValue)) }
  }

  /// Dropout's `rate`.
  public var rate: Float {
    get { float("rate") ?? 0 }
    set { set("rate", .float(Double(newValue))) }
  }

  /// The number stored for `name`, for a layer's own accessors; nil when it is not one.
  func float(_ name: String) -> Float? {
    switch self[name] {
    case .float(let x): Float(x)
    case .int(let n): Float(n)
    default: nil
    }
  }

  /// The truth value stored for `name`; nil when it is not one.
  func flag(_ name: String) -> Bool? {
    if case .bool(let b) = self[name] { return b }
    return nil
  }

  func int(_ name: String) -> Int {
    if case .int(let n) = self[name] { return n }
    return 0
  }

  private func ints(_ name: String) -> [Int]? {
    guard case .tuple(let items) = self[name] else { return nil }
    return items.map { if case .int(let n) = $0 { n } else { 0 } }
  }

  private mutating func set(_ name: String, _ value: PyConstant) {
    guard kind.ownArguments.contains(where: { $0.name == name }) else { return }
    arguments[name] = value
  }
}
