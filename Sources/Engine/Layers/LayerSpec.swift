/// What a layer is, as the Keras constructor call that makes it:
/// `Conv2D(32, (3, 3), padding='same')`.
///
/// The call binder checks a typed call against the kind's ``Signature`` and
/// keeps every argument of the layer's own, given or defaulted, in its
/// canonical form; model files store the same call as text (``expression``)
/// and `makeLayer` builds the layer.
public struct LayerSpec: Equatable, Sendable {
  public var kind: LayerKind
  /// The layer's own arguments by Keras name, every one of them, canonical
  /// (`kernel_size` is always a pair, `activation` a name).
  public var arguments: [String: PyConstant]
  /// Keras's `input_shape=` on the first layer, per sample.
  public var inputShape: Shape? = nil
  /// An explicit `name=`; nil means the model names the layer.
  public var name: String? = nil

  /// A spec with every argument at its default (required ones unset).
  public init(kind: LayerKind) {
    self.kind = kind
    arguments = [:]
    for argument in kind.ownArguments {
      guard let fallback = argument.defaultConstant else { continue }
      let canonical = (try? argument.type.convert(fallback.value, argument.name)).flatMap {
        PyConstant($0)
      }
      arguments[argument.name] = canonical ?? fallback
    }
  }

  /// The spec for a call already bound to `kind.signature`.
  public init(kind: LayerKind, bound: BoundArguments) throws(LabError) {
    self.init(kind: kind)
    for argument in kind.ownArguments {
      if case .ignored = argument.role { continue }
      arguments[argument.name] = PyConstant(bound[argument.name])
    }
    if case .tuple(let dims) = PyConstant(bound["input_shape"]) {
      inputShape = Shape(dims.compactMap { if case .int(let n) = $0 { n } else { nil } })
    } else if case .int(let features) = bound["input_dim"] {
      inputShape = [features]
    }
    if bound.isGiven("input_shape"), bound.isGiven("input_dim") {
      throw LabError(
        message: "give input_shape or input_dim, not both",
        column: bound.location(of: "input_dim").column, line: bound.location(of: "input_dim").line)
    }
    name = bound.string("name")
  }

  /// The argument `name` of the layer's own (`.none` when it has none).
  public subscript(name: String) -> PyConstant { arguments[name] ?? .none }

  /// Builds an unconfigured layer (weights come with `build`), first checking
  /// every argument again: a spec made in code has not been through the binder.
  public func makeLayer(name: String) throws(EngineError) -> any Layer {
    for argument in kind.ownArguments {
      switch argument.role {
      case .required, .optional: try check(argument)
      case .keptAtDefault, .ignored: continue
      }
    }
    return kind.make(self, name)
  }

  private func check(_ argument: Signature.Argument) throws(EngineError) {
    guard let value = arguments[argument.name] else {
      throw .invalidArgument(layer: kind.className, message: "\(argument.name) is missing")
    }
    do {
      _ = try argument.type.convert(value.value, argument.name)
    } catch let error as LabError {
      throw .invalidArgument(layer: kind.className, message: error.message)
    } catch {
      throw .invalidArgument(layer: kind.className, message: "\(error)")
    }
  }

  /// The scalars the layer will hold for a per-sample `input`, trainable or
  /// not; nil when the count overflows.
  public func parameterCount(for input: Shape) -> Int? { kind.countParameters(self, input) }

  /// The Keras call that makes this layer: required arguments by position,
  /// then the others that differ from their defaults, by keyword, then
  /// `input_shape` and `name`: `Conv2D(32, (3, 3), padding='same')`.
  public var expression: String {
    let defaults = LayerSpec(kind: kind).arguments
    var parts: [String] = []
    for argument in kind.ownArguments {
      let value = self[argument.name]
      switch argument.role {
      case .required:
        parts.append(LayerSpec.written(value))
      case .optional:
        if let fallback = defaults[argument.name], fallback.matches(value) { continue }
        parts.append("\(argument.name)=\(LayerSpec.written(value))")
      case .keptAtDefault, .ignored:
        continue
      }
    }
    if let shape = inputShape {
      let dims = shape.dims.map(String.init).joined(separator: ", ")
      parts.append("input_shape=(\(dims)\(shape.rank == 1 ? "," : ""))")
    }
    // The binder lets only words through (letters, digits, _ - .), which need no escapes.
    if let name { parts.append("name='\(name)'") }
    return "\(kind.className)(\(parts.joined(separator: ", ")))"
  }

  /// A value as a model file writes it: floats in their shortest Float spelling.
  private static func written(_ value: PyConstant) -> String {
    switch value {
    case .float(let x): formatNumber(Float(x))
    case .string(let s): SafeText.pythonString(s)
    case .tuple(let items):
      items.count == 1
        ? "(\(written(items[0])),)" : "(" + items.map(written).joined(separator: ", ") + ")"
    default: value.description
    }
  }
}

/// Shortest decimal spelling that reads back to the same Float: 0.25, 1e-07, 3.
public func formatNumber(_ value: Float) -> String {
  if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
  return "\(value)"
}
