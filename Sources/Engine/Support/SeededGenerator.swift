/// SplitMix64: a tiny, fast generator whose sequence is fixed by its seed on
/// every platform and Swift version.
///
/// Everything a transcript shows (initial weights, shuffles, Dropout masks)
/// draws from one of these, and floats are made from its bits by our own
/// conversion (`nextUnitFloat`), never by `Float.random(in:using:)`, whose
/// algorithm the standard library does not promise to keep.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A float uniformly drawn from [0, 1): the top 24 bits, so every value is
  /// exactly representable and the result never rounds up to 1.
  public mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A float uniformly drawn from [low, high).
  public mutating func nextFloat(in low: Float, _ high: Float) -> Float {
    low + (high - low) * nextUnitFloat()
  }

  /// An integer uniformly drawn from 0..<bound (Lemire's multiply-shift, with
  /// rejection, so it is unbiased and platform independent).
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let b = UInt64(bound)
    while true {
      let r = next()
      let (high, low) = r.multipliedFullWidth(by: b)
      if low >= (0 &- b) % b { return Int(high) }
    }
  }

  /// A child generator for one consumer (a layer's initialiser, a Dropout
  /// layer's masks) so that consumers do not shift each other's sequences.
  public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }

  /// Fisher–Yates with our own `nextInt`, so shuffles repeat across platforms.
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      array.swapAt(i, j)
    }
  }
}
