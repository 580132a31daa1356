import Engine
import Foundation

extension CommandTable {
  static let training: [Command] = [data, pixels, compile, fit, evaluate, predict, plot]

  static let compileSignature = Signature(
    "model.compile",
    [
      .optional("optimizer", .string("rmsprop"), .anything),
      .optional("loss", .none, .anything),
      .keptAtDefault("loss_weights", .none, why: "LayerLab's models have one output"),
      .optional("metrics", .none, .anything),
      .keptAtDefault("weighted_metrics", .none, why: "every picture counts the same"),
      .keptAtDefault("run_eagerly", .bool(false), why: "LayerLab always runs step by step"),
      .keptAtDefault("steps_per_execution", .int(1), why: "one step at a time"),
      .ignored("jit_compile", .string("auto"), why: "there is nothing to compile ahead"),
      .ignored("auto_scale_loss", .bool(true), why: "the engine computes in float32"),
      // LayerLab's shortcut, not Keras's: `compile optimizer=sgd learning_rate=0.05`.
      Signature.Argument(
        "learning_rate", .optional(.none), .orNone(.positiveNumber), keywordOnly: true,
        isHidden: true),
    ],
    example:
      "model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])")

  static let compile = Command(
    name: "compile", group: .training,
    usage: "compile [optimizer=adam] [loss=categorical_crossentropy] [metrics=accuracy]",
    summary: "Choose how the model learns: the optimizer and the loss",
    example: "compile optimizer=adam loss=categorical_crossentropy metrics=accuracy",
    details: """
      optimizer: adam, sgd or rmsprop, or a call such as Adam(learning_rate=0.0005),
        SGD(learning_rate=0.01, momentum=0.9) or a name assigned before: opt = keras.optimizers.adam()
      loss: categorical_crossentropy or sparse_categorical_crossentropy
      Keras's form works too: model.compile(loss='categorical_crossentropy', optimizer=opt, metrics=['accuracy'])
      (there, as in Keras, the optimizer defaults to rmsprop; the short form defaults to adam).
      Compiling again starts the optimizer afresh; the weights stay.
      """,
    signature: compileSignature, call: compileCall
  ) { session, arguments in
    try applyCompile(
      session, try arguments.bind(compileSignature, from: 0, in: session), default: "adam")
  }

  /// `model.compile(...)`: as Keras, the optimizer defaults to rmsprop.
  @Sendable static func compileCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    try applyCompile(session, bound, default: "rmsprop")
    return .none
  }

  private static func applyCompile(
    _ session: Session, _ bound: BoundArguments, default fallback: String
  )
    throws
  {
    var spec: OptimizerSpec
    let optimizer = bound.isGiven("optimizer") ? bound["optimizer"] : .string(fallback)
    let at = bound.location(of: "optimizer")
    switch optimizer {
    case .string(let name): spec = try OptimizerSpec.named(name, at: at)
    case .object(let object as OptimizerObject): spec = object.spec
    case .object(let object as OptimizerClass):
      throw LabError(
        "call the optimizer: \(object.name)()", column: at.column,
        hint: "e.g. optimizer=keras.optimizers.Adam(learning_rate=0.001)", line: at.line)
    default:
      throw LabError(
        "optimizer must be a name such as 'adam' or an optimizer, got \(optimizer.repr)",
        column: at.column, line: at.line)
    }
    if case .float(let rate) = bound["learning_rate"] { spec.learningRate = Float(rate) }
    let loss: LossKind
    let lossAt = bound.location(of: "loss")
    switch bound["loss"] {
    case .string(let text):
      guard let kind = LossKind(rawValue: text) else {
        let names = LossKind.allCases.map(\.rawValue)
        throw LabError(
          "unknown loss '\(text)'", column: lossAt.column,
          hint: closestMatch(text, in: names).map { "did you mean '\($0)'?" } ?? "losses: "
            + names.joined(separator: ", "), line: lossAt.line)
      }
      loss = kind
    case .none:
      guard !bound.isGiven("loss") else { fallthrough }
      loss = .categoricalCrossentropy
    default:
      throw LabError(
        "loss must be a name such as 'categorical_crossentropy'", column: lossAt.column,
        line: lossAt.line)
    }
    let metrics = bound["metrics"]
    for item in metrics.sequence ?? (metrics.isNone ? [] : [metrics]) {
      guard case .string(let name) = item, name == "accuracy" || name == "acc" else {
        let metricsAt = bound.location(of: "metrics")
        throw LabError(
          "LayerLab measures 'accuracy' only", column: metricsAt.column,
          hint: "use metrics=['accuracy']", line: metricsAt.line)
      }
    }
    session.training = TrainingSetup(loss: loss, optimizerSpec: spec, optimizer: spec.make())
    session.history = []
    session.say("compiled: loss \(loss.rawValue), optimizer \(spec.expression), metrics accuracy")
  }

  static let fitSignature = Signature(
    "model.fit",
    [
      .optional("x", .none, .anything),
      .optional("y", .none, .anything),
      .optional("batch_size", .none, .orNone(.int(in: 1...65_536))),
      .optional("epochs", .int(1), .int(in: 1...100_000)),
      .optional("verbose", .string("auto"), .verbose),
      .keptAtDefault(
        "callbacks", .none, also: [.tuple([])],
        why: "LayerLab has no callbacks; Ctrl-C stops a fit and keeps what was learned"),
      .optional("validation_split", .float(0), .number(in: 0...0.9)),
      .optional("validation_data", .none, .anything),
      .optional("shuffle", .bool(true), .bool),
      .keptAtDefault("class_weight", .none, why: "every class counts the same"),
      .keptAtDefault("sample_weight", .none, why: "every picture counts the same"),
      .keptAtDefault("initial_epoch", .int(0), why: "epochs count from the first"),
      .keptAtDefault("steps_per_epoch", .none, why: "an epoch is one pass over the data"),
      .keptAtDefault("validation_steps", .none, why: "validation uses all its pictures"),
      .keptAtDefault("validation_batch_size", .none, why: "validation uses batch_size"),
      .keptAtDefault("validation_freq", .int(1), why: "every epoch is validated"),
    ], example: "model.fit(X_train, Y_train, batch_size=32, epochs=5)")

  static let fit = Command(
    name: "fit", group: .training,
    usage: "fit [epochs=E] [batch_size=B] [validation_split=F] [shuffle=True] [verbose=0|1|2]",
    summary: "Train on the loaded data, epoch by epoch, as Keras's model.fit does",
    example: "fit epochs=5 batch_size=32 validation_split=0.2",
    details: """
      Defaults as Keras: epochs=1, batch_size=32. validation_split holds out the last
      fraction of the training pictures (before shuffling) and reports val_loss and val_accuracy.
      Keras's form works too: history = model.fit(X, y, batch_size=32, epochs=10,
      validation_data=(x_test, y_test)); history.history['loss'] is then the loss per epoch.
      verbose=0 prints nothing, 1 a progress bar, 2 one line per epoch.
      Ctrl-C stops after the current batch and keeps what was learned; 'undo' goes back to
      the weights from before the fit. 'plot' draws the curves again.
      """,
    signature: fitSignature, call: fitCall
  ) { session, arguments in
    _ = try fitCall(session, try arguments.bind(fitSignature, from: 0, in: session))
  }

  @Sendable static func fitCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    let setup = try session.requireTraining()
    let (images, labels) = try session.labelledPictures(bound) { try session.requireData().train }
    var validation: (images: Tensor, labels: [Int])?
    if !bound["validation_data"].isNone {
      let at = bound.location(of: "validation_data")
      guard let pair = bound["validation_data"].sequence, pair.count == 2 else {
        throw LabError(
          "validation_data must be a pair (x_val, y_val)", column: at.column, line: at.line)
      }
      let x = try session.pictures(pair[0], "validation_data[0]", at: at)
      validation = (
        x, try session.classNumbers(pair[1], "validation_data[1]", count: x.shape[0], at: at)
      )
    }
    let fitOptions = FitOptions(
      epochs: bound.int("epochs"),
      batchSize: bound["batch_size"].integer ?? 32,
      validationSplit: Float(bound.double("validation_split")),
      shuffle: bound.bool("shuffle"))
    try checkShapes(images, session: session)
    if let validation { try checkShapes(validation.images, session: session) }
    let verbose = bound.int("verbose")
    let live = session.display.terminal && verbose == 1
    let progress = ProgressRenderer(live: live)
    let started = Date()
    var epochStart = Date()
    var outcome = FitOutcome.completed
    var records: [EpochRecord] = []
    let trainCount =
      validation == nil
      ? images.shape[0] - Int(Float(images.shape[0]) * fitOptions.validationSplit) : images.shape[0]
    let steps = (trainCount + fitOptions.batchSize - 1) / fitOptions.batchSize
    try session.changeModel {
      let result = try session.model.fit(
        images, labels: labels, loss: setup.loss, optimizer: setup.optimizer, options: fitOptions,
        validation: validation,
        onBatch: { p in
          if p.batch == 1 {
            epochStart = Date()
            if verbose > 0 { session.console.out("Epoch \(p.epoch)/\(p.epochs)") }
          }
          if live {
            let metrics = [("accuracy", p.accuracy), ("loss", p.loss)]
            session.console.transient(
              progress.line(
                step: p.batch, of: p.batches, elapsed: Date().timeIntervalSince(epochStart),
                metrics: metrics))
          }
        },
        onEpoch: { record in
          if live { session.console.transient("") }
          switch verbose {
          case 1:
            session.console.out(
              progress.line(
                step: steps, of: steps, elapsed: Date().timeIntervalSince(epochStart),
                metrics: ProgressRenderer.metrics(record)))
          case 2:
            session.console.out(
              progress.summaryLine(
                steps: steps,
                elapsed: session.display.terminal ? Date().timeIntervalSince(epochStart) : nil,
                metrics: ProgressRenderer.metrics(record)))
          default:
            break
          }
        },
        shouldStop: { Interrupt.pending != 0 })
      outcome = result.outcome
      records = result.history
      session.history += result.history
      return "fit (\(result.history.count) epoch\(result.history.count == 1 ? "" : "s"))"
    }
    if live { session.console.transient("") }
    switch outcome {
    case .completed:
      break
    case .interrupted(let epoch, let batch):
      Interrupt.clear()
      session.console.out(
        "interrupted in epoch \(epoch) after batch \(batch): the weights learned so far are kept ('undo' goes back)"
      )
    case .diverged(let message):
      throw LabError(message: message)
    }
    if live {
      session.say("took \(ProgressRenderer.duration(Date().timeIntervalSince(started)))")
    }
    if verbose > 0 { for line in historyPlot(session) { session.say(line) } }
    return .object(HistoryObject(records: records, epochs: fitOptions.epochs, steps: steps))
  }

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
    summary: "Measure loss and accuracy on the test pictures, as the seed's model_eval does",
    example: "evaluate",
    details: """
      Runs in inference mode (Dropout off). Keras's form works too:
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
    // The seed's model_eval prints "Test Loss" and "Test Accuracy"; training figures say so.
    session.console.out("\(set) Loss \(ProgressRenderer.four(scores.loss))")
    session.console.out("\(set) Accuracy \(ProgressRenderer.four(scores.accuracy))")
  }

  @Sendable static func evaluateCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue
  {
    let scores = try runEvaluate(session, bound, trainSet: false)
    if bound.bool("return_dict") {
      return .dict(
        PyDict([
          (.string("accuracy"), .float(Double(scores.accuracy))),
          (.string("loss"), .float(Double(scores.loss))),
        ]))
    }
    return .list(PyList([.float(Double(scores.loss)), .float(Double(scores.accuracy))]))
  }

  /// Evaluates the arrays `bound` names (or the loaded data's test or training set).
  static func runEvaluate(_ session: Session, _ bound: BoundArguments, trainSet: Bool) throws -> (
    loss: Float, accuracy: Float
  ) {
    let setup = try session.requireTraining()
    let (images, labels) = try session.labelledPictures(bound) {
      let data = try session.requireData()
      if trainSet { return data.train }
      guard let test = data.test else { throw noTestSet(session) }
      return test
    }
    let batchSize = bound["batch_size"].integer ?? 32
    try checkShapes(images, session: session)
    let result = try session.model.evaluate(
      images, labels: labels, loss: setup.loss, batchSize: batchSize,
      shouldStop: { Interrupt.pending != 0 })
    try Interrupt.check()
    let steps = (labels.count + batchSize - 1) / batchSize
    let metrics = [("accuracy", result.accuracy), ("loss", result.loss)]
    let progress = ProgressRenderer(live: session.display.terminal)
    switch bound.int("verbose") {
    case 1: session.console.out(progress.line(step: steps, of: steps, elapsed: 0, metrics: metrics))
    case 2: session.console.out(progress.summaryLine(steps: steps, elapsed: nil, metrics: metrics))
    default: break
    }
    return (result.loss, result.accuracy)
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
    let output = try session.model.forward(image, mode: .inference)
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

  static let plot = Command(
    name: "plot", aliases: ["history"], group: .training, usage: "plot",
    summary: "Draw loss and accuracy per epoch since the last compile, training and validation",
    example: "plot"
  ) { session, arguments in
    try arguments.noMore(than: 0)
    let lines = historyPlot(session)
    guard !lines.isEmpty else {
      throw LabError(message: "nothing to plot yet", hint: "train first: fit epochs=5")
    }
    for line in lines { session.console.out(line) }
  }

  static func historyPlot(_ session: Session) -> [String] {
    let history = session.history
    guard !history.isEmpty else { return [] }
    let hasValidation = history.allSatisfy { $0.validationLoss != nil }
    func series(_ train: [Float], _ validation: [Float?]) -> [LinePlot.Series] {
      var result = [LinePlot.Series(glyph: "*", values: train)]
      if hasValidation {
        result.append(LinePlot.Series(glyph: "o", values: validation.map { $0 ?? .nan }))
      }
      return result
    }
    let plot = LinePlot()
    var lines = plot.render(
      title: "loss", series: series(history.map(\.loss), history.map(\.validationLoss)))
    lines += plot.render(
      title: "accuracy", series: series(history.map(\.accuracy), history.map(\.validationAccuracy)),
      fixedRange: (0, 1))
    lines.append(hasValidation ? "* training  o validation  @ both" : "* training")
    return lines
  }

  /// Refuses pictures the model cannot take, before any work starts.
  static func checkShapes(_ images: Tensor, session: Session) throws {
    guard let input = session.model.inputShape, !session.model.layers.isEmpty else {
      throw LabError(
        message: "the model has no layers yet",
        hint: "build it first, e.g. add Conv2D(32, (3, 3), input_shape=X.shape[1:])")
    }
    guard images.shape.unbatched == input else {
      throw LabError(
        message:
          "the model takes \(input.withNoneBatch) but the pictures are \(images.shape.unbatched.withNoneBatch)",
        hint:
          "start a new model for them: model = Sequential(), then add layers with input_shape=X.shape[1:]"
      )
    }
  }
}
