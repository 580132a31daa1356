/// The one audited way from a floating-point value to an integer.
///
/// `Int(x)` traps when `x` is NaN, infinite or outside `Int`'s range, and a
/// value computed from data (a loss of 4e12 times 10,000, a NaN probability,
/// a pixel of 3e38) can be any of those. Every float-to-integer conversion
/// in `Sources` goes through here; `Tests/EngineTests/ConversionLintTests`
/// keeps new ones out.
public enum WholeNumber {
  /// `value` rounded by `rule`, then clamped into `range`; NaN gives `nan`
  /// (by default the lower end of `range`). Never traps.
  public static func clamped(
    _ value: Double, in range: ClosedRange<Int> = Int.min...Int.max,
    rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero, nan: Int? = nil
  ) -> Int {
    guard !value.isNaN else { return nan ?? range.lowerBound }
    let r = value.rounded(rule)
    if r <= Double(range.lowerBound) { return range.lowerBound }
    if r >= Double(range.upperBound) { return range.upperBound }
    // `r` is strictly between two Ints' nearest doubles, so it converts; the
    // bounds' own rounding to Double is undone by clamping once more.
    return min(max(Int(r), range.lowerBound), range.upperBound)
  }

  /// ``clamped(_:in:rounding:nan:)`` for a `Float`.
  public static func clamped(
    _ value: Float, in range: ClosedRange<Int> = Int.min...Int.max,
    rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero, nan: Int? = nil
  ) -> Int {
    clamped(Double(value), in: range, rounding: rule, nan: nan)
  }

  /// The integer `value` is exactly, or nil when it is NaN, infinite, has a
  /// fraction, or lies outside `Int`.
  public static func exact(_ value: Double) -> Int? { Int(exactly: value) }

  /// A byte from `value` rounded and clamped to 0...255; NaN gives 0.
  public static func byte(_ value: Float) -> UInt8 {
    UInt8(truncatingIfNeeded: clamped(Double(value), in: 0...255))
  }
}
