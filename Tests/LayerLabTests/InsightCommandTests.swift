import Engine
import Foundation
import Testing

@testable import LayerLab

/// The insight commands through the shell: the files `save` writes hold
/// the engine's maps, `image` takes the maximized picture back, the last
/// pass stays, and Ctrl-C at a terminal keeps the best picture so far.
@Suite struct InsightCommandTests {
  static let lines = [
    "labels dogs,cats,fish", "image demo cat 12x12", "add Conv2D(4, (3, 3), padding='same')",
    "add Activation('relu')", "add MaxPooling2D(pool_size=(2, 2))", "add Dropout(0.25)",
    "add Conv2D(6, (3, 3), activation='relu')", "add Flatten()", "add Dense(3)",
    "add Activation('softmax')",
  ]

  static func folder() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-insight-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }

  @Test func savedMapsAreTheEnginesMaps() throws {
    let h = Harness()
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(
      h.type(
        Self.lines + [
          "saliency fish", "save saliency \(dir)/s.npy", "gradcam conv2d_1 1",
          "save gradcam \(dir)/g.npy", "receptive max_pooling2d 2 3",
          "save receptive \(dir)/r.npy",
        ]) == 0)
    let model = h.session.model
    let image = try #require(h.session.image)
    let saliency = try Npy.read(path: "\(dir)/s.npy")
    let expected = try model.saliency(of: image, classIndex: 2)
    #expect(saliency.shape == [12, 12])
    #expect(saliency.floats() == expected.values)
    let cam = try Npy.read(path: "\(dir)/g.npy")
    let expectedCAM = try model.gradCAM(of: image, layer: 4, classIndex: 1)
    // At the layer's resolution, not stretched to the image, not normalised.
    #expect(cam.shape == [4, 4])
    #expect(cam.floats() == expectedCAM.values)
    let mask = try Npy.read(path: "\(dir)/r.npy")
    #expect(mask.shape == [12, 12])
    #expect(mask.floats() == (try model.receptiveField(layer: 2, y: 2, x: 3)).mask)
    #expect(mask.floats().reduce(0, +) == 16)
  }

  @Test func theMaximizedPictureLoadsBackAsItIs() throws {
    let h = Harness()
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(
      h.type(Self.lines + ["maximize conv2d_1 2 steps=6", "save maximized \(dir)/m.npy"]) == 0)
    let saved = try Npy.read(path: "\(dir)/m.npy")
    #expect(saved.shape == [12, 12, 3])
    var options = MaximizeOptions()
    options.steps = 6
    let painted = try h.session.model.maximize(layer: 4, channel: 2, options: options)
    #expect(saved.floats() == painted.image.scalars)
    #expect(h.type("image \(dir)/m.npy") == 0)
    #expect(h.session.image == painted.image)
  }

  @Test func theLastPassIsLeftAsItWas() throws {
    let h = Harness(seed: 3)
    #expect(h.type(Self.lines + ["forward training"]) == 0)
    let outputs = h.session.model.lastOutputs
    var start = h.console.transcript.count
    h.type("show dropout")
    let before = String(h.console.transcript.dropFirst(start))
    #expect(
      h.type(
        "saliency", "gradcam activation", "receptive conv2d_1 1 1", "maximize conv2d 0 steps=3")
        == 0)
    #expect(h.session.model.lastOutputs == outputs)
    start = h.console.transcript.count
    h.type("show dropout")
    #expect(String(h.console.transcript.dropFirst(start)) == before)
    #expect(before.contains("dropped "))
  }

  /// Ctrl-C in the middle of a long climb: the shell stays, the best
  /// picture so far is kept and can be saved.
  @Test(.enabled(if: Tmux.find() != nil))
  func ctrlCKeepsTheBestPictureSoFar() throws {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: home) }
    let name = "layerlab-maximize-\(ProcessInfo.processInfo.processIdentifier)"
    // exec: Ctrl-C must reach layerlab alone, not a shell that would die of it.
    let command = "cd \(home) && exec env HOME=\(home) TERM=xterm NO_COLOR=1 \(executable.path)"
    defer {
      // A pane's program may not die of SIGHUP (a test runner can block it):
      // stop the climb and quit before the session goes.
      _ = tmux.run(["send-keys", "-t", name, "C-c"])
      _ = tmux.run(["send-keys", "-t", name, "quit", "Enter"])
      _ = tmux.run(["kill-session", "-t", name])
    }
    _ = tmux.run(["new-session", "-d", "-s", name, "-x", "120", "-y", "50", command])
    #expect(tmux.waitFor("lab>", in: name))
    for line in [
      "image demo cat 96x96", "add Conv2D(32, (3, 3), padding='same')", "add Activation('relu')",
      "add Conv2D(32, (3, 3), padding='same')", "maximize conv2d_1 3 steps=10000",
    ] {
      _ = tmux.run(["send-keys", "-t", name, line, "Enter"])
    }
    // The progress line redraws in place; any step of it will do.
    #expect(tmux.waitFor("/10000: mean activation", in: name, seconds: 60), "no progress line")
    _ = tmux.run(["send-keys", "-t", name, "C-c"])
    #expect(
      tmux.waitFor("the best picture so far is kept", in: name, seconds: 60),
      "Ctrl-C did not stop the climb")
    _ = tmux.run(["send-keys", "-t", name, "save maximized m.npy", "Enter"])
    #expect(tmux.waitFor("saved the maximized map (96, 96, 3)", in: name))
    _ = tmux.run(["send-keys", "-t", name, "quit", "Enter"])
    #expect(tmux.waitForExit(name))
    #expect(try Npy.read(path: "\(home)/m.npy").shape == [96, 96, 3])
  }
}

/// `filters` measures how far a kernel moved since it was last drawn, and
/// never compares a rebuilt layer's kernel with an old one of the same name.
@Suite struct FilterChangeTests {
  /// The last norm line `filters` printed, joined again where the console wrapped it.
  static func lastLine(_ h: Harness) -> String {
    let text = h.console.transcript
    guard let start = text.range(of: "the whole kernel's norm", options: .backwards) else {
      return ""
    }
    return text[start.lowerBound...].split(separator: "\n").joined(separator: " ")
  }

  @Test func theChangeIsTheNormOfTheDifferenceOverTheNormBefore() throws {
    let h = Harness()
    #expect(h.type("image demo cat 8x8", "add Conv2D(2, (3, 3))", "filters conv2d") == 0)
    let conv = try #require(h.session.model.layers.first as? Conv2D)
    let before = try #require(conv.kernel).value.scalars
    var norm: Double = 0
    for w in before { norm += Double(w) * Double(w) }
    #expect(
      Self.lastLine(h)
        == "the whole kernel's norm (square root of the sum of squares): \(Fmt.sig(norm.squareRoot()))"
    )
    h.type("filters conv2d")
    #expect(Self.lastLine(h).hasSuffix("; unchanged since the last 'filters conv2d'"))
    #expect(h.type("kernel conv2d preset sobel_x filter 0", "filters conv2d") == 0)
    let after = try #require(conv.kernel).value.scalars
    var moved: Double = 0
    for (a, b) in zip(after, before) { moved += Double(a - b) * Double(a - b) }
    moved = moved.squareRoot()
    #expect(
      Self.lastLine(h).hasSuffix(
        "; since the last 'filters conv2d' it moved by \(Fmt.sig(moved)), \(Fmt.fixed(moved / norm.squareRoot() * 100, 1))% of its norm then"
      ))
    // Undo rebuilds the layer: its kernel is a new one, not compared.
    #expect(h.type("undo", "filters conv2d") == 0)
    #expect(!Self.lastLine(h).contains("since the last"))
  }
}

/// Short strips get their numbers printed under them, one rounding for all.
@Suite struct StripNumberTests {
  @Test func numbersComeInRowsOfTwelveUnderTheirPositions() {
    let values = (0..<14).map { Float($0) * 0.25 - 1 }
    let lines = LayerView.numbered(values).map { String($0.map(\.character)) }
    #expect(
      lines == [
        "0-11:  -1.00 -0.75 -0.50 -0.25  0.00  0.25  0.50  0.75  1.00  1.25  1.50  1.75",
        "12-13:  2.00  2.25",
      ])
  }
}
