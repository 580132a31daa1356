import Engine

extension CommandTable {
  static let diff = Command(
    name: "diff", group: .look, usage: "diff LAYER [channels 0-7]",
    summary: "Draw how a layer's output changed between the last two forward passes",
    example: "diff conv2d",
    details: """
      Each 'forward' is kept, so run it, change something (fit, a new image, a kernel), \
      run it again, then diff. Maps show new - old on one scale for all channels: \
      '+*@' went up, '-=#' went down, blank barely changed (under a tenth of the largest); \
      in half blocks, red up and blue down. Captions give each map's change range and its \
      mean |change|.
      Dropout is drawn cell by cell, never averaged: 'x' dropped (now 0), '^' boosted by \
      1/(1 - rate), blank unchanged (a 0 stays 0), 'o' switched back on, 'v' scaled back.
      """,
    keywords: ["channels"]
  ) { session, arguments in
    let index = try layerIndex(session, arguments, at: 0)
    let name = session.model.layers[index].name
    var view = DiffRenderer(
      width: session.display.width, labels: session.labels, glyphs: session.display.glyphs)
    if let dropout = session.model.layers[index] as? Dropout {
      view.dropoutScale = dropout.keptScale
    }
    if arguments.count > 1 {
      let word = arguments.tokens[1]
      guard word.text == "channels" || word.text == "channel" else {
        throw LabError(
          message: "unexpected '\(word.text)'", column: word.column,
          hint: "usage: \(arguments.usage)")
      }
      let spec = try arguments.requiredWord(at: 2, "the channel list")
      try arguments.noMore(than: 3)
      view.channels = try ShowRequest.channelList(spec, arguments.usage)
      view.channelsColumn = spec.column
    }
    guard let new = session.passes.latest, let old = session.passes.previous else {
      throw LabError(
        message: session.passes.latest == nil
          ? "there is no pass to compare yet" : "there is only one pass so far",
        hint:
          "diff compares the last two 'forward' runs: forward, change something (fit, image, kernel), forward again"
      )
    }
    guard let after = new.output(of: name) else {
      throw LabError(message: "the last pass had no layer '\(name)'", hint: "run 'forward' again")
    }
    guard let before = old.output(of: name) else {
      throw LabError(
        message: "the pass before had no layer '\(name)': the model changed in between",
        hint: "run 'forward' twice with the same layers, then diff")
    }
    guard before.shape == after.shape else {
      throw LabError(
        message:
          "\(name)'s output was \(before.shape) and is now \(after.shape): maps of different shapes cannot be compared",
        hint: "keep the same image size and layers between the two passes")
    }
    let lines = try view.lines(before: before, after: after)
    session.console.out("\(index + 1). \(name): new - old, from \(old.label) to \(new.label)")
    for line in lines {
      session.console.out(StyledLine(line, colors: session.display.colors))
    }
  }
}
