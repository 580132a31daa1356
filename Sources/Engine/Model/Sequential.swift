/// A stack of layers, each feeding the next, as Keras's `Sequential`.
///
/// Layers are added one at a time and every change is checked at once: the
/// per-sample output shape of each layer is inferred from the one before, and
/// a change that would leave any layer unable to follow its predecessor is
/// refused with the model left exactly as it was.
///
/// Randomness: `initRNG` draws initial weights in build order; `maskRNG` draws
/// Dropout masks. Both come from one seed (`reseed`).
public final class Sequential {
  public var name: String = "sequential"
  public internal(set) var layers: [any Layer] = []
  /// Per-sample input shape, from the first layer's `input_shape=` or set by an image or dataset.
  public internal(set) var inputShape: Shape?
  /// Per-sample output shape of each layer, valid when `inputShape` is known.
  public internal(set) var outputShapes: [Shape] = []
  public internal(set) var seed: UInt64
  var initRNG: SeededGenerator
  var maskRNG: SeededGenerator
  /// Draws the order of training samples each epoch.
  public var shuffleRNG: SeededGenerator
  /// How many layers of each kind this model has named, so names are never
  /// reused (Keras counts per session; we count per model: `Sequential()` starts afresh).
  var nameCounters: [String: Int] = [:]
  /// The input of the last forward pass and every layer's output, for display.
  public private(set) var lastInput: Tensor?
  public private(set) var lastOutputs: [Tensor] = []
  public private(set) var lastMode: Mode?
  /// The weights from before the last training update, to undo one that overflows.
  let weightBackup = WeightBackup()
  /// The largest per-sample output of any layer, in float32 bytes (see Sequential+Limits).
  public var maxActivationBytes = Sequential.defaultMaxActivationBytes
  /// The most trainable scalars the model may have (see Sequential+Limits).
  public var maxParameters = Sequential.defaultMaxParameters
  /// The most layers the model may have (see Sequential+Limits).
  public var maxLayers = Sequential.defaultMaxLayers
  /// Memory the next change must leave free beyond its own weights: a model
  /// file's weights, inflated beside the model that will take them.
  var memoryReserve = 0

  public init(seed: UInt64 = 0) {
    self.seed = seed
    (initRNG, maskRNG, shuffleRNG) = Sequential.generators(seed: seed)
  }

  /// One root seed, three independent streams, so drawing masks never shifts
  /// the weights a later layer gets, nor the order of a later epoch.
  static func generators(seed: UInt64) -> (SeededGenerator, SeededGenerator, SeededGenerator) {
    var root = SeededGenerator(seed: seed)
    return (root.split(), root.split(), root.split())
  }

  /// Restarts both generators from `seed`: initial weights built from now on
  /// and the next Dropout masks repeat for the same seed.
  public func reseed(_ seed: UInt64) {
    self.seed = seed
    (initRNG, maskRNG, shuffleRNG) = Sequential.generators(seed: seed)
  }

  /// Draws fresh initial weights for every layer, in order, from the seed.
  public func reinitialize() throws(EngineError) {
    (initRNG, _, _) = Sequential.generators(seed: seed)
    let fresh = try rebuilt(layers.map { ($0.spec, $0.name) }, keepWeightsFrom: [])
    layers = fresh
    clearPass()
  }

  // MARK: - Changing the stack

  /// Makes a layer from `spec` and appends it; returns it.
  @discardableResult
  public func add(_ spec: LayerSpec) throws(EngineError) -> any Layer {
    try insert(spec, at: layers.count)
  }

  /// Makes a layer from `spec` and inserts it at `index` (0-based).
  @discardableResult
  public func insert(_ spec: LayerSpec, at index: Int) throws(EngineError) -> any Layer {
    guard index >= 0, index <= layers.count else {
      throw .indexOutOfRange(index: index, count: layers.count)
    }
    if let explicit = spec.name, layers.contains(where: { $0.name == explicit }) {
      throw .invalidArgument(
        layer: spec.kind.rawValue, message: "a layer named '\(explicit)' already exists")
    }
    if spec.inputShape != nil, index != 0 {
      throw .invalidArgument(
        layer: spec.kind.rawValue, message: "input_shape is only for the first layer")
    }
    let (layerName, counters) = nextName(
      for: spec, taken: Set(layers.map(\.name)), counters: nameCounters)
    let layer = try spec.makeLayer(name: layerName)
    var candidate = layers
    candidate.insert(layer, at: index)
    try adopt(candidate)
    nameCounters = counters
    return layer
  }

  /// Appends a layer for every spec in one change: the stack is checked and
  /// built once, not once per layer (a model file of thousands of layers
  /// would otherwise cost the square of its length). All or nothing.
  public func add(contentsOf specs: [LayerSpec]) throws(EngineError) {
    guard layers.count + specs.count <= maxLayers else {
      throw .tooLarge(
        "the model would have \(layers.count + specs.count) layers, more than the limit of \(maxLayers) (or raise maxLayers)"
      )
    }
    var taken = Set(layers.map(\.name))
    var counters = nameCounters
    var candidate = layers
    for spec in specs {
      if let explicit = spec.name, taken.contains(explicit) {
        throw .invalidArgument(
          layer: spec.kind.rawValue, message: "a layer named '\(explicit)' already exists")
      }
      if spec.inputShape != nil, !candidate.isEmpty {
        throw .invalidArgument(
          layer: spec.kind.rawValue, message: "input_shape is only for the first layer")
      }
      let (layerName, next) = nextName(for: spec, taken: taken, counters: counters)
      counters = next
      taken.insert(layerName)
      candidate.append(try spec.makeLayer(name: layerName))
    }
    try adopt(candidate)
    nameCounters = counters
  }

  /// Removes the layer at `index` (0-based) and returns it.
  @discardableResult
  public func remove(at index: Int) throws(EngineError) -> any Layer {
    guard layers.indices.contains(index) else {
      throw .indexOutOfRange(index: index, count: layers.count)
    }
    var candidate = layers
    let removed = candidate.remove(at: index)
    try adopt(candidate)
    return removed
  }

  /// The position of the layer called `name`.
  public func index(of name: String) throws(EngineError) -> Int {
    guard let i = layers.firstIndex(where: { $0.name == name }) else { throw .layerNotFound(name) }
    return i
  }

  /// Sets the per-sample input shape (from an image or a dataset) when the
  /// model has none yet, and builds the weights.
  public func setInputShape(_ shape: Shape) throws(EngineError) {
    let previous = inputShape
    inputShape = shape
    do {
      try adopt(layers)
    } catch {
      inputShape = previous
      throw error
    }
  }

  /// The input shape the model would use for `candidate`, and a check that every layer follows.
  private func adopt(_ candidate: [any Layer]) throws(EngineError) {
    guard candidate.count <= maxLayers else {
      throw .tooLarge(
        "the model would have \(candidate.count) layers, more than the limit of \(maxLayers) (or raise maxLayers)"
      )
    }
    let declared = candidate.first?.spec.inputShape
    let shape = declared ?? inputShape
    var shapes: [Shape] = []
    if let shape {
      guard shape.rank >= 1, shape.dims.allSatisfy({ $0 > 0 }) else {
        throw .badShape("input_shape \(shape) must have positive sizes")
      }
      try checkActivationSize(shape, of: "the input")
      var current = shape
      for layer in candidate {
        current = try layer.outputShape(for: current)
        try checkActivationSize(current, of: "\(layer.name) (\(layer.typeName))")
        shapes.append(current)
      }
      try checkParameterBudget(candidate, inputs: [shape] + shapes)
      // Build only after every shape checks out, so a refusal draws no random numbers.
      var rng = initRNG
      var previous = shape
      for (layer, out) in zip(candidate, shapes) {
        try layer.build(for: previous, using: &rng)
        previous = out
      }
      initRNG = rng
    }
    layers = candidate
    if let declared { inputShape = declared }
    outputShapes = shapes
    clearPass()
  }

  private func nextName(for spec: LayerSpec, taken: Set<String>, counters: [String: Int]) -> (
    String, [String: Int]
  ) {
    var counters = counters
    if let explicit = spec.name { return (explicit, counters) }
    let base = spec.kind.autoNameBase
    while true {
      let n = counters[base, default: 0]
      counters[base] = n + 1
      let candidate = n == 0 ? base : "\(base)_\(n)"
      if !taken.contains(candidate) { return (candidate, counters) }
    }
  }

  /// New layers for `specs` with their names; weights copied from `keepWeightsFrom` where given.
  func rebuilt(_ specs: [(LayerSpec, String)], keepWeightsFrom: [any Layer]) throws(EngineError)
    -> [any Layer]
  {
    var fresh: [any Layer] = []
    for (spec, name) in specs { fresh.append(try spec.makeLayer(name: name)) }
    if let shape = fresh.first?.spec.inputShape ?? inputShape {
      var current = shape
      for layer in fresh {
        try layer.build(for: current, using: &initRNG)
        current = try layer.outputShape(for: current)
      }
    }
    return fresh
  }

  /// The scalars the model trains.
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
  /// Every scalar the model holds, trained or not (BatchNormalization's
  /// moving statistics), as Keras's "Total params" counts them.
  public var weightCount: Int { layers.reduce(0) { $0 + $1.weightCount } }

  /// Forgets the last pass (after the stack or the weights change).
  public func clearPass() {
    lastInput = nil
    lastOutputs = []
    lastMode = nil
  }

  // MARK: - Passes

  /// What every pass needs before it starts: layers, an input shape, and a
  /// batch of inputs of that shape.
  func checkPassInput(_ input: Tensor) throws(EngineError) {
    guard !layers.isEmpty else { throw .noLayers }
    guard let inputShape else { throw .noInputShape }
    guard input.shape.rank == inputShape.rank + 1, input.shape.unbatched == inputShape else {
      throw .badShape(
        "the model takes inputs shaped \(inputShape.withNoneBatch), got \(input.shape)")
    }
  }

  /// Runs `input` (`[batch, …inputShape]`) through every layer and keeps each output.
  @discardableResult
  public func forward(_ input: Tensor, mode: Mode) throws(EngineError) -> Tensor {
    try checkPassInput(input)
    var outputs: [Tensor] = []
    outputs.reserveCapacity(layers.count)
    var current = input
    var rng = maskRNG
    for layer in layers {
      current = try layer.forward(current, mode: mode, rng: &rng)
      outputs.append(current)
    }
    maskRNG = rng
    lastInput = input
    lastOutputs = outputs
    lastMode = mode
    return current
  }

  /// Back-propagates dLoss/dOutput through every layer, from `from` (exclusive
  /// end index, default all) down to the first; parameters' gradients accumulate.
  /// Returns dLoss/dInput, or nil when `needInputGradient` is false: training
  /// never needs it, and skipping it saves the first layer's costliest product.
  @discardableResult
  public func backward(
    _ outputGradient: Tensor, from end: Int? = nil, needInputGradient: Bool = true
  ) throws(EngineError) -> Tensor? {
    let stop = min(max(end ?? layers.count, 0), layers.count)
    var gradient = outputGradient
    var index = stop - 1
    while index >= 0 {
      // A layer on a ReLU: both gradients in one pass (same bits), when the
      // ReLU's own gradient is needed at all.
      if index > 0, let layer = layers[index] as? any BackwardThroughReLU,
        let relu = layers[index - 1] as? Activation, relu.function == .relu,
        index - 1 > 0 || needInputGradient,
        let next = try layer.backwardThroughReLU(gradient)
      {
        gradient = next
        index -= 2
        continue
      }
      guard
        let next = try layers[index].backward(
          gradient, inputGradient: index > 0 || needInputGradient)
      else {
        return nil
      }
      gradient = next
      index -= 1
    }
    return gradient
  }

  /// Every trainable parameter, in layer order, kernel before bias.
  public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

  public func zeroGradients() { for p in parameters { p.zeroGradient() } }
}
