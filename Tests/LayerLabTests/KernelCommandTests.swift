import Engine
import Testing

@testable import LayerLab

/// `kernel`: what it writes into the Keras-shaped array, undo, and its mistakes.
@Suite struct KernelCommandTests {
  /// A 3-channel picture and one Conv2D with 2 filters, built and ready.
  private func harness() -> Harness {
    let h = Harness()
    h.shell.handle("image demo edges 8x8")
    h.shell.handle("add Conv2D(2, (3, 3), padding='same')")
    return h
  }

  private func kernel(_ h: Harness) throws -> Tensor {
    let conv = try #require(h.session.model.layers.first as? Conv2D)
    return try #require(conv.kernel).value
  }

  /// Element (ky, kx, c, f) of a (3, 3, 3, 2) kernel.
  private func at(_ k: Tensor, _ ky: Int, _ kx: Int, _ c: Int, _ f: Int) -> Float {
    k.scalars[((ky * 3 + kx) * 3 + c) * 2 + f]
  }

  @Test func presetGoesOnEveryChannelScaledByOneOverChannels() throws {
    let h = harness()
    let before = try kernel(h)
    #expect(h.shell.handle("kernel conv2d preset sobel_x filter 0"))
    let k = try kernel(h)
    for c in 0..<3 {
      #expect(abs(at(k, 1, 2, c, 0) - 2.0 / 3) < 1e-6)
      #expect(abs(at(k, 0, 0, c, 0) + 1.0 / 3) < 1e-6)
      #expect(at(k, 1, 1, c, 0) == 0)
      #expect(at(k, 1, 2, c, 1) == at(before, 1, 2, c, 1), "filter 1 must not change")
    }
  }

  @Test func numbersGoOnOneChannelUnscaledAndUndoPutsThemBack() throws {
    let h = harness()
    let before = try kernel(h)
    #expect(
      h.shell.handle("kernel conv2d filter 1 channel 2 = [[1, 0, -1], [2, 0, -2], [1, 0, -1.5]]"))
    let k = try kernel(h)
    #expect(at(k, 1, 0, 2, 1) == 2)
    #expect(at(k, 2, 2, 2, 1) == -1.5)
    #expect(at(k, 1, 0, 1, 1) == at(before, 1, 0, 1, 1), "channel 1 must not change")
    #expect(h.shell.handle("undo"))
    #expect(try kernel(h) == before)
  }

  @Test func biasAndClearedPass() throws {
    let h = harness()
    #expect(h.shell.handle("forward"))
    #expect(!h.session.model.lastOutputs.isEmpty)
    #expect(h.shell.handle("kernel conv2d bias 1 = 0.5"))
    let conv = try #require(h.session.model.layers.first as? Conv2D)
    #expect(try #require(conv.bias).value.scalars == [0, 0.5])
    #expect(h.session.model.lastOutputs.isEmpty, "a changed kernel makes the last pass stale")
  }

  @Test func printsTheSelectedFilterAsAlignedRows() {
    let h = harness()
    h.shell.handle("kernel conv2d preset identity filter 1")
    let start = h.console.transcript.count
    #expect(h.shell.handle("kernel conv2d filter 1 channel 0"))
    let printed = String(h.console.transcript.dropFirst(start))
    #expect(
      printed == """
        conv2d kernel (3, 3, 3, 2): filter 1 of 2, bias 0.000
        channel 0
        0.000 0.000 0.000
        0.000 0.333 0.000
        0.000 0.000 0.000

        """)
  }

  static let mistakes: [ErrorCase] = [
    ErrorCase(
      setup: ["image demo edges 8x8", "add Conv2D(2, (3, 3))"],
      input: "kernel conv2d filter 0 channel 0 = [[1e39, 0, 0], [0, 0, 0], [0, 0, 0]]",
      expected: """
        lab> kernel conv2d filter 0 channel 0 = [[1e39, 0, 0], [0, 0, 0], [0, 0, 0]]
                                                  ^
        error: '1e39' does not fit a float32 weight (they stop at ±3.4e38, and must be
               finite)
        hint: e.g. [[0, 0, 0], [0, 0, 0], [0, 0, 0]]

        """),
    ErrorCase(
      setup: ["image demo edges 8x8", "add Conv2D(2, (3, 3))"],
      input: "kernel conv2d filter 0 channel 0 = [[1, 0, -1], [2, 0], [1, 0, -1]]",
      expected: """
        lab> kernel conv2d filter 0 channel 0 = [[1, 0, -1], [2, 0], [1, 0, -1]]
                                                                  ^
        error: the kernel is 3x3: each row needs 3 numbers, this one has 2
        hint: e.g. [[0, 0, 0], [0, 0, 0], [0, 0, 0]]

        """),
    ErrorCase(
      setup: ["image demo edges 8x8", "add Conv2D(2, (3, 3))"],
      input: "kernel conv2d filter 2",
      expected: """
        lab> kernel conv2d filter 2
                                  ^
        error: there is no filter 2: this layer has 2 (0-1)
        hint: choose a filter from 0 to 1

        """),
    ErrorCase(
      setup: ["image demo edges 8x8", "add Conv2D(2, (3, 3))"],
      input: "kernel conv2d preset sobel",
      expected: """
        lab> kernel conv2d preset sobel
                                  ^
        error: there is no preset 'sobel'
        hint: did you mean 'sobel_x'?

        """),
    ErrorCase(
      setup: ["image demo edges 8x8", "add Conv2D(2, (5, 5))"],
      input: "kernel conv2d preset blur",
      expected: """
        lab> kernel conv2d preset blur
                    ^
        error: presets are 3x3, but conv2d's kernel is 5x5
        hint: set its numbers instead: kernel conv2d filter 0 channel 0 = [[...]]

        """),
    ErrorCase(
      setup: ["image demo edges 8x8", "add Flatten()"],
      input: "kernel flatten",
      expected: """
        lab> kernel flatten
                    ^
        error: flatten (Flatten) has no kernel to set: only Conv2D layers do here
        hint: type 'layers' to find a Conv2D

        """),
    ErrorCase(
      setup: ["add Conv2D(2, (3, 3))"],
      input: "kernel conv2d",
      expected: """
        lab> kernel conv2d
                    ^
        error: conv2d has no weights yet: its input shape is unknown
        hint: load an image first, e.g. image demo edges 24x24

        """),
  ]

  @Test(arguments: mistakes)
  func mistakeIsExplained(_ c: ErrorCase) {
    let h = Harness()
    for line in c.setup { #expect(h.shell.handle(line), "setup line failed: \(line)") }
    let status = h.shell.run(ScriptReader(lines: [c.input]))
    let transcript = h.console.transcript
    let typed =
      transcript.range(of: "lab> " + c.input).map { String(transcript[$0.lowerBound...]) }
      ?? transcript
    #expect(typed == c.expected)
    #expect(status == 1)
  }
}
