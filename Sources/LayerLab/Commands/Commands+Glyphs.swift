import Engine

extension CommandTable {
  static let glyphs = Command(
    name: "glyphs", group: .look, usage: "glyphs [ascii|blocks] [viridis|gray]",
    summary: "Draw maps in ASCII shades or in colour half blocks",
    example: "glyphs blocks",
    details: """
      blocks: two pixels per character (the upper half block in one colour over another), \
      the input in its own colours, maps in viridis (dark purple lowest, yellow highest) or \
      gray, Dropout's switched-off cells in red. It needs a UTF-8 colour terminal and is \
      the default there; piped output, NO_COLOR and TERM=dumb always get ASCII, so lessons \
      and transcripts read the same everywhere.
      ascii: the shades ' .:-=+*#%@', dark to bright. 'layerlab --glyphs ascii' starts with them.
      """,
    keywords: ["ascii", "blocks", "viridis", "gray"]
  ) { session, arguments in
    try arguments.noMore(than: 2)
    let words = ["ascii", "blocks", "viridis", "gray", "grey"]
    // Every word is checked before any takes effect.
    if let bad = arguments.tokens.first(where: { !words.contains($0.text) }) {
      throw LabError(
        message: "expected ascii, blocks, viridis or gray, got '\(bad.text)'", column: bad.column,
        hint: closestMatch(bad.text, in: words).map { "did you mean '\($0)'?" }
          ?? "usage: \(arguments.usage)")
    }
    for token in arguments.tokens {
      switch token.text {
      case "ascii": session.display.glyphs = .ascii
      case "blocks" where session.display.blocksAvailable: session.display.glyphs = .blocks
      case "blocks":
        session.console.out(
          "blocks need a UTF-8 colour terminal; this output is not one (piped, NO_COLOR or TERM=dumb)"
        )
      case "viridis": session.display.colorMap = .viridis
      default: session.display.colorMap = .gray
      }
    }
    let display = session.display
    switch display.glyphs {
    case .ascii:
      session.console.out("maps are drawn in ASCII shades ' .:-=+*#%@', dark to bright")
    case .blocks:
      let depth = display.colors == .trueColor ? "24-bit colour" : "256 colours"
      session.console.out(
        "maps are drawn in half blocks, two pixels per character, in \(display.colorMap.rawValue) (\(depth))"
      )
    }
  }
}
