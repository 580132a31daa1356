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

  /// Reads weights from `path`; returns how many arrays were loaded. Every
  /// name and shape is checked, from the members' headers, before any array
  /// is inflated or any weight changes, so a file for another model costs
  /// nothing, is refused whole, naming the first mismatch, and the model
  /// keeps its weights.
  @discardableResult
  public func loadWeights(from path: String) throws(EngineError) -> Int {
    try loadWeights(from: NpzArchive(path: path))
  }

  /// ``loadWeights(from:)`` for an open archive, leaving out the members in `ignoring`.
  @discardableResult
  func loadWeights(from archive: NpzArchive, ignoring: Set<String> = []) throws(EngineError)
    -> Int
  {
    let source = archive.source
    guard inputShape != nil else {
      throw .weightsMismatch(
        "the model has no weights yet: give it an input shape (an image or input_shape=) first")
    }
    var byName: [String: NpzArchive.Member] = [:]
    for member in archive.members where !ignoring.contains(member.name) {
      byName[member.name] = member
    }
    var planned: [(Parameter, NpzArchive.Member, String)] = []
    for layer in layers {
      for parameter in layer.parameters {
        let key = "\(layer.name)/\(parameter.name)"
        guard let member = byName.removeValue(forKey: key) else {
          throw .weightsMismatch(
            "\(source) has no '\(key)': it was saved from a different model (see 'summary')")
        }
        guard member.header.shape == parameter.value.shape.dims else {
          throw .weightsMismatch(
            "\(source): '\(key)' is shaped \(Shape(member.header.shape)) but the model needs \(parameter.value.shape)"
          )
        }
        planned.append((parameter, member, key))
      }
    }
    if let extra = byName.keys.sorted().first {
      throw .weightsMismatch(
        "\(source) has '\(NpzArchive.shown(extra))', which the model has no place for: it was saved from another model"
      )
    }
    // Only now, with every name and shape known to fit, is anything
    // inflated: the new values are held beside the old ones until all are in.
    // Each count is at most the member's declared size (itself bounded), and
    // the shapes matched the model's, so neither product nor sum overflows.
    let incoming = planned.reduce(0) { $0 + $1.1.header.count * MemoryLayout<Float>.size }
    if let available = MemoryBudget.available(), incoming > available {
      throw .tooLarge(
        "\(source): its weights take \(readableBytes(incoming)) as float32, beside the model's own, but only \(readableBytes(available)) is available to LayerLab (free memory, ulimit -v)"
      )
    }
    var updates: [(Parameter, Tensor)] = []
    for (parameter, member, key) in planned {
      let tensor = try archive.array(member).tensor()
      guard tensor.isFinite else {
        throw .nonFinite("\(source): '\(key)' holds NaN or infinite values")
      }
      updates.append((parameter, tensor))
    }
    for (parameter, tensor) in updates {
      parameter.value = tensor
      parameter.zeroGradient()
    }
    clearPass()
    return updates.count
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
        "\(source) has '\(NpzArchive.shown(extra))', which the model has no place for: it was saved from another model"
      )
    }
    for (parameter, tensor) in updates {
      parameter.value = tensor
      parameter.zeroGradient()
    }
    clearPass()
  }
}
