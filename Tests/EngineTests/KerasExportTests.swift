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

/// python3 on PATH, for the checks that the exported script is valid Python.
let python3Available: Bool = runPython("python3", ["-c", "pass"])?.status == 0

@Test func kerasScriptRebuildsTheSameLayers() throws {
  let model = try seedNetwork(height: 12, width: 12, classes: 3)
  let script = try KerasExport.script(
    for: model, weightsFile: "seed.npz", labels: ["a", "b\"c", "d"])
  #expect(script.contains("model.add(keras.Input(shape=(12, 12, 3)))"))
  #expect(script.contains("model.add(layers.Conv2D(32, (3, 3), padding='same', name='conv2d'))"))
  #expect(script.contains("model.add(layers.Activation('softmax', name='activation_5'))"))
  #expect(script.contains("model.add(layers.Flatten(name='flatten'))"))
  #expect(script.contains("LABELS = ['a', 'b\"c', 'd']"))
  // Every layer of the model appears once, in order.
  let adds = script.split(separator: "\n").filter { $0.contains("model.add(layers.") }
  #expect(adds.count == model.layers.count)
}

/// Every string the script holds, as Python reads them back: the names of
/// the layers and the model, the labels, the weights file. A name that could
/// end its literal early would show up here as something else, or not parse.
func pythonStrings(of script: String) throws -> String {
  let path = temporaryPath("export_strings_\(UUID().uuidString).py")
  try script.write(toFile: path, atomically: true, encoding: .utf8)
  defer { try? FileManager.default.removeItem(atPath: path) }
  let reader = """
    import ast, json, sys
    tree = ast.parse(open(sys.argv[1]).read())
    calls = [n.func.id if isinstance(n.func, ast.Name) else n.func.attr
             for n in ast.walk(tree) if isinstance(n, ast.Call)]
    names = [ast.literal_eval(k.value) for n in ast.walk(tree) if isinstance(n, ast.Call)
             for k in n.keywords if k.arg == "name"]
    labels = [ast.literal_eval(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign)
              and getattr(n.targets[0], "id", "") == "LABELS"]
    print(json.dumps({"names": names, "labels": labels, "imports": "__import__" in calls}))
    """
  let result = try #require(runPython("python3", ["-c", reader, path]))
  #expect(result.status == 0, "\(result.output)")
  return result.output
}

@Test(.enabled(if: python3Available)) func kerasScriptIsValidPython() throws {
  let model = try seedNetwork(height: 12, width: 12, classes: 3)
  let script = try KerasExport.script(
    for: model, weightsFile: "seed.npz", labels: ["a", "b\"c", "d"])
  let strings = try pythonStrings(of: script)
  #expect(strings.contains(#""labels": [["a", "b\"c", "d"]]"#), "\(strings)")
}

/// Issue 16: a layer name from a model file was written into the script
/// unescaped, so `x'), __import__('os').system('...'), layers.Flatten(name='y`
/// ran a command when the learner ran the script; labels with a newline made
/// a script that did not parse. Every name and label is now a Python literal
/// that reads back as exactly itself.
@Test(.enabled(if: python3Available)) func namesAndLabelsCannotEscapeTheirLiterals() throws {
  let evil = "x'), __import__('os').system('touch /tmp/owned'), layers.Flatten(name='y"
  let model = Sequential()
  var spec = try LayerSpec(parsing: PyParser.parse("Flatten(input_shape=(2, 2, 1))"))
  spec.name = evil
  try model.add(spec)
  var dense = try LayerSpec(parsing: PyParser.parse("Dense(2)"))
  dense.name = "d\"\"\"\\\n\u{1B}]0;t\u{07}"
  try model.add(dense)
  let script = try KerasExport.script(
    for: model, weightsFile: "w'\n.npz", labels: ["two\nlines", "quote'\"", "tab\there"])
  #expect(!script.contains("__import__('os')"))
  let strings = try pythonStrings(of: script)
  #expect(strings.contains(#""imports": false"#), "\(strings)")
  let decoded = try JSONSerialization.jsonObject(with: Data(strings.utf8)) as? [String: Any]
  let names = decoded?["names"] as? [String] ?? []
  #expect(names == ["sequential", evil, "d\"\"\"\\\n\u{1B}]0;t\u{07}"], "\(strings)")
  let labels = decoded?["labels"] as? [[String]] ?? []
  #expect(labels == [["two\nlines", "quote'\"", "tab\there"]], "\(strings)")
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
