import Engine

/// A Keras layer class as a Python value: `Conv2D`, `keras.layers.Dense`.
/// Calling it checks the arguments against the layer's signature (from the
/// layer registry) and gives a layer not yet in any model.
final class LayerClass: PyCallable {
  let kind: LayerKind
  init(_ kind: LayerKind) { self.kind = kind }

  var typeName: String { "type" }
  var repr: String { "<class 'keras.layers.\(kind.className)'>" }

  func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    let bound = try kind.signature.bind(arguments)
    return .object(LayerObject(spec: try LayerSpec(kind: kind, bound: bound)))
  }
}

/// A Keras layer as a Python value: made by a class (`Dense(10)`, in no model
/// yet) or one of `model.layers` (then it answers with the layer's weights).
final class LayerObject: PyCallable {
  let spec: LayerSpec
  /// The model the layer went into, and its name there.
  private(set) var placement: (session: Session, name: String)?

  init(spec: LayerSpec, in session: Session? = nil, name: String? = nil) {
    self.spec = spec
    if let session, let name { placement = (session, name) }
  }

  /// The name `model.add` gave it, once it is in the model.
  var placedName: String? { placement?.name }

  /// Keras's functional API calls layers on tensors; LayerLab builds Sequential models.
  func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    throw LabError(
      "calling a layer on a tensor (Keras's functional API) is outside what LayerLab builds",
      hint: "add it to a Sequential model instead: model.add(\(spec.kind.example))")
  }

  /// Marks the layer as the one `model.add` put into the model as `name`.
  func placed(in session: Session, as name: String) { placement = (session, name) }

  /// The model's layer this object stands for, if it is still there.
  private func layer() throws -> (any Layer)? {
    guard let (session, name) = placement else { return nil }
    guard let layer = session.model.layers.first(where: { $0.name == name }) else {
      throw LabError(
        "the layer '\(name)' is no longer in the model", hint: "type 'layers' to see the model")
    }
    return layer
  }

  var typeName: String { spec.kind.className }
  var name: String { placement?.name ?? spec.name ?? spec.kind.autoNameBase }
  var repr: String { "<\(spec.kind.className) name=\(name), built=\(placement != nil)>" }

  var attributeNames: [String] {
    ["name", "get_weights", "count_params", "output_shape", "input_shape", "trainable"]
  }

  func attribute(_ attribute: String) throws -> PyValue? {
    switch attribute {
    case "name": return .string(name)
    case "trainable": return .bool(true)
    case "get_weights":
      return .object(
        PyBuiltinFunction("get_weights") { _, _ in
          let parameters = try self.layer()?.weights ?? []
          return .list(PyList(parameters.map { .object(PyArray($0.value)) }))
        })
    case "count_params":
      return .object(
        PyBuiltinFunction("count_params") { _, _ in .int(try self.layer()?.weightCount ?? 0) })
    case "output_shape", "input_shape":
      guard let (session, layerName) = placement,
        let index = session.model.layers.firstIndex(where: { $0.name == layerName })
      else {
        throw LabError("\(name) is not in a built model yet, so it has no \(attribute)")
      }
      let model = session.model
      let shape =
        attribute == "output_shape"
        ? (model.outputShapes.indices.contains(index) ? model.outputShapes[index] : nil)
        : (index == 0 ? model.inputShape : model.outputShapes[safe: index - 1])
      guard let shape else { throw LabError("\(name)'s shape waits for an input shape") }
      return .tuple([.none] + shape.dims.map { .int($0) })
    default:
      if let value = spec.arguments[attribute] { return value.value }
      return nil
    }
  }
}

/// `keras.Input(shape=(28, 28, 1))`: the shape a model's input takes.
final class InputObject: PyObject {
  let shape: Shape
  init(shape: Shape) { self.shape = shape }

  var typeName: String { "KerasTensor" }
  var repr: String {
    "<KerasTensor shape=\(PyValue.tuple([.none] + shape.dims.map { .int($0) }).repr), dtype=float32>"
  }
  var attributeNames: [String] { ["shape", "dtype"] }
  func attribute(_ name: String) throws -> PyValue? {
    switch name {
    case "shape": return .tuple([.none] + shape.dims.map { .int($0) })
    case "dtype": return .string("float32")
    default: return nil
    }
  }

  static let signature = Signature(
    "keras.Input",
    [
      .optional("shape", .none, .shape),
      .keptAtDefault("batch_size", .none, why: "batches are chosen by fit and evaluate"),
      .keptAtDefault(
        "dtype", .none, also: [.string("float32")], why: "the engine computes in float32"),
      .keptAtDefault("sparse", .none, also: [.bool(false)], why: "inputs are dense arrays"),
      .ignored("name", why: "the input is not a layer in LayerLab"),
    ], example: "keras.Input(shape=(100, 100, 3))")
}

extension Array {
  /// The element at `index`, or nil outside the array.
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
