import Engine
import Foundation

/// Keras's progress bar: `15/15 ━━━━━━━━━━━━━━━━━━━━ 1s 53ms/step - accuracy: 0.1934 - loss: 1.7951`.
///
/// On a terminal the line is redrawn in place after every batch, with the
/// time taken (or left, while running). Piped, only the finished line is
/// printed, with `=` for the bar and no times, so transcripts stay byte-stable.
struct ProgressRenderer {
  let live: Bool
  static let barWidth = 20

  /// The bar for `done` of `total` steps.
  func bar(_ done: Int, of total: Int) -> String {
    let filled = total > 0 ? done * Self.barWidth / total : Self.barWidth
    guard live else {
      return String(repeating: "=", count: filled)
        + String(repeating: ".", count: Self.barWidth - filled)
    }
    if filled >= Self.barWidth { return String(repeating: "━", count: Self.barWidth) }
    return String(repeating: "━", count: filled) + "╺"
      + String(repeating: "━", count: Self.barWidth - filled - 1)
  }

  /// One progress line; `elapsed` is seconds since the epoch began.
  func line(step: Int, of total: Int, elapsed: Double, metrics: [(String, Float)]) -> String {
    let width = String(total).count
    var text =
      String(repeating: " ", count: width - String(step).count) + "\(step)/\(total) "
      + bar(step, of: total)
    if live {
      let perStep = step > 0 ? elapsed / Double(step) : 0
      if step < total {
        text += " \(Self.duration(perStep * Double(total - step)))"
      } else {
        text += " \(Self.duration(elapsed))"
      }
      text += " \(WholeNumber.clamped(perStep * 1000))ms/step"
    }
    for (name, value) in metrics { text += " - \(name): \(Self.metric(value, verbose: 1))" }
    return text
  }

  /// Keras's `verbose=2` line, one per epoch: `3/3 - 1s - accuracy: 0.2500 - loss: 1.8073`;
  /// the time only when `elapsed` is given (at a terminal).
  func summaryLine(steps: Int, elapsed: Double?, metrics: [(String, Float)]) -> String {
    var text = "\(steps)/\(steps)"
    if let elapsed { text += " - \(Self.duration(elapsed))" }
    for (name, value) in metrics { text += " - \(name): \(Self.metric(value, verbose: 2))" }
    return text
  }

  /// A finished `line` fitted to `width`: broken before a ` - name: value`
  /// part, never inside one (a word-wrap would part `val_accuracy:` from its
  /// number), the continuation lined up under the bar.
  static func fitted(_ line: String, width: Int) -> [String] {
    let parts = line.components(separatedBy: " - ")
    guard line.count > width, parts.count > 1, let head = parts.first else { return [line] }
    let indent = String(
      repeating: " ",
      count: (head.firstIndex(of: " ").map {
        head.distance(from: head.startIndex, to: $0) + 1
      }) ?? 0)
    var lines = [head]
    for part in parts.dropFirst() {
      if let last = lines.last, last.count + 3 + part.count <= width {
        lines[lines.count - 1] = last + " - " + part
      } else {
        lines.append(indent + "- " + part)
      }
    }
    return lines
  }

  /// `3s`, `1:05` (Keras rounds to whole seconds).
  static func duration(_ seconds: Double) -> String {
    let s = WholeNumber.clamped(seconds, in: 0...Int.max)
    return s < 60 ? "\(s)s" : "\(s / 60):" + (s % 60 < 10 ? "0" : "") + "\(s % 60)"
  }

  /// A metric as Keras's progress bar spells it: four decimals, or four
  /// significant digits with an exponent once it is 0.001 or less
  /// (`loss: 1.1921e-07`, `accuracy: 0.0000e+00`), so a loss that has
  /// almost vanished does not read as zero. `verbose=1` compares the
  /// absolute value and `verbose=2` the value itself (keras/src/utils/
  /// progbar.py, `update`; Keras 2.2.4's keras/utils/generic_utils.py
  /// does the same).
  static func metric(_ value: Float, verbose: Int) -> String {
    // Python compares the float64 average: in Double, 0.001 as a Float
    // (0.0010000000475) is larger, as it is there.
    let large = verbose == 2 ? Double(value) > 1e-3 : abs(Double(value)) > 1e-3
    // NaN is never larger, and Python spells it `nan` either way.
    guard !large, value.isFinite else { return four(value) }
    return String(format: "%.4e", Double(value))
  }

  /// Keras shows metrics with four decimals (`f"{v:.4f}"`): `nan` and `inf`
  /// as Python spells them, and a loss of 4e12 with all its digits.
  static func four(_ value: Float) -> String {
    guard value.isFinite else { return "\(value)" }
    // Beyond 2^53 / 10^4 the scaled value no longer fits the exact integers
    // of a Double (nor, further on, an Int): printf spells it as Python does.
    guard abs(value) < 9e11 else { return String(format: "%.4f", Double(value)) }
    let scaled = WholeNumber.clamped(Double(value) * 10_000)
    let sign = scaled < 0 ? "-" : ""
    let whole = abs(scaled) / 10_000
    let frac = String(abs(scaled) % 10_000)
    return sign + "\(whole)." + String(repeating: "0", count: 4 - frac.count) + frac
  }

  /// The figures of an epoch in Keras's order: accuracy (when it is a
  /// compiled metric), loss, then the validation pair.
  static func metrics(_ record: EpochRecord, _ setup: TrainingSetup) -> [(String, Float)] {
    var result = setup.reported(accuracy: record.accuracy, loss: record.loss)
    if let a = record.validationAccuracy, let l = record.validationLoss {
      result += setup.reported(accuracy: a, loss: l, prefix: "val_")
    }
    return result
  }
}
