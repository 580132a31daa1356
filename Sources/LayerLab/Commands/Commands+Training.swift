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
      optimizer: adam, sgd or rmsprop, or a call such as Adam(learning_rate=0.0005), \
      SGD(learning_rate=0.01, momentum=0.9) or a name assigned before: opt = keras.optimizers.adam()
      loss: categorical_crossentropy or sparse_categorical_crossentropy
      Keras's form works too: model.compile(loss='categorical_crossentropy', optimizer=opt, \
      metrics=['accuracy']) (there, as in Keras, the optimizer defaults to rmsprop, and without \
      metrics fit, History and evaluate report the loss alone; the short form defaults to adam \
      and accuracy).
      Compiling again starts the optimizer afresh; the weights stay.
      """,
    signature: compileSignature, call: compileCall
  ) { session, arguments in
    try applyCompile(
      session, try arguments.bind(compileSignature, from: 0, in: session), default: "adam",
      accuracyByDefault: true)
  }

  /// `model.compile(...)`: as Keras, the optimizer defaults to rmsprop, and
  /// without `metrics` only the loss is reported.
  @Sendable static func compileCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    try applyCompile(session, bound, default: "rmsprop", accuracyByDefault: false)
    return .none
  }

  private static func applyCompile(
    _ session: Session, _ bound: BoundArguments, default fallback: String,
    accuracyByDefault: Bool
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
    let items = metrics.sequence ?? (metrics.isNone ? [] : [metrics])
    for item in items {
      guard case .string(let name) = item, name == "accuracy" || name == "acc" else {
        let metricsAt = bound.location(of: "metrics")
        throw LabError(
          "LayerLab measures 'accuracy' only", column: metricsAt.column,
          hint: "use metrics=['accuracy']", line: metricsAt.line)
      }
    }
    let setup = TrainingSetup(
      loss: loss, optimizerSpec: spec, optimizer: spec.make(),
      accuracy: bound.isGiven("metrics") ? !items.isEmpty : accuracyByDefault)
    session.training = setup
    session.history = []
    session.say(
      "compiled: loss \(loss.rawValue), optimizer \(spec.expression), \(setup.metricsPhrase)")
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
  /// Keras's cross-entropy compares the model's output with the labels'
  /// one-hot rows, so the two must be as wide: a model that ends before
  /// its Dense(classes), or in a Dense of another width, is refused before
  /// training, as Keras refuses it ("Shapes (None, 6) and (None, 10) are
  /// incompatible"). Sparse labels only need the output to hold each class
  /// number, which the loss checks; `classes` is nil when the labels (class
  /// numbers) do not say how many there are.
  static func checkClasses(_ classes: Int?, loss: LossKind, session: Session) throws {
    guard let output = session.model.outputShapes.last else { return }
    let ending = classes.map { "Dense(\($0)) and Activation('softmax')" } ?? "Dense(classes)"
    guard output.rank == 1 else {
      throw LabError(
        message: "the model's output is \(output.withNoneBatch), not one score per class",
        hint: "end it with Flatten(), then \(ending)")
    }
    if let classes, loss == .categoricalCrossentropy, output[0] != classes {
      throw LabError(
        message:
          "the model's output is \(output.withNoneBatch) but the labels have \(classes) classes",
        hint: "end the model with \(ending): Keras needs the two to match")
    }
  }

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
