import Engine

/// One Conv2D filter's numbers as small aligned tables, one per input channel:
///
///     conv2d kernel (3, 3, 3, 2): filter 0 of 2, bias 0.000
///     channel 0            channel 1            channel 2
///     -0.333 0.000 0.333   -0.333 0.000 0.333   -0.333 0.000 0.333
enum KernelTable {
  /// More channels than this are summarised: 64 small tables help nobody.
  static let maxChannels = 8

  static func lines(
    _ name: String, kernel: Tensor, bias: Tensor?, filter: Int, channel: Int?, width: Int
  ) -> [String] {
    let (kh, kw, inChannels, filters) = (
      kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3]
    )
    let biasText = bias.map { ", bias " + Fmt.fixed($0.scalars[filter], 3) } ?? ""
    var lines = ["\(name) kernel \(kernel.shape): filter \(filter) of \(filters)\(biasText)"]
    let channels = channel.map { [$0] } ?? Array(0..<min(inChannels, maxChannels))
    func value(_ ky: Int, _ kx: Int, _ c: Int) -> Float {
      kernel.scalars[((ky * kw + kx) * inChannels + c) * filters + filter]
    }
    let texts = channels.map { c in
      (0..<kh).map { ky in (0..<kw).map { kx in Fmt.fixed(value(ky, kx, c), 3) } }
    }
    let cell = texts.flatMap { $0.flatMap { $0 } }.map(\.count).max() ?? 1
    let tableWidth = max(kw * (cell + 1) - 1, "channel 00".count)
    let gap = "   "
    let perRow = max(1, (width + gap.count) / (tableWidth + gap.count))
    for start in stride(from: 0, to: channels.count, by: perRow) {
      let group = Array(start..<min(start + perRow, channels.count))
      lines.append(
        group.map { "channel \(channels[$0])".padding(tableWidth) }.joined(separator: gap)
          .trimmingTrailingSpaces())
      for ky in 0..<kh {
        let row = group.map { i in
          texts[i][ky].map { $0.padded(cell) }.joined(separator: " ").padding(tableWidth)
        }
        lines.append(row.joined(separator: gap).trimmingTrailingSpaces())
      }
    }
    if channel == nil, inChannels > channels.count {
      lines.append(
        "(channels 0-\(channels.count - 1) of \(inChannels); e.g. kernel \(name) filter \(filter) channel \(channels.count))"
      )
    }
    return lines
  }
}
