import Foundation
import Testing

@testable import Engine

/// A Keras layer config goes through the same signature as a typed call, so
/// the file and the line agree on every argument, default and refusal.
@Suite struct KerasLayerConfigTests {
  static func entry(_ className: String, _ config: String) throws -> JSONValue {
    let text = "{\"class_name\": \"\(className)\", \"config\": {\"name\": \"x\"\(config)}}"
    return try #require(JSONValue.parse(Data(text.utf8)), "\(text)")
  }

  static func read(_ className: String, _ config: String) throws -> KerasLayerConfig.Read {
    do {
      return try KerasLayerConfig.read(entry(className, config), describe: "layer 1 'x'")
    } catch let error as KerasConfigError {
      Issue.record("\(className): \(error.message)")
      throw error
    }
  }

  static func refusal(_ className: String, _ config: String) throws -> String {
    do {
      _ = try KerasLayerConfig.read(entry(className, config), describe: "layer 1 'x'")
    } catch let error as KerasConfigError {
      return error.message
    }
    Issue.record("\(className)\(config): read without an error")
    return ""
  }

  /// The keys Keras 3.15 and Keras 2.2.4 write (from the fixture files),
  /// read into the spec the typed call makes.
  @Test(arguments: [
    (
      "Conv2D",
      #", "trainable": true, "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "elu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null"#,
      "Conv2D(4, (3, 3), activation='elu')"
    ),
    (
      "BatchNormalization",
      #", "axis": -1, "momentum": 0.9, "epsilon": 0.01, "center": false, "scale": true, "beta_initializer": {"class_name": "Zeros", "config": {}}, "synchronized": false, "renorm": false, "renorm_clipping": null, "renorm_momentum": 0.99"#,
      "BatchNormalization(momentum=0.9, epsilon=0.01, center=False)"
    ),
    (
      "MaxPooling2D",
      #", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last""#,
      "MaxPooling2D()"
    ),
    (
      "GlobalMaxPooling2D", #", "data_format": "channels_last", "keepdims": false"#,
      "GlobalMaxPooling2D()"
    ),
    ("LeakyReLU", #", "alpha": 0.1"#, "LeakyReLU(negative_slope=0.1)"),
    ("ReLU", #", "max_value": null, "negative_slope": 0.0, "threshold": 0.0"#, "ReLU()"),
    (
      "Dense", #", "units": 5, "activation": "selu", "quantization_config": null"#,
      "Dense(5, activation='selu')"
    ),
    ("Activation", #", "activation": "swish""#, "Activation('silu')"),
    ("Dropout", #", "rate": 0.25, "noise_shape": null, "seed": 7"#, "Dropout(0.25)"),
  ])
  func aConfigReadsAsTheTypedCall(_ c: (String, String, String)) throws {
    let read = try Self.read(c.0, c.1)
    #expect(read.spec == (try LayerSpec(parsing: PyParser.parse(c.2))), "\(read.spec.expression)")
    #expect(read.notes.isEmpty, "\(read.notes)")
    #expect(read.name == "x")
  }

  /// What LayerLab does not model is one error with the signature's reason.
  @Test(arguments: [
    (
      "Conv2D", #", "filters": 4, "kernel_size": 3, "dilation_rate": [2, 2]"#,
      "dilated convolutions"
    ),
    ("Conv2D", #", "filters": 4, "kernel_size": 3, "groups": 2"#, "grouped convolutions"),
    ("Conv2D", #", "filters": 0, "kernel_size": 3"#, "filters must be positive"),
    ("Conv2D", #", "filters": 4"#, "Conv2D needs 'kernel_size'"),
    ("BatchNormalization", #", "renorm": true"#, "renorm=True is not supported"),
    ("Dense", #", "units": 3, "activation": "mish""#, "unknown activation 'mish'"),
    ("Dense", #", "units": 3, "lora_rank": 4"#, "LayerLab's Dense has no lora_rank"),
    ("Softmax", #", "axis": 1"#, "softmax runs over the last axis"),
    ("LeakyReLU", #", "negative_slope": -1"#, "negative_slope must be a number ≥ 0"),
    (
      "Dense", #", "units": 3, "activation": {"class_name": "Custom", "config": {}}"#, "not a value"
    ),
  ])
  func whatLayerLabDoesNotModelIsOneError(_ c: (String, String, String)) throws {
    let message = try Self.refusal(c.0, c.1)
    #expect(message.hasPrefix("layer 1 'x' (\(c.0)): "), "\(message)")
    #expect(message.contains(c.2), "\(message)")
    #expect(!message.contains("\n"))
  }

  /// The file's own business: how Keras started the weights does not matter
  /// (they come from the file); what only changes Keras's training is noted.
  @Test func initializersAreIgnoredAndTrainingExtrasNoted() throws {
    let read = try Self.read(
      "Dense",
      #", "units": 3, "kernel_initializer": "he_uniform", "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}, "trainable": false, "dtype": "float16""#
    )
    #expect(read.spec == (try LayerSpec(parsing: PyParser.parse("Dense(3)"))))
    #expect(read.notes.count == 3, "\(read.notes)")
    #expect(read.notes.contains { $0.contains("kernel_regularizer not carried over") })
    #expect(read.notes.contains { $0.contains("frozen") })
    #expect(read.notes.contains { $0.contains("float16") })
  }

  /// tf.keras writes a BatchNormalization's axis as a list; 3 on an image is its last axis.
  @Test func batchNormalizationAxesAreKeras() throws {
    let listed = try Self.read("BatchNormalization", #", "axis": [3]"#)
    let model = Sequential()
    try model.setInputShape([4, 4, 2])
    _ = try model.add(listed.spec)
    #expect(listed.spec.expression == "BatchNormalization(axis=3)")
    let second = try Self.read("BatchNormalization", #", "axis": 1"#)
    #expect(throws: EngineError.self) { try model.add(second.spec) }
    #expect(model.layers.count == 1)
  }

  /// Every kind's example, written in both styles, reads back as itself.
  @Test(arguments: LayerKind.allCases)
  func writtenConfigsReadBack(_ kind: LayerKind) throws {
    let spec = try LayerSpec(parsing: PyParser.parse(kind.example))
    let model = Sequential()
    try model.setInputShape([8, 8, 3])
    let layer = try model.add(spec)
    for style in [KerasLayerConfig.Style.legacyH5, .keras3] {
      let entry = KerasLayerConfig.entry(for: layer, input: [8, 8, 3], style: style)
      let read = try KerasLayerConfig.read(entry, describe: "layer 1")
      #expect(read.spec == spec, "\(style): \(entry.text)")
      #expect(read.name == layer.name)
    }
  }
}
