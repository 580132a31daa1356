import Engine

/// A Keras optimizer class or Keras 2 factory: `keras.optimizers.Adam`,
/// `keras.optimizers.adam` (the seed's). Calling it gives an optimizer.
final class OptimizerClass: PyCallable {
  let kind: OptimizerSpec.Kind
  let name: String
  init(_ kind: OptimizerSpec.Kind, name: String) {
    self.kind = kind
    self.name = name
  }

  var typeName: String { "type" }
  var repr: String { "<class 'keras.optimizers.\(name)'>" }

  func call(_ arguments: CallArguments, context: any CallContext) throws -> PyValue {
    let bound = try OptimizerSpec.signature(for: kind).bind(arguments)
    return .object(OptimizerObject(OptimizerSpec(kind: kind, bound: bound)))
  }
}

/// An optimizer as a Python value, for `compile(optimizer=opt)`.
final class OptimizerObject: PyObject {
  let spec: OptimizerSpec
  init(_ spec: OptimizerSpec) { self.spec = spec }

  var typeName: String { spec.kind.rawValue }
  var repr: String { "<keras.optimizers.\(spec.kind.rawValue) \(spec.expression)>" }
  var attributeNames: [String] { ["learning_rate", "name"] }
  func attribute(_ name: String) throws -> PyValue? {
    switch name {
    case "learning_rate", "lr": return .float(Double(spec.learningRate))
    case "name": return .string(spec.kind.rawValue.lowercased())
    default: return nil
    }
  }
}

/// What `model.fit` returns: `history.history['loss']`, one number per epoch.
final class HistoryObject: PyObject {
  let records: [EpochRecord]
  let params: (epochs: Int, steps: Int)
  /// Whether accuracy was a compiled metric, and so a key of `history`.
  let accuracy: Bool

  init(records: [EpochRecord], epochs: Int, steps: Int, accuracy: Bool) {
    self.records = records
    self.accuracy = accuracy
    params = (epochs, steps)
  }

  var typeName: String { "History" }
  var repr: String {
    "<keras.callbacks.History object: \(records.count) epoch\(records.count == 1 ? "" : "s")>"
  }
  var attributeNames: [String] { ["history", "epoch", "params"] }

  func attribute(_ name: String) throws -> PyValue? {
    switch name {
    case "history":
      func series(_ values: [Float]) -> PyValue { .list(PyList(values.map { .float(Double($0)) })) }
      var pairs: [(PyConstant, PyValue)] =
        (accuracy ? [(.string("accuracy"), series(records.map(\.accuracy)))] : [])
        + [(.string("loss"), series(records.map(\.loss)))]
      if records.allSatisfy({ $0.validationLoss != nil }), !records.isEmpty {
        if accuracy {
          pairs.append((.string("val_accuracy"), series(records.compactMap(\.validationAccuracy))))
        }
        pairs.append((.string("val_loss"), series(records.compactMap(\.validationLoss))))
      }
      return .dict(PyDict(pairs))
    case "epoch":
      return .list(PyList(records.indices.map { .int($0) }))
    case "params":
      return .dict(
        PyDict([
          (.string("verbose"), .int(1)), (.string("epochs"), .int(params.epochs)),
          (.string("steps"), .int(params.steps)),
        ]))
    default: return nil
    }
  }
}
