import Engine
import Foundation

extension CommandTable {
  static let training: [Command] = [data, pixels, compile, fit, evaluate, predict, plot]

  static let compile = Command(
    name: "compile", group: .training,
    usage: "compile [optimizer=adam] [loss=categorical_crossentropy] [metrics=accuracy]",
    summary: "Choose how the model learns: the optimizer and the loss",
    example: "compile optimizer=adam loss=categorical_crossentropy metrics=accuracy",
    details: """
      optimizer: adam, sgd or rmsprop, or a call such as Adam(learning_rate=0.0005), \
      SGD(learning_rate=0.01, momentum=0.9) or a name assigned before: opt = keras.optimizers.adam()
      loss: categorical_crossentropy or sparse_categorical_crossentropy
      Keras's form works too: model.compile(loss='categorical_crossentropy', optimizer=opt, \
      metrics=['accuracy'])
      Compiling again starts the optimizer afresh; the weights stay.
      """,
    isModelMethod: true
  ) { session, arguments in
    let options = try KerasArguments(arguments)
    try options.only(["optimizer", "loss", "metrics", "learning_rate"], usage: arguments.usage)
    if let extra = options.positional.first {
      throw LabError(
        "compile takes key=value arguments", column: extra.column, hint: "usage: \(arguments.usage)"
      )
    }
    var spec = OptimizerSpec(kind: .adam)
    if let node = options.value("optimizer") {
      if case .name(let name) = node.value, let assigned = session.optimizers[name] {
        spec = assigned
      } else {
        spec = try OptimizerSpec(parsing: node)
      }
    }
    if options.value("learning_rate") != nil {
      spec.learningRate = try options.float(
        "learning_rate", default: spec.learningRate, in: 1e-9...10)
    }
    var loss = LossKind.categoricalCrossentropy
    if let node = options.value("loss") {
      let text: String
      switch node.value {
      case .string(let s), .name(let s): text = s
      default:
        throw LabError(
          "loss must be a name such as 'categorical_crossentropy'", column: node.column)
      }
      guard let kind = LossKind(rawValue: text) else {
        let names = LossKind.allCases.map(\.rawValue)
        throw LabError(
          "unknown loss '\(text)'", column: node.column,
          hint: closestMatch(text, in: names).map { "did you mean '\($0)'?" } ?? "losses: "
            + names.joined(separator: ", "))
      }
      loss = kind
    }
    if let node = options.value("metrics") {
      let items: [PyNode]
      switch node.value {
      case .list(let list), .tuple(let list): items = list
      default: items = [node]
      }
      for item in items {
        switch item.value {
        case .string("accuracy"), .name("accuracy"), .string("acc"), .name("acc"): continue
        default:
          throw LabError(
            "LayerLab measures 'accuracy' only", column: item.column,
            hint: "use metrics=['accuracy']")
        }
      }
    }
    session.training = TrainingSetup(loss: loss, optimizerSpec: spec, optimizer: spec.make())
    session.history = []
    session.console.out(
      "compiled: loss \(loss.rawValue), optimizer \(spec.expression), metrics accuracy")
  }

  static let fit = Command(
    name: "fit", group: .training,
    usage: "fit [epochs=E] [batch_size=B] [validation_split=F] [shuffle=True]",
    summary: "Train on the loaded data, epoch by epoch, as Keras's model.fit does",
    example: "fit epochs=5 batch_size=32 validation_split=0.2",
    details: """
      Defaults as Keras: epochs=1, batch_size=32. validation_split holds out the last \
      fraction of the training pictures (before shuffling) and reports val_loss and val_accuracy.
      Keras's form works too: model.fit(X, y, batch_size=32, epochs=10)
      Ctrl-C stops after the current batch and keeps what was learned; 'undo' goes back to \
      the weights from before the fit. 'plot' draws the curves again.
      """,
    isModelMethod: true
  ) { session, arguments in
    let options = try KerasArguments(arguments)
    try options.only(
      ["epochs", "batch_size", "validation_split", "shuffle", "verbose", "x", "y"],
      usage: arguments.usage)
    let setup = try session.requireTraining()
    var images = try session.requireData().train.images
    var labels = try session.requireData().train.labels
    // model.fit(X, y, ...): the arrays are named; test arrays may be named on purpose.
    let named = options.positional + [options.value("x"), options.value("y")].compactMap { $0 }
    if !named.isEmpty {
      (images, labels) = try resolveArrays(named, in: session, usage: arguments.usage)
    }
    let fitOptions = FitOptions(
      epochs: try options.int("epochs", default: 1, in: 1...100_000, session: session),
      batchSize: try options.int("batch_size", default: 32, in: 1...65_536, session: session),
      validationSplit: try options.float("validation_split", default: 0, in: 0...0.9),
      shuffle: try options.bool("shuffle", default: true))
    try checkShapes(images, session: session)
    let live = session.display.terminal
    let progress = ProgressRenderer(live: live)
    let started = Date()
    var epochStart = Date()
    var outcome = FitOutcome.completed
    try session.changeModel {
      let result = try session.model.fit(
        images, labels: labels, loss: setup.loss, optimizer: setup.optimizer, options: fitOptions,
        onBatch: { p in
          if p.batch == 1 {
            epochStart = Date()
            session.console.out("Epoch \(p.epoch)/\(p.epochs)")
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
          let steps =
            (images.shape[0]
              - WholeNumber.clamped(
                Float(images.shape[0]) * fitOptions.validationSplit, rounding: .towardZero)
              + fitOptions.batchSize - 1)
            / fitOptions.batchSize
          if live { session.console.transient("") }
          let line = progress.line(
            step: steps, of: steps, elapsed: Date().timeIntervalSince(epochStart),
            metrics: ProgressRenderer.metrics(record))
          for piece in ProgressRenderer.fitted(line, width: session.display.width) {
            session.console.out(piece)
          }
        },
        shouldStop: { Interrupt.pending != 0 })
      outcome = result.outcome
      // The engine put everything back: fail the line, leaving nothing to undo.
      if case .diverged(let message) = result.outcome { throw LabError(message: message) }
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
    case .diverged:
      break  // thrown above
    }
    if live {
      session.console.out("took \(ProgressRenderer.duration(Date().timeIntervalSince(started)))")
    }
    for line in historyPlot(session) { session.console.out(line) }
  }

  static let evaluate = Command(
    name: "evaluate", group: .training, usage: "evaluate [train|test] [batch_size=B]",
    summary: "Measure loss and accuracy on the test pictures, as the blog's model_eval does",
    example: "evaluate",
    details: """
      Runs in inference mode (Dropout off). Keras's form works too: \
      scores = model.evaluate(x_test, y_test, verbose=1), then print('Test Loss', scores[0]).
      """,
    isModelMethod: true
  ) { session, arguments in
    let scores = try runEvaluate(session, arguments)
    // The blog's model_eval prints "Test Loss" and "Test Accuracy"; training figures say so.
    let set = arguments.call == nil && arguments.word(at: 0) == "train" ? "Train" : "Test"
    session.console.out("\(set) Loss \(ProgressRenderer.four(scores[0]))")
    session.console.out("\(set) Accuracy \(ProgressRenderer.four(scores[1]))")
  }

  /// Evaluates as `evaluate` does and returns [loss, accuracy], for `scores = model.evaluate(...)`.
  static func runEvaluate(_ session: Session, _ arguments: Arguments) throws -> [Float] {
    let setup = try session.requireTraining()
    let data = try session.requireData()
    var images: Tensor
    var labels: [Int]
    var options: KerasArguments
    if arguments.call == nil, let word = arguments.word(at: 0), word == "train" || word == "test" {
      var rest = arguments
      rest.dropFirstWord()
      options = try KerasArguments(rest)
      if word == "train" {
        (images, labels) = (data.train.images, data.train.labels)
      } else {
        guard let test = data.test else { throw noTestSet(session) }
        (images, labels) = (test.images, test.labels)
      }
    } else {
      options = try KerasArguments(arguments)
      if options.positional.isEmpty {
        guard let test = data.test else { throw noTestSet(session) }
        (images, labels) = (test.images, test.labels)
      } else {
        (images, labels) = try resolveArrays(
          options.positional, in: session, usage: arguments.usage)
      }
    }
    try options.only(["batch_size", "verbose"], usage: arguments.usage)
    let batchSize = try options.int("batch_size", default: 32, in: 1...65_536, session: session)
    try checkShapes(images, session: session)
    let result = try session.model.evaluate(
      images, labels: labels, loss: setup.loss, batchSize: batchSize,
      shouldStop: { Interrupt.pending != 0 })
    try Interrupt.check()
    let steps = (labels.count + batchSize - 1) / batchSize
    session.console.out(
      ProgressRenderer(live: session.display.terminal).line(
        step: steps, of: steps, elapsed: 0,
        metrics: [("accuracy", result.accuracy), ("loss", result.loss)]))
    return [result.loss, result.accuracy]
  }

  static func noTestSet(_ session: Session) -> LabError {
    LabError(
      message: "the data from \(session.dataSource) has no test set",
      hint: "evaluate train measures the training pictures; or load data that has x_test and y_test"
    )
  }

  static let predict = Command(
    name: "predict", group: .training, usage: "predict",
    summary: "Show what the model thinks the current image is, with the class labels",
    example: "predict", isModelMethod: true
  ) { session, arguments in
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

  /// `(X, y)` named in a Keras call → the arrays they stand for.
  static func resolveArrays(_ nodes: [PyNode], in session: Session, usage: String) throws -> (
    Tensor, [Int]
  ) {
    let data = try session.requireData()
    guard nodes.count == 2 else {
      throw LabError(
        "expected the images and the labels, e.g. (X, y)", column: nodes.first?.column ?? 0,
        hint: "usage: \(usage)")
    }
    func role(_ node: PyNode) throws -> DataArray {
      guard case .name(let name) = node.value, let role = DataArray(name: name) else {
        throw LabError(
          "'\(node.text)' is not one of the loaded arrays", column: node.column,
          hint: "use X_train/Y_train (or X, y) and x_test/y_test")
      }
      return role
    }
    let (imageRole, labelRole) = (try role(nodes[0]), try role(nodes[1]))
    let test = data.test
    switch (imageRole, labelRole) {
    case (.trainImages, .trainLabels):
      return (data.train.images, data.train.labels)
    case (.testImages, .testLabels):
      guard let test else { throw noTestSet(session) }
      return (test.images, test.labels)
    default:
      throw LabError(
        "'\(nodes[0].text)' and '\(nodes[1].text)' are not a matching pair of images and labels",
        column: nodes[1].column,
        hint: "pair X_train with Y_train and x_test with y_test")
    }
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
