import Engine
import Testing

@testable import LayerLab

/// A picture loaded before a model of another input size (a newcomer's
/// find: `image demo cat`, then `keras.models.load_model` of an 8x8 model)
/// is fitted to the model's input by every command that runs it, with a
/// note; `predict` used to refuse it ("the model takes inputs shaped
/// (None, 8, 8, 3), got (1, 48, 48, 3)") while `forward` fitted it.
@Suite struct ImageFittingTests {
  static let model = [
    "model = Sequential([Conv2D(4, (3, 3), input_shape=(8, 8, 3)), Flatten(), Dense(2), Activation('softmax')])"
  ]

  @Test func predictFitsAPictureOfAnotherSize() throws {
    let h = Harness()
    let status = h.type(["image demo cat"] + Self.model + ["predict"])
    #expect(status == 0, "\(h.console.transcript)")
    let text = h.console.transcript
    #expect(text.contains("(the 48x48x3 image was fitted to the model's input 8x8x3)"), "\(text)")
    #expect(text.contains("predicted: "), "\(text)")
    // The loaded picture itself is kept as it was.
    #expect(h.session.image?.shape == [1, 48, 48, 3])
  }

  @Test func forwardAndPredictSeeTheSameFittedPicture() throws {
    let h = Harness()
    h.type(["image demo cat"] + Self.model + ["forward"])
    let forwarded = try #require(h.session.model.lastOutputs.last).scalars
    h.type("predict")
    let text = h.console.transcript
    let line = try #require(text.split(separator: "\n").last { $0.hasPrefix("predicted: ") })
    let best = forwarded.indices.max { forwarded[$0] < forwarded[$1] } ?? 0
    #expect(line.hasPrefix("predicted: \(best) ("), "\(text)")
  }

  @Test func predictWithoutLayersSaysSo() {
    let h = Harness()
    let status = h.type("image demo cat", "predict")
    #expect(status == 1)
    #expect(h.console.transcript.contains("error: "), "\(h.console.transcript)")
    #expect(h.session.image?.shape == [1, 48, 48, 3])
  }
}
