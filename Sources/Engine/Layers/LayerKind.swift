/// Everything LayerLab knows about one Keras layer class, declared once in
/// the layer's own file: its name, its signature with defaults, its help,
/// an example, the lesson that shows it, how to make it and how many
/// weights it will have.
///
/// The shell's `add`, `help LAYER`, Tab completion, the call binder, model
/// files and `export keras` all read these declarations, so a new layer is
/// a new file with one `extension LayerKind { static let … }` and its line
/// in ``allCases``.
public struct LayerKind: Sendable, Hashable, CustomStringConvertible {
  /// Keras's class name: `Conv2D`.
  public let className: String
  /// The base of automatic layer names: `conv2d`, `max_pooling2d`.
  public let autoNameBase: String
  /// One line for `help add`: what the layer does.
  public let summary: String
  /// A paragraph for `help LAYER`: what the layer computes and why it is there.
  public let about: String
  /// The arguments of the Keras constructor, the layer's own first, then
  /// those every Keras layer takes (`name`, `input_shape`, ...).
  public let signature: Signature
  /// A call a learner can type as it is.
  public let example: String
  /// The lesson that shows the layer (a file in `lessons/` without `.lab`).
  public let lesson: String?
  /// The layer's own arguments, which a ``LayerSpec`` stores.
  public let ownArguments: [Signature.Argument]
  /// Makes the layer from a spec whose arguments have been checked.
  let make: @Sendable (LayerSpec, String) -> any Layer
  /// The scalars the layer will hold for a per-sample input, trainable or
  /// not (Keras's "Param #"), or nil when the count overflows; checked
  /// before any weight is allocated.
  let countParameters: @Sendable (LayerSpec, Shape) -> Int?

  /// Declares a layer kind. `arguments` are the layer's own, in Keras's
  /// order; the arguments every Keras layer takes are added after them.
  public init(
    className: String, summary: String, about: String, arguments: [Signature.Argument],
    example: String,
    lesson: String?, autoNameBase: String? = nil,
    parameterCount: @escaping @Sendable (LayerSpec, Shape) -> Int? = { _, _ in 0 },
    make: @escaping @Sendable (LayerSpec, String) -> any Layer
  ) {
    self.className = className
    self.autoNameBase = autoNameBase ?? snakeCase(className)
    self.summary = summary
    self.about = about
    self.ownArguments = arguments
    self.signature = Signature(className, arguments + LayerKind.baseArguments, example: example)
    self.example = example
    self.lesson = lesson
    self.make = make
    self.countParameters = parameterCount
  }

  /// Every layer kind, in the order `help` lists them.
  public static let allCases: [LayerKind] = [
    .conv2D, .activation, .relu, .leakyReLU, .softmax, .batchNormalization, .maxPooling2D,
    .averagePooling2D, .globalAveragePooling2D, .globalMaxPooling2D, .dropout, .flatten, .dense,
  ]

  /// The kind with Keras class name `rawValue`.
  public init?(rawValue: String) {
    guard let kind = LayerKind.allCases.first(where: { $0.className == rawValue }) else {
      return nil
    }
    self = kind
  }

  /// The Keras class name.
  public var rawValue: String { className }
  public var description: String { className }

  public static func == (a: LayerKind, b: LayerKind) -> Bool { a.className == b.className }
  public func hash(into hasher: inout Hasher) { hasher.combine(className) }

  /// What every Keras layer takes through its base class: a name, the input
  /// shape on the first layer, and settings LayerLab keeps at their defaults.
  static let baseArguments: [Signature.Argument] = [
    Signature.Argument(
      "name", .optional(.none),
      .init("a word in quotes") { value, name in
        if case .none = value { return .none }
        return try ArgumentType.layerName.convert(value, name)
      }, keywordOnly: true),
    Signature.Argument(
      "input_shape", .optional(.none),
      .init("a shape such as (100, 100, 3)") {
        value, name in
        if case .none = value { return .none }
        return try ArgumentType.shape.convert(value, name)
      }, keywordOnly: true),
    Signature.Argument(
      "input_dim", .optional(.none),
      .init("the number of input features") {
        value, name in
        if case .none = value { return .none }
        return try ArgumentType.positiveInt.convert(value, name)
      }, keywordOnly: true, isHidden: true),
    Signature.Argument(
      "trainable", .keptAtDefault(.bool(true), also: [], why: "every layer trains"), .anything,
      keywordOnly: true, isHidden: true),
    Signature.Argument(
      "dtype",
      .keptAtDefault(.none, also: [.string("float32")], why: "the engine computes in float32"),
      .anything, keywordOnly: true, isHidden: true),
  ]
}

/// Keras's `to_snake_case` (keras/src/utils/naming.py): `Conv2D` → `conv2d`,
/// `MaxPooling2D` → `max_pooling2d`, `ReLU` → `re_lu`.
func snakeCase(_ name: String) -> String {
  let chars = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
  // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
  var first: [Character] = []
  var i = 0
  while i < chars.count {
    if i > 0, chars[i].isUppercase, i + 1 < chars.count, chars[i + 1].isLowercase {
      first.append("_")
    }
    first.append(chars[i])
    i += 1
  }
  // re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
  var out: [Character] = []
  for (j, ch) in first.enumerated() {
    if j > 0, ch.isUppercase, first[j - 1].isLowercase { out.append("_") }
    out.append(ch)
  }
  return String(out).lowercased()
}
