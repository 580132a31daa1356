import Engine
import Foundation
import Testing

@testable import LayerLab

/// How maps use the width, what their legends say, and Dropout's views, on
/// a real 100x100 photo (`Transcripts/fixtures/cat.png`).
@Suite struct PictureTests {
  static let photo = TranscriptTests.folder.appendingPathComponent("fixtures/cat.png").path

  /// The lines of the first picture after the caption starting `caption`,
  /// up to the scale line under it.
  static func picture(_ transcript: String, caption: String) -> [String] {
    let lines = transcript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(where: { $0.hasPrefix(caption) }) else { return [] }
    let rest = lines[(start + 1)...]
    let end = rest.firstIndex { $0.hasPrefix("1 char") || $0.hasPrefix("1 px") } ?? rest.endIndex
    return Array(rest[..<end])
  }

  @Test(arguments: [(80, 76...80), (160, 100...100)])
  func oneChannelOfAPhotoFillsTheWidth(_ width: Int, _ expected: ClosedRange<Int>) {
    let harness = Harness()
    harness.session.display.width = width
    harness.type("image \(Self.photo)", "show input channels 0")
    let lines = Self.picture(harness.console.transcript, caption: "R [")
    let widest = lines.map(\.count).max() ?? 0
    #expect(expected.contains(widest), "\(widest) columns at \(width)")
    // 100 pixel rows, two to a character row.
    #expect(lines.count == (width == 160 ? 50 : 40))
    #expect(harness.console.transcript.contains(width == 160 ? "1 char = 1x2 px" : "1.25x2.5 px"))
  }

  @Test func thePipedDrawingIsSevenBitASCII() throws {
    let run = try LayerLabProcess.run(
      input: "image cat.png\nshow input\nshow input channels 0\n", copying: TranscriptTests.fixtures
    )
    #expect(run.status == 0)
    #expect(run.output.utf8.allSatisfy { $0 < 0x80 }, "\(run.output.prefix(400))")
    #expect(run.output.contains("R [0.00, 0.82]"))
  }

  @Test func theBrightestShadeGoesToTheLargestDrawnValue() {
    let harness = Harness()
    harness.type(
      "image \(Self.photo)", "show input channels 0", "show input channels 1",
      "show input channels 2")
    for caption in ["R [", "G [", "B ["] {
      let lines = Self.picture(harness.console.transcript, caption: caption)
      #expect(lines.contains { $0.contains("@") }, "\(caption) never reaches '@'")
      #expect(lines.contains { $0.contains(" ") }, "\(caption) never reaches ' '")
    }
    #expect(
      harness.console.transcript.contains(
        "1 char = mean of 1.25x2.5 px; ' .:-=+*#%@' from 0.02 to 0.81, 0.079 per shade"))
  }

  @Test func aSizeThatCannotBeMetSaysWhatWasDrawn() {
    let harness = Harness()
    harness.type("image demo cat 24x24", "show input channels 0 size 30", "show input size 200")
    let transcript = harness.console.transcript
    #expect(
      transcript.contains(
        "(size 30: drawn 24 wide, 1 character per pixel; size 48 draws 2 per pixel)"))
    #expect(transcript.contains("(size 200: drawn 48 wide, 2 characters per pixel"))
    // A size that fits is honoured without a note.
    let fitting = Harness()
    fitting.type("image \(Self.photo)", "show input channels 0 size 50")
    #expect(Self.picture(fitting.console.transcript, caption: "R [").map(\.count).max() == 50)
    #expect(!fitting.console.transcript.contains("(size"))
  }

  /// The seed network's first block on the photo, after a training pass.
  static func dropoutHarness(width: Int = 80) -> Harness {
    let harness = Harness()
    harness.session.display.width = width
    harness.type(
      "image \(photo)", "add Conv2D(8, (3, 3), activation='relu')",
      "add MaxPooling2D(pool_size=(2, 2))", "add Dropout(0.25)", "seed 1", "forward",
      "forward training")
    return harness
  }

  @Test func showDropoutHonoursSizeAndNeverPicksADeadChannel() throws {
    // 22 columns: one 20-wide picture per row, so each line is one picture.
    let harness = Self.dropoutHarness(width: 22)
    let before = harness.console.transcript.count
    harness.type("show dropout size 20")
    let shown = String(harness.console.transcript.dropFirst(before))
    let model = harness.session.model
    let input = model.lastOutputs[1]
    let channels = 8
    let alive = (0..<channels).filter { k in
      (0..<(49 * 49)).contains { input.scalars[$0 * channels + k] != 0 }
    }
    #expect(alive.count < channels, "the photo should leave a dead channel to skip")
    let captions = shown.split(separator: "\n").filter {
      $0.hasPrefix("#") && $0.contains(" [") && $0.dropFirst().first?.isNumber == true
    }
    #expect(captions.count == 3)
    for caption in captions {
      let k = try #require(Int(caption.dropFirst().prefix { $0.isNumber }))
      #expect(alive.contains(k), "channel \(k) is dead")
    }
    #expect(shown.contains("dead channel"))
    let pictureLines = shown.split(separator: "\n").filter {
      $0.allSatisfy { " .:-=+*#%@x".contains($0) } && !$0.isEmpty
    }
    #expect(!pictureLines.isEmpty)
    #expect(pictureLines.allSatisfy { $0.count <= 20 })
  }

  @Test func showDropoutPrintsTheMeansInAndOut() throws {
    let harness = Self.dropoutHarness()
    harness.type("show dropout")
    let model = harness.session.model
    func mean(_ t: Tensor) -> Double { t.scalars.reduce(0) { $0 + Double($1) } / Double(t.count) }
    let (meanIn, meanOut) = (mean(model.lastOutputs[1]), mean(model.lastOutputs[2]))
    let digits = Fmt.decimals(forLargest: max(meanIn, meanOut), digits: 3)
    #expect(
      harness.console.transcript.contains(
        "mean of input \(Fmt.fixed(meanIn, digits)), output \(Fmt.fixed(meanOut, digits)): "
          + "x1.333 makes up for the dropped cells"))
  }

  @Test func diffDropoutMarksDroppedAndBoostedCells() {
    let harness = Harness()
    harness.type(
      "image demo cat 24x24", "add Conv2D(4, (3, 3), padding='same')", "add Activation('relu')",
      "add MaxPooling2D(pool_size=(2, 2))", "add Dropout(0.25)", "forward", "forward training",
      "diff dropout channels 0")
    let transcript = harness.console.transcript
    #expect(transcript.contains(" dropped (now 0), '^' "))
    #expect(transcript.contains(" boosted x1.333, blank "))
    let picture = Self.picture(transcript, caption: "#0 ")
    #expect(picture.contains { $0.contains("x") } && picture.contains { $0.contains("^") })
    #expect(!transcript.contains("(unchanged)"))
  }

  @Test func exportPNGTakesALayerNamedLikeAKeyword() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-png-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let harness = Self.dropoutHarness(width: 200)
    let path = folder.appendingPathComponent("d.png").path
    #expect(harness.type("export png \(path) dropout", "export png \(path) 3 channels 1") == 0)
    #expect(FileManager.default.fileExists(atPath: path))
    #expect(harness.console.transcript.contains("dropout channels 1, 1 map"))
  }
}

/// Every drawing in half blocks, as a colour terminal gets them.
@Suite struct HalfBlockTests {
  @Test func everyViewDrawsHalfBlocksWithinTheWidth() {
    let harness = Harness()
    harness.session.display.colors = .trueColor
    harness.session.display.glyphs = .blocks
    harness.session.display.blocksAvailable = true
    let views = [
      "show input", "show input channels 0", "show input gray", "show conv2d",
      "show dropout", "show dropout mask", "diff conv2d", "diff dropout",
    ]
    harness.type(
      [
        "image \(PictureTests.photo)", "add Conv2D(4, (3, 3), activation='relu')",
        "add MaxPooling2D(pool_size=(2, 2))", "add Dropout(0.25)", "forward", "seed 3",
        "forward training",
      ])
    for view in views {
      let before = harness.console.transcript.count
      harness.type(view)
      let shown = String(harness.console.transcript.dropFirst(before))
      #expect(shown.contains("\u{2580}"), "\(view) drew no half block")
      #expect(shown.contains("\u{1B}[38;2;"), "\(view) has no 24-bit colour")
      #expect(!shown.contains("error:"), "\(view): \(shown.prefix(300))")
      for line in shown.split(separator: "\n").dropFirst() {
        let visible = line.replacing(/\x1B\[[0-9;]*m/, with: "")
        #expect(visible.count <= 80, "\(view): \(visible)")
      }
    }
  }
}

@Suite struct MapLayoutTests {
  @Test func resolutionFollowsTheRoom() {
    let small = MapLayout(height: 12, width: 12, budget: 25, glyphs: .ascii)
    #expect(small.resolution == .magnified && small.columns == 24 && small.rows == 12)
    let full = MapLayout(height: 100, width: 100, budget: 160, glyphs: .ascii)
    #expect(full.resolution == .full && full.columns == 100 && full.rows == 50)
    let reduced = MapLayout(height: 100, width: 100, budget: 80, glyphs: .ascii)
    #expect(reduced.resolution == .reduced && reduced.columns == 80 && reduced.rows == 40)
    // A whole number of pixels per character when one is near: 48 in 24, not 25.
    #expect(MapLayout(height: 48, width: 48, budget: 25, glyphs: .ascii).columns == 24)
    // Half blocks: two dots per character, each as tall as it is wide.
    let blocks = MapLayout(height: 100, width: 100, budget: 80, glyphs: .blocks)
    #expect(blocks.columns == 80 && blocks.dotRows == 80 && blocks.rows == 40)
    let odd = MapLayout(height: 49, width: 49, budget: 80, glyphs: .blocks)
    #expect(odd.dotRows == 49 && odd.rows == 25)
    // Dropout in ASCII keeps a row per cell, so each dropped one shows.
    #expect(MapLayout(height: 49, width: 49, budget: 80, glyphs: .ascii, exact: true).rows == 49)
  }

  /// Three pixels into two columns: each covers one and a half, the middle
  /// pixel half in each, so no column is a partial block.
  @Test func reducingWeighsFractionsOfPixels() {
    let layout = MapLayout(height: 1, width: 3, budget: 2, glyphs: .ascii)
    #expect(layout.columns == 2 && layout.dotRows == 1)
    let dots = layout.sample([3, 6, 9])
    #expect(abs(dots[0] - 4) < 1e-5)  // (3 + 6 / 2) / 1.5
    #expect(abs(dots[1] - 8) < 1e-5)  // (6 / 2 + 9) / 1.5
    #expect(layout.scaleText() == "1 char = mean of 1.5x1 px")
    // Values that are not numbers are left out of a mean rather than spreading.
    #expect(layout.sample([.nan, 6, 9])[1] == 8)
  }

  @Test func scaleTexts() {
    #expect(
      MapLayout(height: 4, width: 4, budget: 80, glyphs: .ascii).scaleText()
        == "1 px = 2 chars x 1 row")
    #expect(
      MapLayout(height: 50, width: 50, budget: 60, glyphs: .ascii).scaleText() == "1 char = 1x2 px")
    #expect(
      MapLayout(height: 50, width: 50, budget: 60, glyphs: .blocks).scaleText()
        == "1 char = 1x2 px (top and bottom half)")
    #expect(
      MapLayout(height: 49, width: 49, budget: 25, glyphs: .ascii, exact: true).scaleText(
        unit: "cell") == "1 char = mean of 1.96x3.8 cells")
  }
}

@Suite struct TerminalStyleTests {
  static let tty = ["TERM": "xterm-256color", "LANG": "C.UTF-8"]

  @Test func pipedNoColorAndDumbTerminalsGetASCII() {
    let cases: [(Bool, Bool, [String: String])] = [
      (false, false, Self.tty.merging(["COLORTERM": "truecolor"]) { $1 }),
      (true, false, Self.tty.merging(["NO_COLOR": "1"]) { $1 }),
      (true, false, ["TERM": "dumb", "LANG": "C.UTF-8", "COLORTERM": "truecolor"]),
      (true, true, Self.tty),
    ]
    for (isTerminal, noColor, environment) in cases {
      let display = Display.detect(
        stdoutIsTerminal: isTerminal, noColor: noColor, glyphs: .blocks, environment: environment)
      #expect(display.colors == .none && display.glyphs == .ascii, "\(environment)")
      #expect(!display.blocksAvailable)
    }
  }

  @Test func aUTF8ColourTerminalGetsHalfBlocks() {
    let trueColor = Display.detect(
      stdoutIsTerminal: true, noColor: false, glyphs: nil,
      environment: Self.tty.merging(["COLORTERM": "truecolor"]) { $1 })
    #expect(trueColor.colors == .trueColor && trueColor.glyphs == .blocks)
    let palette = Display.detect(
      stdoutIsTerminal: true, noColor: false, glyphs: nil, environment: Self.tty)
    #expect(palette.colors == .palette256 && palette.glyphs == .blocks)
    let asked = Display.detect(
      stdoutIsTerminal: true, noColor: false, glyphs: .ascii, environment: Self.tty)
    #expect(asked.glyphs == .ascii && asked.blocksAvailable)
    let latin1 = Display.detect(
      stdoutIsTerminal: true, noColor: false, glyphs: nil,
      environment: ["TERM": "xterm-256color", "LANG": "en_US.ISO-8859-1"])
    #expect(latin1.colors == .palette256 && latin1.glyphs == .ascii)
  }

  @Test func halfBlocksAreCellsWithLayerLabsOwnEscapes() {
    let line: CellLine = [
      Cell.halves(RGB(255, 0, 0), RGB(0, 0, 255)), Cell.halves(RGB(9, 9, 9), nil),
    ]
    let text = StyledLine(line, colors: .trueColor).text
    #expect(
      text
        == "\u{1B}[38;2;255;0;0;48;2;0;0;255m\u{2580}\u{1B}[0m\u{1B}[38;2;9;9;9;49m\u{2580}\u{1B}[0m"
    )
    #expect(StyledLine(line, colors: .palette256).text.hasPrefix("\u{1B}[38;5;196;48;5;21m"))
    // Reaching plain output anyway, they fall back to ASCII shades.
    #expect(StyledLine(line, colors: .none).text.unicodeScalars.allSatisfy { $0.isASCII })
  }

  @Test func thePaletteRunsDarkToBright() {
    let stops = (0...10).map { ColorMap.viridis.color(Float($0) / 10).luminance }
    #expect(zip(stops, stops.dropFirst()).allSatisfy { $0 < $1 })
    #expect(ColorMap.viridis.color(0) == RGB(68, 1, 84))
    #expect(ColorMap.viridis.color(1) == RGB(253, 231, 37))
    #expect(RGB(128, 128, 128).palette256 == 244)
  }

  @Test func theGlyphsCommandExplainsWhatItCannotDo() {
    let harness = Harness()
    harness.type("glyphs blocks", "glyphs ascii gray", "glyphs neon")
    let transcript = harness.console.transcript
    #expect(transcript.contains("blocks need a UTF-8 colour terminal"))
    #expect(harness.session.display.glyphs == .ascii)
    #expect(harness.session.display.colorMap == .gray)
    #expect(transcript.contains("error: expected ascii, blocks, viridis or gray, got 'neon'"))
  }
}
