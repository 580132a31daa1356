import Engine
import Testing

@testable import LayerLab

/// Keras compares a classifier's output with the labels' one-hot rows, so a
/// model that stops before its Dense(classes), or ends in a Dense of another
/// width, is refused before any training ("Shapes (None, 6) and (None, 10)
/// are incompatible"). LayerLab trained such models (a newcomer's find:
/// 3,600 raw outputs "learned", and predict listing classes 6 to 9 for a
/// 6-class dataset); now fit and evaluate refuse them and change nothing.
@Suite struct ClassifierOutputTests {
  static let data = "data demo train=12 test=6 size=8"

  @Test func aModelWithoutItsDenseIsRefusedAndKeepsItsWeights() throws {
    let h = Harness()
    h.type(
      Self.data, "model = Sequential([Conv2D(4, (3, 3), input_shape=(8, 8, 3)), Flatten()])",
      "model.compile(loss='categorical_crossentropy', optimizer='adam')")
    let before = h.session.model.layers[0].weights.map(\.value.scalars)
    let status = h.type("model.fit(X_train, Y_train, epochs=1)", "fit epochs=1", "evaluate")
    #expect(status == 1)
    let text = h.console.transcript
    #expect(
      text.components(
        separatedBy: "error: the model's output is (None, 144) but the labels have 6 classes"
      )
      .count == 4, "\(text)")
    #expect(text.contains("hint: end the model with Dense(6) and Activation('softmax')"))
    #expect(h.session.model.layers[0].weights.map(\.value.scalars) == before)
    #expect(h.session.history.isEmpty)
  }

  @Test func anOutputOfMapsSaysItIsNotOneScorePerClass() {
    let h = Harness()
    h.type(
      Self.data, "model = Sequential([Conv2D(4, (3, 3), input_shape=(8, 8, 3))])",
      "model.compile(loss='categorical_crossentropy', optimizer='adam')", "fit epochs=1")
    #expect(
      h.console.transcript.contains(
        "error: the model's output is (None, 6, 6, 4), not one score per class"),
      "\(h.console.transcript)")
  }

  @Test func oneHotRowsSetTheClassesAndSparseLabelsOnlyNeedRoom() {
    let h = Harness()
    h.type(
      Self.data,
      "model = Sequential([Flatten(input_shape=(8, 8, 3)), Dense(10, activation='softmax')])",
      "model.compile(loss='categorical_crossentropy', optimizer='adam')",
      "model.fit(X_train, keras.utils.to_categorical(y_train, 10), epochs=1, verbose=0)")
    // Ten one-hot columns: the output's ten match, as in Keras.
    #expect(!h.console.transcript.contains("error:"), "\(h.console.transcript)")
    #expect(h.session.history.count == 1)
    h.type(
      "model.fit(X_train, keras.utils.to_categorical(y_train), epochs=1, verbose=0)",
      "model.compile(loss='sparse_categorical_crossentropy', optimizer='adam')",
      "model.fit(X_train, y_train, epochs=1, verbose=0)")
    #expect(
      h.console.transcript.contains(
        "error: the model's output is (None, 10) but the labels have 6 classes"),
      "\(h.console.transcript)")
    // Sparse class numbers below ten fit ten outputs, as Keras allows.
    #expect(h.console.transcript.hasSuffix("<keras.callbacks.History object: 1 epoch>\n"))
    #expect(h.session.history.count == 1, "compile starts a new history")
  }
}
