/// What `fit` reports after every batch; the shell draws Keras's progress bar from it.
public struct BatchProgress: Sendable {
  public var epoch: Int
  public var epochs: Int
  public var batch: Int
  public var batches: Int
  /// Running means over the epoch so far, as Keras shows them.
  public var loss: Float
  public var accuracy: Float
}

/// One epoch's figures, one row of Keras's `History`.
public struct EpochRecord: Sendable, Equatable {
  public var epoch: Int
  public var loss: Float
  public var accuracy: Float
  public var validationLoss: Float?
  public var validationAccuracy: Float?
}

/// How `fit` ended.
public enum FitOutcome: Sendable, Equatable {
  case completed
  /// Stopped by the caller (Ctrl-C) after a batch; the weights learned so far stay.
  case interrupted(epoch: Int, batch: Int)
  /// The loss, a gradient or a weight stopped being finite; the model, the
  /// optimizer and the random generators are back where the fit began.
  case diverged(message: String)
}

/// The arguments of Keras's `model.fit` that LayerLab honours.
public struct FitOptions: Sendable {
  public var epochs: Int = 1
  public var batchSize: Int = 32
  /// The last fraction of the training data, before any shuffling, held out
  /// for validation, as Keras's `validation_split` takes it.
  public var validationSplit: Float = 0
  public var shuffle: Bool = true
  public init(
    epochs: Int = 1, batchSize: Int = 32, validationSplit: Float = 0, shuffle: Bool = true
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.validationSplit = validationSplit
    self.shuffle = shuffle
  }
}

extension Sequential {
  /// Keras's `model.fit(x, y, batch_size, epochs, validation_split)`.
  ///
  /// Each epoch draws a new order from `shuffleRNG`; the last batch may be
  /// smaller. `onBatch` sees the running figures after every batch and
  /// `onEpoch` each finished epoch; `shouldStop` is asked before every batch.
  /// Never prints: the caller decides how progress looks.
  public func fit(
    _ images: Tensor, labels: [Int], loss kind: LossKind, optimizer: any Optimizer,
    options: FitOptions,
    validation explicitValidation: (images: Tensor, labels: [Int])? = nil,
    onBatch: (BatchProgress) -> Void = { _ in },
    onEpoch: (EpochRecord) -> Void = { _ in },
    shouldStop: () -> Bool = { false }
  ) throws(EngineError) -> (history: [EpochRecord], outcome: FitOutcome) {
    let total = labels.count
    guard images.shape.rank >= 2, images.shape[0] == total, total > 0 else {
      throw .data(
        "fit needs as many labels as images, got \(images.shape.dims.first ?? 0) images and \(total) labels"
      )
    }
    guard options.epochs >= 1 else {
      throw .data("epochs must be at least 1, got \(options.epochs)")
    }
    guard options.batchSize >= 1 else {
      throw .data("batch_size must be at least 1, got \(options.batchSize)")
    }
    guard options.validationSplit >= 0, options.validationSplit < 1 else {
      throw .data(
        "validation_split must be in [0, 1), got \(formatNumber(options.validationSplit))")
    }
    // Keras: split_at = int(n * (1 - validation_split)); the tail validates.
    let trainCount =
      options.validationSplit > 0
      ? WholeNumber.clamped(Float(total) * (1 - options.validationSplit), rounding: .towardZero)
      : total
    guard trainCount > 0 else { throw .data("validation_split leaves no training samples") }
    var validation = explicitValidation
    if options.validationSplit > 0, trainCount < total {
      validation = (images.slice(batch: trainCount..<total), Array(labels[trainCount..<total]))
    }
    try checkFitMemory(batchSize: min(options.batchSize, trainCount), optimizer: optimizer)
    let trainImages = trainCount == total ? images : images.slice(batch: 0..<trainCount)
    let trainLabels = Array(labels[0..<trainCount])
    let batches = (trainCount + options.batchSize - 1) / options.batchSize

    // A fit that diverges changes nothing: these are put back. The weights
    // are copy-on-write, so holding them costs one copy only as they change.
    let startWeights = parameters.map(\.value)
    let startState = optimizer.snapshot
    let startGenerators = (maskRNG, shuffleRNG)
    func undoFit() {
      for (p, value) in zip(parameters, startWeights) {
        p.value = value
        p.zeroGradient()
      }
      optimizer.snapshot = startState
      (maskRNG, shuffleRNG) = startGenerators
      clearPass()
    }

    var history: [EpochRecord] = []
    for epoch in 1...options.epochs {
      var order = Array(0..<trainCount)
      if options.shuffle { shuffleRNG.shuffle(&order) }
      var lossSum: Double = 0
      var correct: Double = 0
      var seen = 0
      for b in 0..<batches {
        if shouldStop() { return (history, .interrupted(epoch: epoch, batch: b)) }
        let indices = Array(
          order[(b * options.batchSize)..<min((b + 1) * options.batchSize, trainCount)])
        let x = trainImages.gather(batch: indices)
        let y = indices.map { trainLabels[$0] }
        let step: (loss: Float, accuracy: Float)
        do {
          switch try self.step(x, labels: y, loss: kind, optimizer: optimizer) {
          case .trained(let loss, let accuracy):
            step = (loss, accuracy)
          case .diverged(let cause):
            undoFit()
            let place =
              options.epochs > 1 ? "in epoch \(epoch), batch \(b + 1)" : "in batch \(b + 1)"
            return (
              [],
              .diverged(
                message:
                  "\(cause) \(place): training diverged; the weights and the optimizer are as they were before this fit (try a smaller learning rate)"
              )
            )
          }
        } catch {
          undoFit()
          throw error
        }
        lossSum += Double(step.loss) * Double(y.count)
        correct += Double(step.accuracy) * Double(y.count)
        seen += y.count
        onBatch(
          BatchProgress(
            epoch: epoch, epochs: options.epochs, batch: b + 1, batches: batches,
            loss: Float(lossSum / Double(seen)), accuracy: Float(correct / Double(seen))))
      }
      var record = EpochRecord(
        epoch: epoch, loss: Float(lossSum / Double(seen)), accuracy: Float(correct / Double(seen)))
      if let validation {
        do {
          let v = try evaluate(
            validation.images, labels: validation.labels, loss: kind, batchSize: options.batchSize)
          record.validationLoss = v.loss
          record.validationAccuracy = v.accuracy
        } catch {
          undoFit()
          throw error
        }
      }
      history.append(record)
      onEpoch(record)
    }
    return (history, .completed)
  }
}

extension Sequential {
  /// About how many bytes a `fit` adds to what the model already holds (its
  /// weights and their gradients): per weight the copy from before the fit,
  /// and, the first time, the optimizer's slots and the copy that takes back
  /// a diverging step (both kept from then on); per sample of a batch every
  /// layer's output, its gradient and what the layer keeps for backward.
  public func fitMemory(batchSize: Int, optimizer: any Optimizer) -> Int {
    let params = parameters
    let perWeight =
      1 + (weightBackup.holds(params) ? 0 : 1)
      + (optimizer.stateCount > 0 ? 0 : optimizer.slotsPerWeight)
    let activations = ([inputShape].compactMap { $0 } + outputShapes).reduce(0) {
      let (sum, overflow) = $0.addingReportingOverflow($1.checkedScalarCount ?? Int.max)
      return overflow ? Int.max : sum
    }
    let (weights, o1) = parameterCount.multipliedReportingOverflow(by: 4 * perWeight)
    let (perBatch, o2) = activations.multipliedReportingOverflow(by: 12)
    let (batch, o3) = perBatch.multipliedReportingOverflow(by: max(batchSize, 1))
    let (total, o4) = weights.addingReportingOverflow(batch)
    return o1 || o2 || o3 || o4 ? Int.max : total
  }

  /// Refuses a fit the process cannot hold, before any work: a 198 million
  /// weight Dense fits the parameter budget, but training it with Adam takes
  /// four more copies of its weights.
  func checkFitMemory(batchSize: Int, optimizer: any Optimizer) throws(EngineError) {
    guard let available = MemoryBudget.available() else { return }
    let needed = fitMemory(batchSize: batchSize, optimizer: optimizer)
    guard needed > available else { return }
    throw .tooLarge(
      "training would need about \(readableBytes(needed)) more memory (copies of the \(groupedThousands(parameterCount)) weights, \(optimizer.name)'s state, the activations of batch_size=\(batchSize)), but only \(readableBytes(available)) is available to LayerLab (free memory, ulimit -v); use fewer units or filters, pool before Flatten, or a smaller batch_size"
    )
  }
}
