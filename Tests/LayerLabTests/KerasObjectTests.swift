import Engine
import Testing

@testable import LayerLab

/// The model and layers as Python values, and what they refuse.
@Suite struct KerasObjectTests {
  @Test func aLayerGoesIntoTheModelOnce() {
    let h = Harness()
    h.type("image demo cat 12x12", "d = Dense(3)", "model.add(d)")
    #expect(!h.shell.handle("model.add(d)"))
    #expect(h.console.errorLines.contains("error: this layer is already in the model, as dense"))
    #expect(h.session.model.layers.count == 1)
    #expect(h.shell.handle("d.count_params()"))
    // The object added is the model's layer: it answers with that layer's weights.
    #expect(h.console.transcript.hasSuffix("\n12\n"))
  }

  @Test func theFunctionalApiIsRefusedWithTheSequentialWay() {
    let h = Harness()
    #expect(!h.shell.handle("Dense(3)(keras.Input(shape=(4,)))"))
    #expect(
      h.console.errorLines.last?.hasPrefix("hint: add it to a Sequential model instead") ?? false)
  }

  /// The blog's script pasted at the prompt builds its model inside
  /// model_train(): afterwards `model` names that model, as after a file.
  @Test func aModelBuiltInsideAFunctionIsTheModelAfterwards() {
    let h = Harness()
    h.type(
      "def build():", "    m = Sequential()", "    m.add(Dense(3, input_shape=(4,)))", "",
      "build()", "n = len(model.layers)")
    #expect(!h.session.anyFailed, "\(h.console.transcript)")
    #expect(h.session.python.globals["n"]?.repr == "1")
    // A new model kept under a name of its own leaves `model` as it was.
    h.type("other = Sequential()")
    #expect(!h.shell.handle("model.summary()"))
    #expect(h.console.errorLines.contains { $0.contains("holds an older model") })
  }

  @Test func anOlderModelsNameSaysItIsGone() {
    let h = Harness()
    h.type("first = Sequential()", "second = Sequential()")
    #expect(!h.shell.handle("first.add(Dense(3))"))
    #expect(h.console.errorLines.contains { $0.contains("holds an older model") })
    #expect(h.shell.handle("second.add(Dense(3, input_shape=(4,)))"))
  }

  @Test func commandErrorsInsideMethodsDoNotPointIntoTheLine() {
    let h = Harness()
    h.type("image demo cat 12x12", "add Dense(2)")
    #expect(!h.shell.handle("model.save_weights('w.txt')"))
    // The caret points at the call, not at a column of the command's own words.
    #expect(h.console.errorLines.first == "     ^")
    #expect(h.console.errorLines.contains("error: 'w.txt' must end in .weights.h5 or .npz"))
  }

  @Test func layersAnswerForTheirWeightsAndShapes() {
    let h = Harness()
    h.type("image demo cat 8x8", "add Conv2D(2, (3, 3))", "add Flatten()")
    h.type(
      "w = model.layers[0].get_weights()", "k = [x.shape for x in w]",
      "o = model.layers[1].output_shape")
    #expect(!h.session.anyFailed, "\(h.console.transcript)")
    #expect(h.session.python.globals["k"]?.repr == "[(3, 3, 3, 2), (2,)]")
    #expect(h.session.python.globals["o"]?.repr == "(None, 72)")
  }

  /// numpy scalars stand for their numbers in every call, as in Keras
  /// (`np.float32(1e-3)` is what a learner gets from an array of rates).
  @Test func numpyScalarsAreNumbersToLayersAndOptimizers() {
    let h = Harness()
    h.type(
      "model = Sequential()", "model.add(Dense(np.int64(3), input_shape=(4,)))",
      "model.add(Dropout(np.float32(0.25)))",
      "model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.Adam(learning_rate=np.float32(0.005)))",
      "units = model.layers[0].units", "rate = model.layers[1].rate")
    #expect(!h.session.anyFailed, "\(h.console.transcript)")
    #expect(h.session.python.globals["units"]?.repr == "3")
    #expect(h.session.python.globals["rate"]?.repr == "0.25")
    #expect(h.console.transcript.contains("Adam(learning_rate=0.005)"))
    // A float32 scalar is still refused where a whole number is needed.
    #expect(!h.shell.handle("model.add(Dense(np.float32(2.5)))"))
    #expect(h.console.errorLines.contains { $0.contains("units must be a whole number, got 2.5") })
  }
}
