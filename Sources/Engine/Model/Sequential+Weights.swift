extension Sequential {
  /// Every weight keyed `<layer name>/kernel` and `<layer name>/bias`, in
  /// Keras's shapes: Conv2D kernel (kh, kw, in, out), Dense kernel (in, out).
  public func weightArrays() -> [(name: String, array: NDArray)] {
    layers.flatMap { layer in
      layer.parameters.map { (name: "\(layer.name)/\($0.name)", array: NDArray(tensor: $0.value)) }
    }
  }

  /// Replaces every weight with the arrays of the same names.
  ///
  /// Everything is checked first (each name present, each shape equal, every
  /// value finite, no array the model has no place for); the first mismatch
  /// is named in the error and no weight changes.
  public func loadWeights(_ arrays: [(name: String, array: NDArray)], source: String) throws(EngineError) {
    guard inputShape != nil else { throw .noInputShape }
    var byName: [String: NDArray] = [:]
    for (name, array) in arrays { byName[name] = array }
    var replacements: [(Parameter, Tensor)] = []
    for layer in layers {
      for p in layer.parameters {
        let key = "\(layer.name)/\(p.name)"
        guard let array = byName.removeValue(forKey: key) else {
          throw .weightsMismatch("\(source) has no '\(key)': it was saved from a different model (see 'summary')")
        }
        guard Shape(array.shape) == p.value.shape else {
          throw .weightsMismatch(
            "\(source): '\(key)' is shaped \(Shape(array.shape)) but the model needs \(p.value.shape)")
        }
        let tensor = try array.tensor()
        guard tensor.isFinite else { throw .nonFinite("\(source): '\(key)' holds NaN or infinite values") }
        replacements.append((p, tensor))
      }
    }
    if let extra = byName.keys.sorted().first {
      throw .weightsMismatch("\(source) has '\(extra)', which this model has no place for")
    }
    for (p, tensor) in replacements { p.value = tensor }
    clearPass()
  }
}
