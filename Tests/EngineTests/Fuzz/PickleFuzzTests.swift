import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// Hostile pickles: truncated and mutated numpy files, and the attacks a
  /// pickle allows (huge declared sizes, deep nesting, memo and stack abuse,
  /// amplification by reusing one string). Each must decode or give one
  /// `EngineError` of one printable line; none may trap or allocate much.
  @Suite struct PickleFuzzTests {
    typealias P = PickleAssembler

    static func decode(_ bytes: [UInt8], limits: Pickle.Limits = Pickle.Limits())
      throws(EngineError) -> NpyContent
    {
      let data = Data(bytes)
      if Npy.hasMagic(data) { return try Npy.decodeContent(data, source: "fuzz.npy") }
      return try Pickle.decode(data, source: "fuzz.pkl", limits: limits)
    }

    static func checkContent(_ content: NpyContent) {
      switch content {
      case .array(let a): FileFuzzTests.checkArray(a)
      case .objects(let arrays): for a in arrays { FileFuzzTests.checkArray(a) }
      }
    }

    /// The error for `bytes`, checked to be one printable line; "" if it decoded.
    static func refusal(_ bytes: [UInt8], limits: Pickle.Limits = Pickle.Limits()) -> String {
      do {
        _ = try decode(bytes, limits: limits)
        return ""
      } catch {
        let message = error.description
        #expect(SafeText.isPrintable(message), "\(message)")
        return message
      }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("pickled/" + name))))
    }

    static let seeds = [
      "dtypes_np116.npy", "dtypes_np126_p5.npy", "dtypes_np24.npy", "python2_strings.npy",
      "list_np24.pkl", "tuple_np24_p2.pkl", "shared_np24.npy", "evil_posix_system.npy",
      "four_arrays_np116.npy",
    ]

    @Test func truncatedAtEveryLength() throws {
      for name in Self.seeds {
        let good = try Self.bytes(name)
        var outcomes = Outcomes()
        for length in 0..<good.count {
          outcomes.run({ () throws(EngineError) in try Self.decode(Array(good.prefix(length))) })
        }
        // A pickle ends with STOP, so every shorter prefix must be refused.
        #expect(outcomes.refused == good.count, "\(name)")
      }
    }

    @Test func mutatedFixtures() throws {
      var outcomes = Outcomes()
      var m = Mutator(seed: 12)
      for name in Self.seeds {
        let good = try Self.bytes(name)
        for _ in 0..<400 {
          outcomes.run(
            { () throws(EngineError) in try Self.decode(m.mutate(good)) }, check: Self.checkContent)
        }
      }
      #expect(outcomes.total == 400 * Self.seeds.count)
      #expect(outcomes.decoded > 0 && outcomes.refused > 0)
    }

    @Test(arguments: [
      (
        [1 << 40],
        "an array declares shape (1099511627776,) of 'u1', which needs 1099511627776 bytes, but its data has 3"
      ),
      (
        [1 << 62, 1 << 62],
        "an array's shape (4611686018427387904, 4611686018427387904) is too large to be real"
      ),
      ([Int.max, 2], "is too large to be real"),
      ([-1], "an array's shape holds an int, not a size"),
      ([1, 3], ""),
    ]) func declaredShapesAreCheckedAgainstTheData(_ dims: [Int], _ message: String) {
      let bytes = P.uint8Array([1, 2, 3], shape: dims)
      let refused = Self.refusal(bytes)
      #expect(message.isEmpty ? refused.isEmpty : refused.contains(message), "\(refused)")
    }

    @Test func lengthsBeyondTheFileAreRefusedBeforeAllocating() {
      let huge = P.le64(1 << 62)
      for (opcode, name) in [
        (UInt8(0x8E), "BINBYTES8"), (0x8D, "BINUNICODE8"), (0x96, "BYTEARRAY8"), (0x95, "FRAME"),
      ] {
        let message = Self.refusal(P.proto(4) + [opcode] + huge + [0, 0, P.stop])
        #expect(message.contains("the pickle ends inside \(name)"), "\(message)")
      }
      #expect(
        Self.refusal(P.proto(2) + [0x42, 0xFF, 0xFF, 0xFF, 0x7F]).contains("ends inside BINBYTES"))
      #expect(
        Self.refusal(P.proto(2) + [0x54, 0xFF, 0xFF, 0xFF, 0xFF]).contains("negative length"))
      #expect(
        Self.refusal(P.proto(2) + [0x8B, 0xFF, 0xFF, 0xFF, 0x7F]).contains("ends inside LONG4"))
      let long = P.proto(2) + [0x8A, 200] + [UInt8](repeating: 1, count: 200) + [P.stop]
      #expect(Self.refusal(long).contains("holds a 200-byte integer"))
    }

    @Test func deepNestingIsBounded() {
      let marks = P.proto(2) + [UInt8](repeating: P.mark, count: 100_000) + [P.stop]
      #expect(Self.refusal(marks).contains("nests containers more than 64 deep"))
      // 200,000 tuples inside each other cost one heap entry each and are
      // never walked recursively, so building and freeing them cannot overflow.
      let tuples =
        P.proto(2) + [P.emptyTuple] + [UInt8](repeating: P.tuple1, count: 200_000) + [P.stop]
      #expect(Self.refusal(tuples).contains("it holds a tuple of 1 item whose item 0 is a tuple"))
      // A list that holds itself.
      let cycle = P.proto(2) + [P.emptyList] + P.binput(0) + P.binget(0) + [P.append, P.stop]
      #expect(Self.refusal(cycle).contains("it holds a list of 1 item whose item 0 is a list"))
      let selfArray =
        P.proto(3) + P.global("numpy.core.multiarray", "_reconstruct")
        + P.global("numpy", "ndarray")
        + P.int(0) + [P.tuple1] + P.binBytes([0x62]) + [P.tuple3, P.reduce] + P.binput(0) + [P.mark]
        + P.int(1) + P.shape([]) + P.dtype("O8", order: "|") + [P.newFalse, P.emptyList]
        + P.binget(0)
        + [P.append, P.tuple, P.build, P.stop]
      #expect(Self.refusal(selfArray).contains("it holds a 0-d object array holding an array"))
    }

    @Test func memoAndStackAreBounded() {
      var limits = Pickle.Limits()
      limits.maxMemo = 1000
      let memo = P.proto(4) + [P.none] + [UInt8](repeating: P.memoize, count: 2000) + [P.stop]
      #expect(Self.refusal(memo, limits: limits).contains("memo grows past 1000 entries"))
      let far =
        P.proto(2) + [P.none, 0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x6A, 0xFF, 0xFF, 0xFF, 0xFF, P.stop]
      #expect(Self.refusal(far).contains("it holds None"))
      #expect(
        Self.refusal(P.proto(2) + P.binget(7) + [P.stop]).contains(
          "memo entry 7, which it never stored"))
      limits.maxStack = 5000
      let stack = P.proto(2) + [UInt8](repeating: P.none, count: 6000) + [P.stop]
      #expect(Self.refusal(stack, limits: limits).contains("stack grows past 5000 values"))
      #expect(Self.refusal(stack).contains("it holds None"))
      #expect(Self.refusal(P.proto(2) + [P.mark, P.reduce]).contains("the stack is empty"))
      #expect(Self.refusal(P.proto(2) + [P.none, P.tuple]).contains("none is open"))
    }

    @Test func opcodeCountIsBounded() throws {
      var limits = Pickle.Limits()
      limits.maxOpcodes = 50
      let good = try Self.bytes("list_np24.pkl")
      #expect(Self.refusal(good, limits: limits).contains("more than 50 opcodes"))
      #expect(Self.refusal(good).isEmpty)
    }

    /// A few opcodes that reuse one memoized string may not make gigabytes.
    @Test func reusingOneStringCannotAmplify() {
      let text = String(repeating: "a", count: 1000)
      var encode = P.proto(2) + P.global("_codecs", "encode") + P.binput(0) + P.unicode(text)
      encode += P.binput(1) + P.unicode("latin1") + P.binput(2) + [P.emptyList]
      for _ in 0..<5000 {
        encode += P.binget(0) + P.binget(1) + P.binget(2) + [P.tuple2, P.reduce, P.append]
      }
      #expect(Self.refusal(encode + [P.stop]).contains("builds more data than the file holds"))
      let data = [UInt8](repeating: 9, count: 1000)
      var arrays = P.proto(3) + P.binBytes(data) + P.binput(0) + [P.emptyList]
      for _ in 0..<5000 {
        arrays +=
          P.array(shape: [1000], dtype: P.dtype("u1", order: "|"), data: P.binget(0)) + [P.append]
      }
      #expect(Self.refusal(arrays + [P.stop]).contains("builds more data than the file holds"))
    }

    @Test func globalNamesAreSanitisedInTheError() {
      let module = "os\u{1b}]0;pwned\u{07}"
      let name = "system\nrm -rf"
      let stacked =
        P.proto(4) + [0x8C, UInt8(module.utf8.count)] + Array(module.utf8) + [
          0x8C, UInt8(name.utf8.count),
        ] + Array(name.utf8) + [P.stackGlobal, P.stop]
      let message = Self.refusal(stacked)
      #expect(
        message.contains("names 'os\\x1b]0;pwned\\x07.system\\nrm -rf', which LayerLab refuses"),
        "\(message)")
      let long = String(repeating: "x", count: 100_000)
      let longName = P.proto(4) + P.unicode("builtins") + P.unicode(long) + [P.stackGlobal, P.stop]
      let refusal = Self.refusal(longName)
      #expect(refusal.contains("names 'builtins.xxx") && refusal.count < 600, "\(refusal.count)")
      let unended = P.proto(2) + [0x63] + [UInt8](repeating: 0x61, count: 300) + [0x0A]
      #expect(Self.refusal(unended).contains("GLOBAL has a name longer than 256 bytes"))
    }

    @Test(arguments: [
      (P.global("builtins", "eval"), "'builtins.eval'"),
      (P.global("os", "system"), "'os.system'"),
      (P.global("posix", "system"), "'posix.system'"),
      (P.global("subprocess", "Popen"), "'subprocess.Popen'"),
      (P.global("copyreg", "_reconstructor"), "'copyreg._reconstructor'"),
      (P.global("numpy", "load"), "'numpy.load'"),
      (P.unicode("builtins") + P.unicode("getattr") + [P.stackGlobal], "'builtins.getattr'"),
    ]) func everyOtherGlobalIsRefused(_ global: [UInt8], _ name: String) {
      let bytes = P.proto(4) + global + P.unicode("id") + [P.tuple1, P.reduce, P.stop]
      let message = Self.refusal(bytes)
      #expect(message.contains("names \(name), which LayerLab refuses"), "\(message)")
    }

    @Test func whatNumpyNeverWritesIsRefused() {
      let u1 = P.dtype("u1", order: "|")
      let twice =
        P.proto(3) + P.array(shape: [1], dtype: u1, data: P.binBytes([1])) + [P.mark] + P.int(1)
        + P.shape([1]) + u1 + [P.newFalse] + P.binBytes([2]) + [P.tuple, P.build, P.stop]
      #expect(Self.refusal(twice).contains("sets an array's state twice"))
      let u8 =
        P.proto(3)
        + P.array(
          shape: [1], dtype: P.dtype("u8"), data: P.binBytes([UInt8](repeating: 0xFF, count: 8)))
        + [P.stop]
      #expect(
        Self.refusal(u8).contains("uint64 value 18446744073709551615 that does not fit int64"))
      #expect(Self.refusal(P.proto(6) + [P.none, P.stop]).contains("protocol 6"))
      #expect(
        Self.refusal(P.proto(2) + [0x69] + Array("os\nsystem\n".utf8)).contains("opcode 0x69"))
      #expect(Self.refusal(P.proto(5) + [0x97, P.stop]).contains("opcode 0x97"))
      let called =
        P.proto(2) + P.global("numpy", "ndarray") + P.int(3) + [P.tuple1, P.reduce, P.stop]
      #expect(Self.refusal(called).contains("numpy.ndarray is called directly"))
      let complex =
        P.proto(3) + P.array(shape: [1], dtype: P.dtype("c8"), data: P.binBytes([])) + [P.stop]
      #expect(Self.refusal(complex).contains("dtype 'c8', which LayerLab does not read"))
      #expect(Self.refusal(P.uint8Array([1, 2, 3])).isEmpty)
    }
  }
}
