/// Everything that defines a model at one moment: its layers (as the calls
/// that make them, with their names and weights), its input shape, and where
/// its random generators stand. Taken before a change so the change can be undone.
///
/// Weights are `Tensor` values, so a snapshot shares storage with the live
/// model until one of them changes (copy-on-write): keeping many is cheap.
public struct ModelSnapshot: Sendable {
  struct Entry: Sendable {
    var spec: LayerSpec
    var name: String
    var weights: [Tensor]
  }
  var modelName: String
  var entries: [Entry]
  var inputShape: Shape?
  var nameCounters: [String: Int]
  var seed: UInt64
  var initRNG: SeededGenerator
  var maskRNG: SeededGenerator
  var shuffleRNG: SeededGenerator

  /// The number of layers the snapshot holds.
  public var layerCount: Int { entries.count }

  /// The weight arrays the snapshot holds, by address, with their sizes in
  /// bytes. Shared (copy-on-write) with the live model or other snapshots
  /// until one of them changes, so a memory budget counts each address once.
  public var weightBuffers: [WeightBuffer] { entries.flatMap { $0.weights.map(WeightBuffer.init) } }
}

/// One weight array's storage, for budgets that must not count shared storage twice.
public struct WeightBuffer: Hashable, Sendable {
  public let address: UInt
  public let bytes: Int

  init(_ tensor: Tensor) {
    address = tensor.scalars.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    bytes = tensor.count * MemoryLayout<Float>.size
  }
}

extension Sequential {
  /// The live weights' storage (see ``ModelSnapshot/weightBuffers``).
  public var weightBuffers: [WeightBuffer] { parameters.map { WeightBuffer($0.value) } }

  /// The model as it is now; see ``restore(_:)``.
  public func snapshot() -> ModelSnapshot {
    ModelSnapshot(
      modelName: name,
      entries: layers.map {
        .init(spec: $0.spec, name: $0.name, weights: $0.weights.map(\.value))
      },
      inputShape: inputShape, nameCounters: nameCounters, seed: seed,
      initRNG: initRNG, maskRNG: maskRNG, shuffleRNG: shuffleRNG)
  }

  /// Becomes `other`: its layers, weights, shapes and generators move here
  /// and `other` is left empty. Loading a model this way builds its layers
  /// once, where restoring a snapshot of it would build them (and draw every
  /// initial weight) a second time.
  public func take(_ other: Sequential) {
    name = other.name
    layers = other.layers
    outputShapes = other.outputShapes
    inputShape = other.inputShape
    nameCounters = other.nameCounters
    seed = other.seed
    initRNG = other.initRNG
    maskRNG = other.maskRNG
    shuffleRNG = other.shuffleRNG
    other.layers = []
    other.outputShapes = []
    clearPass()
  }

  /// Puts the model back exactly as it was when `snapshot` was taken.
  ///
  /// Layers are rebuilt from their specs and given back their saved weights;
  /// the last pass is forgotten. On a refusal the model is left unchanged.
  public func restore(_ snapshot: ModelSnapshot) throws(EngineError) {
    var fresh: [any Layer] = []
    var shapes: [Shape] = []
    // A scratch generator: the weights drawn here are overwritten at once,
    // and the model's own generators are restored from the snapshot.
    var scratch = SeededGenerator(seed: 0)
    var current = snapshot.entries.first?.spec.inputShape ?? snapshot.inputShape
    for entry in snapshot.entries {
      let layer = try entry.spec.makeLayer(name: entry.name)
      if let input = current {
        try layer.build(for: input, using: &scratch)
        let output = try layer.outputShape(for: input)
        shapes.append(output)
        current = output
      }
      let parameters = layer.weights
      guard parameters.count == entry.weights.count else {
        throw .weightsMismatch(
          "internal: \(entry.name) has \(parameters.count) weights, the snapshot \(entry.weights.count)"
        )
      }
      for (parameter, value) in zip(parameters, entry.weights) {
        guard parameter.value.shape == value.shape else {
          throw .weightsMismatch(
            "internal: \(entry.name)/\(parameter.name) is \(parameter.value.shape), the snapshot \(value.shape)"
          )
        }
        parameter.value = value
        parameter.zeroGradient()
      }
      fresh.append(layer)
    }
    name = snapshot.modelName
    layers = fresh
    outputShapes = shapes
    inputShape = snapshot.inputShape
    nameCounters = snapshot.nameCounters
    seed = snapshot.seed
    initRNG = snapshot.initRNG
    maskRNG = snapshot.maskRNG
    shuffleRNG = snapshot.shuffleRNG
    clearPass()
  }
}
