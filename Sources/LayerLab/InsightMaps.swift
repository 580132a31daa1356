import Engine

/// The maps `saliency`, `gradcam`, `receptive` and `maximize` drew last,
/// kept for `save saliency|gradcam|receptive|maximized PATH.npy`.
struct InsightMaps {
  enum Kind: String, CaseIterable {
    case saliency, gradcam, receptive, maximized

    /// The command that makes this kind of map.
    var command: String { self == .maximized ? "maximize" : rawValue }
  }

  /// `(H, W)`: max over channels of |d logit / d pixel|.
  var saliency: Tensor?
  /// `(h, w)` at the layer's resolution, not upsampled and not normalised.
  var gradcam: Tensor?
  /// `(H, W)`: 1 for the pixels the cell can see, 0 elsewhere.
  var receptive: Tensor?
  /// `(H, W, C)`: a picture `image PATH.npy` takes back as it is.
  var maximized: Tensor?

  subscript(kind: Kind) -> Tensor? {
    switch kind {
    case .saliency: saliency
    case .gradcam: gradcam
    case .receptive: receptive
    case .maximized: maximized
    }
  }
}
