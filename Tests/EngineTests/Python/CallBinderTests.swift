import Testing

@testable import Engine

/// The one call binder every layer, optimizer and command goes through.
@Suite struct CallBinderTests {
  static let signature = Signature(
    "Thing",
    [
      .required("size", .positiveInt),
      .optional("padding", .string("valid"), .padding),
      .optional("rate", .float(0.5), .fraction, aliases: ["r"]),
      .keptAtDefault("groups", .int(1), why: "grouped things are not supported"),
      .ignored("seed", why: "the session's seed is used"),
      .optional("name", .none, .anything, keywordOnly: true),
    ], example: "Thing(3)")

  func call(_ positional: [PyValue], _ keywords: [(String, PyValue)] = []) -> CallArguments {
    var column = 6
    var call = CallArguments(start: SourcePosition(column: 0))
    for value in positional {
      call.positional.append(.init(value, at: SourcePosition(column: column)))
      column += 3
    }
    for (name, value) in keywords {
      call.keywords.append(
        .init(
          name, at: SourcePosition(column: column),
          .init(value, at: SourcePosition(column: column + name.count + 1))))
      column += name.count + 4
    }
    call.end = SourcePosition(column: column)
    return call
  }

  func error(_ call: CallArguments) -> LabError? {
    do {
      _ = try Self.signature.bind(call)
      return nil
    } catch {
      return error
    }
  }

  @Test func positionalKeywordsDefaultsAndAliases() throws {
    let bound = try Self.signature.bind(call([.int(3)], [("r", .float(0.25)), ("seed", .int(9))]))
    #expect(bound.int("size") == 3)
    #expect(bound.string("padding") == "valid")
    #expect(bound.double("rate") == 0.25)
    #expect(bound.isGiven("rate") && !bound.isGiven("padding"))
    #expect(bound.integer("seed") == 9)
  }

  @Test func mistakesPointAtTheirArgument() {
    #expect(
      error(call([])) == LabError("Thing needs 'size'", column: 6, hint: "e.g. Thing(3)", line: 1))
    #expect(error(call([.int(0)]))?.message == "size must be positive, got 0")
    #expect(error(call([.int(0)]))?.column == 6)
    let unknown = error(call([.int(3)], [("paddin", .string("same"))]))
    #expect(unknown?.message == "Thing has no argument 'paddin'")
    #expect(unknown?.hint == "did you mean 'padding'?")
    #expect(unknown?.column == 9)
    #expect(error(call([.int(3)], [("size", .int(4))]))?.message == "'size' is given twice")
    #expect(
      error(call([.int(3), .string("same"), .float(0.1), .int(1), .int(1), .int(1)]))?.message
        == "Thing takes at most 5 positional arguments, got 6")
    #expect(
      error(call([.int(3)], [("groups", .int(2))]))?.message
        == "groups=2 is not supported: grouped things are not supported")
    #expect(error(call([.int(3)], [("groups", .float(1))])) == nil)
    #expect(
      error(call([.int(3)], [("rate", .float(1))]))?.message
        == "rate must be in [0, 1), e.g. 0.25, got 1.0")
  }

  @Test func suggestionsAreOnlyForCloseWords() {
    #expect(closestMatch("shwo", in: ["show", "seed"]) == "show")
    #expect(closestMatch("trian", in: ["train"]) == "train")
    #expect(closestMatch("paddin", in: ["padding", "pool_size"]) == "padding")
    #expect(closestMatch("ls", in: ["rm", "labels", "layers"]) == nil)
    #expect(closestMatch("def", in: ["diff", "fit"]) == nil)
    #expect(closestMatch("Conv2d", in: ["Conv2D"]) == "Conv2D")
    #expect(closestMatch(String(repeating: "x", count: 10_000_000), in: ["show"]) == nil)
  }

  @Test func synopsisIsKerasLike() {
    #expect(
      Self.signature.synopsis
        == "Thing(size, padding='valid', rate=0.5, groups=1, seed=None, name=None)")
  }
}

extension BoundArguments {
  fileprivate func integer(_ name: String) -> Int? { self[name].integer }
}
