import Engine

/// The session's model as a Python value: what `model = Sequential()`
/// gives and what `model` names from the start. Its methods are the shell
/// commands that have a Keras form (`model.add`, `model.fit`, ...), bound to
/// the same signatures, plus the attributes tutorials read.
final class ModelObject: PyObject {
  unowned let session: Session
  /// Which `Sequential()` made it: an older one cannot reach the new model.
  let generation: Int

  init(_ session: Session) {
    self.session = session
    generation = session.modelGeneration
  }

  var typeName: String { "Sequential" }
  var repr: String {
    "<Sequential name=\(session.model.name), built=\(session.model.inputShape != nil)>"
  }

  /// What the prompt says after `model = Sequential()`.
  var described: String {
    let count = session.model.layers.count
    return count == 0
      ? "a new, empty Sequential model"
      : "a Sequential model with \(count) layer\(count == 1 ? "" : "s")"
  }

  static let properties = [
    "layers", "count_params", "get_layer", "get_weights", "pop", "name", "input_shape",
    "output_shape",
  ]

  var attributeNames: [String] {
    CommandTable.modelMethods.map(\.name) + ModelObject.properties
  }

  func attribute(_ name: String) throws -> PyValue? {
    guard generation == session.modelGeneration else {
      throw LabError(
        "this name holds an older model: a later Sequential() or load_model replaced it, and LayerLab keeps one model at a time",
        hint: "use the name the newest model was given")
    }
    if let method = CommandTable.modelMethods.first(where: { $0.name == name }) {
      let session = self.session
      return .object(
        PyBuiltinFunction(name, description: "<bound method Sequential.\(name)>") { arguments, _ in
          try method.call(session, try method.signature.bind(arguments))
        })
    }
    let model = session.model
    switch name {
    case "name": return .string(model.name)
    case "layers":
      return .list(
        PyList(model.layers.map { .object(LayerObject(spec: $0.spec, in: session, name: $0.name)) })
      )
    case "count_params":
      return method(name) { _ in .int(model.weightCount) }
    case "get_weights":
      return method(name) { _ in
        .list(PyList(model.layers.flatMap(\.weights).map { .object(PyArray($0.value)) }))
      }
    case "get_layer":
      return method(name) { arguments in
        let bound = try ModelObject.getLayer.bind(arguments)
        if case .string(let wanted) = bound["name"] {
          guard let layer = model.layers.first(where: { $0.name == wanted }) else {
            throw LabError(
              "no layer named '\(wanted)'",
              hint: closestMatch(wanted, in: model.layers.map(\.name)).map {
                "did you mean '\($0)'?"
              })
          }
          return .object(LayerObject(spec: layer.spec, in: self.session, name: layer.name))
        }
        guard case .int(let index) = bound["index"], model.layers.indices.contains(index) else {
          throw LabError(
            "get_layer needs name='...' or index=N within the model's \(model.layers.count) layers")
        }
        let layer = model.layers[index]
        return .object(LayerObject(spec: layer.spec, in: self.session, name: layer.name))
      }
    case "pop":
      return method(name) { _ in
        guard !model.layers.isEmpty else { throw LabError("the model has no layers to pop") }
        try self.session.changeModel {
          let layer = try model.remove(at: model.layers.count - 1)
          return "pop \(layer.name)"
        }
        return .none
      }
    case "input_shape", "output_shape":
      let shape = name == "input_shape" ? model.inputShape : model.outputShapes.last
      guard let shape else {
        throw LabError("the model has no \(name) yet", hint: "give the first layer input_shape=")
      }
      return .tuple([.none] + shape.dims.map { .int($0) })
    default:
      return nil
    }
  }

  private func method(_ name: String, _ body: @escaping (CallArguments) throws -> PyValue)
    -> PyValue
  {
    .object(
      PyBuiltinFunction(name, description: "<bound method Sequential.\(name)>") { a, _ in
        try body(a)
      })
  }

  static let getLayer = Signature(
    "model.get_layer", [.optional("name", .none, .anything), .optional("index", .none, .anything)])
}

/// `Sequential()`, `Sequential([...])` and `keras.models.load_model(...)`:
/// each makes the session's model anew (undoably) and gives it as a value.
final class SequentialClass: PyCallable {
  unowned let session: Session
  init(_ session: Session) { self.session = session }

  var typeName: String { "type" }
  var repr: String { "<class 'keras.models.Sequential'>" }

  static let signature = Signature(
    "Sequential",
    [
      .optional("layers", .none, .anything),
      .keptAtDefault("trainable", .bool(true), why: "every layer trains"),
      .optional("name", .none, .anything),
    ], example: "Sequential() or Sequential([Dense(10)])")

  func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    let bound = try SequentialClass.signature.bind(arguments)
    var items: [CallArguments.Item] = []
    if !bound["layers"].isNone {
      guard let list = bound["layers"].sequence else {
        throw LabError(
          "Sequential takes a list of layers, e.g. Sequential([Dense(10)])",
          column: bound.location(of: "layers").column, line: bound.location(of: "layers").line)
      }
      let at = bound.location(of: "layers")
      items = list.map { CallArguments.Item($0, at: at) }
    }
    try session.replaceModel("Sequential()")
    session.modelGeneration += 1
    if case .string(let name) = bound["name"] { session.model.name = name }
    for item in items {
      var call = CallArguments(start: item.location, end: item.location)
      call.positional = [item]
      _ = try CommandTable.addCall(session, try CommandTable.addSignature.bind(call))
    }
    return .object(ModelObject(session))
  }
}
