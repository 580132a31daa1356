import ArgumentParser

extension Display {
  /// What standard output can show, from the environment: colour only on a
  /// terminal when neither `NO_COLOR` nor `TERM=dumb` nor `--no-color` says
  /// otherwise; 24-bit colour when `COLORTERM` is `truecolor` or `24bit`,
  /// else the 256-colour palette; half blocks on such a terminal when its
  /// locale is UTF-8, unless `glyphs` asks for ASCII. Piped output is always
  /// plain ASCII, so transcripts and lessons stay byte-stable.
  static func detect(
    stdoutIsTerminal: Bool, noColor: Bool, glyphs requested: Glyphs?,
    environment: [String: String]
  ) -> Display {
    var display = Display()
    let term = environment["TERM"] ?? ""
    let colorAllowed =
      stdoutIsTerminal && !noColor && environment["NO_COLOR"] == nil && term != "dumb"
    if colorAllowed {
      let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
      display.colors = colorTerm == "truecolor" || colorTerm == "24bit" ? .trueColor : .palette256
    }
    display.blocksAvailable = colorAllowed && isUTF8(environment)
    display.glyphs = display.blocksAvailable && requested != .ascii ? .blocks : .ascii
    display.unicode = stdoutIsTerminal
    display.terminal = stdoutIsTerminal
    return display
  }

  /// True when the locale's character set is UTF-8: the first of `LC_ALL`,
  /// `LC_CTYPE` and `LANG` that is set decides, as in POSIX.
  static func isUTF8(_ environment: [String: String]) -> Bool {
    let locale =
      ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
      ?? ""
    let lowered = locale.lowercased()
    return lowered.contains("utf-8") || lowered.contains("utf8")
  }
}

extension Glyphs: ExpressibleByArgument {}
