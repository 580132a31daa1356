/// Weights in `.npz` files, one array per weight, keyed as Keras names
/// them: `conv2d/kernel` `(3, 3, 3, 32)`, `conv2d/bias` `(32,)`, `dense/kernel` `(in, out)`,
/// `batch_normalization/moving_mean` `(32,)` (trained or not, every weight).
extension Sequential {
  /// Every weight as a named float32 array, in layer order, as Keras lists them.
  public func weightArrays() -> [(name: String, array: NDArray)] {
    layers.flatMap { layer in
      layer.weights.map { (name: "\(layer.name)/\($0.name)", array: NDArray(tensor: $0.value)) }
    }
  }

  /// Writes ``weightArrays()`` to `path` as `.npz`, atomically.
  public func saveWeights(to path: String) throws(EngineError) {
    guard inputShape != nil else {
      throw .weightsMismatch(
        "the model has no weights yet: give it an input shape (an image or input_shape=) first")
    }
    try Npz.write(weightArrays(), path: path)
  }

  /// Reads weights from `path`. Every name and shape is checked before any
  /// weight changes, so a file for another model is refused whole, naming the
  /// first mismatch, and the model keeps its weights.
  public func loadWeights(from path: String) throws(EngineError) {
    let arrays = try Npz.read(path: path)
    try loadWeights(arrays, source: path)
  }

  /// ``loadWeights(from:)`` for arrays already read; `source` names them in errors.
  public func loadWeights(_ arrays: [(name: String, array: NDArray)], source: String)
    throws(EngineError)
  {
    guard inputShape != nil else {
      throw .weightsMismatch(
        "the model has no weights yet: give it an input shape (an image or input_shape=) first")
    }
    var byName: [String: NDArray] = [:]
    for (name, array) in arrays { byName[name] = array }
    var updates: [(Parameter, Tensor)] = []
    for layer in layers {
      for parameter in layer.weights {
        let key = "\(layer.name)/\(parameter.name)"
        guard let array = byName.removeValue(forKey: key) else {
          throw .weightsMismatch(
            "\(source) has no '\(key)': it was saved from a different model (see 'summary')")
        }
        guard array.shape == parameter.value.shape.dims else {
          throw .weightsMismatch(
            "\(source): '\(key)' is shaped \(Shape(array.shape)) but the model needs \(parameter.value.shape)"
          )
        }
        let tensor = try array.tensor()
        guard tensor.isFinite else {
          throw .nonFinite("\(source): '\(key)' holds NaN or infinite values")
        }
        updates.append((parameter, tensor))
      }
    }
    if let extra = byName.keys.sorted().first {
      throw .weightsMismatch(
        "\(source) has '\(extra)', which the model has no place for: it was saved from another model"
      )
    }
    for (parameter, tensor) in updates {
      parameter.value = tensor
      parameter.zeroGradient()
    }
    clearPass()
  }
}
