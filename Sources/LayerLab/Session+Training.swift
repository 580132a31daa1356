import Engine

/// What `compile` set up: how the model learns.
struct TrainingSetup {
  var loss: LossKind
  var optimizerSpec: OptimizerSpec
  /// The live optimizer, whose state (Adam's moments) carries over between `fit`s.
  var optimizer: any Optimizer
  /// Whether accuracy is a compiled metric. Keras's `model.compile` without
  /// `metrics` reports the loss alone (`fit`'s lines, `History.history`,
  /// `evaluate`'s result); the short `compile` measures accuracy unless
  /// given `metrics=[]`. Accuracy is still worked out either way (`plot`).
  var accuracy = true

  /// The figures to report, Keras's names and order, from (accuracy, loss).
  func reported(accuracy a: Float, loss: Float, prefix: String = "") -> [(String, Float)] {
    (accuracy ? [(prefix + "accuracy", a)] : []) + [(prefix + "loss", loss)]
  }

  /// A compiled metric's phrase for the shell's messages.
  var metricsPhrase: String { accuracy ? "metrics accuracy" : "no metrics (the loss alone)" }
}

/// The dataset arrays a Keras line can name, as the blog's script and Keras's
/// own datasets call them.
enum DataArray: Equatable {
  case trainImages, trainLabels, testImages, testLabels

  static let trainImageNames = ["X", "X_train", "x_train"]
  static let trainLabelNames = ["y", "Y", "Y_train", "y_train"]
  static let testImageNames = ["X_test", "x_test"]
  static let testLabelNames = ["Y_test", "y_test"]

  init?(name: String) {
    if Self.trainImageNames.contains(name) {
      self = .trainImages
    } else if Self.trainLabelNames.contains(name) {
      self = .trainLabels
    } else if Self.testImageNames.contains(name) {
      self = .testImages
    } else if Self.testLabelNames.contains(name) {
      self = .testLabels
    } else {
      return nil
    }
  }
}

extension Session {
  /// The loaded data, or an error that says how to load some.
  func requireData() throws -> DataSplit {
    guard let data else {
      throw LabError(
        message: "no data loaded",
        hint: "load some first: 'data demo' draws a built-in set of six creatures")
    }
    return data
  }

  /// The compile settings, or an error that says how to set them.
  func requireTraining() throws -> TrainingSetup {
    guard let training else {
      throw LabError(
        message: "the model is not compiled",
        hint: "run 'compile' first, e.g. compile optimizer=adam loss=categorical_crossentropy")
    }
    return training
  }

  /// Makes the class names the labels of softmax charts when none were set by hand.
  func adoptClassNames(_ names: [String]) {
    if labels.count != names.count {
      labels = names
      bindLabelsName()
    }
  }
}
