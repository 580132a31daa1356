import Engine
import Foundation
import Testing

@testable import LayerLab

/// The real `layerlab` in a tmux pane that says it is a UTF-8, 24-bit
/// colour terminal: `show input` of the photo draws upper half blocks
/// whose foreground and background are the photo's own pixels, read back
/// with `capture-pane -e`.
@Suite(.enabled(if: Tmux.find() != nil, "needs tmux"))
struct ColorTerminalTests {
  /// Starts `layerlab ARGUMENTS` in a `columns`-wide pane,
  /// types `lines`, waits for `done`, and returns the pane with its colours.
  static func pane(
    _ lines: [String], done: String, environment: String, arguments: String = "",
    columns: Int = 110
  ) throws -> String {
    let tmux = try #require(Tmux.find())
    let executable = try LayerLabProcess.locate()
    let home = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-colour-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: home) }
    let name = "layerlab-colour-\(UUID().uuidString.prefix(8))"
    // No `cd ... &&` and no -c: either makes new-session wait out its whole
    // timeout here, so lines name the photo by its full path instead.
    let command =
      "env -u NO_COLOR HOME=\(home.path) \(environment) \(executable.path) \(arguments)"
    defer { _ = tmux.run(["kill-session", "-t", name]) }
    _ = tmux.run([
      "new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "70", command,
    ])
    #expect(tmux.waitFor("lab>", in: name))
    for line in lines { _ = tmux.run(["send-keys", "-t", name, line, "Enter"]) }
    #expect(tmux.waitFor(done, in: name, seconds: 20))
    return tmux.run(["capture-pane", "-e", "-p", "-t", name]) ?? ""
  }

  static let trueColor = "TERM=xterm-256color COLORTERM=truecolor LANG=C.UTF-8"

  @Test func theInputIsDrawnInItsOwnColoursInHalfBlocks() throws {
    let screen = try Self.pane(
      ["image \(PictureTests.photo)", "show input"], done: "the picture in its own colours",
      environment: Self.trueColor)
    let rows = screen.split(separator: "\n").filter { $0.contains("\u{2580}") }
    // 100 pixels across at one character each, 100 rows two to a character.
    #expect(rows.count == 50, "\(rows.count) rows of half blocks")
    #expect(rows.allSatisfy { $0.filter { $0 == "\u{2580}" }.count == 100 })
    // The first character is pixel (0, 0) over pixel (1, 0), in 24-bit colour.
    let photo = try ImageFile.load(path: PictureTests.photo)
    func pixel(_ y: Int, _ x: Int) -> String {
      (0..<3).map { "\(Int((photo.scalars[(y * 100 + x) * 3 + $0] * 256).rounded()))" }
        .joined(separator: ";")
    }
    let first = try #require(rows.first)
    #expect(
      first.hasPrefix("\u{1B}[38;2;\(pixel(0, 0))m\u{1B}[48;2;\(pixel(1, 0))m\u{2580}"),
      "\(first.prefix(60).debugDescription)")
  }

  @Test func mapsUseViridisAndDropoutItsOwnRed() throws {
    let screen = try Self.pane(
      [
        "image \(PictureTests.photo)", "add Conv2D(4, (3, 3), activation='relu')",
        "add MaxPooling2D(pool_size=(2, 2))", "add Dropout(0.25)", "forward training",
        "show dropout channels 1",
      ], done: "(viridis)", environment: Self.trueColor)
    let dropped = ColorMap.dropped
    #expect(screen.contains("38;2;\(dropped.r);\(dropped.g);\(dropped.b)m"), "no dropped cell")
    let low = ColorMap.viridis.color(0)
    #expect(screen.contains("\(low.r);\(low.g);\(low.b)m"), "no viridis low end")
    #expect(screen.filter { $0 == "\u{2580}" }.count > 49 * 20)
  }

  @Test func withoutTrueColourItUses256ColoursAndAsciiWhenAsked() throws {
    let palette = try Self.pane(
      ["image \(PictureTests.photo)", "show input channels 0"], done: "1 char = 1x2 px",
      environment: "TERM=xterm-256color LANG=C.UTF-8")
    #expect(palette.contains("\u{2580}") && palette.contains("[38;5;"))
    #expect(!palette.contains("[38;2;"))
    let ascii = try Self.pane(
      ["image \(PictureTests.photo)", "show input channels 0"], done: "per shade",
      environment: Self.trueColor, arguments: "--glyphs ascii")
    #expect(!ascii.contains("\u{2580}"))
    #expect(ascii.contains("@"))
    let dumb = try Self.pane(
      ["image \(PictureTests.photo)", "show input channels 0"], done: "per shade",
      environment: "TERM=dumb COLORTERM=truecolor LANG=C.UTF-8")
    #expect(!dumb.contains("\u{2580}") && !dumb.contains("\u{1B}[38"))
  }
}
