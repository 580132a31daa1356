import Foundation

/// Keras 3's weights layout, inside a `.keras` zip (`model.weights.h5`) and
/// in a `*.weights.h5` from `model.save_weights`:
///
///     layers/<key>/vars/0, 1, …   each layer's weights in `layer.weights` order
///     optimizer/vars/0, 1, …      iteration, learning_rate, then the slots
///     vars                        the model's own (none for a Sequential)
///
/// `<key>` is the layer's class name in snake case, numbered in order
/// (`conv2d`, `conv2d_1`, `batch_normalization`…), not the layer's own name:
/// keras/src/saving/saving_lib.py, `_save_container_state` with
/// `_get_unique_name(naming.to_snake_case(saveable.__class__.__name__))`.
enum KerasWeightsFile {
  /// Each layer's key in the file, in model order.
  static func keys(for layers: [any Layer]) -> [String] {
    var used: [String: Int] = [:]
    return layers.map { layer in
      let base = layer.spec.kind.autoNameBase
      if let n = used[base] {
        used[base] = n + 1
        return "\(base)_\(n + 1)"
      }
      used[base] = 0
      return base
    }
  }

  /// The new value of every weight of `model`, read and checked whole from
  /// `root` (nothing is assigned here).
  static func read(_ root: HDF5Group, for model: Sequential) throws(EngineError) -> [(
    Parameter, Tensor
  )] {
    let source = root.handles.source
    guard let layersGroup = try root.group("layers") else {
      throw .file(path: source, message: "it holds no Keras 3 weights (no 'layers' group)")
    }
    let keys = keys(for: model.layers)
    let inFile = Set(try layersGroup.children())
    if let extra = inFile.subtracting(keys).sorted().first {
      throw .weightsMismatch(
        "\(source) has weights for a layer '\(extra)' that the model does not have: it was saved from a different model (see 'summary')"
      )
    }
    var updates: [(Parameter, Tensor)] = []
    for (layer, key) in zip(model.layers, keys) {
      let weights = layer.weights
      let vars = try layersGroup.group("\(key)/vars")
      let count = try vars?.children().count ?? 0
      guard count == weights.count else {
        throw .weightsMismatch(
          "\(source): the layer '\(key)' has \(count) weights in the file but \(layer.name) (\(layer.typeName)) has \(weights.count): it was saved from a different model"
        )
      }
      guard let vars else { continue }
      for (index, parameter) in weights.enumerated() {
        updates.append(
          (
            parameter,
            try readWeight(
              vars, "\(index)", as: parameter, label: "\(layer.name)/\(parameter.name)")
          ))
      }
    }
    return updates
  }

  /// One weight, its shape checked against `parameter` before its values are read.
  static func readWeight(_ group: HDF5Group, _ name: String, as parameter: Parameter, label: String)
    throws(EngineError) -> Tensor
  {
    let source = group.handles.source
    let wanted = parameter.value.shape
    guard let shape = try group.datasetShape(name) else {
      throw .weightsMismatch("\(source) has no value for \(label)")
    }
    guard shape == wanted.dims else {
      throw .weightsMismatch(
        "\(source): \(label) is shaped \(Shape(shape)) in the file but the model needs \(wanted): it was saved from a different model"
      )
    }
    guard let read = try group.floats(name, expected: wanted.scalarCount) else {
      throw .weightsMismatch("\(source) has no value for \(label)")
    }
    let tensor = Tensor(validShape: wanted, scalars: read.values)
    guard tensor.isFinite else {
      throw .nonFinite("\(source): \(label) holds NaN or infinite values")
    }
    return tensor
  }

  /// The optimizer's saved variables, in order, each checked to be no larger
  /// than the biggest weight; nil when the file has none.
  static func optimizerVariables(_ root: HDF5Group, for model: Sequential) throws(EngineError)
    -> [[Float]]?
  {
    guard let vars = try root.group("optimizer/vars") else { return nil }
    let count = try vars.children().count
    let largest = model.parameters.map(\.value.count).max() ?? 1
    guard count <= 3 * model.parameters.count + 4 else { return [] }
    var result: [[Float]] = []
    for index in 0..<count {
      guard let shape = try vars.datasetShape("\(index)") else { return [] }
      let size = shape.reduce(1) {
        $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1
      }
      guard size <= largest else { return [] }
      guard let read = try vars.floats("\(index)", expected: size),
        read.values.allSatisfy(\.isFinite)
      else { return [] }
      result.append(read.values)
    }
    return result
  }

  /// Writes every weight of `model` (and the optimizer's state, when it has
  /// some) in Keras 3's layout.
  static func write(_ model: Sequential, optimizer: (any Optimizer)?, into root: HDF5Group)
    throws(EngineError)
  {
    let layersGroup = try root.makeGroup("layers")
    for (layer, key) in zip(model.layers, keys(for: model.layers)) {
      let group = try layersGroup.makeGroup(key)
      let vars = try group.makeGroup("vars")
      try vars.setText("name", [layer.name])
      for (index, weight) in layer.weights.enumerated() {
        try vars.writeFloats(
          "\(index)", shape: weight.value.shape.dims, values: weight.value.scalars)
      }
    }
    if let optimizer, let state = optimizer.state() {
      let vars = try root.makeGroup("optimizer").makeGroup("vars")
      try vars.setText("name", [optimizer.name])
      try vars.writeInteger("0", Int64(state.iterations), bits32: true)
      try vars.writeFloats("1", shape: [], values: [optimizer.learningRate])
      var index = 2
      for slot in slotsInKerasOrder(optimizer, state, model.parameters) {
        try vars.writeFloats("\(index)", shape: slot.shape.dims, values: slot.values)
        index += 1
      }
    }
    let own = try root.makeGroup("vars")
    try own.setText("name", [model.name])
  }

  /// The optimizer's slots in Keras 3's order, with the weight each belongs to.
  static func slotsInKerasOrder(
    _ optimizer: any Optimizer, _ state: OptimizerState, _ parameters: [Parameter]
  ) -> [(name: String, weight: Int, shape: Shape, values: [Float])] {
    var result: [(name: String, weight: Int, shape: Shape, values: [Float])] = []
    for group in optimizer.slotGroups {
      for (index, parameter) in parameters.enumerated() {
        for name in group {
          let values =
            state.slots[name].flatMap { $0.indices.contains(index) ? $0[index] : nil }
            ?? [Float](repeating: 0, count: parameter.value.count)
          result.append((name, index, parameter.value.shape, values))
        }
      }
    }
    return result
  }
}
