import Engine

extension CommandTable {
  static let data = Command(
    name: "data", group: .training,
    usage: "data demo [train=N] [test=N] [size=S] | data PATH [validation_split=F]",
    summary: "Load labelled pictures to train on: the built-in creatures, or a dataset",
    example: "data demo train=240 test=120",
    details: """
      demo: six creatures (dogs, cats, monkeys, birds, fish, lizards) drawn in code from the \
      random seed; 480 training and 240 test pictures of 32x32 unless told otherwise.
      PATH: an .npz with X_train, x_test, Y_train, y_test (the blog's script's names) or Keras's \
      x_train, y_train, x_test, y_test; an .npy of np.save(PATH, (X_train, X_test, y_train, \
      y_test)), the blog's pickled data file (read without running it); a folder with one \
      subfolder of images per class (with train/ and test/ inside, or split by \
      validation_split); MNIST IDX files; CIFAR-10 binary batches.
      8-bit pixels are scaled by 1/256 as the blog's script does ('pixels' changes it); float arrays are \
      taken as they are. Labels may be class numbers or one-hot rows.
      'data' alone describes what is loaded. X, X_train, y, Y_train, x_test, y_test then \
      name its arrays in Keras lines.
      """,
    keywords: ["demo"], takesPath: true
  ) { session, arguments in
    guard let first = arguments.word(at: 0) else {
      describeData(session)
      return
    }
    let split: DataSplit
    let source: String
    if first == "demo" {
      var rest = arguments
      rest.dropFirstWord()
      let options = try KerasArguments(rest)
      try options.only(["train", "test", "size"], usage: arguments.usage)
      let trainCount = try options.int("train", default: 480, in: 6...20_000, session: session)
      let testCount = try options.int("test", default: 240, in: 0...20_000, session: session)
      let size = try options.int("size", default: 32, in: 8...128, session: session)
      // Two draws from the session's seed, so train and test never share a picture.
      let train = DemoCreatures.make(count: trainCount, size: size, seed: session.seed &* 2 &+ 1)
      let test = DemoCreatures.make(count: testCount, size: size, seed: session.seed &* 2 &+ 2)
      split = DataSplit(
        train: try Dataset(
          images: train.images, labels: train.labels, classNames: DemoCreatures.classNames),
        test: testCount > 0
          ? try Dataset(
            images: test.images, labels: test.labels, classNames: DemoCreatures.classNames) : nil)
      source = "demo"
    } else {
      var rest = arguments
      rest.dropFirstWord()
      let options = try KerasArguments(rest)
      try options.only(["validation_split"], usage: arguments.usage)
      let fraction = try options.float("validation_split", default: 0.2, in: 0...0.9)
      split = try DatasetLoader.load(
        path: first, pixelScale: session.display.pixelScale, validationSplit: fraction,
        seed: session.seed)
      source = first
    }
    try useData(split, from: source, in: session)
  }

  /// Makes `split` the session's data: checks it fits the model, gives the
  /// model its input shape if it has none, and names the classes.
  static func useData(_ split: DataSplit, from source: String, in session: Session) throws {
    let shape = split.train.sampleShape
    guard split.train.images.isFinite, split.test?.images.isFinite ?? true else {
      throw LabError(
        message: "\(source) holds NaN or infinite pixel values",
        hint: "clean the arrays before loading them")
    }
    if let input = session.model.inputShape, input != shape {
      session.console.out(
        "note: the model takes \(input.withNoneBatch) but these pictures are \(shape.withNoneBatch); "
          + "start a new model (model = Sequential()) to train on them")
    } else if session.model.inputShape == nil {
      try session.model.setInputShape(shape)
    }
    session.data = split
    session.dataSource = source
    session.adoptClassNames(split.train.classNames)
    describeData(session)
  }

  static func describeData(_ session: Session) {
    guard let data = session.data else {
      session.console.out("no data loaded; 'data demo' draws a built-in set of six creatures")
      return
    }
    let train = data.train
    let (low, high) = train.images.range
    session.console.out(
      "data \(session.dataSource): \(groupedThousands(train.count)) training pictures \(train.images.shape), "
        + "values [\(ProgressRenderer.four(low)), \(ProgressRenderer.four(high))]")
    if let test = data.test {
      session.console.out("  \(groupedThousands(test.count)) test pictures \(test.images.shape)")
    } else {
      session.console.out(
        "  no test set: use validation_split when fitting to hold some pictures out")
    }
    var counts = [Int](repeating: 0, count: train.classCount)
    for label in train.labels { counts[label] += 1 }
    // Class names come from folder names or a CIFAR meta file: cut each one.
    let classes = zip(train.classNames, counts).map { "\(SafeText.terminal($0, limit: 40)) \($1)" }
      .joined(separator: ", ")
    session.console.out("  \(train.classCount) classes: \(classes)")
  }

  static let pixels = Command(
    name: "pixels", group: .training, usage: "pixels SCALE",
    summary: "Set what 8-bit pixels are multiplied by when loaded (1/256 in the blog's script)",
    example: "pixels 1/255",
    details: "Applies to 'image' and 'data' from now on; float arrays are always taken as they are."
  ) { session, arguments in
    guard let token = arguments.word(at: 0) else {
      session.console.out(
        "8-bit pixels are multiplied by \(formatNumber(session.display.pixelScale)) when loaded")
      return
    }
    try arguments.noMore(than: 1)
    let parts = token.split(separator: "/")
    var scale: Float?
    if parts.count == 2, let a = Float(parts[0]), let b = Float(parts[1]), b != 0 {
      scale = a / b
    } else if parts.count == 1 {
      scale = Float(token)
    }
    guard let scale, scale.isFinite, scale > 0, scale <= 1 else {
      throw LabError(
        message: "expected a scale such as 1/256, 1/255 or 1, got '\(token)'",
        column: arguments.tokens[0].column,
        hint: "usage: \(arguments.usage)")
    }
    session.display.pixelScale = scale
    session.console.out(
      "8-bit pixels will be multiplied by \(token) (\(formatNumber(scale))) when loaded")
  }
}

extension Arguments {
  /// The same arguments without their first word (`data demo train=6` → `train=6`).
  mutating func dropFirstWord() {
    guard !tokens.isEmpty else { return }
    let rest = Array(tokens.dropFirst())
    self = Arguments(
      line: line, tokens: rest, restColumn: rest.first?.column ?? line.count, call: call,
      usage: usage)
  }
}

extension CommandTable {
  /// `X_train, x_test, Y_train, y_test = np.load("data.npz")`: the blog's script's way
  /// to load its four arrays, read as `data PATH`.
  static func loadArrays(_ names: [Token], _ value: PyNode, in session: Session) throws {
    guard case .call(let callee, let args, _) = value.value, callee.hasSuffix("load"),
      let first = args.first,
      case .string(let path) = first.value
    else {
      throw LabError(
        "LayerLab unpacks arrays only from np.load(\"FILE\")", column: value.column,
        hint: "X_train, x_test, Y_train, y_test = np.load(\"data.npz\"), or: data PATH")
    }
    for name in names where DataArray(name: name.text) == nil {
      throw LabError(
        "'\(name.text)' is not a name LayerLab gives dataset arrays", column: name.column,
        hint: "use X_train, x_test, Y_train, y_test (or x_train, y_train, x_test, y_test)")
    }
    let split = try DatasetLoader.load(
      path: path, pixelScale: session.display.pixelScale, seed: session.seed)
    try useData(split, from: path, in: session)
  }

  /// The blog's script scales and one-hot encodes its arrays by hand; LayerLab does
  /// both when loading, so the line only needs explaining.
  static func noteArrayPreparation(_ name: String, _ text: String, in session: Session) {
    if text.contains("to_categorical") {
      session.console.out(
        "(\(name): LayerLab keeps labels as class numbers and compares them with the softmax as one-hot rows, which categorical_crossentropy needs)"
      )
    } else {
      session.console.out(
        "(\(name): 8-bit pixels were already multiplied by \(formatNumber(session.display.pixelScale)) when loaded; see 'pixels')"
      )
    }
  }
}
