import Foundation
import Testing

@testable import Engine

/// The layer registry: every layer kind declares itself in its own file, and
/// everything generated from the declarations holds together.
@Suite struct LayerRegistryTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// A kind declared in a layer file but missing from `allCases` would be
  /// invisible to the shell; this finds it from the sources.
  @Test func everyDeclaredKindIsRegistered() throws {
    let folder = Self.root.appendingPathComponent("Sources/Engine/Layers")
    var declared: [String] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path)
    where name.hasSuffix(".swift") {
      let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
      for line in text.split(separator: "\n")
      where line.contains("static let") && line.contains("= LayerKind(") {
        let words = line.split(separator: " ")
        if let at = words.firstIndex(of: "let"), at + 1 < words.count {
          declared.append(String(words[at + 1]))
        }
      }
    }
    #expect(declared.count == LayerKind.allCases.count, "\(declared)")
    #expect(Set(LayerKind.allCases.map(\.className)).count == LayerKind.allCases.count)
  }

  /// Keras 3's `to_snake_case`, recorded from keras/src/utils/naming.py with Python's re.
  @Test(arguments: [
    ("Conv2D", "conv2d"), ("MaxPooling2D", "max_pooling2d"), ("ReLU", "re_lu"),
    ("BatchNormalization", "batch_normalization"),
    ("GlobalAveragePooling2D", "global_average_pooling2d"), ("LeakyReLU", "leaky_re_lu"),
    ("PReLU", "p_re_lu"), ("ELU", "elu"), ("Conv2DTranspose", "conv2d_transpose"),
    ("UpSampling2D", "up_sampling2d"), ("ThresholdedReLU", "thresholded_re_lu"),
  ])
  func automaticNamesFollowKerasSnakeCase(_ pair: (String, String)) {
    #expect(snakeCase(pair.0) == pair.1)
  }

  @Test(arguments: LayerKind.allCases)
  func exampleBuildsAndWritesBackAsItself(_ kind: LayerKind) throws {
    let spec = try LayerSpec(parsing: PyParser.parse(kind.example))
    #expect(spec.kind == kind)
    let model = Sequential()
    try model.setInputShape([8, 8, 3])
    let layer = try model.add(spec)
    #expect(layer.typeName == kind.className)
    #expect(layer.name == kind.autoNameBase)
    let again = try LayerSpec(parsing: PyParser.parse(spec.expression))
    #expect(again == spec, "\(spec.expression)")
  }

  @Test(arguments: LayerKind.allCases)
  func helpTextIsCompleteAndNamesARealLesson(_ kind: LayerKind) throws {
    #expect(!kind.summary.isEmpty && kind.summary.count <= 80, "\(kind)")
    #expect(kind.about.count > 100, "\(kind): one paragraph on what it does")
    let lesson = try #require(kind.lesson)
    let path = Self.root.appendingPathComponent("lessons/\(lesson).lab").path
    #expect(FileManager.default.fileExists(atPath: path), "\(kind): \(path)")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains(kind.className), "\(lesson) does not mention \(kind)")
  }

  /// The model file format is the layer's Keras call; these strings are what
  /// files written before the registry hold, and they must keep reading back.
  @Test(arguments: [
    "Conv2D(32, (3, 3), padding='same')", "Conv2D(4, (3, 3), strides=(2, 2), padding='same')",
    "Conv2D(8, (3, 3), activation='relu', use_bias=False)", "Dense(6, activation='softmax')",
    "MaxPooling2D(pool_size=(3, 3), strides=(1, 1), padding='same')", "MaxPooling2D()",
    "AveragePooling2D(strides=(2, 2))", "Dropout(0.25)", "Dropout(0)", "Activation('relu')",
    "ReLU()", "Softmax()", "Flatten()", "Dense(10, input_shape=(3,), name='out')",
    "BatchNormalization(momentum=0.9)",
    "BatchNormalization(epsilon=0.01, center=False, scale=False)",
    "GlobalAveragePooling2D()", "GlobalMaxPooling2D(keepdims=True)", "LeakyReLU()",
    "LeakyReLU(negative_slope=0.1)", "Dense(3, activation='hard_sigmoid')",
  ])
  func writtenFormIsUnchanged(_ text: String) throws {
    #expect(try LayerSpec(parsing: PyParser.parse(text)).expression == text)
  }

  @Test func defaultsAreCanonical() throws {
    let spec = try LayerSpec(parsing: PyParser.parse("Conv2D(8, 3, strides=1, padding='SAME')"))
    #expect(spec.kernelSize == [3, 3])
    #expect(spec.strides == [1, 1])
    #expect(spec.padding == .same)
    #expect(spec.activation == .linear)
    #expect(spec.expression == "Conv2D(8, (3, 3), padding='same')")
  }

  @Test func parameterCountsMatchTheBuiltLayers() throws {
    for text in [
      "Conv2D(5, (3, 2), input_shape=(9, 9, 4))", "Dense(7, input_shape=(11,))",
      "BatchNormalization(input_shape=(3, 3, 5))",
      "BatchNormalization(center=False, input_shape=(6,))",
    ] {
      let spec = try LayerSpec(parsing: PyParser.parse(text))
      let model = Sequential()
      let layer = try model.add(spec)
      #expect(spec.parameterCount(for: try #require(spec.inputShape)) == layer.weightCount)
    }
  }

  /// Every activation name Keras files carry, `swish` included, binds as
  /// `activation=` and as `Activation(...)` to the same function.
  @Test(arguments: ActivationFunction.kerasNames)
  func activationNamesBindBothWays(_ name: String) throws {
    let function = try #require(ActivationFunction(kerasName: name))
    let layer = try LayerSpec(parsing: PyParser.parse("Activation('\(name)')"))
    let dense = try LayerSpec(parsing: PyParser.parse("Dense(2, activation='\(name)')"))
    #expect(layer.activation == function)
    #expect(dense.activation == function)
    #expect(try LayerSpec(parsing: PyParser.parse(layer.expression)) == layer)
  }
}
