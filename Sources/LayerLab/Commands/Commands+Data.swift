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
      let options = try arguments.bind(demoSignature, from: 1, in: session)
      let trainCount = options.int("train")
      let testCount = options.int("test")
      let size = options.int("size")
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
      let options = try arguments.bind(pathSignature, from: 1, in: session)
      split = try DatasetLoader.load(
        path: first, pixelScale: session.display.pixelScale,
        validationSplit: Float(options.double("validation_split")), seed: session.seed)
      source = first
    }
    try useData(split, from: source, in: session)
    session.bindDataNames(demo: first == "demo")
  }

  static let demoSignature = Signature(
    "data demo",
    [
      Signature.Argument("train", .optional(.int(480)), .int(in: 6...20_000), keywordOnly: true),
      Signature.Argument("test", .optional(.int(240)), .int(in: 0...20_000), keywordOnly: true),
      Signature.Argument("size", .optional(.int(32)), .int(in: 8...128), keywordOnly: true),
    ], example: "data demo train=240 test=120")

  static let pathSignature = Signature(
    "data",
    [
      Signature.Argument(
        "validation_split", .optional(.float(0.2)), .number(in: 0...0.9), keywordOnly: true)
    ], example: "data photos validation_split=0.2")

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
      "data \(session.dataSource): \(groupedThousands(train.count)) training picture\(train.count == 1 ? "" : "s") \(train.images.shape), "
        + "values [\(ProgressRenderer.four(low)), \(ProgressRenderer.four(high))]")
    if let test = data.test {
      session.console.out(
        "  \(groupedThousands(test.count)) test picture\(test.count == 1 ? "" : "s") \(test.images.shape)"
      )
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
