/// What a layer may be called, whether typed (`name='edges'`) or read from a
/// model file.
///
/// The same rule as a typed `name=`: letters, digits, `_`, `-` and `.`.
/// That keeps every name a valid Keras 3 name (Keras refuses `/`,
/// keras/src/ops/operation.py), a safe `.npz` member prefix
/// (`conv2d/kernel`), and one line of the model file's architecture text;
/// it also shuts out the quotes, newlines and escape characters a hostile
/// file could hide in a name. Written into Python, names still go through
/// `SafeText.pythonString`.
public enum LayerName {
  public static func isValid(_ name: String) -> Bool {
    !name.isEmpty && SafeText.isPrintable(name)
      && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
  }
}
