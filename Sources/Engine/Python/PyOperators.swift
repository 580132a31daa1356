import Foundation

/// Python's operators on plain values: numbers (integers overflow-checked,
/// as LayerLab's whole numbers stop at 2**63), strings, lists and tuples;
/// arrays answer for themselves through ``PyOperand``.
enum PyOperators {
  static func unary(_ op: String, _ value: PyValue) throws -> PyValue {
    if case .object(let object) = value, let operand = object as? any PyOperand,
      let result = try operand.unary(op)
    {
      return result
    }
    switch (op, value) {
    case ("-", .int(let n)):
      guard n != Int.min else { throw tooLarge }
      return .int(-n)
    case ("-", .float(let x)): return .float(-x)
    case ("-", .bool(let b)): return .int(b ? -1 : 0)
    case ("+", .int), ("+", .float): return value
    case ("+", .bool(let b)): return .int(b ? 1 : 0)
    case ("~", .int(let n)): return .int(~n)
    case ("~", .bool(let b)): return .int(~(b ? 1 : 0))
    default:
      throw LabError("bad operand type for unary \(op): '\(value.typeName)'")
    }
  }

  static let tooLarge = LabError(
    "the result is too large for LayerLab's whole numbers (they stop at \(Int.max))",
    hint: "use a float, e.g. 2.0 ** 100")

  static func binary(_ op: String, _ left: PyValue, _ right: PyValue, context: any CallContext)
    throws -> PyValue
  {
    if case .object(let object) = left, let operand = object as? any PyOperand,
      let result = try operand.binary(op, right, reflected: false, context: context)
    {
      return result
    }
    if case .object(let object) = right, let operand = object as? any PyOperand,
      let result = try operand.binary(op, left, reflected: true, context: context)
    {
      return result
    }
    switch op {
    case "==": return .bool(equal(left, right))
    case "!=": return .bool(!equal(left, right))
    case "is": return .bool(identical(left, right))
    case "is not": return .bool(!identical(left, right))
    case "in": return .bool(try contains(right, left))
    case "not in": return .bool(!(try contains(right, left)))
    case "<", "<=", ">", ">=":
      if let x = left.number, let y = right.number {
        switch op {
        case "<": return .bool(x < y)
        case "<=": return .bool(x <= y)
        case ">": return .bool(x > y)
        default: return .bool(x >= y)
        }
      }
      guard let order = try compare(left, right, op) else {
        throw LabError(
          "'\(op)' cannot compare '\(left.typeName)' with '\(right.typeName)'")
      }
      switch op {
      case "<": return .bool(order < 0)
      case "<=": return .bool(order <= 0)
      case ">": return .bool(order > 0)
      default: return .bool(order >= 0)
      }
    default:
      break
    }
    if let a = left.integer, let b = right.integer, left.isIntegral, right.isIntegral {
      return try integer(op, a, b)
    }
    if let a = left.number, let b = right.number {
      return try float(op, a, b)
    }
    switch (op, left, right) {
    case ("+", .string(let a), .string(let b)):
      try bound(a.count + b.count)
      return .string(a + b)
    case ("+", .list(let a), .list(let b)):
      try bound(a.items.count + b.items.count)
      return .list(PyList(a.items + b.items))
    case ("+", .tuple(let a), .tuple(let b)):
      try bound(a.count + b.count)
      return .tuple(a + b)
    case ("*", .string(let s), _), ("*", _, .string(let s)):
      guard let n = (left.isIntegral ? left.integer : right.integer) else { break }
      try bound(max(n, 0).multipliedReportingOverflow(by: s.count))
      return .string(String(repeating: s, count: max(n, 0)))
    case ("*", .list(let l), _), ("*", _, .list(let l)):
      guard let n = (left.isIntegral ? left.integer : right.integer) else { break }
      try bound(max(n, 0).multipliedReportingOverflow(by: l.items.count))
      return .list(PyList(Array([[PyValue]](repeating: l.items, count: max(n, 0)).joined())))
    case ("*", .tuple(let t), _), ("*", _, .tuple(let t)):
      guard let n = (left.isIntegral ? left.integer : right.integer) else { break }
      try bound(max(n, 0).multipliedReportingOverflow(by: t.count))
      return .tuple(Array([[PyValue]](repeating: t, count: max(n, 0)).joined()))
    case ("%", .string(let format), _):
      return .string(try PyFormat.percent(format, right))
    default:
      break
    }
    throw LabError(
      "unsupported operand types for \(op): '\(left.typeName)' and '\(right.typeName)'")
  }

  private static func bound(_ count: Int) throws {
    guard count <= PyInterpreter.maxItems else { throw PyInterpreter.tooManyItems(count) }
  }

  private static func bound(_ product: (partialValue: Int, overflow: Bool)) throws {
    guard !product.overflow else { throw PyInterpreter.tooManyItems(Int.max) }
    try bound(product.partialValue)
  }

  private static func integer(_ op: String, _ a: Int, _ b: Int) throws -> PyValue {
    func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> PyValue {
      guard !r.overflow else { throw tooLarge }
      return .int(r.partialValue)
    }
    switch op {
    case "+": return try checked(a.addingReportingOverflow(b))
    case "-": return try checked(a.subtractingReportingOverflow(b))
    case "*": return try checked(a.multipliedReportingOverflow(by: b))
    case "/":
      guard b != 0 else { throw LabError("division by zero") }
      return .float(Double(a) / Double(b))
    case "//", "%":
      guard b != 0 else { throw LabError("division by zero") }
      guard !(a == Int.min && b == -1) else { throw tooLarge }
      var q = a / b
      var r = a % b
      // Python floors: the remainder takes the divisor's sign.
      if r != 0, (r < 0) != (b < 0) {
        q -= 1
        r += b
      }
      return .int(op == "//" ? q : r)
    case "**":
      if b < 0 { return .float(pow(Double(a), Double(b))) }
      var result = 1
      var base = a
      var e = b
      while e > 0 {
        if e & 1 == 1 {
          let (m, o) = result.multipliedReportingOverflow(by: base)
          guard !o else { throw tooLarge }
          result = m
        }
        e >>= 1
        if e > 0 {
          let (sq, o) = base.multipliedReportingOverflow(by: base)
          guard !o else { throw tooLarge }
          base = sq
        }
      }
      return .int(result)
    case "&": return .int(a & b)
    case "|": return .int(a | b)
    case "^": return .int(a ^ b)
    case "<<":
      guard b >= 0 else { throw LabError("negative shift count") }
      guard b < 63, a == 0 || (a.magnitude.leadingZeroBitCount > b + 1) else { throw tooLarge }
      return .int(a << b)
    case ">>":
      guard b >= 0 else { throw LabError("negative shift count") }
      return .int(b >= 64 ? (a < 0 ? -1 : 0) : a >> b)
    case "@":
      throw LabError("'@' needs arrays, not numbers")
    default:
      throw LabError("unsupported operand types for \(op): 'int' and 'int'")
    }
  }

  private static func float(_ op: String, _ a: Double, _ b: Double) throws -> PyValue {
    switch op {
    case "+": return .float(a + b)
    case "-": return .float(a - b)
    case "*": return .float(a * b)
    case "/":
      guard b != 0 else { throw LabError("division by zero") }
      return .float(a / b)
    case "//":
      guard b != 0 else { throw LabError("division by zero") }
      return .float((a / b).rounded(.down))
    case "%":
      guard b != 0 else { throw LabError("division by zero") }
      let r = a.truncatingRemainder(dividingBy: b)
      return .float(r != 0 && (r < 0) != (b < 0) ? r + b : r)
    case "**":
      if a < 0, b != b.rounded() {
        throw LabError(
          "a negative number to a fractional power is complex; LayerLab has no complex numbers")
      }
      if a == 0, b < 0 { throw LabError("0.0 cannot be raised to a negative power") }
      return .float(pow(a, b))
    default:
      throw LabError("unsupported operand types for \(op): 'float' and 'float'")
    }
  }

  /// Python's `==`: numbers by value (1 == 1.0 == True), sequences item by item.
  static func equal(_ a: PyValue, _ b: PyValue) -> Bool {
    switch (a, b) {
    case (.none, .none): return true
    case (.string(let x), .string(let y)): return x == y
    case (.tuple(let x), .tuple(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
    case (.list(let x), .list(let y)):
      return x.items.count == y.items.count && zip(x.items, y.items).allSatisfy { equal($0, $1) }
    case (.dict(let x), .dict(let y)):
      return x.count == y.count
        && x.pairs.allSatisfy { pair in y[pair.key].map { equal($0, pair.value) } ?? false }
    case (.object(let x), .object(let y)): return x === y
    default:
      if let x = a.number, let y = b.number { return x == y }
      return false
    }
  }

  private static func identical(_ a: PyValue, _ b: PyValue) -> Bool {
    switch (a, b) {
    case (.none, .none): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.object(let x), .object(let y)): return x === y
    case (.list(let x), .list(let y)): return x === y
    case (.dict(let x), .dict(let y)): return x === y
    default: return false
    }
  }

  private static func contains(_ container: PyValue, _ item: PyValue) throws -> Bool {
    switch container {
    case .string(let s):
      guard case .string(let sub) = item else {
        throw LabError("'in <string>' needs a string on the left, not \(item.typeName)")
      }
      return sub.isEmpty || s.contains(sub)
    case .list(let list): return list.items.contains { equal($0, item) }
    case .tuple(let items): return items.contains { equal($0, item) }
    case .dict(let dict): return PyConstant(item).map { dict[$0] != nil } ?? false
    case .object(let object):
      if let range = object as? PyRange, let n = item.integer {
        return range.length > 0
          && (range.step > 0
            ? n >= range.start && n < range.stop
            : n <= range.start && n > range.stop)
          && (n - range.start) % range.step == 0
      }
      if let iterable = object as? any PyIterable {
        return try iterable.items().contains { equal($0, item) }
      }
    default: break
    }
    throw LabError("argument of type '\(container.typeName)' does not support 'in'")
  }

  /// -1, 0 or 1; nil when the two cannot be ordered.
  private static func compare(_ a: PyValue, _ b: PyValue, _ op: String) throws -> Int? {
    if let x = a.number, let y = b.number {
      if x.isNaN || y.isNaN { return op == "!=" ? 1 : nil }
      return x < y ? -1 : x > y ? 1 : 0
    }
    switch (a, b) {
    case (.string(let x), .string(let y)): return x < y ? -1 : x > y ? 1 : 0
    case (.tuple(let x), .tuple(let y)): return try sequence(x, y, op)
    case (.list(let x), .list(let y)): return try sequence(x.items, y.items, op)
    default: return nil
    }
  }

  private static func sequence(_ x: [PyValue], _ y: [PyValue], _ op: String) throws -> Int? {
    for (p, q) in zip(x, y) where !equal(p, q) {
      return try compare(p, q, op)
    }
    return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
  }
}

extension PyValue {
  /// True for ints and bools, which Python's integer arithmetic takes.
  var isIntegral: Bool {
    switch self {
    case .int, .bool: true
    default: false
    }
  }
}
