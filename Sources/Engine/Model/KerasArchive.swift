import Foundation
import ZIPFoundation

/// Keras 3's `.keras` file: a zip of `config.json` (the model, its build and
/// compile configs), `metadata.json` (the Keras version) and
/// `model.weights.h5` (``KerasWeightsFile``'s layout)
/// (keras/src/saving/saving_lib.py).
enum KerasArchive {
  static let configName = "config.json"
  static let metadataName = "metadata.json"
  static let weightsName = "model.weights.h5"
  static let maxFileBytes = 4 << 30

  /// The members of a `.keras` file, each read whole within its limit.
  struct Members {
    var config: Data
    var metadata: Data?
    var weights: Data
  }

  static func members(path: String) throws(EngineError) -> Members {
    let size = try FileBytes.size(path: path)
    guard size <= maxFileBytes else {
      throw .tooLarge("\(path): the file is \(size) bytes, more than LayerLab reads")
    }
    let archive: Archive
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw .file(
        path: path, message: "not a .keras file (not a zip archive); it may be corrupt or truncated"
      )
    }
    func member(_ name: String, limit: Int) throws(EngineError) -> Data? {
      guard let entry = archive[name], entry.type == .file else { return nil }
      let declared = entry.uncompressedSize
      guard declared <= UInt64(limit) else {
        throw .tooLarge("\(path): its \(name) is larger than LayerLab reads")
      }
      var bytes = Data()
      bytes.reserveCapacity(min(Int(declared), 1 << 26))
      do {
        _ = try archive.extract(entry) { chunk in
          guard bytes.count + chunk.count <= Int(declared) else {
            throw EngineError.data("member larger than declared")
          }
          bytes.append(chunk)
        }
      } catch {
        throw .file(
          path: path,
          message: "its \(name) cannot be extracted; the file may be corrupt or truncated")
      }
      return bytes
    }
    guard let config = try member(configName, limit: KerasModelFile.maxConfigBytes) else {
      throw .file(path: path, message: "not a Keras model file (no config.json inside)")
    }
    let metadata = try member(metadataName, limit: 1 << 20)
    guard let weights = try member(weightsName, limit: maxFileBytes) else {
      let sharded = archive.contains { $0.path.hasSuffix(".weights.json") }
      throw .file(
        path: path,
        message: sharded
          ? "its weights are split into shards, which LayerLab does not read"
          : "it holds no model.weights.h5: the model's weights are missing")
    }
    return Members(config: config, metadata: metadata, weights: weights)
  }

  /// Reads a whole model: architecture, weights, compile settings and optimizer state.
  static func load(path: String, seed: UInt64) throws(EngineError) -> LoadedKerasModel {
    let parts = try members(path: path)
    guard let config = JSONValue.parse(parts.config) else {
      throw .file(path: path, message: "its config.json is not valid JSON; the file may be corrupt")
    }
    var notes: [String] = []
    let model = try KerasModelFile.sequential(from: config, source: path, seed: seed, notes: &notes)
    let metadata = parts.metadata.flatMap { JSONValue.parse($0) }
    let version = metadata?["keras_version"]?.string ?? "unknown"
    var compile: KerasCompileSettings?
    if let compileConfig = config["compile_config"], !compileConfig.isNull {
      compile = KerasModelFile.compileSettings(compileConfig, notes: &notes)
    }
    let source = "\(path) [\(weightsName)]"
    var optimizer: (any Optimizer)?
    let updates = try HDF5.reading(parts.weights, source: source) {
      (root) throws(EngineError) -> [(Parameter, Tensor)] in
      let updates = try KerasWeightsFile.read(root, for: model)
      if let compile, let variables = try KerasWeightsFile.optimizerVariables(root, for: model) {
        optimizer = KerasModelFile.optimizer(
          compile.optimizer, keras3: variables, for: model, notes: &notes)
      }
      return updates
    }
    KerasH5.apply(updates, to: model)
    let labels = metadata?["layerlab_labels"]?.array?.compactMap(\.string) ?? []
    var loaded = LoadedKerasModel(
      model: model, compile: compile, optimizer: optimizer, labels: labels, notes: notes,
      kerasVersion: version)
    loaded.writtenByLayerLab = metadata?["written_by"]?.string == "LayerLab"
    return loaded
  }

  // MARK: - Writing

  /// The `.keras` bytes for `model`.
  static func encode(
    _ model: Sequential, compile: KerasCompileSettings?, optimizer: (any Optimizer)?,
    labels: [String], source: String
  ) throws(EngineError) -> Data {
    guard let inputShape = model.inputShape, !model.layers.isEmpty else { throw .noLayers }
    guard case .object(var top) = KerasH5.modelConfig(model, input: inputShape, style: .keras3)
    else {
      throw .data("internal: the model config is not an object")
    }
    if let compile {
      top.append(
        (
          "compile_config",
          .object([
            ("optimizer", KerasH5.optimizerConfig(compile.optimizer, keras3Names: true)),
            ("loss", .string(compile.loss.rawValue)), ("loss_weights", .null),
            ("metrics", KerasH5.metricsConfig(compile)), ("weighted_metrics", .null),
            ("run_eagerly", .bool(false)), ("steps_per_execution", JSONValue(1)),
            ("jit_compile", .bool(false)),
          ])
        ))
    }
    var metadata: [(String, JSONValue)] = [
      ("keras_version", .string(KerasH5.writtenVersion)), ("written_by", .string("LayerLab")),
    ]
    if !labels.isEmpty { metadata.append(("layerlab_labels", .array(labels.map { .string($0) }))) }
    let weights = try HDF5.writing(source: source) { (root) throws(EngineError) in
      try KerasWeightsFile.write(model, optimizer: compile == nil ? nil : optimizer, into: root)
    }
    let members: [(String, Data, CompressionMethod)] = [
      (metadataName, Data(JSONValue.object(metadata).text.utf8), .deflate),
      (configName, Data(JSONValue.object(top).text.utf8), .deflate),
      (weightsName, weights, .none),
    ]
    do {
      let archive = try Archive(data: Data(), accessMode: .create)
      for (name, bytes, method) in members {
        try archive.addEntry(
          with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: method
        ) { position, size in
          bytes.subdata(in: Int(position)..<(Int(position) + size))
        }
      }
      guard let data = archive.data else {
        throw EngineError.data("internal: the archive has no data")
      }
      return data
    } catch {
      throw .file(path: source, message: "cannot build the .keras archive (\(error))")
    }
  }
}
