import Foundation
import Testing

@testable import Engine

extension Fuzz {
  /// Python programs from the grammar LayerLab runs, then broken: each either
  /// runs or stops with one error placed on a line and column of its source;
  /// nothing traps, nothing hangs (loops and sizes are bounded).
  @Suite struct InterpreterFuzzTests {
    static let pieces = [
      "x = 3", "y = x * 2 + 1", "z = x / 0", "s = 'cat' * 3", "xs = [1, 2, 3]", "xs[5]",
      "xs.append(4)", "d = {'a': 1}", "d['b']", "a, b = 1, 2", "a, b = [1]", "t = (1,)",
      "print(x, y, sep='-')", "print(f'{x:.2f} {s!r} {xs[0]:>4}')", "len(xs)", "range(10**12)",
      "list(range(10**9))", "[i * i for i in range(5) if i % 2]", "2 ** 64", "2 ** 62 * 4",
      "10 ** 18 + 10 ** 18 * 9", "-(2 ** 63)", "int('12')", "int('x')", "float('nan')",
      "int(float('inf'))", "round(1e300)", "round(2.5)", "'%d' % 1e300", "'%99999d' % 3",
      "abs(-2 ** 63)", "1 << 70", "max([])", "sorted([3, 'a'])", "None + 1", "x()", "x.y",
      "undefined", "np.array([[1, 2], [3]])", "np.zeros((10**6, 10**6))", "np.arange(1e300)",
      "a = np.arange(12).reshape(3, 4)", "a[5]", "a[:, 1] * 2.5", "a.sum(axis=3)",
      "a + np.ones((2, 4))", "np.argmax(a, axis=-1)", "a.astype('uint8') * 300",
      "a / 0", "a // 0", "np.mean(a)", "a[1:2, ::-1].tolist()", "float(a)", "if a: pass",
      "b = np.array([1.5, 2.5], dtype=np.float32)", "print(b)", "b[0] * 10**40",
      "np.unique(np.array([3, 1, 3]), return_counts=True)",
    ]
    static let blocks = [
      "def f(n):\n    return n * f(n - 1) if n else 1\nf(5)", "def g():\n    return g()\ng()",
      "for i in range(3):\n    print(i)\n    if i == 1:\n        break",
      "i = 0\nwhile True:\n    i += 1", "while i < 10**9:\n    i += 1",
      "def h(a, b=2):\n    return a + b\nh()\n", "def h(a):\n    return a\nh(1, 2)",
      "def k():\n    global q\n    q = 3\nk()\nprint(q)", "def u():\n    v = w\n    w = 1\nu()",
      "for x, y in [(1, 2), (3,)]:\n    pass",
      "if x:\n    pass\nelif y:\n    pass\nelse:\n    pass",
      "[[j for j in range(i)] for i in range(3)]", "print('a', end='')\nprint('b')",
    ]
    static let junk = [
      "(", ")", "[", "]", "{", "}", ":", "'", "\"", "\"\"\"", "\\", "#", "=", "==", "**", ",", ".",
      "lambda", "class", "try:", "with", "yield", "@", "$", "\t", "\n", "    ", "é", "🧠",
      "\u{202E}",
      "0x", "1e", "9" + String(repeating: "9", count: 30), "f'{", "f'{x!z}'", "'\\x1'", "'\\N{x}'",
    ]

    static func mutate(_ text: String, _ m: inout Mutator) -> String {
      var c = Array(text)
      for _ in 0..<(1 + m.int(3)) {
        let at = m.int(c.count + 1)
        switch m.int(3) {
        case 0: if at < c.count { c.remove(at: at) }
        case 1: c.insert(contentsOf: Array(m.pick(junk)), at: at)
        default:
          if at < c.count { c.insert(contentsOf: c[at..<min(c.count, at + m.int(8))], at: at) }
        }
      }
      return String(c)
    }

    /// Runs `source`; checks that a failure is one placed error.
    static func check(_ source: String, counts: inout (ran: Int, refused: Int)) {
      let interpreter = PyInterpreter(writeLine: { _ in })
      interpreter.modules["numpy"] = .object(NumpyModule.make())
      interpreter.globals["np"] = interpreter.modules["numpy"]
      interpreter.stepLimit = 200_000
      let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
      do {
        try interpreter.execute(source: source)
        counts.ran += 1
      } catch let error as LabError {
        counts.refused += 1
        #expect(!error.message.isEmpty)
        if let line = error.line {
          #expect(line >= 1 && line <= lines.count, "\(source.prefix(80)): line \(line)")
          if let column = error.column {
            #expect(
              column >= 0 && column <= lines[line - 1].count + 1,
              "\(source.prefix(80)): column \(column)")
          }
        }
      } catch is PyRuntimeError {
        counts.refused += 1
      } catch {
        Issue.record("\(source.prefix(80)): unexpected \(error)")
      }
    }

    @Test func programsAndTheirMutationsNeverTrapOrHang() {
      var m = Mutator(seed: 12)
      var counts = (ran: 0, refused: 0)
      let started = Date()
      for _ in 0..<3_000 {
        var parts = (0..<(1 + m.int(4))).map { _ in m.pick(Self.pieces + Self.blocks) }
        if m.int(2) == 0 {
          let i = m.int(parts.count)
          parts[i] = Self.mutate(parts[i], &m)
        }
        Self.check(parts.joined(separator: "\n"), counts: &counts)
      }
      #expect(counts.ran > 100 && counts.refused > 1_000, "\(counts)")
      #expect(Date().timeIntervalSince(started) < 120)
    }

    @Test func extremes() {
      let deep = 10_000
      let sources = [
        "", "\n\n", String(repeating: "(", count: deep) + "1" + String(repeating: ")", count: deep),
        String(repeating: "-", count: deep) + "1", String(repeating: "not ", count: deep) + "1",
        String(repeating: "x.", count: deep) + "y", String(repeating: "[", count: deep),
        "x = " + String(repeating: "1 + ", count: 50_000) + "1",
        String(repeating: "if 1:\n", count: 200) + String(repeating: " ", count: 200) + "pass",
        "s = '" + String(repeating: "a", count: 1_000_000) + "'\nlen(s)",
        "x = 1\n" + String(repeating: "x = x * 2\n", count: 70), "'a' * (10**7 + 1)",
        "[0] * 10**8", "xs = []\nfor i in range(20000000):\n    xs.append(i)",
      ]
      var counts = (ran: 0, refused: 0)
      for source in sources { Self.check(source, counts: &counts) }
      #expect(counts.ran >= 3)
    }
  }
}
