import Foundation

/// Writes a Keras 3 script that rebuilds a LayerLab model, so a learner who
/// outgrows LayerLab leaves with the same network and weights.
///
/// The script builds the same layers with the same names and shapes, loads
/// the weights from an `.npz` saved beside it (`<layer>/kernel`, `<layer>/bias`,
/// Keras's shapes, so `set_weights` takes them as they are), prints the
/// summary, and with `--check ACTIVATIONS.npz` (a LayerLab `save activations`
/// file) runs the saved input through Keras and compares every layer's output.
public enum KerasExport {
  /// The script text; `weightsFile` is the `.npz` name relative to the script.
  public static func script(for model: Sequential, weightsFile: String, labels: [String] = [])
    throws(EngineError) -> String
  {
    guard let inputShape = model.inputShape else { throw .noInputShape }
    guard !model.layers.isEmpty else { throw .noLayers }
    let shape =
      "(" + inputShape.dims.map(String.init).joined(separator: ", ")
      + (inputShape.rank == 1 ? ",)" : ")")
    var adds: [String] = []
    for layer in model.layers {
      var spec = layer.spec
      spec.inputShape = nil
      // The name is written here, quoted, not by `expression`: a name read
      // from a model file must not be able to end the string and run code.
      spec.name = nil
      let call = spec.expression
      let name = "name=" + SafeText.pythonString(layer.name)
      let withName =
        call.hasSuffix("()")
        ? String(call.dropLast()) + name + ")" : String(call.dropLast()) + ", " + name + ")"
      adds.append("    model.add(layers.\(withName))")
    }
    let labelList = labels.map(SafeText.pythonString).joined(separator: ", ")
    // Comments end at a newline, which a quoted literal never holds.
    let scriptName = commentText(weightsFile.replacingSuffix(".npz", with: ".py"))
    return """
      \"\"\"Rebuild a LayerLab model in Keras 3 and load its weights.

      Written by LayerLab's `export keras`. Needs Python 3 with keras>=3 and numpy
      (any backend: TensorFlow, JAX or PyTorch). See the usage below.
      \"\"\"
      # python3 \(scriptName)              # build, load, print the summary
      # python3 \(scriptName) --check A.npz  # compare with LayerLab's 'save activations A.npz'
      import os
      import sys

      import numpy as np
      import keras
      from keras import layers

      WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), \(SafeText.pythonString(weightsFile)))
      LABELS = [\(labelList)]


      def build_model():
          model = keras.Sequential(name=\(SafeText.pythonString(model.name)))
          model.add(keras.Input(shape=\(shape)))
      \(adds.joined(separator: "\n"))
          return model


      def load_weights(model, path=WEIGHTS):
          arrays = np.load(path)
          for layer in model.layers:
              if not layer.weights:
                  continue
              names = [f"{layer.name}/{w.name}" for w in layer.weights]
              layer.set_weights([arrays[n] for n in names if n in arrays.files])


      def check(model, activations_path):
          saved = np.load(activations_path)
          probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
          outputs = probe.predict(saved["input"], verbose=0)
          worst = 0.0
          for layer, out in zip(model.layers, outputs):
              ours = saved[layer.name]
              gap = float(np.max(np.abs(np.asarray(out) - ours))) if ours.size else 0.0
              scale = max(1.0, float(np.max(np.abs(ours)))) if ours.size else 1.0
              worst = max(worst, gap / scale)
              print(f"{layer.name:24s} {str(ours.shape):24s} max |keras - layerlab| = {gap:.3g}")
          print("same outputs" if worst < 1e-4 else "outputs differ")
          return worst < 1e-4


      if __name__ == "__main__":
          model = build_model()
          load_weights(model)
          model.summary()
          if len(sys.argv) == 3 and sys.argv[1] == "--check":
              sys.exit(0 if check(model, sys.argv[2]) else 1)

      """
  }
}

/// `text` for a Python comment: one line of printable ASCII (the body of
/// its quoted literal), so it cannot end the comment.
private func commentText(_ text: String) -> String {
  String(SafeText.pythonString(text).dropFirst().dropLast())
}

extension String {
  func replacingSuffix(_ suffix: String, with replacement: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self + replacement
  }
}
