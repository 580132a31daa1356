extension LayerSpec {
  /// Reads a Keras layer constructor call such as
  /// `Conv2D(32, (3, 3), padding='same', input_shape=X.shape[1:])`.
  ///
  /// Positional and keyword arguments follow the Keras 3 signatures.
  /// `arrays` maps a Python variable (`X`, `X_train`) to the full shape of the
  /// array it stands for, so `X.shape[1:]` reads as that shape without the
  /// batch axis. Arguments Keras has but LayerLab does not model are accepted
  /// at their default values and refused otherwise, with the reason.
  public init(parsing node: PyNode, arrays: [String: Shape] = [:]) throws(SyntaxError) {
    guard case .call(let callee, let args, let kwargs) = node.value else {
      throw SyntaxError(
        "expected a layer such as Conv2D(32, (3, 3)), got '\(node.text)'", column: node.column)
    }
    // keras.layers.Conv2D, layers.Conv2D and tf.keras.layers.Conv2D all mean Conv2D.
    let className = callee.split(separator: ".").last.map(String.init) ?? callee
    guard let kind = LayerKind(rawValue: className) else {
      let known = LayerKind.allCases.map(\.rawValue)
      let close = closestMatch(className, in: known)
      throw SyntaxError(
        "unknown layer '\(className)'", column: node.column,
        hint: close.map { "did you mean '\($0)'?" } ?? "layers: " + known.joined(separator: ", "))
    }
    self.init(kind: kind)
    let signature: [String]
    switch kind {
    case .conv2D:
      signature = [
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
        "activation", "use_bias",
      ]
    case .dense: signature = ["units", "activation", "use_bias"]
    case .maxPooling2D, .averagePooling2D:
      signature = ["pool_size", "strides", "padding", "data_format"]
    case .dropout: signature = ["rate", "noise_shape", "seed"]
    case .activation: signature = ["activation"]
    case .flatten: signature = ["data_format"]
    case .relu: signature = ["max_value", "negative_slope", "threshold"]
    case .softmax: signature = ["axis"]
    case .batchNormalization:
      signature = [
        "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
        "moving_mean_initializer", "moving_variance_initializer",
      ]
    case .globalAveragePooling2D, .globalMaxPooling2D: signature = ["data_format", "keepdims"]
    case .leakyReLU: signature = ["negative_slope", "alpha"]
    }
    let common = [
      "name", "input_shape", "kernel_initializer", "bias_initializer", "trainable", "dtype",
    ]
    guard args.count <= signature.count else {
      throw SyntaxError(
        "\(className) takes at most \(signature.count) positional arguments, got \(args.count)",
        column: args[signature.count].column)
    }
    var given: [(String, PyNode)] = zip(signature, args).map { ($0, $1) }
    for (key, value) in kwargs {
      guard signature.contains(key) || common.contains(key) else {
        let close = closestMatch(key, in: signature + common)
        throw SyntaxError(
          "\(className) has no argument '\(key)'", column: value.column,
          hint: close.map { "did you mean '\($0)'?" } ?? "arguments: "
            + signature.joined(separator: ", "))
      }
      if given.contains(where: { $0.0 == key }) {
        throw SyntaxError("'\(key)' is given twice", column: value.column)
      }
      given.append((key, value))
    }
    let required: [LayerKind: String] = [
      .conv2D: "filters", .dense: "units", .dropout: "rate", .activation: "activation",
    ]
    if let needed = required[kind], !given.contains(where: { $0.0 == needed }) {
      throw SyntaxError(
        "\(className) needs '\(needed)'", column: node.column + node.text.count - 1,
        hint: kind == .conv2D ? "e.g. Conv2D(32, (3, 3))" : "e.g. " + LayerSpec.example(kind))
    }
    if kind == .conv2D, !given.contains(where: { $0.0 == "kernel_size" }) {
      throw SyntaxError(
        "Conv2D needs 'kernel_size'", column: node.column + node.text.count - 1,
        hint: "e.g. Conv2D(32, (3, 3))")
    }
    for (key, value) in given {
      switch key {
      case "filters", "units":
        units = try LayerSpec.positiveInt(value, key)
      case "kernel_size":
        kernelSize = try LayerSpec.pair(value, key)
      case "pool_size":
        poolSize = try LayerSpec.pair(value, key)
      case "strides":
        if case .none = value.value {
          strides = nil
        } else {
          strides = try LayerSpec.pair(value, key)
        }
      case "padding":
        guard case .string(let s) = value.value, let p = Padding(rawValue: s.lowercased()) else {
          throw SyntaxError(
            "padding must be 'valid' or 'same', got \(value.text)", column: value.column)
        }
        padding = p
      case "activation":
        if case .none = value.value {
          activation = .linear
        } else {
          guard case .string(let s) = value.value else {
            throw SyntaxError(
              "activation must be a name in quotes, e.g. 'relu'", column: value.column)
          }
          guard let a = ActivationFunction(kerasName: s) else {
            let names = ActivationFunction.kerasNames
            throw SyntaxError(
              "unknown activation '\(s)'", column: value.column,
              hint: closestMatch(s, in: names).map { "did you mean '\($0)'?" } ?? "activations: "
                + names.joined(separator: ", "))
          }
          activation = a
        }
      case "use_bias":
        guard case .bool(let b) = value.value else {
          throw SyntaxError("use_bias must be True or False", column: value.column)
        }
        useBias = b
      case "rate":
        rate = Float(try LayerSpec.number(value, key))
      case "name":
        guard case .string(let s) = value.value, !s.isEmpty,
          s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else {
          throw SyntaxError(
            "name must be a word in quotes, e.g. name='edges'", column: value.column)
        }
        name = s
      case "input_shape":
        inputShape = try LayerSpec.shape(value, arrays: arrays)
      case "data_format":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.string("channels_last"), .none],
          why: "LayerLab is channels-last (NHWC), as Keras's default")
      case "dilation_rate":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.int(1), .tuple([])], why: "dilated convolutions are not supported",
          pairOfOnes: true)
      case "groups":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.int(1)], why: "grouped convolutions are not supported")
      case "kernel_initializer":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.string("glorot_uniform")],
          why: "kernels start glorot_uniform, Keras's default")
      case "bias_initializer":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.string("zeros")], why: "biases start at zero, Keras's default")
      case "trainable":
        try LayerSpec.onlyDefault(value, key, allowed: [.bool(true)], why: "every layer trains")
      case "dtype":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.string("float32")], why: "the engine computes in float32")
      case "noise_shape", "max_value":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.none], why: "only the default is supported")
      case "seed":
        break  // Masks come from the session's seed, so that one seed repeats everything.
      case "negative_slope" where kind == .leakyReLU, "alpha":
        negativeSlope = Float(try LayerSpec.number(value, key))
      case "negative_slope", "threshold":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.int(0), .float(0)], why: "only the plain ReLU is supported")
      case "axis" where kind == .batchNormalization:
        // -1 and 3 both name the channels of an NHWC image; other ranks are checked at build.
        try LayerSpec.onlyDefault(
          value, key, allowed: [.int(-1), .int(3)],
          why: "LayerLab normalizes over the last axis (the channels)")
      case "axis":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.int(-1)], why: "softmax runs over the last axis")
      case "momentum":
        momentum = Float(try LayerSpec.number(value, key))
      case "epsilon":
        epsilon = Float(try LayerSpec.number(value, key))
      case "center", "scale", "keepdims":
        guard case .bool(let b) = value.value else {
          throw SyntaxError("\(key) must be True or False", column: value.column)
        }
        if key == "center" { center = b } else if key == "scale" { scale = b } else { keepDims = b }
      case "beta_initializer", "moving_mean_initializer":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.string("zeros")], why: "it starts at zero, Keras's default")
      case "gamma_initializer", "moving_variance_initializer":
        try LayerSpec.onlyDefault(
          value, key, allowed: [.string("ones")], why: "it starts at one, Keras's default")
      default:
        break
      }
    }
  }

  public static func example(_ kind: LayerKind) -> String {
    switch kind {
    case .conv2D: "Conv2D(32, (3, 3))"
    case .dense: "Dense(512)"
    case .dropout: "Dropout(0.25)"
    case .activation: "Activation('relu')"
    case .maxPooling2D: "MaxPooling2D(pool_size=(2, 2))"
    case .averagePooling2D: "AveragePooling2D(pool_size=(2, 2))"
    case .flatten: "Flatten()"
    case .relu: "ReLU()"
    case .softmax: "Softmax()"
    case .batchNormalization: "BatchNormalization()"
    case .globalAveragePooling2D: "GlobalAveragePooling2D()"
    case .globalMaxPooling2D: "GlobalMaxPooling2D()"
    case .leakyReLU: "LeakyReLU(negative_slope=0.3)"
    }
  }

  static func number(_ node: PyNode, _ key: String) throws(SyntaxError) -> Double {
    switch node.value {
    case .int(let v): return Double(v)
    case .float(let v): return v
    default: throw SyntaxError("\(key) must be a number, got \(node.text)", column: node.column)
    }
  }

  static func positiveInt(_ node: PyNode, _ key: String) throws(SyntaxError) -> Int {
    guard case .int(let v) = node.value else {
      throw SyntaxError("\(key) must be a whole number, got \(node.text)", column: node.column)
    }
    guard v > 0 else { throw SyntaxError("\(key) must be positive, got \(v)", column: node.column) }
    return v
  }

  /// Keras accepts `3` as shorthand for `(3, 3)`.
  static func pair(_ node: PyNode, _ key: String) throws(SyntaxError) -> [Int] {
    switch node.value {
    case .int:
      let v = try positiveInt(node, key)
      return [v, v]
    case .tuple(let items), .list(let items):
      guard items.count == 2 else {
        throw SyntaxError(
          "\(key) must be two numbers, e.g. (3, 3), got \(node.text)", column: node.column)
      }
      return [try positiveInt(items[0], key), try positiveInt(items[1], key)]
    default:
      throw SyntaxError(
        "\(key) must be a number or a pair, e.g. (3, 3), got \(node.text)", column: node.column)
    }
  }

  static func shape(_ node: PyNode, arrays: [String: Shape]) throws(SyntaxError) -> Shape {
    switch node.value {
    case .tuple(let items), .list(let items):
      guard !items.isEmpty else {
        throw SyntaxError("input_shape must not be empty", column: node.column)
      }
      var dims: [Int] = []
      for item in items { dims.append(try positiveInt(item, "input_shape")) }
      return Shape(dims)
    case .`subscript`(let base, let index):
      // X.shape[1:]: the array's shape without its batch axis.
      guard case .name(let dotted) = base.value, dotted.hasSuffix(".shape") else { break }
      let variable = String(dotted.dropLast(".shape".count))
      guard let full = arrays[variable] else {
        throw SyntaxError(
          "'\(variable)' is not defined", column: node.column,
          hint: "load an image or data first, or write the shape, e.g. input_shape=(100, 100, 3)")
      }
      guard index == "1:", full.rank >= 2 else {
        throw SyntaxError("only \(variable).shape[1:] is understood here", column: node.column)
      }
      return full.unbatched
    default:
      break
    }
    throw SyntaxError(
      "input_shape must be a tuple such as (100, 100, 3) or X.shape[1:]", column: node.column)
  }

  static func onlyDefault(
    _ node: PyNode, _ key: String, allowed: [PyValue], why: String, pairOfOnes: Bool = false
  ) throws(SyntaxError) {
    if allowed.contains(node.value) { return }
    if pairOfOnes, case .tuple(let items) = node.value, items.allSatisfy({ $0.value == .int(1) }) {
      return
    }
    throw SyntaxError("\(key)=\(node.text) is not supported: \(why)", column: node.column)
  }
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be a typo.
public func closestMatch(_ word: String, in candidates: [String]) -> String? {
  let lower = word.lowercased()
  var best: (String, Int)?
  for c in candidates {
    let d = editDistance(lower, c.lowercased())
    if d <= max(2, c.count / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
  }
  return best?.0
}

/// Levenshtein distance between two strings.
public func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a)
  let y = Array(b)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      current[j] = min(
        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
    }
    swap(&previous, &current)
  }
  return previous[y.count]
}
