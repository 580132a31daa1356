/// What a call was given, as written: `f(a, b, key=value)`, each value with
/// the place it was typed so an error can point at it.
public struct CallArguments {
  /// One value and where it was written.
  public struct Item {
    public var value: PyValue
    public var location: SourcePosition
    public init(_ value: PyValue, at location: SourcePosition) {
      self.value = value
      self.location = location
    }
  }

  /// `key=value`, with the key's place (for "no argument 'key'").
  public struct Keyword {
    public var name: String
    public var nameLocation: SourcePosition
    public var item: Item
    public init(_ name: String, at nameLocation: SourcePosition, _ item: Item) {
      self.name = name
      self.nameLocation = nameLocation
      self.item = item
    }
  }

  public var positional: [Item]
  public var keywords: [Keyword]
  /// Where the call starts (the callee's first character).
  public var start: SourcePosition
  /// Where the call ends (its closing bracket, or the end of a command line),
  /// where "needs 'filters'" points.
  public var end: SourcePosition

  public init(
    positional: [Item] = [], keywords: [Keyword] = [], start: SourcePosition,
    end: SourcePosition? = nil
  ) {
    self.positional = positional
    self.keywords = keywords
    self.start = start
    self.end = end ?? start
  }

  /// True when nothing was given.
  public var isEmpty: Bool { positional.isEmpty && keywords.isEmpty }

  /// The value given for `name` as a keyword, if any.
  public func keyword(_ name: String) -> Item? { keywords.first { $0.name == name }?.item }
}
