import Foundation

/// How numpy 2 prints arrays (numpy/_core/arrayprint.py with its default
/// options: precision 8, line width 75, arrays of more than 1,000 values
/// summarised with "..." and 3 items at each edge): `print(x)` gives `str`,
/// the prompt gives `repr`.
extension PyArray {
  static let lineWidth = 75
  static let threshold = 1000
  static let edgeItems = 3

  public var str: String {
    if shape.isEmpty, case .float32(let v) = values { return pythonFloat32Repr(v[0]) }
    if shape.isEmpty { return element(0).str }
    if count == 0 { return "[]" }
    return formatted(separator: " ", prefix: "")
  }

  public var repr: String {
    let prefix = "array("
    if shape.isEmpty, case .float32(let v) = values {
      return "np.float32(\(pythonFloat32Repr(v[0])))"
    }
    if shape.isEmpty { return prefix + element(0).repr + ")" }
    let list = count == 0 ? "[]" : formatted(separator: ", ", prefix: prefix, suffix: ")")
    var extras: [String] = []
    if (count == 0 && shape != [0]) || count > PyArray.threshold {
      extras.append("shape=" + PyValue.tuple(shape.map { .int($0) }).repr)
    }
    if ![.float64, .int64, .bool].contains(dtype) || count == 0 {
      extras.append("dtype=\(dtype.rawValue)")
    }
    if extras.isEmpty { return prefix + list + ")" }
    let text = prefix + list + ","
    let extra = extras.joined(separator: ", ") + ")"
    let lastLine =
      text.count
      - ((text.lastIndex(of: "\n").map { text.distance(from: text.startIndex, to: $0) } ?? -1) + 1)
    let spacer =
      lastLine + extra.count + 1 > PyArray.lineWidth
      ? "\n" + String(repeating: " ", count: prefix.count) : " "
    return text + spacer + extra
  }

  private func formatted(separator: String, prefix: String, suffix: String = "") -> String {
    let summarize = count > PyArray.threshold
    let format = elementFormat(shown: summarize ? edgeOffsets() : Array(0..<count))
    let strides = self.strides
    let insert = summarize ? "..." : ""

    func recurse(_ axis: Int, _ offset: Int, _ hanging: String, _ width: Int) -> String {
      if axis == shape.count { return format(offset) }
      let nextHanging = hanging + " "
      let nextWidth = width - 1
      let length = shape[axis]
      let summary = !insert.isEmpty && 2 * PyArray.edgeItems < length
      let leading = summary ? PyArray.edgeItems : 0
      let trailing = summary ? PyArray.edgeItems : length
      var s = ""
      func child(_ i: Int) -> String {
        recurse(axis + 1, offset + i * strides[axis], nextHanging, nextWidth)
      }
      if axis == shape.count - 1 {
        let elementWidth = width - max(separator.trimmingTrailingBlanks.count, 1)
        var line = hanging
        func extend(_ word: String, _ limit: Int) {
          if line.count + word.count > limit, line.count > hanging.count {
            s += line.trimmingTrailingBlanks + "\n"
            line = hanging
          }
          line += word
        }
        for i in 0..<leading {
          extend(child(i), elementWidth)
          line += separator
        }
        if summary {
          extend(insert, elementWidth)
          line += separator
        }
        if trailing > 1 {
          for i in stride(from: trailing, to: 1, by: -1) {
            extend(child(length - i), elementWidth)
            line += separator
          }
        }
        extend(child(length - 1), elementWidth)
        s += line
      } else {
        let lineSeparator =
          separator.trimmingTrailingBlanks + String(repeating: "\n", count: shape.count - axis - 1)
        for i in 0..<leading { s += hanging + child(i) + lineSeparator }
        if summary { s += hanging + insert + lineSeparator }
        if trailing > 1 {
          for i in stride(from: trailing, to: 1, by: -1) {
            s += hanging + child(length - i) + lineSeparator
          }
        }
        s += hanging + child(length - 1)
      }
      return "[" + s.dropFirst(hanging.count) + "]"
    }
    return recurse(
      0, 0, " " + String(repeating: " ", count: prefix.count), PyArray.lineWidth - suffix.count)
  }

  /// The flat offsets of the values a summary shows (3 at each edge of every axis).
  private func edgeOffsets() -> [Int] {
    let strides = self.strides
    var offsets = [0]
    for axis in 0..<shape.count {
      let n = shape[axis]
      let picks =
        n > 2 * PyArray.edgeItems
        ? Array(0..<PyArray.edgeItems) + Array((n - PyArray.edgeItems)..<n) : Array(0..<n)
      offsets = offsets.flatMap { base in picks.map { base + $0 * strides[axis] } }
    }
    return offsets
  }

  /// The function that writes one value, padded to the width every shown value needs.
  private func elementFormat(shown: [Int]) -> (Int) -> String {
    switch dtype {
    case .bool:
      return { self.double($0) != 0 ? " True" : "False" }
    case .uint8, .int32, .int64:
      let width = shown.map { String(Int64(self.double($0))).count }.max() ?? 1
      return { i in
        let text = String(PyArray.wrap(self.double(i)))
        return String(repeating: " ", count: max(width - text.count, 0)) + text
      }
    case .float32, .float64:
      return FloatFormat(values: shown.map(double), float32: dtype == .float32).format(self)
    }
  }
}

/// numpy's FloatingFormat with floatmode 'maxprec', precision 8.
private struct FloatFormat {
  let float32: Bool
  var exponential = false
  var padLeft = 0
  var padRight = 0
  var precision = 8
  var expSize = 0

  init(values: [Double], float32: Bool) {
    self.float32 = float32
    let finite = values.filter(\.isFinite)
    let nonZero = finite.filter { $0 != 0 }.map(abs)
    if let high = nonZero.max(), let low = nonZero.min() {
      exponential = high >= 1e8 || low < 0.0001 || high / low > 1000
    }
    if finite.isEmpty {
      padLeft = 0
      padRight = 0
    } else if exponential {
      let parts = finite.map { scientific($0, precision: 8, minDigits: 0) }
      precision = parts.map(\.fraction.count).max() ?? 0
      padLeft = parts.map(\.integer.count).max() ?? 1
      expSize = parts.map(\.exponent.count).max() ?? 2
      padRight = expSize + 2 + precision
    } else {
      let parts = finite.map { positional($0, precision: 8) }
      padLeft = parts.map(\.integer.count).max() ?? 1
      padRight = parts.map(\.fraction.count).max() ?? 0
    }
    if finite.count != values.count {
      let negativeInfinity = values.contains { $0.isInfinite && $0 < 0 }
      padLeft = max(padLeft, 3 - (padRight + 1), 3 + (negativeInfinity ? 1 : 0) - (padRight + 1))
    }
  }

  func format(_ array: PyArray) -> (Int) -> String {
    { i in
      let x = array.double(i)
      guard x.isFinite else {
        let text = x.isNaN ? "nan" : x < 0 ? "-inf" : "inf"
        return String(repeating: " ", count: max(padLeft + padRight + 1 - text.count, 0)) + text
      }
      if exponential {
        let p = scientific(x, precision: precision, minDigits: precision)
        let exponent =
          String(repeating: "0", count: max(expSize - p.exponent.count, 0)) + p.exponent
        return String(repeating: " ", count: max(padLeft - p.integer.count, 0)) + p.integer + "."
          + p.fraction + "e" + p.sign + exponent
      }
      let p = positional(x, precision: precision)
      return String(repeating: " ", count: max(padLeft - p.integer.count, 0)) + p.integer + "."
        + p.fraction + String(repeating: " ", count: max(padRight - p.fraction.count, 0))
    }
  }

  /// The shortest digits that read back to the same value (as float32 for
  /// float32 arrays) and where the decimal point goes.
  private func shortest(_ x: Double) -> (digits: [Character], point: Int) {
    var text = float32 ? "\(Float(x).magnitude)" : "\(x.magnitude)"
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      exponent = Int(text[text.index(after: e)...]) ?? 0
      text = String(text[..<e])
    }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    var digits = Array(parts[0]) + (parts.count > 1 ? Array(parts[1]) : [])
    var point = parts[0].count + exponent
    while digits.count > 1, digits.first == "0" {
      digits.removeFirst()
      point -= 1
    }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    if digits == ["0"] { point = 1 }
    return (digits, point)
  }

  /// dragon4_positional with unique digits, at most `precision` after the point, trim '.'.
  private func positional(_ x: Double, precision: Int) -> (integer: String, fraction: String) {
    let negative = x.sign == .minus
    let (digits, point) = shortest(x)
    var integer: String
    var fraction: String
    if digits.count - point > precision {
      let text = String(format: "%.\(precision)f", abs(float32 ? Double(Float(x)) : x))
      let parts = text.split(separator: ".", omittingEmptySubsequences: false)
      integer = String(parts[0])
      fraction = parts.count > 1 ? String(parts[1]) : ""
      while fraction.hasSuffix("0") { fraction.removeLast() }
    } else if point <= 0 {
      integer = "0"
      fraction = String(repeating: "0", count: -point) + String(digits)
    } else if point >= digits.count {
      integer = String(digits) + String(repeating: "0", count: point - digits.count)
      fraction = ""
    } else {
      integer = String(digits[..<point])
      fraction = String(digits[point...])
    }
    if digits == ["0"] {
      integer = "0"
      fraction = ""
    }
    return ((negative ? "-" : "") + integer, fraction)
  }

  /// dragon4_scientific: unique mantissa digits, at most `precision` after
  /// the point, padded with zeros to `minDigits`.
  private func scientific(_ x: Double, precision: Int, minDigits: Int) -> (
    integer: String, fraction: String, sign: String, exponent: String
  ) {
    let negative = x.sign == .minus
    var (digits, point) = shortest(x)
    var exponent = digits == ["0"] ? 0 : point - 1
    if digits.count - 1 > precision {
      let text = String(format: "%.\(precision)e", abs(float32 ? Double(Float(x)) : x))
      let pieces = text.split(separator: "e")
      let mantissa = pieces[0].replacingOccurrences(of: ".", with: "")
      digits = Array(mantissa)
      exponent = Int(pieces.count > 1 ? String(pieces[1]) : "0") ?? exponent
      while digits.count > 1, digits.last == "0" { digits.removeLast() }
    }
    var fraction = String(digits.dropFirst())
    if fraction.count < minDigits {
      fraction += String(repeating: "0", count: minDigits - fraction.count)
    }
    let e = String(abs(exponent))
    return (
      (negative ? "-" : "") + String(digits[0]), fraction, exponent < 0 ? "-" : "+",
      e.count < 2 ? "0" + e : e
    )
  }
}

extension String {
  fileprivate var trimmingTrailingBlanks: String {
    var s = Substring(self)
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
