import Engine
import Foundation
import Testing

@testable import LayerLab

/// Keras reports only what was compiled: `model.compile(loss=..., optimizer=...)`
/// without `metrics` gives the loss alone in `fit`'s lines, in
/// `History.history` and from `evaluate` (a number, not a list), as Keras's
/// `Model.evaluate` documents ("Scalar test loss (if the model has a single
/// output and no metrics) or list of scalars"). LayerLab reported accuracy
/// whatever was compiled (a newcomer's find). The short `compile` still
/// measures accuracy, LayerLab's teaching default.
@Suite struct CompileMetricsTests {
  static let setup = [
    "data demo train=12 test=6 size=8",
    "model = Sequential([Conv2D(4, (3, 3), input_shape=(8, 8, 3)), Flatten(), Dense(6), Activation('softmax')])",
  ]

  @Test func kerasCompileWithoutMetricsReportsTheLossAlone() throws {
    let h = Harness()
    let status = h.type(
      Self.setup + [
        "model.compile(loss='categorical_crossentropy', optimizer='adam')",
        "h = model.fit(X_train, Y_train, epochs=1, verbose=2)",
        "print(sorted(h.history.keys()))",
        "score = model.evaluate(X_test, Y_test, verbose=0)",
        "print(model.evaluate(X_test, Y_test, verbose=0, return_dict=True))",
        "evaluate",
      ])
    #expect(status == 0, "\(h.console.transcript)")
    let text = h.console.transcript
    #expect(h.session.training?.accuracy == false)
    #expect(text.contains("metrics (the loss alone)"), "\(text)")
    let epochLine = try #require(text.split(separator: "\n").first { $0.contains(" - loss: ") })
    #expect(!epochLine.contains("accuracy"), "\(epochLine)")
    #expect(text.contains("['loss']"), "\(text)")
    let score = try #require(text.split(separator: "\n").first { $0.hasPrefix("score = ") })
    #expect(Double(score.dropFirst("score = ".count)) != nil, "\(score)")
    #expect(text.split(separator: "\n").contains { $0.hasPrefix("{'loss': ") }, "\(text)")
    #expect(text.contains("Test Loss "))
    #expect(!text.contains("Test Accuracy"), "\(text)")
  }

  @Test func kerasCompileWithAccuracyReportsIt() throws {
    let h = Harness()
    let status = h.type(
      Self.setup + [
        "model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])",
        "h = model.fit(X_train, Y_train, epochs=1, verbose=2)",
        "print(sorted(h.history.keys()))",
        "score = model.evaluate(X_test, Y_test, verbose=0)",
        "print(len(score))",
      ])
    #expect(status == 0, "\(h.console.transcript)")
    let text = h.console.transcript
    #expect(text.contains("metrics accuracy"))
    #expect(text.contains("['accuracy', 'loss']"), "\(text)")
    #expect(text.contains("\n2\n"), "\(text)")
  }

  @Test func theShortCompileMeasuresAccuracyUnlessToldNot() throws {
    let h = Harness()
    h.type(Self.setup + ["compile", "fit epochs=1", "evaluate"])
    #expect(h.console.transcript.contains("Test Accuracy "), "\(h.console.transcript)")
    let k = Harness()
    k.type(
      Self.setup + ["model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=[])"])
    #expect(k.session.training?.accuracy == false)
  }

  @Test func aSavedModelKeepsItsMetrics() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-metrics-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    let folder = url.path
    let h = Harness()
    let path = folder + "/plain.h5"
    let status = h.type(
      Self.setup + [
        "model.compile(loss='categorical_crossentropy', optimizer='adam')",
        "model.save('\(path)')",
        "model = keras.models.load_model('\(path)')",
        "score = model.evaluate(X_test, Y_test, verbose=0)",
      ])
    #expect(status == 0, "\(h.console.transcript)")
    #expect(h.console.transcript.contains("no metrics (the loss alone)"))
    let score = try #require(
      h.console.transcript.split(separator: "\n").first { $0.hasPrefix("score = ") })
    #expect(Double(score.dropFirst("score = ".count)) != nil, "\(score)")
  }
}
