import Testing

@testable import Engine

/// The interpreter against Python 3.11 itself: each program's output was
/// recorded by running it with `python3` (Tests/EngineTests/Python/README:
/// the generator is in the commit that added these cases).
@Suite struct InterpreterTests {
  static let programs: [(String, String)] = [
    (
      "x = 3\ny = x * 2 + 1\nprint(x, y, x / 2, 7 // 2, -7 // 2, -7 % 3, 2 ** 10, 2 ** -1)",
      "3 7 1.5 3 -4 2 1024 0.5\n"
    ),
    (
      "labels = ['dogs', 'cats', 'monkeys']\nprint(len(labels), labels[0], labels[-1], labels[1:])",
      "3 dogs monkeys ['cats', 'monkeys']\n"
    ),
    (
      "def f(a, b=2):\n    return a + b\nprint(f(1), f(1, 3), f(b=5, a=1))",
      "3 4 6\n"
    ),
    (
      "total = 0\nfor i in range(5):\n    if i % 2 == 0:\n        total += i\n    elif i == 3:\n        total += 100\n    else:\n        continue\nprint(total)",
      "106\n"
    ),
    (
      "name = 'cat'\nscore = 0.87654\nprint(f'{name}: {score:.2f} {score:.1%} {42:>5} {3:03d} {name!r}')",
      "cat: 0.88 87.7%    42 003 'cat'\n"
    ),
    (
      "xs = [i * i for i in range(6) if i % 2]\nprint(xs, sum(xs), max(xs), min(xs))",
      "[1, 9, 25] 35 25 1\n"
    ),
    (
      "a, b = (1, 2)\nb, a = a, b\nprint(a, b)",
      "2 1\n"
    ),
    (
      "d = {'loss': [1.5, 1.2], 'accuracy': [0.3, 0.5]}\nprint(d['loss'][-1], list(d.keys()), d)",
      "1.2 ['loss', 'accuracy'] {'loss': [1.5, 1.2], 'accuracy': [0.3, 0.5]}\n"
    ),
    (
      "print(0.1 + 0.2, 1e16, 1e15, 1/3, 2.5e-5, 100.0, -0.0, round(2.675, 2), round(0.5), round(1.5))",
      "0.30000000000000004 1e+16 1000000000000000.0 0.3333333333333333 2.5e-05 100.0 -0.0 2.67 0 2\n"
    ),
    (
      "print('Test Loss', 1.7695597410202026)\nprint('%.3f and %d and %s' % (3.14159, 42, 'x'))",
      "Test Loss 1.7695597410202026\n3.142 and 42 and x\n"
    ),
    (
      "x = 10\ndef g():\n    global x\n    x = 20\ng()\nprint(x)",
      "20\n"
    ),
    (
      "print(repr('it\\'s'), repr(\"a\\nb\"), str(None), [None, True, 1.0, 'a'])",
      "\"it's\" 'a\\nb' None [None, True, 1.0, 'a']\n"
    ),
    (
      "print((1,), (), (1, 2), [(1, 'a')], {'a': (1,)})",
      "(1,) () (1, 2) [(1, 'a')] {'a': (1,)}\n"
    ),
    (
      "i = 0\nwhile i < 3:\n    i += 1\nprint(i)",
      "3\n"
    ),
    (
      "print(3 > 2 > 1, 1 < 2 < 1, 'a' in 'cat', 3 not in [1, 2], None is None)",
      "True False True True True\n"
    ),
    (
      "print(int('42'), float('1.5'), str(3), bool(0), list('abc'), tuple([1, 2]))",
      "42 1.5 3 False ['a', 'b', 'c'] (1, 2)\n"
    ),
    (
      "print('{} of {:.1f}'.format(3, 4.25), 'a,b'.split(','), '-'.join(['x', 'y']), 'Cat'.upper())",
      "3 of 4.2 ['a', 'b'] x-y CAT\n"
    ),
    (
      "for i, name in enumerate(['a', 'b']):\n    print(i, name)\nfor p, q in zip([1, 2], [3, 4]):\n    print(p + q)",
      "0 a\n1 b\n4\n6\n"
    ),
    (
      "if __name__ == '__main__':\n    print('main')",
      "main\n"
    ),
    (
      "print(sorted([3, 1, 2]), sorted([3, 1, 2], reverse=True), abs(-3), abs(-2.5))",
      "[1, 2, 3] [3, 2, 1] 3 2.5\n"
    ),
    (
      "print(10 ** 18, 7 / 2, 8 / 2, 2 ** 0.5, 5 % -3, 5.5 // 2)",
      "1000000000000000000 3.5 4.0 1.4142135623730951 -1 2.0\n"
    ),
    (
      "print(f'{1234567:,} {0.5:e} {12.0:g} {7:b}' if False else f'{1234567:,} {0.5:e} {12.0:g}')",
      "1,234,567 5.000000e-01 12\n"
    ),
    (
      "x = [1, 2, 3]\nx.append(4)\nx[0] = 10\nprint(x, x.pop(), x, len(x))",
      "[10, 2, 3] 4 [10, 2, 3] 3\n"
    ),
    (
      "print(isinstance(3, int), isinstance(True, int), isinstance('a', (int, str)), type(3))",
      "True True True <class 'int'>\n"
    ),
    (
      "print(1 if 2 > 1 else 0, not 0, 0 or 'default', 3 and 4)",
      "1 True default 4\n"
    ),
  ]

  static func output(of source: String) throws -> String {
    var text = ""
    let interpreter = PyInterpreter(writeLine: { text += $0 + "\n" })
    interpreter.globals["__name__"] = .string("__main__")
    try interpreter.execute(source: source)
    return text
  }

  /// An interpreter and everything it made go away with it: FuzzPython's
  /// leak check found every interpreter's builtins kept alive by a cycle
  /// (`type`'s closure held the table that held it), so each lesson's
  /// fresh interpreter left the last one's behind.
  @Test func anInterpreterIsFreedWithItsBuiltins() throws {
    weak var typeBuiltin: PyBuiltinFunction?
    weak var printBuiltin: PyBuiltinFunction?
    weak var intType: PyType?
    do {
      let made = PyInterpreter(writeLine: { _ in })
      made.modules["numpy"] = .object(NumpyModule.make())
      made.globals["np"] = made.modules["numpy"]
      try made.execute(source: "t = type(3)\nprint(t, np.arange(3).sum())")
      typeBuiltin = made.builtins["type"]?.object(as: PyBuiltinFunction.self)
      printBuiltin = made.builtins["print"]?.object(as: PyBuiltinFunction.self)
      intType = made.builtins["int"]?.object(as: PyType.self)
      #expect(typeBuiltin != nil && printBuiltin != nil && intType != nil)
    }
    #expect(typeBuiltin == nil, "type() outlived its interpreter")
    #expect(printBuiltin == nil && intType == nil, "the builtins outlived their interpreter")
  }

  @Test(arguments: 0..<programs.count)
  func printsWhatPythonPrints(_ index: Int) throws {
    let (source, expected) = Self.programs[index]
    #expect(try Self.output(of: source) == expected, "\(source)")
  }
}
