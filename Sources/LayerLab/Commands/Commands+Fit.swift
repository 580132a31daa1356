import Engine
import Foundation

extension CommandTable {
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
      Defaults as Keras: epochs=1, batch_size=32. validation_split holds out the last \
      fraction of the training pictures (before shuffling) and reports val_loss and val_accuracy.
      Keras's form works too: history = model.fit(X, y, batch_size=32, epochs=10, \
      validation_data=(x_test, y_test)); history.history['loss'] is then the loss per epoch.
      verbose=0 prints nothing, 1 a progress bar, 2 one line per epoch.
      Ctrl-C stops after the current batch and keeps what was learned; 'undo' goes back to \
      the weights from before the fit. 'plot' draws the curves again.
      """,
    signature: fitSignature, call: fitCall
  ) { session, arguments in
    _ = try fitCall(session, try arguments.bind(fitSignature, from: 0, in: session))
  }

  @Sendable static func fitCall(_ session: Session, _ bound: BoundArguments) throws -> PyValue {
    let setup = try session.requireTraining()
    let (images, labels, classes) = try session.labelledPictures(bound) {
      try session.requireData().train
    }
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
    try checkClasses(classes, loss: setup.loss, session: session)
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
      ? images.shape[0]
        - WholeNumber.clamped(
          Float(images.shape[0]) * fitOptions.validationSplit, rounding: .towardZero)
      : images.shape[0]
    let steps = (trainCount + fitOptions.batchSize - 1) / fitOptions.batchSize
    try session.changeModel(keeping: setup.optimizer) {
      let result = try session.model.fit(
        images, labels: labels, loss: setup.loss, optimizer: setup.optimizer, options: fitOptions,
        validation: validation,
        onBatch: { p in
          if p.batch == 1 {
            epochStart = Date()
            if verbose > 0 { session.console.out("Epoch \(p.epoch)/\(p.epochs)") }
          }
          if live {
            let metrics = setup.reported(accuracy: p.accuracy, loss: p.loss)
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
            let line = progress.line(
              step: steps, of: steps, elapsed: Date().timeIntervalSince(epochStart),
              metrics: ProgressRenderer.metrics(record, setup))
            for piece in ProgressRenderer.fitted(line, width: session.display.width) {
              session.console.out(piece)
            }
          case 2:
            let line = progress.summaryLine(
              steps: steps,
              elapsed: session.display.terminal ? Date().timeIntervalSince(epochStart) : nil,
              metrics: ProgressRenderer.metrics(record, setup))
            for piece in ProgressRenderer.fitted(line, width: session.display.width) {
              session.console.out(piece)
            }
          default:
            break
          }
        },
        shouldStop: { Interrupt.pending != 0 })
      outcome = result.outcome
      // The engine put everything back: fail the line, leaving nothing to undo.
      if case .diverged(let message) = result.outcome { throw LabError(message: message) }
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
    case .diverged:
      break  // thrown above
    }
    if live {
      session.say("took \(ProgressRenderer.duration(Date().timeIntervalSince(started)))")
    }
    if verbose > 0 { for line in historyPlot(session) { session.say(line) } }
    return .object(
      HistoryObject(
        records: records, epochs: fitOptions.epochs, steps: steps, accuracy: setup.accuracy))
  }
}
