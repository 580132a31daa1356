import Foundation
import Testing

@testable import Engine

/// Runs `python` with `arguments`; nil when it cannot be started.
func runPython(_ python: String, _ arguments: [String]) -> (status: Int32, output: String)? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [python] + arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  do { try process.run() } catch { return nil }
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Test func kerasScriptRebuildsTheSameLayers() throws {
  let model = try seedNetwork(height: 12, width: 12, classes: 3)
  let script = try KerasExport.script(
    for: model, weightsFile: "seed.npz", labels: ["a", "b\"c", "d"])
  #expect(script.contains("model.add(keras.Input(shape=(12, 12, 3)))"))
  #expect(script.contains("model.add(layers.Conv2D(32, (3, 3), padding='same', name='conv2d'))"))
  #expect(script.contains("model.add(layers.Activation('softmax', name='activation_5'))"))
  #expect(script.contains("LABELS = [\"a\", \"b\\\"c\", \"d\"]"))
  // Every layer of the model appears once, in order.
  let adds = script.split(separator: "\n").filter { $0.contains("model.add(layers.") }
  #expect(adds.count == model.layers.count)
  // The script is valid Python (when a Python is at hand to say so).
  let path = temporaryPath("export_check.py")
  try script.write(toFile: path, atomically: true, encoding: .utf8)
  if let result = runPython(
    "python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", path])
  {
    #expect(result.status == 0, "\(result.output)")
  }
}

/// With a Python that has Keras 3 (set LAYERLAB_KERAS_PYTHON to it), the
/// exported script must reproduce every layer's output.
@Test(.enabled(if: ProcessInfo.processInfo.environment["LAYERLAB_KERAS_PYTHON"] != nil))
func kerasScriptGivesTheSameOutputs() throws {
  let python = try #require(ProcessInfo.processInfo.environment["LAYERLAB_KERAS_PYTHON"])
  let model = try seedNetwork(height: 16, width: 14, classes: 4, seed: 3)
  let x = randomTensor([2, 16, 14, 3], seed: 8).map { abs($0) }
  try model.forward(x, mode: .inference)
  let weights = temporaryPath("keras_same.npz")
  try Npz.write(model.weightArrays(), path: weights)
  let activations =
    [(name: "input", array: NDArray(tensor: x))]
    + zip(model.layers, model.lastOutputs).map { (name: $0.name, array: NDArray(tensor: $1)) }
  let activationsPath = temporaryPath("keras_same_activations.npz")
  try Npz.write(activations, path: activationsPath)
  let scriptPath = temporaryPath("keras_same.py")
  try KerasExport.script(for: model, weightsFile: "keras_same.npz").write(
    toFile: scriptPath, atomically: true, encoding: .utf8)
  let result = try #require(runPython(python, [scriptPath, "--check", activationsPath]))
  #expect(result.status == 0, "\(result.output)")
  #expect(result.output.contains("same outputs"))
}
