/// Where a Keras layer config (the JSON dict Keras writes into
/// `model_config` and `config.json`) becomes a LayerLab layer, and back,
/// through the same ``Signature`` a typed `Conv2D(...)` is bound to: each
/// layer's file is the one place that knows its arguments, their defaults
/// and which values LayerLab refuses.
///
/// Read: the config's keys are bound as keyword arguments, so Keras 2's
/// spellings (`alpha`) work through the signature's aliases and a value
/// LayerLab does not model (`dilation_rate=[2, 2]`) is one error with the
/// signature's reason. A few keys are the file's business rather than the
/// layer's and are settled here: `name` and the batch shape, `trainable`
/// and `dtype` (a note when they differ from LayerLab's), initializers (the
/// weights come from the file, so how Keras started them does not matter)
/// and regularizers and constraints (they change only Keras's training
/// loss: a note says they are not carried over). A key the signature lacks
/// is refused unless it is null (an option of a newer Keras, left unset).
///
/// Write: the layer's own arguments as the binder stored them, under Keras
/// 3's names in `.keras` files and Keras 2's (the first alias) in legacy
/// `.h5`, which Keras 2.2.4 and Keras 3 both read with `cls(**config)`.
public enum KerasLayerConfig {
  /// Class names Keras has used for the layers LayerLab has.
  static let aliases: [String: LayerKind] = [
    "Convolution2D": .conv2D, "MaxPool2D": .maxPooling2D, "AvgPool2D": .averagePooling2D,
    "GlobalAvgPool2D": .globalAveragePooling2D, "GlobalMaxPool2D": .globalMaxPooling2D,
  ]

  /// The Keras classes LayerLab reads, for the error that names one it lacks.
  public static var supportedClasses: [String] { LayerKind.allCases.map(\.rawValue) }

  /// One layer read from its config.
  struct Read {
    var spec: LayerSpec
    var name: String?
    /// Keras 2's `batch_input_shape` (or Keras 3's `batch_shape`), batch axis first.
    var batchShape: [Int?]?
    /// What was in the config that LayerLab does not carry over.
    var notes: [String]
  }

  /// Keys every Keras layer's config may hold that are not constructor
  /// arguments LayerLab binds: read by ``read(_:describe:)`` itself.
  private static let fileKeys: Set<String> = [
    "name", "trainable", "dtype", "batch_input_shape", "batch_shape",
  ]

  /// The LayerLab spec for one `{"class_name": …, "config": {…}}` entry.
  /// `describe` names the layer in errors (`layer 3 'conv2d_2'`).
  static func read(_ entry: JSONValue, describe: String) throws(KerasConfigError) -> Read {
    guard let className = entry["class_name"]?.string, let config = entry["config"],
      case .object(let members) = config
    else {
      throw KerasConfigError("\(describe) is not a Keras layer config (no class_name and config)")
    }
    guard let kind = LayerKind(rawValue: className) ?? aliases[className] else {
      throw KerasConfigError(
        "\(describe) is a \(className), which LayerLab does not have; it reads "
          + supportedClasses.joined(separator: ", "))
    }
    let label = "\(describe) (\(className))"
    var notes: [String] = []
    var untrained: [String] = []
    // Every key at one place: the config has no columns to point at.
    let here = SourcePosition(column: 0)
    var call = CallArguments(start: here)
    for (key, value) in members where !fileKeys.contains(key) {
      if key.hasSuffix("_initializer") { continue }
      if key.hasSuffix("_regularizer") || key.hasSuffix("_constraint") {
        if !value.isNull { untrained.append(key) }
        continue
      }
      guard kind.ownArguments.contains(where: { $0.name == key || $0.aliases.contains(key) })
      else {
        if value.isNull { continue }
        throw KerasConfigError(
          "\(label): \(key)=\(value.text) is not supported: LayerLab's \(kind.className) has no \(key)"
        )
      }
      guard let pyValue = pythonValue(value) else {
        throw KerasConfigError("\(label): \(key)=\(value.text) is not a value LayerLab reads")
      }
      call.keywords.append(.init(key, at: here, .init(pyValue, at: here)))
    }
    var spec: LayerSpec
    do {
      spec = try LayerSpec(kind: kind, bound: kind.signature.bind(call))
    } catch {
      throw KerasConfigError(
        "\(label): \(error.message)" + (error.hint.map { "; \($0)" } ?? ""))
    }
    // Keras writes the strides it resolved (the pool size when none were
    // given); None keeps the layer's call as a learner would type it.
    if kind.ownArguments.contains(where: { $0.name == "pool_size" }),
      LayerSpec(kind: kind)["strides"] == .none, spec["strides"] == spec["pool_size"]
    {
      spec.arguments["strides"] = PyConstant.none
    }
    if !untrained.isEmpty {
      notes.append("\(label): " + untrained.joined(separator: ", ") + " not carried over")
    }
    if let trainable = config["trainable"], !trainable.isNull {
      guard let flag = trainable.bool else {
        throw KerasConfigError("\(label): trainable must be true or false, got \(trainable.text)")
      }
      if !flag {
        notes.append("\(describe) was frozen (trainable=False); LayerLab trains every layer")
      }
    }
    // Keras 2 writes `"float32"`, Keras 3 a policy `{"class_name": "DTypePolicy", "config": {"name": "float32"}}`.
    if let dtype = config["dtype"], !dtype.isNull,
      let name = dtype.string ?? dtype["config"]?["name"]?.string, name != "float32"
    {
      notes.append("\(label) computed in \(name) in Keras; LayerLab computes in float32")
    }
    var batchShape: [Int?]?
    if let shape = config["batch_input_shape"] ?? config["batch_shape"] {
      batchShape = try Self.shape(shape, label: label)
    }
    return Read(spec: spec, name: config["name"]?.string, batchShape: batchShape, notes: notes)
  }

  /// A config value as the binder takes it: JSON's lists as tuples, whole
  /// numbers as ints, and Keras 3's serialized function
  /// (`{"class_name": "function", "config": "relu"}`, or a config with a
  /// `name`) as its name. nil for any other object.
  static func pythonValue(_ value: JSONValue) -> PyValue? {
    switch value {
    case .null: return PyValue.none
    case .bool(let b): return .bool(b)
    case .number(let n): return value.int.map { .int($0) } ?? .float(n)
    case .string(let s): return .string(s)
    case .array(let items):
      var converted: [PyValue] = []
      for item in items {
        guard let v = pythonValue(item) else { return nil }
        converted.append(v)
      }
      return .tuple(converted)
    case .object:
      return (value["config"]?.string ?? value["config"]?["name"]?.string).map { .string($0) }
    }
  }

  /// The batch shape of an `InputLayer` entry (`batch_shape` in Keras 3,
  /// `batch_input_shape` in Keras 2).
  static func inputShape(_ entry: JSONValue, describe: String) throws(KerasConfigError) -> [Int?]? {
    guard let config = entry["config"] else { return nil }
    guard let shape = config["batch_shape"] ?? config["batch_input_shape"] else { return nil }
    return try Self.shape(shape, label: describe)
  }

  /// `[null, 32, 32, 3]`: the batch axis may be null; the rest must be positive.
  static func shape(_ value: JSONValue, label: String) throws(KerasConfigError) -> [Int?] {
    guard let items = value.array, items.count >= 2, items.count <= 8 else {
      throw KerasConfigError(
        "\(label): the input shape \(value.text) is not a shape with a batch axis")
    }
    var dims: [Int?] = []
    for item in items {
      if item.isNull {
        dims.append(nil)
      } else if let n = item.int, n > 0, n <= 1 << 24 {
        dims.append(n)
      } else {
        throw KerasConfigError(
          "\(label): the input shape \(value.text) has a size LayerLab cannot use")
      }
    }
    return dims
  }

  // MARK: - Writing

  /// How a config is written.
  public enum Style: Sendable {
    /// The legacy `.h5` model_config: what Keras 2.2.4 and Keras 3 both read.
    case legacyH5
    /// Keras 3's `.keras` config.json: `module`, `registered_name`, `build_config`.
    case keras3
  }

  /// The `{"class_name": …, "config": {…}}` entry for `layer`, built for a
  /// per-sample `input` shape: its name, then the arguments LayerLab models
  /// (required and optional in its signature). Arguments kept at Keras's
  /// default are left out, so Keras takes its own default, which is
  /// LayerLab's. A legacy `.h5` also leaves out optional arguments at their
  /// default, since Keras 2.2.4 lacks some (the global poolings' keepdims)
  /// and has the same defaults for the rest, and spells each as Keras 2 does
  /// (the first alias: LeakyReLU's `alpha`).
  static func entry(for layer: any Layer, input: Shape, style: Style) -> JSONValue {
    let spec = layer.spec
    let defaults = LayerSpec(kind: spec.kind).arguments
    var config: [(String, JSONValue)] = [
      ("name", .string(layer.name)), ("trainable", .bool(true)), ("dtype", .string("float32")),
    ]
    for argument in spec.kind.ownArguments {
      let value = spec[argument.name]
      switch argument.role {
      case .required:
        break
      case .optional:
        if style == .legacyH5, let fallback = defaults[argument.name], fallback.matches(value) {
          continue
        }
      case .keptAtDefault, .ignored:
        continue
      }
      let key = style == .legacyH5 ? (argument.aliases.first ?? argument.name) : argument.name
      config.append((key, json(value)))
    }
    var members: [(String, JSONValue)] = []
    if style == .keras3 { members.append(("module", .string("keras.layers"))) }
    members += [("class_name", .string(spec.kind.rawValue)), ("config", .object(config))]
    if style == .keras3 {
      members.append(("registered_name", .null))
      members.append(("build_config", .object([("input_shape", batchShape(input))])))
    }
    return .object(members)
  }

  /// A stored argument as JSON: tuples as lists.
  static func json(_ value: PyConstant) -> JSONValue {
    switch value {
    case .none: .null
    case .bool(let b): .bool(b)
    case .int(let n): JSONValue(n)
    case .float(let x): .number(x)
    case .string(let s): .string(s)
    case .tuple(let items): .array(items.map(json))
    }
  }

  /// `[null, 32, 32, 3]`: a per-sample shape with Keras's batch axis.
  static func batchShape(_ shape: Shape) -> JSONValue {
    .array([.null] + shape.dims.map { JSONValue($0) })
  }

  /// `{"class_name": …, "config": {…}}`, with Keras 3's `module` and `registered_name`.
  static func objectEntry(
    _ className: String, module: String, _ config: [(String, JSONValue)], _ style: Style
  ) -> JSONValue {
    style == .keras3
      ? .object([
        ("module", .string(module)), ("class_name", .string(className)),
        ("config", .object(config)),
        ("registered_name", .null),
      ])
      : .object([("class_name", .string(className)), ("config", .object(config))])
  }
}

/// Why a Keras config could not be read: one sentence, completed with the file by the caller.
struct KerasConfigError: Error {
  let message: String
  init(_ message: String) { self.message = message }
}
