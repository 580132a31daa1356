/// An optimizer as Keras code names it: `'adam'`, `keras.optimizers.adam()`,
/// `Adam(learning_rate=0.001)`, `SGD(lr=0.01, momentum=0.9, nesterov=True)`.
///
/// Kept as a value so `compile` can make a fresh optimizer from it and a
/// model file or transcript can say which one trains the model.
public struct OptimizerSpec: Equatable, Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    case sgd = "SGD"
    case rmsprop = "RMSprop"
    case adam = "Adam"
  }
  public var kind: Kind
  /// Keras 3's defaults: 0.01 for SGD, 0.001 for RMSprop and Adam.
  public var learningRate: Float
  public var momentum: Float = 0
  public var nesterov = false
  public var rho: Float = 0.9
  public var centered = false
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-7

  public init(kind: Kind) {
    self.kind = kind
    learningRate = kind == .sgd ? 0.01 : 0.001
  }

  /// A new optimizer with no state.
  public func make() -> any Optimizer {
    switch kind {
    case .sgd: SGD(learningRate: learningRate, momentum: momentum, nesterov: nesterov)
    case .rmsprop:
      RMSprop(
        learningRate: learningRate, rho: rho, momentum: momentum, epsilon: epsilon,
        centered: centered)
    case .adam: Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }
  }

  /// The kind named `name` in any case: `adam`, `Adam`, `keras.optimizers.adam`.
  public init?(named name: String) {
    let last = name.split(separator: ".").last.map(String.init) ?? name
    guard let kind = Kind.allCases.first(where: { $0.rawValue.lowercased() == last.lowercased() })
    else { return nil }
    self.init(kind: kind)
  }

  /// Keras 3's constructor for `kind`, with Keras 2's `lr` as another name
  /// for `learning_rate` (the seed script's era).
  public static func signature(for kind: Kind) -> Signature {
    let rate = Signature.Argument.optional(
      "learning_rate", .float(kind == .sgd ? 0.01 : 0.001), .positiveNumber, aliases: ["lr"])
    var own: [Signature.Argument]
    switch kind {
    case .sgd:
      own = [
        rate, .optional("momentum", .float(0), .belowOne),
        .optional("nesterov", .bool(false), .bool),
      ]
    case .rmsprop:
      own = [
        rate, .optional("rho", .float(0.9), .atMostOne),
        .optional("momentum", .float(0), .belowOne),
        .optional("epsilon", .float(1e-7), .nonNegativeNumber),
        .optional("centered", .bool(false), .bool),
      ]
    case .adam:
      own = [
        // Adam divides by 1 - beta**t: at 1 every step is 0/0, NaN at once,
        // which a smaller learning rate cannot cure (Keras does not check).
        rate, .optional("beta_1", .float(0.9), .belowOne),
        .optional("beta_2", .float(0.999), .belowOne),
        .optional("epsilon", .float(1e-7), .nonNegativeNumber),
        .keptAtDefault(
          "amsgrad", .bool(false), why: "LayerLab's Adam is the plain one, leave amsgrad out"),
      ]
    }
    let unsupported = ["weight_decay", "clipnorm", "clipvalue", "global_clipnorm"].map {
      Signature.Argument.keptAtDefault($0, .none, why: "LayerLab does not model it; leave it out")
    }
    return Signature(
      "\(kind.rawValue)", own + unsupported + [.ignored("name", why: "optimizers are not named")],
      example: "keras.optimizers.\(kind.rawValue)(learning_rate=0.001)")
  }

  /// The optimizer a call bound to ``signature(for:)`` describes.
  public init(kind: Kind, bound: BoundArguments) {
    self.init(kind: kind)
    learningRate = Float(bound.double("learning_rate"))
    switch kind {
    case .sgd:
      momentum = Float(bound.double("momentum"))
      nesterov = bound.bool("nesterov")
    case .rmsprop:
      rho = Float(bound.double("rho"))
      momentum = Float(bound.double("momentum"))
      epsilon = Float(bound.double("epsilon"))
      centered = bound.bool("centered")
    case .adam:
      beta1 = Float(bound.double("beta_1"))
      beta2 = Float(bound.double("beta_2"))
      epsilon = Float(bound.double("epsilon"))
    }
  }

  /// Reads `'adam'` (a string) or a call written with literals, such as
  /// `keras.optimizers.Adam(learning_rate=1e-3)`.
  ///
  /// Keras 2's lower-case factories (`keras.optimizers.adam()`, which the
  /// seed script calls) and its `lr=` spelling are accepted too.
  public init(parsing expression: PyExpr) throws(LabError) {
    let name: String
    var call = CallArguments(start: expression.start)
    switch expression.kind {
    case .constant(.string(let s)):
      name = s
    case .call(let callee, _, _):
      name = callee.dottedName ?? ""
      call = try expression.callArguments { (e) throws(LabError) in try e.literalValue() }
    default:
      name = expression.dottedName ?? ""
    }
    self = try OptimizerSpec.named(name, at: expression.start)
    self = OptimizerSpec(kind: kind, bound: try OptimizerSpec.signature(for: kind).bind(call))
  }

  /// The optimizer `name` names, or "unknown optimizer" with the nearest name.
  public static func named(_ name: String, at position: SourcePosition) throws(LabError)
    -> OptimizerSpec
  {
    if let spec = OptimizerSpec(named: name) { return spec }
    let names = Kind.allCases.map(\.rawValue)
    let last = name.split(separator: ".").last.map(String.init) ?? name
    throw LabError(
      last.isEmpty
        ? "expected an optimizer such as 'adam' or keras.optimizers.Adam()"
        : "unknown optimizer '\(last)'", column: position.column,
      hint: closestMatch(last, in: names).map { "did you mean '\($0)'?" } ?? "optimizers: "
        + names.joined(separator: ", "), line: position.line)
  }

  /// The Keras call that makes this optimizer, with only non-default arguments.
  public var expression: String { make().expression }
}

extension ArgumentType {
  /// A number from 0 to 1, such as RMSprop's rho: above 1 the running
  /// average of g² turns negative and its square root NaN.
  static let atMostOne = ArgumentType("a number from 0 to 1") { value, name in
    let x = try number(value, name)
    guard x >= 0, x <= 1 else {
      throw LabError(message: "\(name) must be from 0 to 1, got \(value.repr)")
    }
    return .float(x)
  }
}
