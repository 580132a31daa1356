import Engine

/// The outputs of the last two `forward` commands, for `diff`.
///
/// Kept by the session, not the model: training runs many forward passes of
/// its own (and changes the weights after them), while `diff` compares what
/// the learner asked to see, e.g. one picture before and after `fit`.
final class PassHistory {
  struct Pass {
    var layerNames: [String]
    var outputs: [Tensor]
    /// `inference pass on demo cat`.
    var label: String

    /// The output of the layer called `name`, if that pass had one.
    func output(of name: String) -> Tensor? {
      layerNames.firstIndex(of: name).map { outputs[$0] }
    }
  }

  private(set) var latest: Pass?
  private(set) var previous: Pass?

  func record(_ pass: Pass) {
    previous = latest
    latest = pass
  }

  func clear() {
    latest = nil
    previous = nil
  }
}
