import Testing

@testable import LayerLab

struct ErrorCase: Sendable, CustomTestStringConvertible {
  /// Lines typed first, which must succeed.
  var setup: [String] = []
  let input: String
  let expected: String
  var testDescription: String { input }
}

/// One line of bad input → the exact screen: echo, caret, message, hint.
@Suite struct ErrorMessageTests {
  static let cases: [ErrorCase] = [
    ErrorCase(
      input: "shwo conv2d",
      expected: """
        lab> shwo conv2d
             ^
        error: unknown command 'shwo'
        hint: did you mean 'show'?

        """),
    ErrorCase(
      input: "frobnicate",
      expected: """
        lab> frobnicate
             ^
        error: unknown command 'frobnicate'
        hint: type 'help' for the list

        """),
    ErrorCase(
      input: "add Conv2D(32, (3, 3), paddin='same')",
      expected: """
        lab> add Conv2D(32, (3, 3), paddin='same')
                                    ^
        error: Conv2D has no argument 'paddin'
        hint: did you mean 'padding'?

        """),
    ErrorCase(
      input: "model.add(Conv2d(8, 3))",
      expected: """
        lab> model.add(Conv2d(8, 3))
                       ^
        error: unknown layer 'Conv2d'
        hint: did you mean 'Conv2D'?

        """),
    ErrorCase(
      input: "add Dense(total_num)",
      expected: """
        lab> add Dense(total_num)
                       ^
        error: name 'total_num' is not defined
        hint: give it a value first, e.g. total_num = 6

        """),
    ErrorCase(
      setup: ["add Dense(3, input_shape=(4,))"],
      input: "remove 9",
      expected: """
        lab> remove 9
                    ^
        error: there is no layer 9: the model has 1
        hint: type 'layers' to see the positions

        """),
    ErrorCase(
      input: "forward sideways",
      expected: """
        lab> forward sideways
                     ^
        error: expected 'training' or nothing, got 'sideways'
        hint: usage: forward [training]

        """),
    ErrorCase(
      setup: ["add Dense(3, input_shape=(4,))"],
      input: "show dense",
      expected: """
        lab> show dense
        error: nothing to show yet: no forward pass since the model last changed
        hint: run 'forward' first

        """),
    ErrorCase(
      setup: ["add Conv2D(2, (3, 3), input_shape=(5, 5, 1))", "add Flatten()"],
      input: "add Conv2D(2, (1, 1))",
      expected: """
        lab> add Conv2D(2, (1, 1))
        error: conv2d_1 (Conv2D) needs an input shaped (height, width, channels), but
               gets (None, 18): Conv2D cannot follow Flatten or Dense

        """),
    ErrorCase(
      setup: ["data demo"],
      input: "model.fit(X_train, Y_train, batch_size=batch_size)",
      expected: """
        lab> model.fit(X_train, Y_train, batch_size=batch_size)
                                                    ^
        error: name 'batch_size' is not defined
        hint: give it a value first, e.g. batch_size = 32

        """),
    ErrorCase(
      input: "model.fly()",
      expected: """
        lab> model.fly()
                   ^
        error: 'Sequential' object has no attribute 'fly'
        hint: it has: add, summary, compile, fit, evaluate, predict, save, save_weights,
              load_weights, layers, count_params, get_layer

        """),
  ]

  @Test(arguments: cases)
  func messageIsExact(_ c: ErrorCase) {
    let h = Harness()
    for line in c.setup { #expect(h.shell.handle(line), "setup line failed: \(line)") }
    let before = h.session.model.layers.map(\.name)
    let status = h.shell.run(ScriptReader(lines: [c.input]))
    let transcript = h.console.transcript
    let typed =
      transcript.range(of: "lab> " + c.input).map { String(transcript[$0.lowerBound...]) }
      ?? transcript
    #expect(typed == c.expected)
    #expect(status == 1)
    #expect(h.session.model.layers.map(\.name) == before)
  }

  @Test func aScriptGoesOnAfterAnErrorAndExitsWithOne() {
    let h = Harness()
    let status = h.type("# narration", "nonsense", "", "add Dense(2, input_shape=(3,))")
    #expect(status == 1)
    #expect(h.session.model.layers.count == 1)
    #expect(h.console.transcript.hasPrefix("narration\nlab> nonsense\n"))
  }
}
