import Engine
import Testing

@testable import LayerLab

/// A reader like readline's: it does not echo, and it records the prompts it was given.
private final class TerminalLikeReader: LineReader {
  private var lines: [String]
  private(set) var prompts: [String] = []
  var echoesInput: Bool { false }
  init(_ lines: [String]) { self.lines = lines }
  func readLine(prompt: String) -> String? {
    prompts.append(prompt)
    return lines.isEmpty ? nil : lines.removeFirst()
  }
}

/// How typed lines become statements, and the limits on what a line may be.
@Suite struct TypedLineTests {
  @Test func anOpenBracketContinuesAtTheContinuationPrompt() {
    let h = Harness()
    let reader = TerminalLikeReader([
      "image demo cat 12x12", "model.add(Conv2D(32, (3, 3), padding='same',",
      "                input_shape=X.shape[1:]))", "layers",
    ])
    _ = h.shell.run(reader)
    #expect(reader.prompts.prefix(3) == ["lab> ", "lab> ", "...  "])
    #expect(
      h.session.model.layers.map(\.spec.expression) == [
        "Conv2D(32, (3, 3), padding='same', input_shape=(12, 12, 3))"
      ])
    #expect(h.session.model.outputShapes == [[12, 12, 32]])
  }

  /// The blog's first layer typed before any picture: X is not "a value to
  /// give" (the generic hint) but what `image` or `data` sets, and the
  /// dataset's names point to `data`. Nothing is added.
  @Test func xBeforeAnImageSaysToLoadOne() {
    let h = Harness()
    let status = h.type(
      "model.add(Conv2D(32, (3, 3), padding='same', input_shape=X.shape[1:]))",
      "model.fit(X_train, Y_train)")
    #expect(status == 1)
    #expect(
      h.console.transcript.components(separatedBy: "error: ").count == 3,
      "\(h.console.transcript)")
    #expect(
      h.console.transcript.contains(
        "error: name 'X' is not defined: no image or data is loaded yet"))
    #expect(
      h.console.transcript.contains(
        "hint: image PATH or data PATH sets it: e.g. image demo cat, or data demo\n"))
    #expect(
      h.console.transcript.contains(
        "error: name 'X_train' is not defined: no data is loaded yet"))
    #expect(!h.console.transcript.contains("e.g. X = 6"))
    #expect(h.session.model.layers.isEmpty)
  }

  @Test func aBlankLineEndsABlockAtTheTerminal() {
    let h = Harness()
    let reader = TerminalLikeReader([
      "def f(x):", "    y = 2 * x", "", "    return y", "print(f(2))",
    ])
    _ = h.shell.run(reader)
    // The blank line ended the def, so '    return y' is a line of its own, indented: refused.
    #expect(h.console.transcript.contains("error: "))
    #expect(h.console.transcript.contains("None"))
  }

  @Test func pipedBlocksKeepBlankLinesAndEndAtTheMargin() {
    let h = Harness()
    h.type("def f(x):", "    y = 2 * x", "", "    return y", "", "print(f(21))")
    #expect(!h.session.anyFailed, "\(h.console.transcript)")
    #expect(h.console.transcript.hasSuffix("lab> print(f(21))\n42\n"))
    #expect(h.console.transcript.contains("...\n...      return y\n\nlab> print"))
  }

  @Test func anUnclosedBracketDoesNotSwallowTheNextStatement() {
    let piped = Harness()
    piped.type("y = (1,", "z = 3")
    #expect(piped.console.errorLines.contains("error: '(' is never closed"))
    #expect(piped.session.python.globals["z"]?.repr == "3")
    let terminal = Harness()
    let reader = TerminalLikeReader(["y = [1,", "", "z = 3"])
    _ = terminal.shell.run(reader)
    #expect(reader.prompts == ["lab> ", "...  ", "lab> ", "lab> "])
    #expect(terminal.console.errorLines.contains("error: '[' is never closed"))
    #expect(terminal.session.python.globals["z"]?.repr == "3")
  }

  @Test func anUnclosedQuoteEndsItsLine() {
    let h = Harness()
    let reader = TerminalLikeReader(["print(\"abc", "z = 3"])
    _ = h.shell.run(reader)
    #expect(reader.prompts == ["lab> ", "lab> ", "lab> "])
    #expect(h.console.errorLines.contains("error: the string is never closed"))
  }

  @Test func indentedPastedLinesRunAsIfAtTheMargin() {
    let h = Harness()
    h.type("image demo cat 12x12", "  model.add(Conv2D(4, (3, 3)))", "    model.add(Flatten())")
    #expect(!h.session.anyFailed, "\(h.console.transcript)")
    #expect(h.session.model.layers.count == 2)
  }

  @Test func ctrlDEndsTheLineAndExitsZeroAtTheTerminal() {
    let h = Harness()
    let status = h.shell.run(TerminalLikeReader(["frobnicate"]))
    #expect(status == 0)
    #expect(h.console.transcript.hasSuffix("\n\n"))
  }

  @Test func aLineOverOneMegabyteIsRefusedWhole() {
    let h = Harness()
    let long = "x = '" + String(repeating: "a", count: 1_100_000) + "'"
    #expect(!h.shell.handle(long))
    #expect(h.console.errorLines.count == 2)
    #expect(h.console.errorLines.first?.hasPrefix("error: the line is 1100006 bytes long") ?? false)
    #expect(h.session.python.globals["x"] == nil)
  }

  @Test func aHugeUnknownWordGetsNoSuggestion() {
    let h = Harness()
    #expect(!h.shell.handle(String(repeating: "q", count: 900_000)))
    #expect(h.console.errorLines.contains { $0.hasPrefix("error: unknown command 'qqq") })
    #expect(h.console.errorLines.last == "hint: type 'help' for the list")
  }

  @Test func hugeNumbersSayWhatIsWrong() {
    let h = Harness()
    h.type("image demo cat 12x12")
    #expect(!h.shell.handle("model.add(Conv2D(10**9, (3, 3)))"))
    #expect(h.console.errorLines.last?.contains("per sample takes") ?? false)
    #expect(!h.shell.handle("add Dense(99999999999999999999)"))
    #expect(
      h.console.errorLines.contains {
        $0.contains("is too large: LayerLab's whole numbers stop at")
      })
    #expect(h.session.model.layers.isEmpty)
  }

  @Test func pythonWordsAndShellWordsGetHonestHints() {
    let h = Harness()
    for (line, hint) in [
      ("ls", "hint: LayerLab is not a system shell"),
      ("pwd", "hint: LayerLab is not a system shell"),
      ("cd ..", "hint: LayerLab is not a system shell"), ("shwo", "hint: did you mean 'show'?"),
    ] {
      #expect(!h.shell.handle(line))
      #expect(
        h.console.errorLines.last?.hasPrefix(hint) ?? false,
        "\(line): \(h.console.errorLines.last ?? "")")
    }
    #expect(!h.shell.handle("def"))
    #expect(!h.console.errorLines.contains { $0.contains("diff") })
  }
}
