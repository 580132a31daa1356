import Foundation

/// LayerLab's whole-model file: one `.npz` holding the architecture as text
/// and every weight as an array, so `np.load` can open it too.
///
/// Members:
/// - `architecture`: uint8, the UTF-8 text below;
/// - `<layer name>/kernel`, `<layer name>/bias`: float32 in Keras's shapes.
///
/// The architecture text is the same Keras syntax a learner types:
/// ```
/// layerlab-model 1
/// input_shape (100, 100, 3)
/// labels dogs,cats,monkeys,birds,fish,lizards
/// conv2d = Conv2D(32, (3, 3), padding='same')
/// activation = Activation('relu')
/// ```
public enum ModelFile {
  public static let formatLine = "layerlab-model 1"

  /// What a model file holds besides the model itself.
  public struct Extras: Sendable, Equatable {
    public var labels: [String] = []
    public init(labels: [String] = []) { self.labels = labels }
  }

  /// Writes `model` (architecture and weights) to `path`, atomically.
  public static func save(_ model: Sequential, extras: Extras = Extras(), path: String)
    throws(EngineError)
  {
    var lines = [formatLine]
    if let shape = model.inputShape {
      lines.append(
        "input_shape (" + shape.dims.map(String.init).joined(separator: ", ")
          + (shape.rank == 1 ? ",)" : ")"))
    }
    if !extras.labels.isEmpty { lines.append("labels " + extras.labels.joined(separator: ",")) }
    for layer in model.layers {
      var spec = layer.spec
      spec.name = nil
      spec.inputShape = nil
      lines.append("\(layer.name) = \(spec.expression)")
    }
    let text = Array((lines.joined(separator: "\n") + "\n").utf8)
    let architecture = (
      name: "architecture", array: NDArray(validShape: [text.count], storage: .uint8(text))
    )
    try Npz.write([architecture] + model.weightArrays(), path: path, compression: .deflate)
  }

  /// Reads a model file into a new model; nothing else is touched, so a bad
  /// file leaves the caller's model as it was.
  public static func load(path: String, seed: UInt64 = 0) throws(EngineError) -> (
    Sequential, Extras
  ) {
    let arrays = try Npz.read(path: path)
    guard let architecture = arrays.first(where: { $0.name == "architecture" })?.array,
      case .uint8(let bytes) = architecture.storage,
      let text = String(bytes: bytes, encoding: .utf8)
    else {
      throw .file(
        path: path,
        message:
          "not a LayerLab model (no architecture inside); for weights only use 'load weights'")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    guard lines.first == formatLine else {
      throw .file(path: path, message: "not a LayerLab model file of a version this LayerLab reads")
    }
    lines.removeFirst()
    let model = Sequential(seed: seed)
    var extras = Extras()
    for (number, line) in lines.enumerated() {
      func bad(_ why: String) -> EngineError {
        .file(path: path, message: "architecture line \(number + 2) '\(line)': \(why)")
      }
      if line.hasPrefix("input_shape ") {
        let shapeText = String(line.dropFirst("input_shape ".count))
        guard let node = try? PyParser.parse(shapeText),
          let shape = try? LayerSpec.shape(node, arrays: [:])
        else {
          throw bad("not a shape")
        }
        try model.setInputShape(shape)
      } else if line.hasPrefix("labels ") {
        extras.labels = line.dropFirst("labels ".count).split(separator: ",").map(String.init)
      } else if let eq = line.range(of: " = ") {
        let name = String(line[..<eq.lowerBound])
        do {
          var spec = try LayerSpec(parsing: PyParser.parse(String(line[eq.upperBound...])))
          spec.name = name
          try model.add(spec)
        } catch let error as LabError {
          throw bad(error.message)
        } catch let error as EngineError {
          throw bad(error.description)
        } catch {
          throw bad("\(error)")
        }
      } else {
        throw bad("not understood")
      }
    }
    try model.loadWeights(arrays.filter { $0.name != "architecture" }, source: path)
    return (model, extras)
  }
}
