/// Where a line too wide for the screen is broken: at spaces, never inside a
/// word unless one word alone is wider than the screen.
///
/// Continuation lines are indented like the line itself, or, when the line
/// has a label column (`  insert N LAYER    Put a layer at ...`, a run of two
/// or more spaces in its first half) or starts with a short label
/// (`hint: `, `usage: `), to the text after it, so a wrapped help entry or
/// message stays readable as one.
enum LineWrap {
  /// One piece of a wrapped line: `indent` spaces, then elements `range`.
  struct Piece: Equatable {
    var indent: Int
    var range: Range<Int>
  }

  /// The pieces of a line of `count` characters, `character(i)` the i-th,
  /// so each piece is at most `width` columns. A line that fits is one piece.
  static func pieces(count: Int, width: Int, character: (Int) -> Character) -> [Piece] {
    guard count > width, width > 0 else { return [Piece(indent: 0, range: 0..<count)] }
    func isSpace(_ i: Int) -> Bool { character(i) == " " }
    let glued = gluedSpaces(count: count, character: character)
    func canBreak(_ i: Int) -> Bool { isSpace(i) && !glued[i] }
    let indent = hangingIndent(count: count, width: width, character: character)
    var pieces: [Piece] = []
    var start = 0
    while start < count {
      let room = pieces.isEmpty ? width : width - indent
      var end: Int
      if count - start <= room {
        end = count
      } else {
        // The last blank that leaves the piece within `room`; a blank right
        // after it also counts, since the piece would end on a whole word.
        end = start + room
        while end > start, !canBreak(end) { end -= 1 }
        // A word longer than a whole line is cut where the room ends rather
        // than moved to a line of its own, which it would not fit either.
        var next = end
        while next < count, isSpace(next) { next += 1 }
        var wordEnd = next
        while wordEnd < count, !canBreak(wordEnd) { wordEnd += 1 }
        if end == start || wordEnd - next > width - indent { end = start + room }
      }
      var last = end
      while last > start, isSpace(last - 1) { last -= 1 }
      if last > start || pieces.isEmpty {
        pieces.append(Piece(indent: pieces.isEmpty ? 0 : indent, range: start..<last))
      }
      start = end
      while start < count, isSpace(start) { start += 1 }
    }
    return pieces
  }

  /// Blanks a line must not be broken at: inside a short bracketed group
  /// (`(None, 24, 24, 3)`, `[size N]`), which reads as one word, and the
  /// blank that opens a quoted ramp (`' .:-=+*#%@'`), which is a character
  /// of it.
  private static func gluedSpaces(count: Int, character: (Int) -> Character) -> [Bool] {
    var glued = [Bool](repeating: false, count: count)
    var opens: [Int] = []
    for i in 0..<count {
      switch character(i) {
      case "(", "[": opens.append(i)
      case ")", "]":
        if let open = opens.popLast(), i - open <= 24 {
          for j in open..<i { glued[j] = true }
        }
      case " ":
        if i > 0, character(i - 1) == "'", i == 1 || character(i - 2) == " " { glued[i] = true }
      default: break
      }
    }
    return glued
  }

  /// The column continuation lines start at: the line's label column, or its
  /// own indentation, and never so far right that little room is left.
  private static func hangingIndent(count: Int, width: Int, character: (Int) -> Character)
    -> Int
  {
    func isSpace(_ i: Int) -> Bool { character(i) == " " }
    var leading = 0
    while leading < count, isSpace(leading) { leading += 1 }
    var column = leading
    var i = leading
    while i < min(count, width / 2) {
      if isSpace(i), i + 1 < count, isSpace(i + 1) {
        var j = i
        while j < count, isSpace(j) { j += 1 }
        column = j
        break
      }
      i += 1
    }
    if column == leading, let label = labelEnd(from: leading, count: count, character: character) {
      column = label
    }
    return column <= width / 2 ? column : min(leading, width / 4)
  }

  /// Where the text after a first word ending in a colon starts (`hint: ` →
  /// 6), when that word is short enough to be a label.
  private static func labelEnd(from start: Int, count: Int, character: (Int) -> Character)
    -> Int?
  {
    guard start < count, character(start).isLetter else { return nil }
    var i = start
    while i < count, i - start < 12, character(i) != " " { i += 1 }
    guard i < count, i - start < 12, i > start + 1, character(i - 1) == ":" else { return nil }
    return i + 1
  }

  /// `text` as lines of at most `width` characters.
  static func lines(_ text: String, width: Int) -> [String] {
    let characters = Array(text)
    guard characters.count > width else { return [text] }
    let pieces = pieces(count: characters.count, width: width) { characters[$0] }
    return pieces.map { String(repeating: " ", count: $0.indent) + String(characters[$0.range]) }
  }
}
