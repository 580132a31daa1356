import Engine

/// The kernels `filters` drew last, one per layer, so the next drawing can
/// say how far training moved them.
///
/// A kernel is remembered with the parameter that held it: a layer rebuilt
/// under the same name (a new model, undo, load) has a new parameter, and
/// its kernel is not compared with an old one that merely shares the name.
struct KernelMemory {
  private struct Drawn {
    weak var parameter: Parameter?
    var value: Tensor
  }
  private var drawn: [String: Drawn] = [:]

  /// How far `parameter`'s value moved since it was last drawn as `layer`'s
  /// kernel: (|K − K_then|, |K_then|), Euclidean norms; nil the first time.
  func change(of parameter: Parameter, layer: String) -> (moved: Double, normThen: Double)? {
    guard let then = drawn[layer], then.parameter === parameter,
      then.value.shape == parameter.value.shape
    else { return nil }
    var moved: Double = 0
    var norm: Double = 0
    for (now, before) in zip(parameter.value.scalars, then.value.scalars) {
      moved += Double(now - before) * Double(now - before)
      norm += Double(before) * Double(before)
    }
    return (moved.squareRoot(), norm.squareRoot())
  }

  /// Remembers `parameter`'s value as `layer`'s kernel as drawn now.
  mutating func remember(_ parameter: Parameter, layer: String) {
    drawn[layer] = Drawn(parameter: parameter, value: parameter.value)
  }
}
