import Engine
import Foundation
import Testing

@testable import LayerLab

/// What a learner can see of a session; a failed command must leave it as it was.
struct SessionState: Equatable {
  var layers: [String]
  var shapes: [String]
  var inputShape: String
  var weights: [NDArray]
  var image: Tensor?
  var labels: [String]
  var names: [String: String]
  var dataCount: Int?
  var compiled: String?
  var historyCount: Int
  var pixelScale: Float

  init(_ session: Session) {
    let model = session.model
    layers = model.layers.map { "\($0.name)=\($0.spec.expression)" }
    shapes = model.outputShapes.map(\.description)
    inputShape = model.inputShape?.description ?? "-"
    weights = model.weightArrays().map(\.array)
    image = session.image
    labels = session.labels
    // Objects by identity (an array's repr is slow to make, and the same
    // object may change only through the model, which is compared above).
    names = session.python.globals.mapValues { value in
      if case .object(let object) = value {
        return "\(object.typeName)@\(ObjectIdentifier(object))"
      }
      return value.repr
    }
    dataCount = session.data?.train.count
    compiled = session.training.map { "\($0.loss) \($0.optimizerSpec.expression)" }
    historyCount = session.history.count
    pixelScale = session.display.pixelScale
  }
}

/// Lines built from the real grammar, then bent out of shape.
struct LineFuzzer {
  var rng: SeededGenerator
  let layerCalls = [
    "Conv2D(4, (3, 3), padding='same')", "Conv2D(2, 3)", "Conv2D(3, (2, 5), strides=(2, 1))",
    "Activation('relu')",
    "Activation('softmax')", "ReLU()", "Softmax()", "MaxPooling2D()",
    "MaxPooling2D(pool_size=(3, 3), padding='same')",
    "AveragePooling2D()", "Dropout(0.25)", "Dropout(0.5)", "Flatten()", "Dense(6)",
    "Dense(4, activation='softmax')",
  ]
  let commands = [
    "layers", "summary", "model.summary()", "forward", "forward training", "show all",
    "show conv2d", "show 1",
    "show dropout", "show dropout mask", "show input", "undo", "reset", "remove 1", "remove dense",
    "seed 3",
    "labels a,b,c,d,e,f", "image demo cat 12x12", "image demo edges 16x16", "image demo blobs",
    "predict",
    "data demo train=12 test=6 size=12", "compile", "compile optimizer=sgd",
    "fit epochs=1 batch_size=4",
    "evaluate", "explain conv2d 0 0 0", "kernel conv2d preset sobel_x", "help", "help fit", "plot",
    "X.shape",
    "total_num = 6", "model = Sequential()", "pixels 1/255", "lessons",
  ]
  let junk = [
    "", " ", "(", ")", "((((", "]]", "'", "\"", "=", "==", ",", "-1", "0", "99999999999999999999",
    "1e308", "-1e308",
    "nan", "inf", "ü", "🧠", "\\", "#", "None", "True", "x" + String(repeating: "y", count: 300),
    "\t", "Conv2D(",
    "input_shape=(0, 0, 0)", "input_shape=(-1, 5, 3)", "input_shape=(100000, 100000, 3)", "10**18",
    "Dense(1000000000000)", "Conv2D(9223372036854775807, (3, 3))", "Dropout(1.5)", "Dropout(-0.1)",
  ]

  mutating func pick<T>(_ items: [T]) -> T { items[rng.nextInt(below: items.count)] }

  mutating func line() -> String {
    switch rng.nextInt(below: 6) {
    case 0: return "add " + pick(layerCalls)
    case 1: return "model.add(" + pick(layerCalls) + ")"
    case 2: return pick(commands)
    case 3: return mutate(pick(commands + layerCalls.map { "add " + $0 }))
    case 4:
      return (0..<(1 + rng.nextInt(below: 5))).map { _ in pick(junk) }.joined(
        separator: pick([" ", "", ",", "("]))
    default: return "add " + mutate(pick(layerCalls))
    }
  }

  /// Deletes, duplicates, or swaps in junk at a random place.
  mutating func mutate(_ text: String) -> String {
    var chars = Array(text)
    for _ in 0..<(1 + rng.nextInt(below: 3)) {
      let at = chars.isEmpty ? 0 : rng.nextInt(below: chars.count + 1)
      switch rng.nextInt(below: 3) {
      case 0: if at < chars.count { chars.remove(at: at) }
      case 1: chars.insert(contentsOf: Array(pick(junk)), at: at)
      default: if at < chars.count { chars.insert(chars[at], at: at) }
      }
    }
    return String(chars)
  }
}

/// Python as learners type it, then bent out of shape: one line, or a block.
struct PythonFuzzer {
  var rng: SeededGenerator
  let statements = [
    "x = 3", "labels = ['a', 'b', 'c']", "total_num = len(labels)", "print(x, total_num)",
    "model = Sequential()", "model.add(Conv2D(4, (3, 3), input_shape=X.shape[1:]))",
    "model.add(Flatten())", "model.add(Dense(total_num, activation='softmax'))",
    "model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])",
    "history = model.fit(x_train, keras.utils.to_categorical(y_train, 6), epochs=1, verbose=0)",
    "scores = model.evaluate(x_test, y_test, verbose=0)",
    "pred = model.predict(x_test[:2], verbose=0)",
    "np.argmax(pred, axis=1)", "X.shape[1:]", "X_train = X_train.astype('float') / 256",
    "model.summary()", "model.layers[0].get_weights()", "model.count_params()", "model.pop()",
    "f'{x:.3f}'", "[i for i in range(x)]", "a = np.array([1, 2, 3]) * 2", "a[5]", "a.mean(axis=2)",
    "undefined_name", "model.fitt()", "from keras.layers import Conv3D", "import pandas",
    "x, y = 1", "1 / 0", "2 ** 200", "np.load('missing.npy')", "keras.Input(shape=(4,))",
    "model.add(keras.Input(shape=(0, 2)))", "Sequential([Dense(3), 5])", "exit",
  ]
  let blocks = [
    ["def f(n):", "    return n * 2", ""], ["for i in range(3):", "    print(i)", ""],
    ["if x > 1:", "    y = 1", "else:", "    y = 2", ""], ["while True:", "    pass", ""],
    ["model.add(Conv2D(2, (3, 3),", "          padding='same'))"],
    ["def g():", "    return g()", "g()"],
    ["  model.add(Dense(3))", "  model.add(Dense(2))"], ["class A:", "    pass"],
  ]
  let junk = ["(", ")", "[", "]", ":", "'", "=", "**", "lambda", "\\", "    ", "é", "10**18", "#"]

  mutating func pick<T>(_ items: [T]) -> T { items[rng.nextInt(below: items.count)] }

  mutating func statement() -> TypedStatement {
    if rng.nextInt(below: 4) == 0 { return TypedStatement(lines: pick(blocks)) }
    var line = Array(pick(statements))
    if rng.nextInt(below: 3) == 0 {
      let at = rng.nextInt(below: line.count + 1)
      line.insert(contentsOf: Array(pick(junk)), at: at)
    }
    return TypedStatement(lines: [String(line)])
  }
}

@Suite struct ShellFuzzTests {
  /// Thousands of lines from the grammar and beyond it: nothing crashes or
  /// hangs, each failure says one thing (caret, error, hint at most), and a
  /// failed command changes nothing a learner can see.
  @Test func fuzzedLinesNeverCrashAndFailuresChangeNothing() {
    var fuzzer = LineFuzzer(rng: SeededGenerator(seed: 2026))
    let harness = Harness()
    var failures = 0
    let started = Date()
    for _ in 0..<12_000 {
      let line = fuzzer.line()
      let before = SessionState(harness.session)
      let errorsBefore = harness.console.errorLines.count
      let ok = harness.shell.handle(line)
      let errorLines = Array(harness.console.errorLines.dropFirst(errorsBefore))
      if !ok {
        failures += 1
        #expect(SessionState(harness.session) == before, "state changed by failing line: \(line)")
        #expect((1...3).contains(errorLines.count), "\(line): \(errorLines)")
        #expect(errorLines.contains { $0.hasPrefix("error: ") }, "\(line): \(errorLines)")
      } else {
        #expect(errorLines.isEmpty, "\(line) succeeded but wrote \(errorLines)")
      }
    }
    #expect(failures > 1_500)  // the fuzzer really does reach the error paths
    #expect(Date().timeIntervalSince(started) < 120)
  }

  /// The same for Python: typed lines and pasted blocks, right and wrong.
  @Test func fuzzedPythonNeverCrashesAndFailuresChangeNothing() {
    var fuzzer = PythonFuzzer(rng: SeededGenerator(seed: 2027))
    let harness = Harness()
    harness.type("image demo cat 12x12", "data demo train=12 test=6 size=12")
    var failures = 0
    let started = Date()
    for _ in 0..<2_000 {
      let statement = fuzzer.statement()
      let before = SessionState(harness.session)
      let errorsBefore = harness.console.errorLines.count
      let ok = harness.shell.handle(statement)
      let errorLines = Array(harness.console.errorLines.dropFirst(errorsBefore))
      harness.session.quitRequested = false
      if !ok {
        failures += 1
        #expect(SessionState(harness.session) == before, "state changed by: \(statement.lines)")
        #expect((1...4).contains(errorLines.count), "\(statement.lines): \(errorLines)")
        #expect(
          errorLines.filter { $0.hasPrefix("error: ") }.count == 1,
          "\(statement.lines): \(errorLines)")
      } else {
        #expect(errorLines.isEmpty, "\(statement.lines) succeeded but wrote \(errorLines)")
      }
    }
    #expect(failures > 200)
    #expect(Date().timeIntervalSince(started) < 120)
  }

  /// Random bytes and truncated files of every format the shell opens.
  @Test func corruptFilesAreRefusedCleanly() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-fuzz-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let harness = Harness()
    harness.type(
      "image demo cat 12x12", "add Conv2D(2, (3, 3), input_shape=X.shape[1:])", "add Flatten()",
      "add Dense(3)")
    let weights = directory.appendingPathComponent("good.npz").path
    #expect(harness.shell.handle("save weights \(weights)"))
    let model = directory.appendingPathComponent("model.npz").path
    #expect(harness.shell.handle("save model \(model)"))
    let png = try PNGCodec.encode(
      rgb8: [UInt8](repeating: 128, count: 4 * 4 * 3), width: 4, height: 4, channels: 3)
    let seeds: [(String, Data)] = [
      ("w.npz", try Data(contentsOf: URL(fileURLWithPath: weights))),
      ("m.npz", try Data(contentsOf: URL(fileURLWithPath: model))),
      ("p.png", png),
      ("p.ppm", Data("P3\n2 2\n255\n0 0 0 255 255 255 1 2 3 4 5 6\n".utf8)),
      (
        "a.npy",
        Npy.encode(
          NDArray(tensor: try Tensor(shape: [3, 3], scalars: [Float](repeating: 0.5, count: 9))))
      ),
    ]
    var rng = SeededGenerator(seed: 7)
    for (name, good) in seeds {
      for trial in 0..<60 {
        var bytes = [UInt8](good)
        if trial < 30 {
          bytes = Array(bytes.prefix(rng.nextInt(below: bytes.count)))
        } else {
          for _ in 0..<(1 + rng.nextInt(below: 8)) where !bytes.isEmpty {
            bytes[rng.nextInt(below: bytes.count)] = UInt8(rng.nextInt(below: 256))
          }
        }
        let path = directory.appendingPathComponent("bad-\(trial)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let command: String
        switch name {
        case "w.npz": command = "load weights \(path)"
        case "m.npz": command = "load model \(path)"
        default: command = "image \(path)"
        }
        let before = SessionState(harness.session)
        if !harness.shell.handle(command) {
          #expect(
            SessionState(harness.session) == before, "\(command) failed but changed the session")
        }
      }
    }
  }

  /// Thousands of commands in one process: memory stays bounded.
  @Test func soakKeepsMemoryBounded() throws {
    let harness = Harness()
    let script = [
      "reset", "image demo blobs 12x12",
      "add Conv2D(4, (3, 3), padding='same', input_shape=X.shape[1:])",
      "add Activation('relu')", "add MaxPooling2D()", "add Dropout(0.25)", "add Flatten()",
      "add Dense(6)",
      "add Activation('softmax')", "forward training", "show all", "show dropout", "remove 4",
      "undo",
      "data demo train=12 test=6 size=12", "compile", "fit epochs=1 batch_size=6", "evaluate",
      "predict",
    ]
    func residentMB() -> Double? {
      guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
      else { return nil }
      return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
    // A warm-up round so caches and lazily built tables are not counted as growth.
    for line in script { harness.shell.handle(line) }
    let start = residentMB()
    for _ in 0..<120 {
      for line in script { harness.shell.handle(line) }
    }
    if let start, let end = residentMB() {
      #expect(end - start < 60, "resident memory grew from \(start) MB to \(end) MB")
    }
  }
}
