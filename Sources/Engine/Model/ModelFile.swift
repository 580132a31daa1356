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

  /// The most bytes the architecture text may take: a model of the most
  /// layers allowed needs a small fraction of it.
  static let maxArchitectureBytes = 1 << 20
  /// The longest architecture line but `labels`: LayerLab writes about 100.
  static let maxLineLength = 1_000
  /// The longest `labels` line: 256 labels of a folder name's 255 bytes.
  static let maxLabelsLength = 70_000

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
    if !extras.labels.isEmpty {
      // One line, commas between: a label (from a folder name, say) that
      // holds a line break or a comma is written with those escaped.
      let labels = extras.labels.map {
        SafeText.terminal($0).replacingOccurrences(of: ",", with: "\\x2c")
      }
      lines.append("labels " + labels.joined(separator: ","))
    }
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
  ///
  /// The work is bounded before it starts: the architecture text is at most
  /// 1 MB, its lines are short, the layers at most `Sequential.maxLayers`,
  /// all built in one pass, and the weights are checked by name and shape
  /// from their headers before one of them is inflated.
  public static func load(path: String, seed: UInt64 = 0) throws(EngineError) -> (
    Sequential, Extras
  ) {
    try load(archive: NpzArchive(path: path), seed: seed)
  }

  /// Whether the `.npz` at `path` is a whole model (it has an `architecture`
  /// member), which `load weights` refuses with a pointer to `load model`;
  /// only the archive's directory is read.
  public static func isWholeModel(path: String) throws(EngineError) -> Bool {
    try NpzArchive(path: path).members.contains { $0.name == "architecture" }
  }

  /// ``load(path:seed:)`` for an archive already open; `maxParameters`
  /// lowers the model's budget (the fuzzer's, which must stay small).
  static func load(
    archive: NpzArchive, seed: UInt64 = 0,
    maxParameters: Int = Sequential.defaultMaxParameters
  ) throws(EngineError) -> (Sequential, Extras) {
    let path = archive.source
    let notAModel = EngineError.file(
      path: path,
      message: "not a LayerLab model (no architecture inside); for weights only use 'load weights'")
    guard let member = archive.members.first(where: { $0.name == "architecture" }) else {
      throw notAModel
    }
    guard member.header.dtype.kind == .unsigned, member.header.dtype.size == 1,
      member.header.shape.count == 1
    else { throw notAModel }
    guard member.header.count <= maxArchitectureBytes else {
      throw .file(
        path: path,
        message:
          "the architecture text is \(member.header.count) bytes, more than \(maxArchitectureBytes); this is not a model file LayerLab wrote"
      )
    }
    guard case .uint8(let bytes) = try archive.array(member).storage,
      let text = String(bytes: bytes, encoding: .utf8)
    else {
      throw .file(
        path: path, message: "the architecture text is not UTF-8; the file may be corrupt")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    guard lines.first == formatLine else {
      throw .file(path: path, message: "not a LayerLab model file of a version this LayerLab reads")
    }
    lines.removeFirst()
    let model = Sequential(seed: seed)
    model.maxParameters = maxParameters
    var extras = Extras()
    var specs: [LayerSpec] = []
    for (number, line) in lines.enumerated() {
      // The line as messages show it: escaped and cut, never 200 KB on screen.
      func bad(_ why: String) -> EngineError {
        .file(
          path: path,
          message: "architecture line \(number + 2) '\(SafeText.terminal(line, limit: 80))': \(why)"
        )
      }
      let isLabels = line.hasPrefix("labels ")
      guard line.count <= (isLabels ? maxLabelsLength : maxLineLength) else {
        throw bad(
          "\(line.count) characters long, more than a model file LayerLab wrote ever holds")
      }
      if line.hasPrefix("input_shape ") {
        let shapeText = String(line.dropFirst("input_shape ".count))
        guard let node = try? PyParser.parse(shapeText),
          let shape = try? LayerSpec.shape(node, arrays: [:])
        else {
          throw bad("not a shape")
        }
        try model.setInputShape(shape)
      } else if isLabels {
        extras.labels = line.dropFirst("labels ".count).split(separator: ",").map {
          $0.replacingOccurrences(of: "\\x2c", with: ",")
        }
      } else if let eq = line.range(of: " = ") {
        let name = String(line[..<eq.lowerBound])
        guard LayerName.isValid(name) else {
          throw bad(
            "the layer name is not valid: names are letters, digits, _, - and . only (as name= takes them)"
          )
        }
        guard specs.count < model.maxLayers else {
          throw bad("more than \(model.maxLayers) layers, the most a LayerLab model may have")
        }
        do throws(LabError) {
          var spec = try LayerSpec(parsing: PyParser.parse(String(line[eq.upperBound...])))
          spec.name = name
          specs.append(spec)
        } catch {
          throw bad(error.message)
        }
      } else {
        throw bad("not understood")
      }
      try Interruption.check()
    }
    // The weights will be inflated beside the model: the budget counts them.
    // (Capped per member so that 10,000 members cannot overflow the sum.)
    model.memoryReserve = archive.members.filter { $0.name != "architecture" }.reduce(0) {
      $0 + min($1.header.count, Int.max / 80_000) * MemoryLayout<Float>.size
    }
    defer { model.memoryReserve = 0 }
    do {
      try model.add(contentsOf: specs)
    } catch {
      throw .file(path: path, message: "the architecture does not build: \(error.description)")
    }
    try model.loadWeights(from: archive, ignoring: ["architecture"])
    return (model, extras)
  }
}
