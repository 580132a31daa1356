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

  /// Reads `'adam'` (a string) or a call such as `keras.optimizers.Adam(learning_rate=1e-3)`.
  ///
  /// Keras 2's lower-case factories (`keras.optimizers.adam()`, which the
  /// seed script calls) and its `lr=` spelling are accepted too.
  public init(parsing node: PyNode) throws(SyntaxError) {
    let name: String
    var args: [PyNode] = []
    var kwargs: [(String, PyNode)] = []
    switch node.value {
    case .string(let s), .name(let s):
      name = s
    case .call(let callee, let a, let k):
      name = callee.split(separator: ".").last.map(String.init) ?? callee
      args = a
      kwargs = k
    default:
      throw SyntaxError(
        "expected an optimizer such as 'adam' or keras.optimizers.Adam(), got \(node.text)",
        column: node.column)
    }
    guard let kind = Kind.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() })
    else {
      let names = Kind.allCases.map(\.rawValue)
      throw SyntaxError(
        "unknown optimizer '\(name)'", column: node.column,
        hint: closestMatch(name, in: names).map { "did you mean '\($0)'?" } ?? "optimizers: "
          + names.joined(separator: ", "))
    }
    self.init(kind: kind)
    let signature: [String]
    switch kind {
    case .sgd: signature = ["learning_rate", "momentum", "nesterov"]
    case .rmsprop: signature = ["learning_rate", "rho", "momentum", "epsilon", "centered"]
    case .adam: signature = ["learning_rate", "beta_1", "beta_2", "epsilon"]
    }
    guard args.count <= signature.count else {
      throw SyntaxError(
        "\(kind.rawValue) takes at most \(signature.count) positional arguments",
        column: args[signature.count].column)
    }
    var given = zip(signature, args).map { ($0, $1) }
    for (key, value) in kwargs {
      let canonical = key == "lr" ? "learning_rate" : key
      guard
        signature.contains(canonical)
          || ["name", "amsgrad", "weight_decay", "clipnorm", "clipvalue"].contains(canonical)
      else {
        throw SyntaxError(
          "\(kind.rawValue) has no argument '\(key)'", column: value.column,
          hint: closestMatch(key, in: signature).map { "did you mean '\($0)'?" } ?? "arguments: "
            + signature.joined(separator: ", "))
      }
      given.append((canonical, value))
    }
    for (key, value) in given {
      switch key {
      case "nesterov", "centered":
        guard case .bool(let flag) = value.value else {
          throw SyntaxError("\(key) must be True or False", column: value.column)
        }
        if key == "nesterov" { nesterov = flag } else { centered = flag }
      case "amsgrad":
        guard value.value == .bool(false) else {
          throw SyntaxError(
            "amsgrad=True is not supported: LayerLab's Adam is the plain one", column: value.column)
        }
      case "name":
        break
      case "weight_decay", "clipnorm", "clipvalue":
        guard value.value == .none else {
          throw SyntaxError("\(key) is not supported; leave it out", column: value.column)
        }
      default:
        let number = Float(try LayerSpec.number(value, key))
        guard number.isFinite, number >= 0 else {
          throw SyntaxError("\(key) must be a number ≥ 0, got \(value.text)", column: value.column)
        }
        switch key {
        case "learning_rate":
          guard number > 0 else {
            throw SyntaxError(
              "learning_rate must be positive, got \(value.text)", column: value.column)
          }
          learningRate = number
        case "momentum":
          guard number < 1 else {
            throw SyntaxError("momentum must be below 1, got \(value.text)", column: value.column)
          }
          momentum = number
        case "rho":
          // Above 1 the running average of g² turns negative and its root NaN.
          guard number <= 1 else {
            throw SyntaxError("rho must be at most 1, got \(value.text)", column: value.column)
          }
          rho = number
        case "beta_1", "beta_2":
          // Adam divides by 1 - beta**t: at 1 every step is 0/0, NaN at once,
          // which a smaller learning rate cannot cure (Keras does not check).
          guard number < 1 else {
            throw SyntaxError(
              "\(key) must be below 1 (Adam divides by 1 - \(key)**t), got \(value.text)",
              column: value.column, hint: "Keras's defaults are beta_1=0.9, beta_2=0.999")
          }
          if key == "beta_1" { beta1 = number } else { beta2 = number }
        default: epsilon = number
        }
      }
    }
  }

  /// The Keras call that makes this optimizer, with only non-default arguments.
  public var expression: String { make().expression }
}
