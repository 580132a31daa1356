import Foundation
import Testing

@testable import Engine

/// The robustness suites (fuzzing, limits, numeric safety, soak), grouped so
/// that `swift test --filter Fuzz` runs exactly them.
@Suite enum Fuzz {}

/// Byte-level mutations for fuzzing decoders, all drawn from a `SeededGenerator`
/// so a failing case repeats from its seed.
struct Mutator {
  var rng: SeededGenerator

  init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

  mutating func int(_ bound: Int) -> Int { rng.nextInt(below: max(bound, 1)) }
  mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: rng.next()) }
  mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
  mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

  /// Values that break size arithmetic: zero, one, sign bits, all ones.
  static let interestingBytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]

  /// One random structural change: flip bits, overwrite with an interesting
  /// byte, insert, delete, duplicate a run, or truncate.
  mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var b = input
    guard !b.isEmpty else { return bytes(int(16)) }
    switch int(7) {
    case 0:
      for _ in 0...int(8) { b[int(b.count)] ^= UInt8(1) << UInt8(int(8)) }
    case 1:
      for _ in 0...int(4) { b[int(b.count)] = pick(Mutator.interestingBytes) }
    case 2:
      b.insert(contentsOf: bytes(1 + int(8)), at: int(b.count + 1))
    case 3:
      let start = int(b.count)
      b.removeSubrange(start..<min(b.count, start + 1 + int(16)))
    case 4:
      let start = int(b.count)
      let run = Array(b[start..<min(b.count, start + 1 + int(32))])
      b.insert(contentsOf: run, at: int(b.count + 1))
    case 5:
      b = Array(b.prefix(int(b.count)))
    default:
      // Several changes at once reach states a single change cannot.
      for _ in 0..<(2 + int(3)) { b = mutate(b) }
    }
    return b
  }
}

/// What a decoder may do with hostile bytes: give a value or throw
/// `EngineError` (which typed throws already guarantees). Counts both so a
/// test can assert that its cases actually reached success and failure.
struct Outcomes {
  var decoded = 0
  var refused = 0
  var total: Int { decoded + refused }

  mutating func run<T>(_ body: () throws(EngineError) -> T, check: (T) -> Void = { _ in }) {
    do {
      let value = try body()
      decoded += 1
      check(value)
    } catch {
      refused += 1
    }
  }
}

/// CRC-32 as PNG chunks use it, so a corrupted header field still passes
/// libpng's checksum and reaches the code that reads the field.
func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for b in bytes {
    crc ^= UInt32(b)
    for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
  }
  return ~crc
}

/// A `.npy` file with `header` as its dict text and `payload` after it,
/// aligned as numpy aligns it, for headers `Npy.encode` would never write.
func npyBytes(header: String, payload: [UInt8], major: UInt8 = 1) -> [UInt8] {
  let prefix = major == 1 ? 10 : 12
  var text = Array(header.utf8)
  let padding = (64 - (prefix + text.count + 1) % 64) % 64
  text += [UInt8](repeating: 0x20, count: padding) + [0x0A]
  var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
  let n = text.count
  out +=
    major == 1
    ? [UInt8(n & 0xFF), UInt8(n >> 8)]
    : [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n >> 16), 0]
  return out + text + payload
}

/// The resident set size of this process in bytes, from /proc/self/statm;
/// nil where that file does not exist.
func residentBytes() -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
    return nil
  }
  let fields = text.split(separator: " ")
  guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
