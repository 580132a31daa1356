/// The one place where a Keras layer config (the JSON dict Keras writes into
/// `model_config` and `config.json`) becomes a LayerLab layer, and back.
///
/// Read: Keras 2's keys (`batch_input_shape`, `alpha`, Keras 1-era class
/// aliases) and Keras 3's (`batch_shape`, dtype policies, `module`) alike.
/// What LayerLab computes differently is refused with the reason; what only
/// matters to Keras's training extras (regularizers, constraints) is noted
/// as not carried over. Write: the keys both Keras 2.2.4 and Keras 3 take
/// (`cls(**config)`), with Keras 3's spellings where they differ only in
/// name and Keras 2's where Keras 2 would refuse the other.
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

  /// The LayerLab spec for one `{"class_name": …, "config": {…}}` entry.
  /// `describe` names the layer in errors (`layer 3 'conv2d_2'`).
  static func read(_ entry: JSONValue, describe: String) throws(KerasConfigError) -> Read {
    guard let className = entry["class_name"]?.string, let config = entry["config"],
      case .object = config
    else {
      throw KerasConfigError("\(describe) is not a Keras layer config (no class_name and config)")
    }
    guard let kind = LayerKind(rawValue: className) ?? aliases[className] else {
      throw KerasConfigError(
        "\(describe) is a \(className), which LayerLab does not have; it reads "
          + supportedClasses.joined(separator: ", "))
    }
    let name = config["name"]?.string
    let label = "\(describe) (\(className))"
    var reader = Reader(config: config, label: label)
    var spec = LayerSpec(kind: kind)
    switch kind {
    case .conv2D:
      spec.units = try reader.positiveInt("filters")
      spec.kernelSize = try reader.pair("kernel_size") ?? [1, 1]
      spec.strides = try reader.pair("strides") ?? [1, 1]
      spec.padding = try reader.padding()
      spec.activation = try reader.activation() ?? .linear
      spec.useBias = try reader.bool("use_bias") ?? true
      try reader.channelsLast()
      try reader.onlyOnes("dilation_rate", why: "dilated convolutions are not supported")
      if let groups = reader.config["groups"], groups.int != 1, !groups.isNull {
        throw KerasConfigError("\(label): groups=\(groups.text) is not supported")
      }
      reader.noteExtras()
    case .dense:
      spec.units = try reader.positiveInt("units")
      spec.activation = try reader.activation() ?? .linear
      spec.useBias = try reader.bool("use_bias") ?? true
      reader.noteExtras()
    case .maxPooling2D, .averagePooling2D:
      spec.poolSize = try reader.pair("pool_size") ?? [2, 2]
      spec.strides = try reader.pair("strides")
      if spec.strides == spec.poolSize { spec.strides = nil }
      spec.padding = try reader.padding()
      try reader.channelsLast()
    case .dropout:
      spec.rate = Float(try reader.number("rate") ?? 0)
      if let shape = reader.config["noise_shape"], !shape.isNull {
        throw KerasConfigError("\(label): noise_shape=\(shape.text) is not supported")
      }
    case .flatten:
      try reader.channelsLast()
    case .activation:
      guard let function = try reader.activation() else {
        throw KerasConfigError("\(label) names no activation")
      }
      spec.activation = function
    case .relu:
      for (key, plain) in [
        ("max_value", JSONValue.null), ("negative_slope", .number(0)), ("threshold", .number(0)),
      ] {
        if let value = reader.config[key], value != plain, !(key == "max_value" && value.isNull) {
          throw KerasConfigError(
            "\(label): \(key)=\(value.text) is not supported: LayerLab's ReLU is the plain one")
        }
      }
    case .softmax:
      if let axis = reader.config["axis"], axis.int != -1, axis != .array([.number(-1)]) {
        throw KerasConfigError(
          "\(label): axis=\(axis.text) is not supported: softmax runs over the last axis")
      }
    case .leakyReLU:
      // Keras 2 wrote `alpha`.
      let slope = try reader.number("negative_slope")
      let alpha = try reader.number("alpha")
      spec.arguments["negative_slope"] = .float(slope ?? alpha ?? 0.3)
    case .batchNormalization:
      if let axis = reader.config["axis"] {
        let axes = axis.array ?? [axis]
        guard axes.count == 1, let a = axes[0].int, a == -1 || a == 3 else {
          throw KerasConfigError(
            "\(label): axis=\(axis.text) is not supported: LayerLab normalizes the last axis (the channels)"
          )
        }
      }
      spec.arguments["momentum"] = .float(try reader.number("momentum") ?? 0.99)
      spec.arguments["epsilon"] = .float(try reader.number("epsilon") ?? 1e-3)
      spec.arguments["center"] = .bool(try reader.bool("center") ?? true)
      spec.arguments["scale"] = .bool(try reader.bool("scale") ?? true)
      for key in ["renorm", "synchronized"] where try reader.bool(key) == true {
        throw KerasConfigError("\(label): \(key)=True is not supported")
      }
      reader.noteExtras([
        "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
      ])
    case .globalAveragePooling2D, .globalMaxPooling2D:
      try reader.channelsLast()
      spec.arguments["keepdims"] = .bool(try reader.bool("keepdims") ?? false)
    default:
      break
    }
    if try reader.bool("trainable") == false {
      reader.notes.append("\(describe) was frozen (trainable=False); LayerLab trains every layer")
    }
    reader.checkDtype()
    var batchShape: [Int?]?
    if let shape = config["batch_input_shape"] ?? config["batch_shape"] {
      batchShape = try reader.shape(shape)
    }
    return Read(spec: spec, name: name, batchShape: batchShape, notes: reader.notes)
  }

  /// The batch shape of an `InputLayer` entry (`batch_shape` in Keras 3,
  /// `batch_input_shape` in Keras 2).
  static func inputShape(_ entry: JSONValue, describe: String) throws(KerasConfigError) -> [Int?]? {
    guard let config = entry["config"] else { return nil }
    let reader = Reader(config: config, label: describe)
    guard let shape = config["batch_shape"] ?? config["batch_input_shape"] else { return nil }
    return try reader.shape(shape)
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
  /// per-sample `input` shape.
  static func entry(for layer: any Layer, input: Shape, style: Style) -> JSONValue {
    let spec = layer.spec
    var config: [(String, JSONValue)] = [
      ("name", .string(layer.name)), ("trainable", .bool(true)), ("dtype", .string("float32")),
    ]
    func pair(_ values: [Int]) -> JSONValue { JSONValue(values) }
    let initializers: [(String, JSONValue)] =
      style == .keras3
      ? [
        (
          "kernel_initializer",
          objectEntry("GlorotUniform", module: "keras.initializers", [("seed", .null)], style)
        ),
        ("bias_initializer", objectEntry("Zeros", module: "keras.initializers", [], style)),
      ]
      : [
        (
          "kernel_initializer",
          objectEntry(
            "VarianceScaling", module: "",
            [
              ("scale", .number(1)), ("mode", .string("fan_avg")),
              ("distribution", .string("uniform")), ("seed", .null),
            ],
            style)
        ),
        ("bias_initializer", objectEntry("Zeros", module: "", [], style)),
      ]
    switch spec.kind {
    case .conv2D:
      config += [
        ("filters", JSONValue(spec.units)), ("kernel_size", pair(spec.kernelSize)),
        ("strides", pair(spec.strides ?? [1, 1])), ("padding", .string(spec.padding.rawValue)),
        ("data_format", .string("channels_last")), ("dilation_rate", pair([1, 1])),
      ]
      if style == .keras3 { config.append(("groups", JSONValue(1))) }
      config += [
        ("activation", .string(spec.activation.rawValue)), ("use_bias", .bool(spec.useBias)),
      ]
      config += initializers
    case .dense:
      config += [
        ("units", JSONValue(spec.units)), ("activation", .string(spec.activation.rawValue)),
        ("use_bias", .bool(spec.useBias)),
      ]
      config += initializers
    case .maxPooling2D, .averagePooling2D:
      config += [
        ("pool_size", pair(spec.poolSize)), ("padding", .string(spec.padding.rawValue)),
        ("strides", pair(spec.strides ?? spec.poolSize)), ("data_format", .string("channels_last")),
      ]
    case .dropout:
      config += [("rate", JSONValue(spec.rate)), ("noise_shape", .null), ("seed", .null)]
    case .flatten:
      config.append(("data_format", .string("channels_last")))
    case .activation:
      config.append(("activation", .string(spec.activation.rawValue)))
    case .relu:
      config += [("max_value", .null), ("negative_slope", .number(0)), ("threshold", .number(0))]
    case .softmax:
      config.append(("axis", JSONValue(-1)))
    case .leakyReLU:
      // Keras 2.2.4's LeakyReLU takes only `alpha`; Keras 3 reads `alpha` as the old name.
      config.append(
        (
          style == .keras3 ? "negative_slope" : "alpha",
          JSONValue(spec.float("negative_slope") ?? 0.3)
        ))
    case .batchNormalization:
      config += [
        ("axis", JSONValue(-1)), ("momentum", JSONValue(spec.momentum)),
        ("epsilon", JSONValue(spec.epsilon)), ("center", .bool(spec.center)),
        ("scale", .bool(spec.scale)),
      ]
    case .globalAveragePooling2D, .globalMaxPooling2D:
      config.append(("data_format", .string("channels_last")))
      if style == .keras3 || spec.keepdims { config.append(("keepdims", .bool(spec.keepdims))) }
    default:
      break
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

/// Reads typed values out of one layer's config, naming the layer in errors.
private struct Reader {
  let config: JSONValue
  let label: String
  var notes: [String] = []

  init(config: JSONValue, label: String) {
    self.config = config
    self.label = label
  }

  func positiveInt(_ key: String) throws(KerasConfigError) -> Int {
    guard let value = config[key]?.int, value > 0, value <= 1 << 24 else {
      throw KerasConfigError(
        "\(label): \(key) must be a positive whole number, got \(config[key]?.text ?? "nothing")")
    }
    return value
  }

  func number(_ key: String) throws(KerasConfigError) -> Double? {
    guard let value = config[key], !value.isNull else { return nil }
    guard let n = value.number, n.isFinite else {
      throw KerasConfigError("\(label): \(key) must be a number, got \(value.text)")
    }
    return n
  }

  func bool(_ key: String) throws(KerasConfigError) -> Bool? {
    guard let value = config[key], !value.isNull else { return nil }
    guard let b = value.bool else {
      throw KerasConfigError("\(label): \(key) must be true or false, got \(value.text)")
    }
    return b
  }

  /// `[3, 3]` or `3`.
  func pair(_ key: String) throws(KerasConfigError) -> [Int]? {
    guard let value = config[key], !value.isNull else { return nil }
    let items = value.array ?? [value, value]
    guard items.count == 2, let a = items[0].int, let b = items[1].int, a > 0, b > 0, a <= 1 << 16,
      b <= 1 << 16
    else {
      throw KerasConfigError(
        "\(label): \(key) must be two positive whole numbers, got \(value.text)")
    }
    return [a, b]
  }

  func padding() throws(KerasConfigError) -> Padding {
    guard let value = config["padding"], !value.isNull else { return .valid }
    guard let text = value.string, let padding = Padding(rawValue: text.lowercased()) else {
      throw KerasConfigError("\(label): padding must be 'valid' or 'same', got \(value.text)")
    }
    return padding
  }

  /// `"relu"`, or Keras 3's serialized function `{"class_name": "function", "config": "relu"}`.
  func activation() throws(KerasConfigError) -> ActivationFunction? {
    guard let value = config["activation"], !value.isNull else { return nil }
    let name = value.string ?? value["config"]?.string ?? value["config"]?["name"]?.string
    guard let name, let function = ActivationFunction(kerasName: name) else {
      throw KerasConfigError(
        "\(label): the activation \(value.text) is not one LayerLab has; it has "
          + ActivationFunction.kerasNames.joined(separator: ", "))
    }
    return function
  }

  func channelsLast() throws(KerasConfigError) {
    guard let value = config["data_format"], !value.isNull else { return }
    guard value.string == "channels_last" else {
      throw KerasConfigError(
        "\(label): data_format=\(value.text) is not supported: LayerLab is channels-last (NHWC)")
    }
  }

  func onlyOnes(_ key: String, why: String) throws(KerasConfigError) {
    guard let value = config[key], !value.isNull else { return }
    let items = value.array ?? [value]
    guard items.allSatisfy({ $0.int == 1 }) else {
      throw KerasConfigError("\(label): \(key)=\(value.text): \(why)")
    }
  }

  /// Regularizers, constraints and activity regularizers change only training's loss.
  mutating func noteExtras(
    _ keys: [String] = [
      "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
      "bias_constraint",
    ]
  ) {
    let present = keys.filter { key in config[key].map { !$0.isNull } ?? false }
    if !present.isEmpty {
      notes.append("\(label): " + present.joined(separator: ", ") + " not carried over")
    }
  }

  /// Keras 2 writes `"float32"`, Keras 3 a policy `{"class_name": "DTypePolicy", "config": {"name": "float32"}}`.
  mutating func checkDtype() {
    guard let value = config["dtype"], !value.isNull else { return }
    let name = value.string ?? value["config"]?["name"]?.string
    if let name, name != "float32" {
      notes.append("\(label) computed in \(name) in Keras; LayerLab computes in float32")
    }
  }

  /// `[null, 32, 32, 3]`: the batch axis may be null; the rest must be positive.
  func shape(_ value: JSONValue) throws(KerasConfigError) -> [Int?] {
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
}
