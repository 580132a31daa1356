/// The arguments a Keras class, a function or a shell command takes, in
/// Keras's order, with their defaults: the one description the call binder
/// checks a call against and `help` prints.
///
/// Declared once next to what it describes (a layer's file, an optimizer, a
/// command), so the error for a wrong argument, the help text and the
/// defaults cannot disagree.
public struct Signature: Sendable {
  /// What is called, for messages: `Conv2D`, `model.fit`, `Adam`.
  public var owner: String
  public var arguments: [Argument]
  /// A call that works, shown when a required argument is missing.
  public var example: String?

  public init(_ owner: String, _ arguments: [Argument], example: String? = nil) {
    self.owner = owner
    self.arguments = arguments
    self.example = example
  }

  /// The argument called `name` (or one of its aliases).
  public func argument(_ name: String) -> Argument? {
    arguments.first { $0.name == name || $0.aliases.contains(name) }
  }

  /// Every argument's name, aliases excluded, in order.
  public var names: [String] { arguments.map(\.name) }

  /// The Keras signature as `help` prints it:
  /// `Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', ...)`.
  public var synopsis: String {
    let parts = arguments.filter { !$0.isHidden }.map { argument -> String in
      switch argument.role {
      case .required: argument.name
      case .optional(let d), .keptAtDefault(let d, _, _), .ignored(let d, _):
        "\(argument.name)=\(d.description)"
      }
    }
    return "\(owner)(\(parts.joined(separator: ", ")))"
  }

  /// The arguments LayerLab keeps at Keras's default, for `help`:
  /// `data_format, dilation_rate, groups`.
  public var keptAtDefault: [Argument] {
    arguments.filter {
      if case .keptAtDefault = $0.role { return !$0.isHidden }
      return false
    }
  }
}

extension Signature {
  /// One argument of a ``Signature``.
  public struct Argument: Sendable {
    /// Whether the argument must be given, and what it is when it is not.
    public enum Role: Sendable {
      /// Must be given: `Conv2D`'s `filters`.
      case required
      /// Takes this default when left out.
      case optional(PyConstant)
      /// Keras has it, LayerLab models only its default: given any other value
      /// (`also` lists the other spellings of the default), the call is refused
      /// with `why`.
      case keptAtDefault(PyConstant, also: [PyConstant], why: String)
      /// Accepted with any value and not used, for the reason given.
      case ignored(PyConstant, why: String)
    }

    public var name: String
    public var role: Role
    public var type: ArgumentType
    /// Other names Keras accepts for it (Keras 2's `lr` for `learning_rate`).
    public var aliases: [String] = []
    /// Only by keyword (`input_shape=`): Keras's `**kwargs` and `*` arguments.
    public var keywordOnly = false
    /// Left out of the synopsis `help` prints (Keras 2 spellings, base-class extras).
    public var isHidden = false

    public init(
      _ name: String, _ role: Role, _ type: ArgumentType, aliases: [String] = [],
      keywordOnly: Bool = false, isHidden: Bool = false
    ) {
      self.name = name
      self.role = role
      self.type = type
      self.aliases = aliases
      self.keywordOnly = keywordOnly
      self.isHidden = isHidden
    }

    /// Must be given.
    public static func required(_ name: String, _ type: ArgumentType) -> Argument {
      Argument(name, .required, type)
    }

    /// Takes `default` when left out.
    public static func optional(
      _ name: String, _ defaultValue: PyConstant, _ type: ArgumentType, aliases: [String] = [],
      keywordOnly: Bool = false
    ) -> Argument {
      Argument(name, .optional(defaultValue), type, aliases: aliases, keywordOnly: keywordOnly)
    }

    /// Keras's argument that LayerLab accepts only at its default, explaining why.
    public static func keptAtDefault(
      _ name: String, _ defaultValue: PyConstant, also: [PyConstant] = [], why: String,
      keywordOnly: Bool = false
    ) -> Argument {
      Argument(
        name, .keptAtDefault(defaultValue, also: also, why: why), .anything,
        keywordOnly: keywordOnly)
    }

    /// Accepted whatever it is, and not used.
    public static func ignored(
      _ name: String, _ defaultValue: PyConstant = .none, why: String, keywordOnly: Bool = false
    ) -> Argument {
      Argument(name, .ignored(defaultValue, why: why), .anything, keywordOnly: keywordOnly)
    }

    /// True when the argument must be given.
    public var isRequired: Bool {
      if case .required = role { return true }
      return false
    }

    /// The default, converted as a given value would be; nil when required.
    public var defaultConstant: PyConstant? {
      switch role {
      case .required: nil
      case .optional(let d), .keptAtDefault(let d, _, _), .ignored(let d, _): d
      }
    }
  }

}

/// What values an argument takes: a description for messages and `help`,
/// and a conversion that checks a value and gives its canonical form
/// (`3` → `(3, 3)` for a kernel size, `None` → `'linear'` for an activation).
public struct ArgumentType: Sendable {
  /// `a positive whole number`, `'valid' or 'same'`.
  public var description: String
  /// Checks `value` given for the argument called `name`; throws a
  /// ``LabError`` with no column (the binder points it at the value).
  public var convert: @Sendable (_ value: PyValue, _ name: String) throws -> PyValue

  public init(
    _ description: String, convert: @escaping @Sendable (PyValue, String) throws -> PyValue
  ) {
    self.description = description
    self.convert = convert
  }

  /// Any value, kept as it is.
  public static let anything = ArgumentType("any value") { value, _ in value }
}
