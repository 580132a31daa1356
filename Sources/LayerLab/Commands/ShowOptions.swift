import Engine

/// What `show` was asked to draw, and how.
struct ShowRequest {
  enum Target: Equatable {
    case input
    case all
    /// The first Dropout layer, or the one named.
    case dropout(Token?)
    case layer(Token)
  }
  var target: Target
  /// 0-based channels to draw; nil = the default first few.
  var channels: [Int]?
  /// Where the channel list was typed, to point at it when a channel is out of range.
  var channelsColumn = 0
  /// One value range for every map instead of one per map.
  var sharedScale = false
  /// Columns one picture may use.
  var size: Int?
  /// `show dropout mask`: kept and dropped cells only, no values.
  var maskOnly = false
  /// `show input gray`: the picture as one luminance map.
  var gray = false

  static let usage =
    "show input|all|LAYER|N|dropout [NAME] [channels 0-7] [scale shared|each] [size N] [mask] [gray]"

  /// Reads `show` arguments; every word must be understood.
  init(_ arguments: Arguments) throws(LabError) {
    let first = try arguments.requiredWord(at: 0, "what to show")
    var index = 1
    switch first.text {
    case "input": target = .input
    case "all": target = .all
    case "dropout":
      // `show dropout dropout_1` names one; an option word means the first one.
      if let next = arguments.tokens.dropFirst().first, !Self.isOption(next.text) {
        target = .dropout(next)
        index = 2
      } else {
        target = .dropout(nil)
      }
    default: target = .layer(first)
    }
    while index < arguments.tokens.count {
      let token = arguments.tokens[index]
      index += 1
      switch token.text {
      case "channels", "channel":
        let spec = try arguments.requiredWord(at: index, "the channel list")
        index += 1
        channels = try Self.channelList(spec, arguments.usage)
        channelsColumn = spec.column
      case "scale":
        let mode = try arguments.requiredWord(at: index, "shared or each")
        index += 1
        guard mode.text == "shared" || mode.text == "each" else {
          throw LabError(
            message: "scale must be 'shared' or 'each', got '\(mode.text)'", column: mode.column,
            hint: "usage: \(Self.usage)")
        }
        sharedScale = mode.text == "shared"
      case "size":
        size = try arguments.int(at: index, "the size", in: 4...200)
        index += 1
      case "mask": maskOnly = true
      case "gray", "grey": gray = true
      default:
        if token.text.first?.isNumber == true {
          channels = try Self.channelList(token, arguments.usage)
          channelsColumn = token.column
        } else {
          throw LabError(
            message: "unexpected '\(token.text)'", column: token.column,
            hint: closestMatch(token.text, in: Self.optionWords).map { "did you mean '\($0)'?" }
              ?? "usage: \(Self.usage)")
        }
      }
    }
  }

  static let optionWords = ["channels", "scale", "shared", "each", "size", "mask", "gray"]

  private static func isOption(_ word: String) -> Bool {
    optionWords.contains(word) || word.first?.isNumber == true
  }

  /// `0-7`, `0,3,5` or `0-3,8`.
  static func channelList(_ token: Token, _ usage: String) throws(LabError) -> [Int] {
    var result: [Int] = []
    for part in token.text.split(separator: ",", omittingEmptySubsequences: false) {
      let ends = part.split(separator: "-", omittingEmptySubsequences: false)
      guard (1...2).contains(ends.count), let low = Int(ends[0]),
        let high = Int(ends[ends.count - 1]), low >= 0, low <= high,
        high - low < 4096
      else {
        throw LabError(
          message: "'\(token.text)' is not a channel list", column: token.column,
          hint: "write channels as 0-7 or 0,3,5 (numbered from 0)")
      }
      result += Array(low...high)
    }
    return result
  }
}
