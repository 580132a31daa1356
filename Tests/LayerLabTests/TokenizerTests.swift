import Engine
import Testing

@testable import LayerLab

@Suite struct TokenizerTests {
  @Test func wordsKeepTheirColumns() throws {
    let tokens = try Tokenizer.split("show  conv2d channels 0-7")
    #expect(
      tokens == [
        Token(text: "show", column: 0), Token(text: "conv2d", column: 6),
        Token(text: "channels", column: 13), Token(text: "0-7", column: 22),
      ])
  }

  @Test func quotesKeepSpacesTogether() throws {
    let tokens = try Tokenizer.split("image 'my photos/dog.png'")
    #expect(tokens.map(\.text) == ["image", "my photos/dog.png"])
    #expect(tokens[1].column == 6)
  }

  @Test func anUnclosedQuoteIsPointedAt() {
    #expect(
      throws: LabError(
        message: "the quote is never closed", column: 6, hint: "close it with the same quote mark")
    ) {
      try Tokenizer.split("image 'dog.png")
    }
  }

  @Test func trailingPythonCommentsAreDropped() {
    #expect(Tokenizer.strippingComment("add Dense(10)  # classifier") == "add Dense(10)")
    #expect(Tokenizer.strippingComment("labels 'a #1',b") == "labels 'a #1',b")
    #expect(Tokenizer.strippingComment("show conv2d #3") == "show conv2d")
  }

  @Test func pythonLinesAndCommandsAreToldApart() {
    let h = Harness()
    let python = [
      "from keras.models import Sequential", "total_num = 6", "model.add(Dense(10))",
      "labels = ['a', 'b']", "history.history['loss']", "x += 1", "def f():", "-3",
      "[1, 2]", "print", "main()", "image .shape",
    ]
    for line in python {
      #expect(LineKind(of: line, in: h.session) == .python, "\(line)")
    }
    let commands = [
      "show conv2d channels 0-7", "labels a,b,c", "fit epochs=5", "? image", "layers",
      "shwo conv2d", "frobnicate", "ls", "ls -la", "evaluate train",
      // Relative paths after a command word.
      "image ../photo.png", "image ./photo.png", "data ../data/augumented_images.npy",
    ]
    for line in commands {
      #expect(LineKind(of: line, in: h.session) == .command, "\(line)")
    }
  }

  @Test func shortAndKerasFormsBuildTheSameModel() {
    let short = Harness()
    short.type("add Conv2D(8, (3, 3), padding='same', input_shape=(10, 10, 3))", "add Flatten()")
    let keras = Harness()
    keras.type(
      "model = keras.Sequential()",
      "model.add(Conv2D(8, (3, 3), padding='same', input_shape=(10, 10, 3)))",
      "model.add(Flatten())")
    #expect(short.session.model.layers.map(\.spec) == keras.session.model.layers.map(\.spec))
    #expect(short.session.model.outputShapes == [[10, 10, 8], [800]])
  }

  @Test func variablesFeedLayerArguments() {
    let h = Harness()
    h.type("labels a,b,c", "total_num = len(labels)", "add Dense(total_num, input_shape=(4,))")
    #expect(h.session.model.outputShapes == [[3]])
    #expect(h.session.anyFailed == false)
  }
}
