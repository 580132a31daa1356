import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// Hostile bytes for every decoder: each case must decode to a valid value or
  /// throw `EngineError`; a trap fails the whole run. Sizes stay small
  /// (`maxPixels`, `maxBytes`) so no case can ask for a large allocation.
  @Suite struct FileFuzzTests {
    static let maxPixels = 4096
    static let maxBytes = 1 << 20

    /// A decoded image must have a sane shape under the limit and finite values.
    static func checkImage(_ t: Tensor) {
      #expect(t.shape.rank == 3)
      guard t.shape.rank == 3 else { return }
      #expect(t.shape[0] > 0 && t.shape[1] > 0 && t.shape[0] * t.shape[1] <= maxPixels)
      #expect((1...4).contains(t.shape[2]))
      #expect(t.isFinite)
    }

    static func checkArray(_ a: NDArray) {
      #expect(Shape(a.shape).checkedScalarCount == a.count)
    }

    /// Every decoder the engine has for one file's bytes.
    static func decodeEverywhere(_ bytes: [UInt8], into outcomes: inout Outcomes) {
      let data = Data(bytes)
      outcomes.run(
        { () throws(EngineError) in try ImageFile.decode(data, source: "fuzz", maxPixels: maxPixels)
        }, check: checkImage)
      if Npy.hasMagic(data) {
        outcomes.run(
          { () throws(EngineError) in try Npy.decode(data, source: "fuzz.npy") }, check: checkArray)
        outcomes.run(
          { () throws(EngineError) in try Npy.decodeContent(data, source: "fuzz.npy") },
          check: PickleFuzzTests.checkContent)
      }
    }

    static let sampleArrays: [NDArray] = [
      NDArray(validShape: [2, 3], storage: .float32([0, 1, -2, 3.5, 4, 5])),
      NDArray(validShape: [4], storage: .float64([1, 2, 3, 4])),
      NDArray(validShape: [3, 3, 1], storage: .uint8([0, 1, 2, 3, 4, 5, 6, 7, 255])),
      NDArray(validShape: [2, 2], storage: .int32([-1, 0, 1, Int32.max])),
      NDArray(validShape: [2, 1, 2], storage: .int64([Int64.min, -1, 0, Int64.max])),
      NDArray(validShape: [0], storage: .float32([])),
    ]

    @Test func npyTruncatedAtEveryLengthAndMutated() {
      var outcomes = Outcomes()
      var m = Mutator(seed: 1)
      for array in FileFuzzTests.sampleArrays {
        let good = [UInt8](Npy.encode(array))
        for length in 0..<good.count {
          FileFuzzTests.decodeEverywhere(Array(good.prefix(length)), into: &outcomes)
        }
        for _ in 0..<300 { FileFuzzTests.decodeEverywhere(m.mutate(good), into: &outcomes) }
      }
      #expect(outcomes.total > 2500)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    /// Headers `Npy.encode` would never write: absurd, negative and
    /// overflowing shapes, odd dtypes, deep nesting, lying lengths.
    @Test func npyHostileHeaders() {
      let shapes = [
        "(4611686018427387904, 4611686018427387904)", "(9223372036854775807,)",
        "(3037000500, 3037000500)",
        "(-1,)", "(-4, -4)", "(0,)", "(0, 5)", "()", "(2, 3)",
        "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
        "(99999999999999999999,)", "(-9223372036854775808,)", "(2.5,)", "('a',)", "(None,)",
        "[2, 3]",
        "(" + String(repeating: "(", count: 200) + String(repeating: ")", count: 200) + ",)",
        "(65536, 65536)", "(100000, 100000, 3)", "(64, 64, 5)", "(2, 2, 0)",
      ]
      let descrs = [
        "'<f4'", "'<f8'", "'>f4'", "'|u1'", "'<i8'", "'<f2'", "'<c8'", "'|O'", "'<U4'", "''", "'f'",
        "'<f'",
        "'<f99999999999999999999'", "[('a', '<f4')]", "3", "'|b1'", "'>u4'", "'=i2'",
      ]
      var outcomes = Outcomes()
      var m = Mutator(seed: 2)
      for shape in shapes {
        for descr in descrs {
          for fortran in ["False", "True"] {
            let header = "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape), }"
            let payload = m.bytes(m.pick([0, 4, 24, 48, 100]))
            FileFuzzTests.decodeEverywhere(
              npyBytes(header: header, payload: payload), into: &outcomes)
            FileFuzzTests.decodeEverywhere(
              npyBytes(header: header, payload: payload, major: 2), into: &outcomes)
          }
        }
      }
      // Header-length fields that point past the end, and versions that do not exist.
      let good = [UInt8](Npy.encode(FileFuzzTests.sampleArrays[0]))
      for (i, value) in [(8, 0xFF), (9, 0xFF), (6, 2), (6, 3), (6, 4), (6, 0), (7, 9)] {
        var b = good
        b[i] = UInt8(value)
        FileFuzzTests.decodeEverywhere(b, into: &outcomes)
      }
      var v2 = good
      v2[6] = 2
      v2.insert(contentsOf: [0xFF, 0xFF], at: 10)
      FileFuzzTests.decodeEverywhere(v2, into: &outcomes)
      // Keys missing, repeated, nested too deeply or not a dict at all.
      for header in [
        "{}", "{'descr': '<f4'}", "{'shape': (1,), 'fortran_order': False}", "[]", "'x'", "{",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
        String(repeating: "{'a': ", count: 5000) + "1" + String(repeating: "}", count: 5000),
        String(repeating: "[", count: 10_000),
      ] {
        FileFuzzTests.decodeEverywhere(
          npyBytes(header: header, payload: [0, 0, 0, 0]), into: &outcomes)
      }
      #expect(outcomes.total > 1500)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    @Test(arguments: [Npz.Compression.stored, .deflate]) func npzTruncatedAndMutated(
      _ compression: Npz.Compression
    ) throws {
      let arrays = FileFuzzTests.sampleArrays.prefix(3).enumerated().map {
        (name: "layer\($0.offset)/kernel", array: $0.element)
      }
      let good = [UInt8](try Npz.encode(arrays, compression: compression))
      var outcomes = Outcomes()
      var m = Mutator(seed: 3)
      func decode(_ bytes: [UInt8]) {
        outcomes.run(
          { () throws(EngineError) in
            try Npz.decode(Data(bytes), source: "fuzz.npz", maxBytes: FileFuzzTests.maxBytes)
          },
          check: { for member in $0 { FileFuzzTests.checkArray(member.array) } })
      }
      for length in 0..<good.count { decode(Array(good.prefix(length))) }
      for _ in 0..<600 { decode(m.mutate(good)) }
      // Size fields in the local and central headers set to absurd values.
      for _ in 0..<200 {
        var b = good
        let sizeFields = [18, 22, 26, 28]
        let start = m.pick(sizeFields) + (m.int(2) == 0 ? 0 : max(0, good.count - 120))
        for i in start..<min(b.count, start + 4) { b[i] = m.pick(Mutator.interestingBytes) }
        decode(b)
      }
      #expect(outcomes.total > 1000)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    /// Rewrites every chunk's CRC so corrupted fields get past libpng's checksum.
    static func fixingPNGChecksums(_ input: [UInt8]) -> [UInt8] {
      var b = input
      var pos = 8
      while pos + 12 <= b.count {
        let length =
          Int(b[pos]) << 24 | Int(b[pos + 1]) << 16 | Int(b[pos + 2]) << 8 | Int(b[pos + 3])
        guard length <= b.count - pos - 12 else { break }
        let crc = crc32(b[(pos + 4)..<(pos + 8 + length)])
        for k in 0..<4 {
          b[pos + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k)))
        }
        pos += 12 + length
      }
      return b
    }

    @Test func pngTruncatedMutatedAndHeaderCorrupted() throws {
      var m = Mutator(seed: 4)
      let gray = try PNGCodec.encode(rgb8: m.bytes(6), width: 3, height: 2, channels: 1)
      let rgb = try PNGCodec.encode(rgb8: m.bytes(36), width: 4, height: 3, channels: 3)
      var outcomes = Outcomes()
      for good in [[UInt8](gray), [UInt8](rgb)] {
        for length in 0..<good.count {
          FileFuzzTests.decodeEverywhere(Array(good.prefix(length)), into: &outcomes)
        }
        for _ in 0..<400 {
          let bad = m.mutate(good)
          FileFuzzTests.decodeEverywhere(bad, into: &outcomes)
          FileFuzzTests.decodeEverywhere(FileFuzzTests.fixingPNGChecksums(bad), into: &outcomes)
        }
        // IHDR starts at byte 16: width, height, bit depth, colour type, …
        let sizes: [UInt32] = [
          0, 1, 2, 64, 65, 4096, 65_536, 1_000_000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        ]
        for w in sizes {
          for h in sizes {
            var b = good
            for k in 0..<4 {
              b[16 + k] = UInt8(truncatingIfNeeded: w >> (24 - 8 * UInt32(k)))
              b[20 + k] = UInt8(truncatingIfNeeded: h >> (24 - 8 * UInt32(k)))
            }
            b[24] = m.pick([1, 2, 4, 8, 16, 3, 0, 255])
            b[25] = m.pick([0, 2, 3, 4, 6, 1, 7, 255])
            FileFuzzTests.decodeEverywhere(FileFuzzTests.fixingPNGChecksums(b), into: &outcomes)
          }
        }
      }
      #expect(outcomes.total > 1500)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    @Test(arguments: ["gray.jpg", "rgb.jpg"]) func jpegTruncatedMutatedAndHeaderCorrupted(
      _ name: String
    ) throws {
      let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
      var outcomes = Outcomes()
      var m = Mutator(seed: 5)
      for length in 0..<good.count {
        FileFuzzTests.decodeEverywhere(Array(good.prefix(length)), into: &outcomes)
      }
      for _ in 0..<600 { FileFuzzTests.decodeEverywhere(m.mutate(good), into: &outcomes) }
      // The frame header (FF C0): precision, height, width, component count.
      let sof = try #require(
        (0..<(good.count - 1)).first { good[$0] == 0xFF && (0xC0...0xC2).contains(good[$0 + 1]) })
      for value in [0, 1, 0x7F, 0x80, 0xFF] {
        for field in (sof + 4)..<(sof + 10) {
          var b = good
          b[field] = UInt8(value)
          FileFuzzTests.decodeEverywhere(b, into: &outcomes)
        }
      }
      for (h, w) in [
        (0xFFFF, 0xFFFF), (0, 16), (16, 0), (0xFFFF, 1), (1, 0xFFFF), (64, 64), (65, 64),
      ] {
        var b = good
        b[sof + 5] = UInt8(h >> 8)
        b[sof + 6] = UInt8(h & 0xFF)
        b[sof + 7] = UInt8(w >> 8)
        b[sof + 8] = UInt8(w & 0xFF)
        FileFuzzTests.decodeEverywhere(b, into: &outcomes)
      }
      #expect(outcomes.total > 900)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    static let netpbmSamples: [[UInt8]] = [
      Array("P2\n# gray\n3 2\n255\n0 1 2\n3 4 255\n".utf8),
      Array("P3 2 1 255\n255 0 10  1 2 3\n".utf8),
      Array("P5 3 2 255\n".utf8) + [0, 1, 2, 3, 4, 255],
      Array("P6\n2 2\n255\n".utf8) + (0..<12).map { UInt8($0 * 20) },
      Array("P5 2 2 65535\n".utf8) + [0, 1, 0xFF, 0xFF, 0x12, 0x34, 0, 0],
      Array("P2 1 1 1\n1\n".utf8),
    ]

    @Test func netpbmTruncatedMutatedAndHeaderCorrupted() {
      var outcomes = Outcomes()
      var m = Mutator(seed: 6)
      for good in FileFuzzTests.netpbmSamples {
        for length in 0..<good.count {
          FileFuzzTests.decodeEverywhere(Array(good.prefix(length)), into: &outcomes)
        }
        for _ in 0..<300 { FileFuzzTests.decodeEverywhere(m.mutate(good), into: &outcomes) }
      }
      let numbers = [
        "0", "1", "-3", "3", "65535", "65536", "99999999999", "4294967296", "9223372036854775808",
        "1e3", "3.5", "", "#",
      ]
      for kind in ["P2", "P3", "P5", "P6", "P1", "P4", "P7"] {
        for _ in 0..<60 {
          let header = "\(kind) \(m.pick(numbers)) \(m.pick(numbers)) \(m.pick(numbers))\n"
          FileFuzzTests.decodeEverywhere(Array(header.utf8) + m.bytes(m.int(40)), into: &outcomes)
          let text = (0..<m.int(30)).map { _ in m.pick(numbers) }.joined(separator: " ")
          FileFuzzTests.decodeEverywhere(Array((header + text).utf8), into: &outcomes)
        }
      }
      #expect(outcomes.total > 2000)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    /// Random bytes behind each format's magic, so every decoder sees garbage.
    @Test func pureRandomBytes() {
      let prefixes: [[UInt8]] = [
        [], PNGCodec.magic, [0xFF, 0xD8, 0xFF], Array("P5\n".utf8), Array("P6 ".utf8),
        Array("P2\t".utf8),
        Array("P3#".utf8), Npy.magic + [1, 0], Npy.magic + [2, 0], Npy.magic + [3, 0],
        [0x50, 0x4B, 0x03, 0x04],
      ]
      var outcomes = Outcomes()
      var m = Mutator(seed: 7)
      for _ in 0..<3000 {
        let bytes = m.pick(prefixes) + m.bytes(m.int(300))
        FileFuzzTests.decodeEverywhere(bytes, into: &outcomes)
        // Staging each archive in a file costs a write, so only some non-zip bytes go to Npz.
        if bytes.starts(with: [0x50, 0x4B]) || m.int(4) == 0 {
          outcomes.run({ () throws(EngineError) in
            try Npz.decode(Data(bytes), source: "fuzz.npz", maxBytes: FileFuzzTests.maxBytes)
          })
        }
      }
      #expect(outcomes.total >= 3500)
    }
  }
}
