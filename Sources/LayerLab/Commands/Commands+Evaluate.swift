import Engine

extension CommandTable {
  static let evaluateSignature = Signature(
    "model.evaluate",
    [
      .optional("x", .none, .anything),
      .optional("y", .none, .anything),
      .optional("batch_size", .none, .orNone(.int(in: 1...65_536))),
      .optional("verbose", .string("auto"), .verbose),
      .keptAtDefault("sample_weight", .none, why: "every picture counts the same"),
      .keptAtDefault("steps", .none, why: "evaluation uses every picture"),
      .keptAtDefault("callbacks", .none, why: "LayerLab has no callbacks"),
      .optional("return_dict", .bool(false), .bool),
    ], example: "scores = model.evaluate(x_test, y_test, verbose=1)")

  static let evaluate = Command(
    name: "evaluate", group: .training,
    usage: "evaluate [train|test] [batch_size=B] [verbose=0|1|2]",
    summary: "Measure loss and accuracy on the test pictures, as the blog's model_eval does",
    example: "evaluate",
    details: """
      Runs in inference mode (Dropout off). Keras's form works too: \
      scores = model.evaluate(x_test, y_test, verbose=1), then print('Test Loss', scores[0]).
      """,
    signature: evaluateSignature, call: evaluateCall
  ) { session, arguments in
    var rest = arguments
    var set = "Test"
    var bound: BoundArguments
    if let word = arguments.word(at: 0), word == "train" || word == "test" {
      rest.dropFirstWord()
      set = word == "train" ? "Train" : "Test"
    }
    bound = try rest.bind(evaluateSignature, from: 0, in: session)
    let scores = try runEvaluate(session, bound, trainSet: set == "Train")
    // The blog's model_eval prints "Test Loss" and "Test Accuracy"; training figures say so.
    session.console.out("\(set) Loss \(ProgressRenderer.four(scores.loss))")
    if scores.measured {
      session.console.out("\(set) Accuracy \(ProgressRenderer.four(scores.accuracy))")
    }
  }

  @Sendable static func evaluateCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue
  {
    let scores = try runEvaluate(session, bound, trainSet: false)
    let accuracy: [(PyConstant, PyValue)] =
      scores.measured ? [(.string("accuracy"), .float(Double(scores.accuracy)))] : []
    if bound.bool("return_dict") {
      return .dict(PyDict(accuracy + [(.string("loss"), .float(Double(scores.loss)))]))
    }
    // As Keras: the loss alone is a number, with metrics a list [loss, ...].
    guard scores.measured else { return .float(Double(scores.loss)) }
    return .list(PyList([.float(Double(scores.loss)), .float(Double(scores.accuracy))]))
  }

  /// Evaluates the arrays `bound` names (or the loaded data's test or training set).
  static func runEvaluate(_ session: Session, _ bound: BoundArguments, trainSet: Bool) throws -> (
    loss: Float, accuracy: Float, measured: Bool
  ) {
    let setup = try session.requireTraining()
    let (images, labels, classes) = try session.labelledPictures(bound) {
      let data = try session.requireData()
      if trainSet { return data.train }
      guard let test = data.test else { throw noTestSet(session) }
      return test
    }
    let batchSize = bound["batch_size"].integer ?? 32
    try checkShapes(images, session: session)
    try checkClasses(classes, loss: setup.loss, session: session)
    let result = try session.model.evaluate(
      images, labels: labels, loss: setup.loss, batchSize: batchSize,
      shouldStop: { Interrupt.pending != 0 })
    try Interrupt.check()
    let steps = (labels.count + batchSize - 1) / batchSize
    let metrics = setup.reported(accuracy: result.accuracy, loss: result.loss)
    let progress = ProgressRenderer(live: session.display.terminal)
    switch bound.int("verbose") {
    case 1: session.console.out(progress.line(step: steps, of: steps, elapsed: 0, metrics: metrics))
    case 2: session.console.out(progress.summaryLine(steps: steps, elapsed: nil, metrics: metrics))
    default: break
    }
    return (result.loss, result.accuracy, setup.accuracy)
  }

  static func noTestSet(_ session: Session) -> LabError {
    LabError(
      message: "the data from \(session.dataSource) has no test set",
      hint: "evaluate train measures the training pictures; or load data that has x_test and y_test"
    )
  }

  static let predictSignature = Signature(
    "model.predict",
    [
      .required("x", .anything),
      .optional("batch_size", .none, .orNone(.int(in: 1...65_536))),
      .optional("verbose", .string("auto"), .verbose),
      .keptAtDefault("steps", .none, why: "prediction uses every picture"),
      .keptAtDefault("callbacks", .none, why: "LayerLab has no callbacks"),
    ], example: "pred = model.predict(x_test)")

  static let predict = Command(
    name: "predict", group: .training, usage: "predict",
    summary: "Show what the model thinks the current image is, with the class labels",
    example: "predict",
    details: """
      Keras's form gives the scores as an array, one row per picture:
      pred = model.predict(x_test), then np.argmax(pred[0]) is the first picture's class.
      """,
    signature: predictSignature, call: predictCall
  ) { session, arguments in
    try arguments.noMore(than: 0)
    guard let image = session.image else {
      throw LabError(
        message: "no image to predict", hint: "load one first: image demo cat, or image photo.png")
    }
    // As `forward` and the insight commands do: a picture of another size
    // (one loaded before a model of another input) is fitted, and says so.
    guard !session.model.layers.isEmpty else { throw EngineError.noLayers }
    let (input, note) = try fitted(image, to: session.model, session)
    let output = try session.model.forward(input, mode: .inference)
    if let note { session.console.out(note) }
    guard output.shape.rank == 2 else {
      throw LabError(
        message: "the model's output is \(output.shape), not one score per class",
        hint: "end the model with Dense(classes) and Activation('softmax')")
    }
    let values = Array(output.scalars)
    let labels = (0..<values.count).map { $0 < session.labels.count ? session.labels[$0] : "\($0)" }
    for line in StripRenderer(width: session.display.width).bars(values, labels: labels) {
      session.console.out(line)
    }
    let best = argmax(values[...])
    session.console.out("predicted: \(labels[best]) (\(ProgressRenderer.four(values[best])))")
  }

  /// `model.predict(x)`: the model's outputs for every picture, in inference mode.
  @Sendable static func predictCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    let images = try session.pictures(bound["x"], "x", at: bound.location(of: "x"))
    try checkShapes(images, session: session)
    let batchSize = bound["batch_size"].integer ?? 32
    let count = images.shape[0]
    var rows: [Float] = []
    var outShape: [Int] = []
    var start = 0
    while start < count {
      try Interrupt.check()
      let end = min(start + batchSize, count)
      let output = try session.model.forward(images.slice(batch: start..<end), mode: .inference)
      outShape = Array(output.shape.dims.dropFirst())
      rows += output.scalars
      start = end
    }
    session.model.clearPass()
    let steps = (count + batchSize - 1) / batchSize
    let progress = ProgressRenderer(live: session.display.terminal)
    switch bound.int("verbose") {
    case 1: session.console.out(progress.line(step: steps, of: steps, elapsed: 0, metrics: []))
    case 2: session.console.out(progress.summaryLine(steps: steps, elapsed: nil, metrics: []))
    default: break
    }
    return .object(PyArray(shape: [count] + outShape, values: .float32(rows)))
  }
}
