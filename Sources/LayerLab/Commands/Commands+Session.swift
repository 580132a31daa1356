import Engine

extension CommandTable {
  static let session: [Command] = [help, seed, quit]

  static let help = Command(
    name: "help", aliases: ["?"], group: .session, usage: "help [COMMAND|LAYER]",
    summary: "List the commands, or explain one command or Keras layer", example: "help show"
  ) { session, arguments in
    guard let word = arguments.tokens.first else {
      for line in overview() { session.console.out(line) }
      return
    }
    try arguments.noMore(than: 1)
    if find(word.text) == nil, let kind = LayerHelp.kind(named: word.text) {
      for line in LayerHelp.lines(for: kind) { session.console.out(line) }
      return
    }
    let command = try lookup(word, orLayer: true)
    for line in details(command) { session.console.out(line) }
  }

  static let seed = Command(
    name: "seed", group: .session, usage: "seed N",
    summary: "Fix the random numbers: redraw the weights and restart the Dropout masks",
    example: "seed 42"
  ) { session, arguments in
    let value = try arguments.int(at: 0, "the random seed", in: 0...Int.max)
    try arguments.noMore(than: 1)
    try session.reseed(UInt64(value))
    let count = session.model.layers.filter { !$0.parameters.isEmpty }.count
    let weights =
      count == 0
      ? "new layers will draw their weights from it"
      : "weights of \(count) layer\(count == 1 ? "" : "s") redrawn"
    session.console.out("seed \(value): \(weights); Dropout masks restart from it")
  }

  static let quit = Command(
    name: "quit", aliases: ["exit"], group: .session, usage: "quit",
    summary: "Leave LayerLab (Ctrl-D works too)",
    example: "quit"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    session.quitRequested = true
  }
}
