/// Everything the engine can refuse to do because of what it was asked.
///
/// Cases carry facts; `description` writes one plain sentence that says what
/// is wrong and, where there is one, what to do. Bugs inside the engine are
/// not listed here: those trap with `precondition`.
public enum EngineError: Error, Equatable, Sendable {
  case scalarCountMismatch(shape: Shape, got: Int)
  case badShape(String)
  /// A layer cannot follow what comes before it.
  case incompatibleInput(layer: String, expected: String, got: Shape, hint: String)
  case invalidArgument(layer: String, message: String)
  case backwardBeforeForward(layer: String)
  case labelOutOfRange(label: Int, classCount: Int)
  case noLayers
  case noInputShape
  case layerNotFound(String)
  case indexOutOfRange(index: Int, count: Int)
  /// A file could not be read, parsed or written.
  case file(path: String, message: String)
  /// A weights or model file does not fit the model it is loaded into.
  case weightsMismatch(String)
  case notCompiled
  case nonFinite(String)
  case tooLarge(String)
  case data(String)
  /// Saliency, Grad-CAM, receptive fields or maximize cannot be worked out
  /// for this model or layer (no softmax, a layer after Flatten, ...).
  case notExplainable(String)
  /// Ctrl-C stopped a load; nothing was changed.
  case interrupted
}

extension EngineError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .scalarCountMismatch(let shape, let got):
      return "a tensor of shape \(shape) needs \(shape.scalarCount) values, got \(got)"
    case .badShape(let message):
      return message
    case .incompatibleInput(let layer, let expected, let got, let hint):
      let base = "\(layer) needs an input shaped \(expected), but gets \(got.withNoneBatch)"
      return hint.isEmpty ? base : base + ": " + hint
    case .invalidArgument(let layer, let message):
      return "\(layer): \(message)"
    case .backwardBeforeForward(let layer):
      return "\(layer) has no saved input: run a forward pass before backward"
    case .labelOutOfRange(let label, let classCount):
      return
        "label \(label) is outside 0 to \(classCount - 1), the \(classCount) classes' numbers"
    case .noLayers:
      return "the model has no layers yet: add one, e.g. add Conv2D(32, (3, 3))"
    case .noInputShape:
      return
        "the model has no input shape: give input_shape=(H, W, C) to the first layer or load an image"
    case .layerNotFound(let name):
      return "no layer named '\(name)'"
    case .indexOutOfRange(let index, let count):
      return "position \(index) is outside the model's \(count) layers"
    case .file(let path, let message):
      return "\(path): \(message)"
    case .weightsMismatch(let message):
      return message
    case .notCompiled:
      return "the model is not compiled: run compile first"
    case .nonFinite(let message):
      return message
    case .tooLarge(let message):
      return message
    case .data(let message):
      return message
    case .notExplainable(let message):
      return message
    case .interrupted:
      return "interrupted (Ctrl-C): nothing was loaded or changed"
    }
  }
}
