import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// Keras-style lines built from the real grammar, then broken: each must parse
  /// to a spec that survives `makeLayer` and a round trip through `expression`,
  /// or be refused with a `LabError` whose column lies on the line.
  @Suite struct ParserFuzzTests {
    static let layerNames =
      LayerKind.allCases.map(\.rawValue) + [
        "keras.layers.Conv2D", "layers.Dense", "tf.keras.layers.MaxPooling2D", "Conv2d", "Dens",
        "LSTM", "_", "é", "Conv2D.",
      ]
    static let argumentNames = [
      "filters", "kernel_size", "strides", "padding", "activation", "use_bias", "units",
      "pool_size", "rate",
      "input_shape", "name", "data_format", "dilation_rate", "groups", "kernel_initializer",
      "bias_initializer",
      "trainable", "dtype", "noise_shape", "seed", "max_value", "negative_slope", "threshold",
      "axis", "fliters", "x",
    ]
    static let numbers = [
      "0", "1", "2", "3", "32", "-1", "-0", "+5", "0.25", "0.5", "1.0", "1e-7", "1e308", "1e309",
      "-1e309", ".5", "5.",
      "1000000000000000000", "1000000000000", "1000000000000000", "9223372036854775807",
      "9223372036854775808",
      "-9223372036854775808", "4611686018427387904", "1_000", "1__0", "0x10", "1e", "e5", "--3",
      "nan", "inf",
    ]
    static let strings = [
      "'same'", "'valid'", "'SAME'", "'relu'", "'softmax'", "'sigmoid'", "'tanh'", "'linear'",
      "'channels_last'",
      "'channels_first'", "\"relu\"", "'ñ😀'", "'conv'", "''", "'a\\'b'", "'glorot_uniform'",
      "'zeros'", "'float32'", "'",
    ]

    /// One argument value from the grammar: numbers, strings, names, pairs, nested sequences.
    static func value(_ m: inout Mutator, depth: Int = 0) -> String {
      switch m.int(depth > 2 ? 4 : 7) {
      case 0, 1: return m.pick(numbers)
      case 2: return m.pick(strings)
      case 3:
        return m.pick([
          "True", "False", "None", "X.shape[1:]", "X.shape[2:]", "Y.shape[1:]", "X", "x.y.z",
        ])
      case 4: return "(\(value(&m, depth: depth + 1)), \(value(&m, depth: depth + 1)))"
      case 5:
        return "(" + (0..<m.int(5)).map { _ in value(&m, depth: depth + 1) }.joined(separator: ", ")
          + (m.int(2) == 0 ? ",)" : ")")
      default:
        return "[" + (0..<m.int(4)).map { _ in value(&m, depth: depth + 1) }.joined(separator: ", ")
          + "]"
      }
    }

    /// A line a learner might really type, with one of the numbers pushed to an extreme.
    static func plausibleLine(_ m: inout Mutator) -> String {
      func n() -> String { m.int(4) == 0 ? m.pick(numbers) : String(1 + m.int(64)) }
      func pair() -> String { m.int(5) == 0 ? n() : "(\(n()), \(n()))" }
      var optional: [String] = []
      if m.int(3) == 0 { optional.append("padding=\(m.pick(["'same'", "'valid'", "'full'"]))") }
      if m.int(3) == 0 { optional.append("activation=\(m.pick(strings))") }
      if m.int(3) == 0 {
        optional.append("input_shape=\(m.int(4) == 0 ? "X.shape[1:]" : "(\(n()), \(n()), \(n()))")")
      }
      if m.int(6) == 0 { optional.append("name='\(m.pick(["edges", "d1", "a.b", "x y", "ñ"]))'") }
      let tail = optional.isEmpty ? "" : ", " + optional.joined(separator: ", ")
      switch m.int(7) {
      case 0: return "Conv2D(\(n()), \(pair())\(m.int(3) == 0 ? ", strides=\(pair())" : "")\(tail))"
      case 1: return "Dense(\(n())\(tail))"
      case 2:
        return
          "Dropout(\(m.pick(["0.25", "0.5", "0", "1", "-0.1", "0.999", "1e-7", "1e309", "2"]))\(tail))"
      case 3: return "\(m.pick(["MaxPooling2D", "AveragePooling2D"]))(pool_size=\(pair())\(tail))"
      case 4: return "Activation(\(m.pick(strings)))"
      case 5: return "Flatten(\(tail.dropFirst(2)))"
      default: return "\(m.pick(["ReLU", "Softmax"]))()"
      }
    }

    static func line(_ m: inout Mutator) -> String {
      if m.int(2) == 0 { return plausibleLine(&m) }
      var args = (0..<m.int(3)).map { _ in value(&m) }
      for _ in 0..<m.int(4) { args.append("\(m.pick(argumentNames))=\(value(&m))") }
      return "\(m.pick(layerNames))(\(args.joined(separator: m.pick([", ", ",", " ,  ", ",\t"]))))"
    }

    /// Breaks a line the way a learner's typing does.
    static func mutate(_ text: String, _ m: inout Mutator) -> String {
      var c = Array(text)
      let noise: [Character] = [
        "(", ")", "[", "]", ",", "=", "'", "\"", "\\", ".", "-", "+", "_", "e", " ", "\t", "é", "😀",
        "\u{301}", "\0", "#", ":",
      ]
      for _ in 0...m.int(3) {
        switch m.int(4) {
        case 0 where !c.isEmpty: c.remove(at: m.int(c.count))
        case 1: c.insert(m.pick(noise), at: m.int(c.count + 1))
        case 2 where !c.isEmpty: c = Array(c.prefix(m.int(c.count)))
        default:
          let start = m.int(c.count)
          c.insert(contentsOf: c[start..<min(c.count, start + m.int(12))], at: m.int(c.count + 1))
        }
      }
      return String(c)
    }

    /// Parses `text` as the shell does; checks what comes out either way.
    static func check(_ text: String, counts: inout (accepted: Int, refused: Int)) {
      let spec: LayerSpec
      do throws(LabError) {
        spec = try LayerSpec(parsing: PyParser.parse(text), arrays: ["X": [10, 28, 28, 1]])
      } catch {
        counts.refused += 1
        let column = error.column ?? -1
        #expect(
          column >= 0 && column <= text.count,
          "\(text.prefix(80)): column \(String(describing: error.column))")
        #expect(!error.message.isEmpty)
        return
      }
      counts.accepted += 1
      guard (try? spec.makeLayer(name: "probe")) != nil else { return }
      // What a model file writes must read back as the same layer.
      do throws(LabError) {
        let again = try LayerSpec(parsing: PyParser.parse(spec.expression))
        #expect(again.expression == spec.expression, "\(text) → \(spec.expression)")
      } catch {
        Issue.record("\(text) → \(spec.expression) does not parse back: \(error.message)")
      }
      let model = Sequential()
      if spec.inputShape == nil { try? model.setInputShape([8, 8, 3]) }
      _ = try? model.add(spec)
      _ = model.summary()
    }

    @Test func grammarLinesAndTheirMutations() {
      var m = Mutator(seed: 11)
      var counts = (accepted: 0, refused: 0)
      for _ in 0..<2500 {
        let good = ParserFuzzTests.line(&m)
        ParserFuzzTests.check(good, counts: &counts)
        ParserFuzzTests.check(ParserFuzzTests.mutate(good, &m), counts: &counts)
      }
      // The real seed network must keep parsing among all this.
      for line in seedNetworkLines { ParserFuzzTests.check(line, counts: &counts) }
      #expect(counts.accepted > 300)
      #expect(counts.refused > 1000)
    }

    @Test func randomCharacters() {
      var m = Mutator(seed: 12)
      let alphabet = Array("()[]{},=:'\"\\.-+_eE0123456789 \tabcXYZé😀\u{301}\0\n#")
      var counts = (accepted: 0, refused: 0)
      for _ in 0..<2000 {
        let text = String((0..<m.int(40)).map { _ in m.pick(alphabet) })
        ParserFuzzTests.check(text, counts: &counts)
      }
      #expect(counts.refused > 1000)
    }

    /// Extremes: empty, 100k characters, 10k-deep brackets and signs.
    @Test func extremeLines() {
      let deep = 10_000
      let lines = [
        "", " ", "\t", "(", ")", "Dense", "Dense(", "Dense)", "Dense()", "Dense(())", "Dense(1)(2)",
        "Dense(1)[0]",
        String(repeating: "(", count: deep) + "1" + String(repeating: ")", count: deep),
        String(repeating: "[", count: deep) + String(repeating: "]", count: deep),
        "Dense(" + String(repeating: "(", count: deep) + "3" + String(repeating: ",)", count: deep)
          + ")",
        "Dense(" + String(repeating: "-", count: deep) + "3)",
        "Dense(" + String(repeating: "+-", count: deep) + "3)",
        "Dense(units=" + String(repeating: "Dense(", count: deep) + ")",
        "Dense(" + String(repeating: "X[", count: deep) + ")",
        "X.shape" + String(repeating: "[1:]", count: deep),
        "Dense(" + String(repeating: "1", count: 100_000) + ")",
        "Dense(" + String(repeating: "1, ", count: 33_000) + ")",
        "Dense(4, name='" + String(repeating: "a", count: 100_000) + "')",
        "Dense(" + (0..<12_000).map { "a\($0)=1" }.joined(separator: ",") + ")",
        "Dense(" + String(repeating: "'", count: 100_000) + ")",
        String(repeating: "é", count: 100_000),
        "Dense(" + String(repeating: " ", count: 100_000) + "3)",
        String(repeating: "keras.", count: 20_000) + "Dense(3)",
      ]
      var counts = (accepted: 0, refused: 0)
      for line in lines { ParserFuzzTests.check(line, counts: &counts) }
      // A name, padding and a 100k-character name are fine; a chain of 20,000
      // attributes nests past the limit like brackets do, and is refused.
      #expect(counts.accepted >= 2)
      let chain = String(repeating: "keras.", count: 20_000) + "Dense(3)"
      #expect(throws: LabError.self) { try PyParser.parse(chain) }
    }

    /// Bracket depth is bounded with a clear error, not by the stack.
    @Test func nestingDeeperThanTheLimitIsALabError() throws {
      let ok = String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60)
      #expect(try PyParser.parse(ok).literalValue().integer == 1)
      let tooDeep = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
      let error = try #require(throws: LabError.self) { try PyParser.parse(tooDeep) }
      #expect(error.message == "the expression is nested more than 64 deep")
      #expect(throws: LabError.self) {
        try PyParser.parse("Dense(" + String(repeating: "-", count: 100) + "3)")
      }
    }
  }
}
