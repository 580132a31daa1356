/// A saliency map: for each pixel, how strongly the chosen class's logit
/// reacts to a small change of that pixel.
///
/// map[y, x] = max over channels c of |d logit / d input[y, x, c]|
/// (Simonyan, Vedaldi and Zisserman 2014, "Deep Inside Convolutional
/// Networks", section 3.1: the largest magnitude over the colour channels).
public struct SaliencyMap: Sendable, Equatable {
  public var height: Int
  public var width: Int
  /// Row-major, `height * width` values, all >= 0.
  public var values: [Float]
  public var scores: ClassScores
}

extension Sequential {
  /// The saliency map of `image` (`[1, height, width, channels]`) for class
  /// `classIndex` (nil: the predicted class), in inference mode (Dropout
  /// passes values through).
  ///
  /// Runs on a ``probeCopy()``: this model's last pass, caches, gradients
  /// and generators are left as they were.
  public func saliency(of image: Tensor, classIndex: Int? = nil) throws(EngineError)
    -> SaliencyMap
  {
    guard image.shape.rank == 4 else {
      throw .notExplainable(
        "saliency maps the pixels of an image, and the model takes inputs shaped \(image.shape.unbatched.withNoneBatch)"
      )
    }
    let pass = try probeCopy().classScoreGradient(
      image, classIndex: classIndex, at: -1, task: "saliency")
    let (h, w, c) = (image.shape[1], image.shape[2], image.shape[3])
    var values = [Float](repeating: 0, count: h * w)
    pass.gradient.scalars.withUnsafeBufferPointer { g in
      for p in 0..<(h * w) {
        var largest: Float = 0
        for k in 0..<c { largest = max(largest, abs(g[p * c + k])) }
        values[p] = largest
      }
    }
    return SaliencyMap(height: h, width: w, values: values, scores: pass.scores)
  }
}
