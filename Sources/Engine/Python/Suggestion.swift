/// "Did you mean": the candidate nearest to `word`, only when it is near
/// enough to be a typo of it.
///
/// Near enough means the same word in another case for one or two letters
/// (`x` for `X`, but not `X` for `Z`), one edit up to four letters, two up
/// to ten, three beyond, where swapping two neighbours counts as one edit
/// (`shwo` → `show`). So `ls` suggests nothing (it is two edits from `rm`)
/// and neither does `def` (`diff`). A word far longer than
/// every candidate is dismissed before any distance is computed, so a
/// pasted megabyte costs nothing.
public func closestMatch(_ word: String, in candidates: [String]) -> String? {
  let lower = Array(word.lowercased().utf8)
  guard lower.count <= 200 else { return nil }
  let limit = lower.count <= 2 ? 0 : lower.count <= 4 ? 1 : lower.count <= 10 ? 2 : 3
  var best: (String, Int)?
  for candidate in candidates {
    let other = Array(candidate.lowercased().utf8)
    guard abs(other.count - lower.count) <= limit else { continue }
    let d = editDistance(lower, other)
    if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
  }
  return best?.0
}

/// Edit distance between two strings where inserting, deleting or changing
/// a character, or swapping two neighbours, each cost one (optimal string
/// alignment).
public func editDistance(_ a: String, _ b: String) -> Int {
  editDistance(Array(a.utf8), Array(b.utf8))
}

private func editDistance(_ x: [UInt8], _ y: [UInt8]) -> Int {
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var beforePrevious = [Int](repeating: 0, count: y.count + 1)
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      let cost = x[i - 1] == y[j - 1] ? 0 : 1
      var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
        d = min(d, beforePrevious[j - 2] + 1)
      }
      current[j] = d
    }
    (beforePrevious, previous, current) = (previous, current, beforePrevious)
  }
  return previous[y.count]
}
