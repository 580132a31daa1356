import Engine

extension CommandTable {
  static let files: [Command] = []
}
