import Foundation

/// Keras's own model and weights files, read and written: the legacy `.h5`
/// (``KerasH5``), Keras 3's `.keras` (``KerasArchive``) and `*.weights.h5`
/// (``KerasWeightsFile``). Chosen by the file's ending; reading checks the
/// content too, so a `.h5` that is really a zip is still understood.
///
/// Reading builds a new model; the caller's model changes only when it takes
/// the result over. Writing goes through ``AtomicFile``.
public enum KerasFile {
  /// The endings of Keras model files.
  public static func isModelPath(_ path: String) -> Bool {
    let lower = path.lowercased()
    return lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".keras")
  }

  private static func isArchive(_ path: String) -> Bool {
    path.lowercased().hasSuffix(".keras")
  }

  /// Reads a model saved by Keras 2 or 3 (or by LayerLab in their formats).
  public static func load(path: String, seed: UInt64 = 0) throws(EngineError) -> LoadedKerasModel {
    if isArchive(path) || (try? startsAsZip(path)) == true {
      return try KerasArchive.load(path: path, seed: seed)
    }
    return try KerasH5.load(path: path, seed: seed)
  }

  private static func startsAsZip(_ path: String) throws -> Bool {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    return try handle.read(upToCount: 4) == Data([0x50, 0x4b, 0x03, 0x04])
  }

  /// Writes `model` as Keras would: `.keras` for Keras 3, `.h5` (legacy)
  /// for Keras 3 and 2.2.4. Returns one line per thing a Keras reader will
  /// see differently.
  @discardableResult
  public static func save(
    _ model: Sequential, compile: KerasCompileSettings?, optimizer: (any Optimizer)?,
    labels: [String] = [], path: String
  ) throws(EngineError) -> [String] {
    guard model.inputShape != nil else { throw .noInputShape }
    guard !model.layers.isEmpty else { throw .noLayers }
    var notes: [String] = []
    let data: Data
    if isArchive(path) {
      data = try KerasArchive.encode(
        model, compile: compile, optimizer: optimizer, labels: labels, source: path)
    } else {
      data = try KerasH5.encode(
        model, compile: compile, optimizer: optimizer, labels: labels, source: path)
      notes += keras2Notes(model, compile: compile)
    }
    try AtomicFile.write(data, to: path)
    return notes
  }

  /// What Keras 2.2.4 (the blog's) will not read as LayerLab wrote it.
  static func keras2Notes(_ model: Sequential, compile: KerasCompileSettings?) -> [String] {
    var notes: [String] = []
    let missing = Set(
      model.layers.compactMap { layer -> String? in
        let a = layer.spec.activation
        let uses = [.activation, .conv2D, .dense].contains(layer.spec.kind)
        return uses && [.gelu, .silu, .leakyReLU].contains(a) ? a.rawValue : nil
      }
    ).sorted()
    if !missing.isEmpty {
      notes.append("Keras 2.2.4 has no " + missing.joined(separator: ", ") + "; Keras 3 reads it")
    }
    if let compile,
      compile.optimizer.learningRate != OptimizerSpec(kind: compile.optimizer.kind).learningRate
    {
      notes.append(
        "Keras 2.2.4 reads its optimizer only at the default learning rate (it spells it lr): load it there with compile=False"
      )
    }
    return notes
  }

  // MARK: - Weights only

  /// Reads weights into `model` from a Keras weights or model file: Keras 3's
  /// `*.weights.h5` and `.keras`, Keras 2's `save_weights` `.h5` and any
  /// legacy model `.h5`. Every name, count and shape is checked before a
  /// weight changes, so a file for another model changes nothing. Returns
  /// the kind of file it was.
  @discardableResult
  public static func loadWeights(into model: Sequential, path: String) throws(EngineError) -> String
  {
    guard model.inputShape != nil else {
      throw .weightsMismatch(
        "the model has no weights yet: give it an input shape (an image or input_shape=) first")
    }
    if isArchive(path) || (try? startsAsZip(path)) == true {
      let parts = try KerasArchive.members(path: path)
      let updates = try HDF5.reading(parts.weights, source: path) {
        (root) throws(EngineError) -> [(Parameter, Tensor)] in
        try KerasWeightsFile.read(root, for: model)
      }
      KerasH5.apply(updates, to: model)
      return "Keras 3 .keras"
    }
    let data = try KerasH5.bytes(path)
    let (updates, kind) = try HDF5.reading(data, source: path) {
      (root) throws(EngineError) -> ([(Parameter, Tensor)], String) in
      if try root.group("layers") != nil, try root.nameList("layer_names") == nil {
        return (try KerasWeightsFile.read(root, for: model), "Keras 3 weights")
      }
      if try root.nameList("layer_names") != nil {
        return (try KerasH5.legacyWeights(root, for: model), "Keras 2 weights")
      }
      if let group = try root.group("model_weights") {
        return (try KerasH5.legacyWeights(group, for: model), "Keras model")
      }
      throw .file(
        path: path, message: "not a Keras weights file (no layers, layer_names or model_weights)")
    }
    KerasH5.apply(updates, to: model)
    return kind
  }

  /// Writes the weights as Keras 3's `model.save_weights` does for a
  /// `*.weights.h5` name (with the optimizer's state when there is one), or as
  /// Keras 2's did for another `.h5` name.
  public static func saveWeights(_ model: Sequential, optimizer: (any Optimizer)?, path: String)
    throws(EngineError)
  {
    guard model.inputShape != nil else {
      throw .weightsMismatch(
        "the model has no weights yet: give it an input shape (an image or input_shape=) first")
    }
    let keras3 = path.lowercased().hasSuffix(".weights.h5")
    let data = try HDF5.writing(source: path) { (root) throws(EngineError) in
      if keras3 {
        try KerasWeightsFile.write(model, optimizer: optimizer, into: root)
      } else {
        try root.setText("layer_names", model.layers.map(\.name), list: true)
        try root.setText("backend", ["tensorflow"])
        try root.setText("keras_version", [KerasH5.writtenVersion])
        try KerasH5.writeLegacyLayers(model, into: root)
      }
    }
    try AtomicFile.write(data, to: path)
  }
}
