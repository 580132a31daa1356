import Engine

/// The modules LayerLab's Python can import, bound to one session: Keras
/// (as `keras` and `tensorflow.keras`, with Keras 2's `np_utils` and
/// lower-case optimizers for the seed's era) and numpy.
enum PythonModules {
  static let hint =
    "LayerLab provides keras (also as tensorflow.keras) and numpy; it draws with 'show' and 'plot' instead of matplotlib"

  static func make(for session: Session) -> [String: PyValue] {
    let layers = PyModule("keras.layers")
    for kind in LayerKind.allCases { layers.set(kind.className, .object(LayerClass(kind))) }
    let input = PyBuiltinFunction("Input", description: "<function keras.Input>") { a, _ in
      let bound = try InputObject.signature.bind(a)
      guard let dims = bound["shape"].sequence else {
        throw LabError("keras.Input needs shape=, e.g. keras.Input(shape=(100, 100, 3))")
      }
      return .object(InputObject(shape: Shape(dims.compactMap(\.integer))))
    }
    layers.set("Input", .object(input))

    let models = PyModule("keras.models")
    let sequential = PyValue.object(SequentialClass(session))
    models.set("Sequential", sequential)
    models.set(
      "load_model",
      .object(
        PyBuiltinFunction("load_model", description: "<function keras.models.load_model>") { a, _ in
          let bound = try PythonModules.loadModelSignature.bind(a)
          try CommandTable.loadModel(path: bound.string("filepath") ?? "", in: session)
          session.modelGeneration += 1
          return .object(ModelObject(session))
        }))

    let optimizers = PyModule("keras.optimizers")
    for kind in OptimizerSpec.Kind.allCases {
      optimizers.set(kind.rawValue, .object(OptimizerClass(kind, name: kind.rawValue)))
      // Keras 2's factories, as the seed script calls them: keras.optimizers.adam().
      optimizers.set(
        kind.rawValue.lowercased(), .object(OptimizerClass(kind, name: kind.rawValue.lowercased())))
    }

    let toCategorical = PyValue.object(
      PyBuiltinFunction("to_categorical", description: "<function keras.utils.to_categorical>") {
        a, _ in
        try PythonModules.toCategorical(try PythonModules.categoricalSignature.bind(a))
      })
    let npUtils = PyModule("keras.utils.np_utils", ["to_categorical": toCategorical])
    let utils = PyModule(
      "keras.utils", ["to_categorical": toCategorical, "np_utils": .object(npUtils)])

    let keras = PyModule(
      "keras",
      [
        "layers": .object(layers), "models": .object(models), "optimizers": .object(optimizers),
        "utils": .object(utils), "Sequential": sequential, "Input": .object(input),
        "__version__": .string("3 (LayerLab)"),
      ])
    let numpy = NumpyModule.make()
    let tensorflow = PyModule(
      "tensorflow", ["keras": .object(keras), "__version__": .string("2 (LayerLab)")])

    var table: [String: PyValue] = [
      "keras": .object(keras), "keras.layers": .object(layers), "keras.models": .object(models),
      "keras.optimizers": .object(optimizers), "keras.utils": .object(utils),
      "keras.utils.np_utils": .object(npUtils), "numpy": .object(numpy),
      "tensorflow": .object(tensorflow),
    ]
    for (name, module) in table where name.hasPrefix("keras") {
      table["tensorflow." + name] = module
    }
    return table
  }

  // Keras 3's keras.models.load_model(filepath, custom_objects=None, compile=True,
  // safe_mode=True); Keras 2.2.4's load_model(filepath, custom_objects=None, compile=True).
  static let loadModelSignature = Signature(
    "keras.models.load_model",
    [
      .required("filepath", .string),
      .keptAtDefault(
        "custom_objects", .none, why: "LayerLab's layers are the only classes a file can name"),
      .keptAtDefault(
        "compile", .bool(true),
        why: "a file's compile settings are applied as saved; compile again to change them"),
      .ignored("safe_mode", .bool(true), why: "LayerLab never runs code from a file"),
    ], example: "model = keras.models.load_model('creatures_cnn.keras')")

  static let categoricalSignature = Signature(
    "to_categorical",
    [
      .required("y", .anything),
      .optional("num_classes", .none, .anything),
      .keptAtDefault(
        "dtype", .string("float32"), also: [.none], why: "one-hot rows are float32, as Keras's"),
    ], example: "to_categorical(y_train, 6)")

  /// Keras's `to_categorical`: class numbers → one-hot rows of float32.
  static func toCategorical(_ bound: BoundArguments) throws -> PyValue {
    let labels = try PyArray.from(bound["y"], dtype: nil)
    var shape = labels.shape
    if shape.count > 1, shape.last == 1 { shape.removeLast() }
    var classes: [Int] = []
    classes.reserveCapacity(labels.count)
    for i in 0..<labels.count {
      let x = labels.double(i)
      guard x >= 0, x == x.rounded(), x < 1_000_000 else {
        throw LabError(
          "to_categorical takes class numbers 0, 1, 2, ..., got \(pythonFloatRepr(x))",
          column: bound.location(of: "y").column, line: bound.location(of: "y").line)
      }
      classes.append(Int(x))
    }
    let count: Int
    if bound["num_classes"].isNone {
      count = (classes.max() ?? -1) + 1
    } else {
      guard let n = bound["num_classes"].integer, n > 0, n < 1_000_000 else {
        throw LabError(
          "num_classes must be a positive whole number",
          column: bound.location(of: "num_classes").column,
          line: bound.location(of: "num_classes").line)
      }
      count = n
    }
    if let bad = classes.first(where: { $0 >= count }) {
      throw LabError(
        "label \(bad) does not fit in \(count) classes", column: bound.location(of: "y").column,
        hint: "num_classes must be more than the largest label", line: bound.location(of: "y").line)
    }
    guard classes.count <= PyArray.maxElements / max(count, 1) else {
      throw LabError("the one-hot rows would be too large to hold")
    }
    var values = [Float](repeating: 0, count: classes.count * count)
    for (row, c) in classes.enumerated() { values[row * count + c] = 1 }
    return .object(PyArray(shape: shape + [count], values: .float32(values)))
  }
}
