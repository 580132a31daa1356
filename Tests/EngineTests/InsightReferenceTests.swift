import Foundation
import Testing

@testable import Engine

/// Saliency and Grad-CAM against maps computed independently with JAX's
/// automatic differentiation (Fixtures/insight/make_insight.py, which
/// writes the networks a second time in JAX and computes in float64): each
/// map within 1e-3 of its largest value.
///
/// Set LAYERLAB_JAX_PYTHON to a Python with jax and numpy to regenerate the
/// fixtures into a temporary folder and compare against those too.
@Suite struct InsightReferenceTests {
  static let files = ["net_a", "net_b"]

  @Test(arguments: files)
  func mapsMatchJAX(_ name: String) throws {
    try compare(fixture("insight/\(name).npz"))
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["LAYERLAB_JAX_PYTHON"] != nil))
  func mapsMatchAFreshJAXRun() throws {
    let python = try #require(ProcessInfo.processInfo.environment["LAYERLAB_JAX_PYTHON"])
    let folder = try makeTempFolder()
    let result = try #require(runPython(python, [fixture("insight/make_insight.py"), folder]))
    #expect(result.status == 0, "\(result.output)")
    for name in Self.files { try compare(folder + "/\(name).npz") }
  }

  private func compare(_ path: String) throws {
    var arrays: [String: NDArray] = [:]
    for (key, array) in try Npz.read(path: path) { arrays[key] = array }
    let model = try Self.model(try #require(arrays["architecture"]))
    try model.loadWeights(
      arrays.filter { $0.key.hasSuffix("/kernel") || $0.key.hasSuffix("/bias") }.map {
        (name: $0.key, array: $0.value)
      }, source: path)
    let image = try #require(arrays["image"]).tensor()
    let expectedLogits = try #require(arrays["logits"]).floats()
    var checked = 0
    for (key, array) in arrays.sorted(by: { $0.key < $1.key }) {
      let parts = key.split(separator: "/").map(String.init)
      if parts.count == 2, parts[0] == "saliency", let c = Int(parts[1]) {
        let map = try model.saliency(of: image, classIndex: c)
        #expect([map.height, map.width] == array.shape, "\(key)")
        #expect(gapOfLargest(map.scores.logits, expectedLogits) < 1e-4)
        #expect(gapOfLargest(map.values, array.floats()) < 1e-3, "\(key)")
        checked += 1
      } else if parts.count == 3, parts[0] == "gradcam", let c = Int(parts[2]) {
        let index = try model.index(of: parts[1])
        let cam = try model.gradCAM(of: image, layer: index, classIndex: c)
        #expect([cam.height, cam.width] == array.shape, "\(key)")
        #expect(gapOfLargest(cam.values, array.floats()) < 1e-3, "\(key)")
        checked += 1
      }
    }
    #expect(checked >= 10)
  }

  /// The model the fixture describes: `input_shape (H, W, C)`, then one Keras line per layer.
  static func model(_ architecture: NDArray) throws -> Sequential {
    let text = String(decoding: architecture.floats().map { UInt8($0) }, as: UTF8.self)
    var lines = text.split(separator: "\n").map(String.init)
    let first = lines.removeFirst()
    let dims = first.dropFirst("input_shape (".count).dropLast().split(separator: ",").compactMap {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    let model = Sequential(seed: 0)
    for line in lines { try model.add(LayerSpec(parsing: PyParser.parse(line))) }
    try model.setInputShape(Shape(dims))
    return model
  }
}
