/// Text from outside (files, folder names, a learner's line) made safe to
/// show or to write into generated code.
///
/// A name read from a `.npy` header or a zip member can hold an escape
/// sequence that retitles or clears the terminal, or a newline that makes
/// one error look like five. Everything a console prints passes through
/// ``SafeText/terminal(_:limit:)``, and everything written into a Python
/// script passes through ``SafeText/pythonString(_:)``.
public enum SafeText {
  /// `text` as one printable line: control characters (C0, DEL, C1) and the
  /// Unicode format characters that reorder or hide text (bidi overrides,
  /// zero-width joiners, the BOM) are shown as Python-style escapes (`\n`,
  /// `\x1b`, `\u202e`); a backslash stays a backslash. When `limit` is given
  /// and the text is longer, it is cut to that many characters and ends in
  /// `...(N more characters)`.
  public static func terminal(_ text: String, limit: Int? = nil) -> String {
    var out = ""
    var count = 0
    var scalars = text.unicodeScalars.makeIterator()
    var remaining = 0
    while let scalar = scalars.next() {
      if let limit, count >= limit {
        remaining += 1
        continue
      }
      if let escape = escape(scalar) {
        out += escape
      } else {
        out.unicodeScalars.append(scalar)
      }
      count += 1
    }
    if remaining > 0 { out += "...(\(remaining) more characters)" }
    return out
  }

  /// True when `text` would print as it is: nothing in it needs an escape.
  public static func isPrintable(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy { escape($0) == nil }
  }

  /// A Python string literal that evaluates to `text` and cannot end early:
  /// single quotes, with `\`, `'`, and every character outside printable
  /// ASCII escaped (`\n`, `\x00`, `\u00e9`, `\U0001f600`), so the literal is
  /// one line of ASCII whatever the text holds.
  public static func pythonString(_ text: String) -> String {
    var out = "'"
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\\": out += "\\\\"
      case "'": out += "\\'"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case " "..."~": out.unicodeScalars.append(scalar)
      default:
        let v = scalar.value
        if v < 0x100 {
          out += "\\x" + hex(v, digits: 2)
        } else if v < 0x10000 {
          out += "\\u" + hex(v, digits: 4)
        } else {
          out += "\\U" + hex(v, digits: 8)
        }
      }
    }
    return out + "'"
  }

  /// The escape for `scalar`, or nil when it prints as itself.
  private static func escape(_ scalar: Unicode.Scalar) -> String? {
    let v = scalar.value
    switch v {
    case 0x0A: return "\\n"
    case 0x0D: return "\\r"
    case 0x09: return "\\t"
    case 0x00..<0x20, 0x7F..<0xA0: return "\\x" + hex(v, digits: 2)
    // Bidi embeddings, overrides and isolates; zero-width space/joiners; the
    // word joiner and invisible operators; the BOM; interlinear annotations.
    case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF,
      0xFFF9...0xFFFB:
      return "\\u" + hex(v, digits: 4)
    default:
      // Line and paragraph separators break a line in some terminals.
      if v == 0x2028 || v == 0x2029 { return "\\u" + hex(v, digits: 4) }
      return nil
    }
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(digits - text.count, 0)) + text
  }
}
