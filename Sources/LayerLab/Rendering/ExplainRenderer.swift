import Engine
import Foundation

/// Writes an ``Explanation`` as the arithmetic a learner could redo by hand:
/// small aligned tables, then the sum, then the activation, ending on the value.
struct ExplainRenderer {
  var width = 80
  var labels: [String] = []
  /// Channels of a convolution drawn as tables; beyond this only the largest are.
  static let maxChannelTables = 4
  /// Inputs of a Dense unit listed one by one; the rest are summed in one line.
  static let topTerms = 8

  func lines(_ e: Explanation) -> [String] {
    var lines = [header(e)]
    switch e.kind {
    case .convolution(let c): lines += convolution(c, e.cell)
    case .pooling(let p): lines += pooling(p, e.cell)
    case .dropout(let d): lines += dropout(d, e.cell)
    case .dense(let d): lines += dense(d, e.cell)
    case .activation(let s): lines += squash(s, read: e.cell.source)
    case .flatten(let f): lines += flatten(f, e.cell)
    case .normalization(let n): lines += normalization(n, e.cell)
    case .globalPool(let g): lines += globalPool(g, e.cell)
    }
    lines.append("output \(e.cell.layerName)\(Self.place(e.cell.indices)) = \(Fmt.sig(e.value))")
    return lines
  }

  /// `2. activation (Activation): (y 3, x 4, channel 1) of (1, 48, 48, 8), inference pass`.
  private func header(_ e: Explanation) -> String {
    let c = e.cell
    let what: String
    if c.indices.count == 3 {
      let channel = c.typeName == "Conv2D" ? "filter" : "channel"
      what = "y \(c.indices[0]), x \(c.indices[1]), \(channel) \(c.indices[2])"
    } else if case .dense = e.kind {
      what = "unit \(c.indices[0])" + classLabel(e, c.indices[0])
    } else {
      what = "index \(c.indices[0])" + classLabel(e, c.indices[0])
    }
    return
      "\(c.layerIndex + 1). \(c.layerName) (\(c.typeName)): \(what) of \(c.outputShape), \(c.mode.rawValue) pass, batch item 0"
  }

  private func classLabel(_ e: Explanation, _ i: Int) -> String {
    guard i < labels.count, labels.count == e.cell.outputShape.dims.last else { return "" }
    return " ('\(labels[i])')"
  }

  /// `[5, 7, 2]` → `[5, 7, 2]`, as Python would index batch item 0 without the batch.
  static func place(_ indices: [Int]) -> String {
    "[" + indices.map(String.init).joined(separator: ", ") + "]"
  }

  // MARK: - Conv2D

  private func convolution(_ c: Explanation.Convolution, _ cell: Explanation.Cell) -> [String] {
    let kh = c.channels.first?.kernel.count ?? 0
    let kw = c.channels.first?.kernel.first?.count ?? 0
    let filter = cell.indices[2]
    var lines = [
      "window: \(cell.source) rows \(c.top)..\(c.top + kh - 1), columns \(c.left)..\(c.left + kw - 1) "
        + "(\(kh)x\(kw) kernel, strides \(c.strides[0]), padding '\(c.padding.rawValue)')"
    ]
    if c.channels.contains(where: { $0.window.contains { $0.contains { $0 == nil } } }) {
      lines.append("(0) marks padding: cells outside the picture count as 0")
    }
    let names = cell.layerIndex == 0 && c.inChannels == 3 ? [" (R)", " (G)", " (B)"] : []
    var shown = c.channels
    if c.channels.count > Self.maxChannelTables {
      shown = Array(c.channels.sorted { abs($0.sum) > abs($1.sum) }.prefix(Self.maxChannelTables))
      lines.append("\(c.inChannels) input channels; the \(shown.count) that add the most:")
    }
    for part in shown {
      let name = part.channel < names.count ? names[part.channel] : ""
      let products = zip(part.window, part.kernel).map { rows in
        zip(rows.0, rows.1).map { Optional(($0 ?? 0) * $1) }
      }
      let tables = [
        NumberTable.table("input c\(part.channel)", part.window),
        NumberTable.table(
          "x kernel f\(filter) c\(part.channel)", part.kernel.map { $0.map(Optional.init) }),
        NumberTable.table("= product", products),
      ]
      lines.append("channel \(part.channel)\(name): sum of products \(Fmt.sig(part.sum))")
      lines += NumberTable.sideBySide(tables, width: width)
    }
    var rows: [(String, Double)] = []
    if shown.count < c.channels.count {
      let shownSum = shown.reduce(0) { $0 + $1.sum }
      let rest = c.channels.count - shown.count
      rows.append(("channels shown", shownSum))
      rows.append(
        ("\(rest) more channel\(rest == 1 ? "" : "s")", c.preActivation - c.bias - shownSum))
    } else if c.channels.count > 1 {
      rows += c.channels.map { ("channel \($0.channel)", $0.sum) }
    }
    rows.append(("+ bias", c.bias))
    rows.append(("= sum", c.preActivation))
    let sums = Self.column(rows.map(\.1))
    lines += NumberTable.columns(zip(rows, sums).map { [$0.0, $1] }, indent: 0)
    if let step = c.squash { lines += squash(step, read: nil) }
    return lines
  }

  // MARK: - Pooling

  private func pooling(_ p: Explanation.Pooling, _ cell: Explanation.Cell) -> [String] {
    let (h, w) = (p.window.count, p.window.first?.count ?? 0)
    var lines = [
      "window: \(cell.source) rows \(p.top)..\(p.top + h - 1), columns \(p.left)..\(p.left + w - 1), channel \(p.channel)"
    ]
    lines += NumberTable.sideBySide(
      [NumberTable.table("", p.window, empty: "-", mark: p.winner)], width: width
    )
    .filter { !$0.isEmpty }
    if p.window.contains(where: { $0.contains { $0 == nil } }) {
      lines.append("- is padding outside the picture, which pooling skips")
    }
    let cells = p.cells
    if p.isMax, let winner = p.winner {
      let ties = cells.filter { $0 == cells.max() }.count
      lines.append(
        "max is [\(Fmt.sig(cells.max() ?? 0))] at row \(p.top + winner.row), column \(p.left + winner.column)"
          + (ties > 1
            ? " (\(ties) cells tie: the first in row-major order wins, as in training)" : ""))
    } else {
      lines.append("mean = \(Fmt.sig(cells.reduce(0, +))) / \(cells.count) cells")
    }
    return lines
  }

  // MARK: - Dropout

  private func dropout(_ d: Explanation.DropoutStep, _ cell: Explanation.Cell) -> [String] {
    let input = "\(cell.source) here is \(Fmt.sig(d.input))"
    guard let kept = d.kept else {
      return [
        input,
        "at inference Dropout passes every value through unchanged ('forward training' drops some)",
      ]
    }
    if kept {
      return [
        input,
        "kept this time: scaled by 1 / (1 - \(formatNumber(Float(d.rate)))) = \(Fmt.sig(d.scale))",
        "\(Fmt.sig(d.input)) x \(Fmt.sig(d.scale))",
      ]
    }
    return [input, "dropped this time (rate \(formatNumber(Float(d.rate)))): the value becomes 0"]
  }

  // MARK: - Dense

  private func dense(_ d: Explanation.DenseSum, _ cell: Explanation.Cell) -> [String] {
    let top = Array(d.terms.prefix(Self.topTerms))
    var lines = [
      "sum over \(groupedThousands(d.inFeatures)) inputs of input[i] x kernel[i, \(d.unit)], plus bias; the largest terms:"
    ]
    let rest = d.terms.count - top.count
    let restSum = d.terms.dropFirst(top.count).reduce(0) { $0 + $1.product }
    let inText = Self.column(top.map(\.input), digits: 3)
    let wText = Self.column(top.map(\.weight), digits: 3)
    // Products, the rest, the bias and the sum share one rounding so they add up on the page.
    let sums = Self.column(top.map(\.product) + [restSum, d.bias, d.preActivation])
    let pText = Array(sums.prefix(top.count))
    var header = ["i", "input", "weight", "product"]
    if d.flattenedFrom != nil { header.insert("from (y, x, c)", at: 1) }
    var rows = [header]
    for (k, term) in top.enumerated() {
      var row = ["\(term.index)", inText[k], wText[k], pText[k]]
      if let shape = d.flattenedFrom {
        row.insert(
          "("
            + Explainer.unflattened(term.index, shape: shape).map(String.init).joined(
              separator: ", ") + ")", at: 1)
      }
      rows.append(row)
    }
    let pad = Array(repeating: "", count: header.count - 2)
    if rest > 0 { rows.append(["\(groupedThousands(rest)) more"] + pad + [sums[top.count]]) }
    rows.append(["+ bias"] + pad + [sums[top.count + 1]])
    rows.append(["= sum"] + pad + [sums[top.count + 2]])
    lines += NumberTable.columns(rows, leftColumns: d.flattenedFrom == nil ? 1 : 2, indent: 2)
    if let step = d.squash { lines += squash(step, read: nil) }
    return lines
  }

  // MARK: - Activations

  /// `relu(-0.1234) = max(x, 0)`, or the softmax of the whole row as a table.
  private func squash(_ s: Explanation.Squash, read source: String?) -> [String] {
    switch s {
    case .elementwise(let function, let x):
      let name = function.rawValue
      var lines = source.map { ["\($0) here is \(Fmt.sig(x))"] } ?? []
      lines.append(
        "\(name)(x) = \(function.formula): \(name)(\(Fmt.sig(x))) = \(Fmt.sig(s.output))")
      return lines
    case .leaky(let slope, let x):
      var lines = source.map { ["\($0) here is \(Fmt.sig(x))"] } ?? []
      lines.append(
        "leaky_relu(x) = x if x >= 0, else \(Fmt.sig(slope)) * x: leaky_relu(\(Fmt.sig(x))) = \(Fmt.sig(s.output))"
      )
      return lines
    case .softmax(let row, let index):
      let top = row.max() ?? 0
      let exps = row.map { exp($0 - top) }
      let total = exps.reduce(0, +)
      let column = { (values: [Double]) in Self.column(values) }
      let names = row.indices.map {
        $0 < labels.count && labels.count == row.count ? "\($0) \(labels[$0])" : "\($0)"
      }
      let (x, shifted, e, p) = (
        column(row), column(row.map { $0 - top }), column(exps), column(exps.map { $0 / total })
      )
      var rows = [["class", "x", "x - max", "exp", "/ sum"]]
      for i in row.indices {
        rows.append([names[i], x[i], shifted[i], e[i], p[i]] + (i == index ? ["<"] : []))
      }
      var lines = [
        (source.map { "softmax over the whole row of \($0)" }
          ?? "softmax over the whole row of sums")
          + ": subtract the largest (\(Fmt.sig(top))), exponentiate, divide by the sum"
      ]
      lines += NumberTable.columns(rows)
      lines.append(
        "sum of exp = \(Fmt.sig(total)); class \(index): \(Fmt.sig(exps[index])) / \(Fmt.sig(total))"
      )
      return lines
    }
  }

  /// Numbers for one column: one rounding, `digits` significant for the largest.
  static func column(_ values: [Double], digits: Int = 4) -> [String] {
    let places = Fmt.decimals(forLargest: values.map(abs).max() ?? 0, digits: digits)
    return values.map { Fmt.fixed($0, places) }
  }

  // MARK: - Flatten

  // MARK: - BatchNormalization

  private func normalization(_ n: Explanation.Normalization, _ cell: Explanation.Cell) -> [String] {
    let statistics =
      n.batchStatistics
      ? "training pass: the batch's own mean and variance of channel \(n.channel), over \(groupedThousands(n.count)) values"
      : "inference: the moving mean and variance of channel \(n.channel), learned during fit"
    return [
      "\(cell.source) here is x = \(Fmt.sig(n.input))",
      statistics,
      "mean \(Fmt.sig(n.mean)), variance \(Fmt.sig(n.variance)), epsilon \(Fmt.sig(n.epsilon)), gamma \(Fmt.sig(n.gamma)), beta \(Fmt.sig(n.beta))",
      "(x - mean) / sqrt(variance + epsilon) = (\(Fmt.sig(n.input)) - \(Fmt.sig(n.mean))) / \(Fmt.sig((n.variance + n.epsilon).squareRoot())) = \(Fmt.sig(n.normalized))",
      "times gamma, plus beta: \(Fmt.sig(n.normalized)) x \(Fmt.sig(n.gamma)) + \(Fmt.sig(n.beta))",
    ]
  }

  // MARK: - Global pooling

  private func globalPool(_ g: Explanation.GlobalPool, _ cell: Explanation.Cell) -> [String] {
    let map = "channel \(g.channel) of \(cell.source), all \(g.height) x \(g.width) cells"
    if g.isMax {
      return ["the largest value in \(map): \(Fmt.sig(g.maximum)) at y \(g.at.y), x \(g.at.x)"]
    }
    return [
      "the mean of \(map): \(Fmt.sig(g.sum)) / \(g.height * g.width)"
    ]
  }

  private func flatten(_ f: Explanation.FlattenStep, _ cell: Explanation.Cell) -> [String] {
    let i = cell.indices[0]
    let dims = f.inputShape.dims
    guard dims.count == 3 else {
      return [
        "Flatten reads \(cell.source) \(f.inputShape) row-major: index \(i) is \(Self.place(f.from)) there, \(Fmt.sig(f.input))"
      ]
    }
    let (y, x, c) = (f.from[0], f.from[1], f.from[2])
    return [
      "Flatten reads \(cell.source) \(f.inputShape) row-major: i = (y * \(dims[1]) + x) * \(dims[2]) + c",
      "\(i) = (\(y) * \(dims[1]) + \(x)) * \(dims[2]) + \(c), so y \(y), x \(x), channel \(c), where the value is \(Fmt.sig(f.input))",
    ]
  }
}
