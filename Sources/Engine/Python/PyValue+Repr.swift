extension PyValue {
  /// Python's `repr(x)`: what the prompt shows for an expression, and how
  /// items inside a list or a tuple print.
  public var repr: String {
    switch self {
    case .none: "None"
    case .bool(let b): b ? "True" : "False"
    case .int(let n): String(n)
    case .float(let x): pythonFloatRepr(x)
    case .string(let s): pythonStringRepr(s)
    case .tuple(let items):
      items.count == 1
        ? "(\(items[0].repr),)" : "(" + items.map(\.repr).joined(separator: ", ") + ")"
    case .list(let list): "[" + list.items.map(\.repr).joined(separator: ", ") + "]"
    case .dict(let dict):
      "{" + dict.pairs.map { "\($0.key.value.repr): \($0.value.repr)" }.joined(separator: ", ")
        + "}"
    case .object(let object): object.repr
    }
  }

  /// Python's `str(x)`: what `print` shows. Strings print without quotes;
  /// everything else as its `repr`, apart from objects that say otherwise.
  public var str: String {
    switch self {
    case .string(let s): s
    case .object(let object): object.str
    default: repr
    }
  }
}

/// A float as Python 3 prints it: the shortest digits that read back to the
/// same number, in fixed notation from 1e-4 up to 1e16 and as `1e+16` beyond
/// (`0.1`, `1000000000000000.0`, `1e-05`, `inf`, `nan`).
public func pythonFloatRepr(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
  // Swift's description has the shortest round-trip digits; only the layout differs.
  return pythonLayout("\(abs(x))", negative: x < 0)
}

/// A float32 as numpy prints a `np.float32` scalar: the shortest digits that
/// read back to the same float32 (`0.1`, not `0.10000000149011612`).
public func pythonFloat32Repr(_ x: Float) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
  return pythonLayout("\(abs(x))", negative: x < 0)
}

/// Swift's shortest digits (`1e-05`, `123.45`) laid out as Python does.
private func pythonLayout(_ swiftText: String, negative: Bool) -> String {
  var text = swiftText
  var exponent = 0
  if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
    exponent = Int(text[text.index(after: e)...]) ?? 0
    text = String(text[..<e])
  }
  let parts = text.split(separator: ".", omittingEmptySubsequences: false)
  let whole = String(parts[0])
  let fraction = parts.count > 1 ? String(parts[1]) : ""
  var digits = whole + fraction
  // The decimal exponent of the first digit.
  var first = whole.count - 1 + exponent
  while digits.hasPrefix("0"), digits.count > 1 {
    digits.removeFirst()
    first -= 1
  }
  while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
  let sign = negative ? "-" : ""
  if first >= -4, first < 16 {
    if first < 0 {
      return sign + "0." + String(repeating: "0", count: -first - 1) + digits
    }
    let padded =
      digits.count <= first
      ? digits + String(repeating: "0", count: first + 1 - digits.count) : digits
    let integer = padded.prefix(first + 1)
    let rest = padded.dropFirst(first + 1)
    return sign + integer + "." + (rest.isEmpty ? "0" : rest)
  }
  let mantissa =
    digits.count == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
  let e = abs(first) < 10 ? "0\(abs(first))" : "\(abs(first))"
  return sign + mantissa + "e" + (first < 0 ? "-" : "+") + e
}

/// A string as Python's `repr` writes it: single quotes unless the text has
/// one and no double quote, and escapes for the backslash, the quote, and
/// every character that is not printable (controls, bidi marks).
public func pythonStringRepr(_ s: String) -> String {
  let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
  var out = String(quote)
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if Character(scalar) == quote {
        out += "\\" + String(quote)
      } else if isPrintable(scalar) {
        out.unicodeScalars.append(scalar)
      } else if scalar.value < 0x100 {
        out += "\\x" + hex(scalar.value, width: 2)
      } else if scalar.value < 0x10000 {
        out += "\\u" + hex(scalar.value, width: 4)
      } else {
        out += "\\U" + hex(scalar.value, width: 8)
      }
    }
  }
  out.append(quote)
  return out
}

private func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
  switch scalar.properties.generalCategory {
  case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator,
    .paragraphSeparator:
    return false
  case .spaceSeparator:
    return scalar == " "
  default:
    return true
  }
}

private func hex(_ value: UInt32, width: Int) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
