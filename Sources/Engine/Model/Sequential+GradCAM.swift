/// A Grad-CAM map at one layer: where, at that layer's resolution, the
/// maps that raise the chosen class's logit are active.
///
/// With A the layer's output (h, w, K channels) and s the logit:
/// alpha_k = (1 / (h·w)) Σ_{y,x} ds / dA[y, x, k], and
/// map[y, x] = ReLU(Σ_k alpha_k · A[y, x, k])
/// (Selvaraju et al. 2017, "Grad-CAM", equations 1 and 2).
public struct GradCAMMap: Sendable, Equatable {
  /// The layer's position in the model.
  public var layerIndex: Int
  public var height: Int
  public var width: Int
  /// Row-major, `height * width` values, all >= 0, not normalised.
  public var values: [Float]
  /// alpha_k, one per channel: how much each map counts for the class.
  public var weights: [Float]
  public var scores: ClassScores
}

extension Sequential {
  /// The Grad-CAM map of `image` (a batch of one) at layer `index` for
  /// class `classIndex` (nil: the predicted class), in inference mode.
  ///
  /// The layer must make maps, `(height, width, channels)`: a Conv2D, an
  /// activation, pooling or Dropout before Flatten. Runs on a
  /// ``probeCopy()``, leaving this model as it was.
  public func gradCAM(of image: Tensor, layer index: Int, classIndex: Int? = nil)
    throws(EngineError) -> GradCAMMap
  {
    guard layers.indices.contains(index) else {
      throw .indexOutOfRange(index: index, count: layers.count)
    }
    let layer = layers[index]
    if outputShapes.indices.contains(index), outputShapes[index].rank != 3 {
      let suggestion = lastMapLayerName(below: index).map { ", e.g. \($0)" } ?? ""
      throw .notExplainable(
        "Grad-CAM needs a layer that makes maps (height, width, channels), and \(layer.name)'s output is \(outputShapes[index].withNoneBatch): choose a layer before Flatten\(suggestion)"
      )
    }
    let pass = try probeCopy().classScoreGradient(
      image, classIndex: classIndex, at: index, task: "Grad-CAM")
    let a = pass.activation
    guard a.shape.rank == 4 else {
      throw .notExplainable(
        "Grad-CAM needs maps (height, width, channels), and \(layer.name)'s output is \(a.shape.unbatched.withNoneBatch)"
      )
    }
    let (h, w, k) = (a.shape[1], a.shape[2], a.shape[3])
    var weights = [Float](repeating: 0, count: k)
    var values = [Float](repeating: 0, count: h * w)
    pass.gradient.scalars.withUnsafeBufferPointer { g in
      a.scalars.withUnsafeBufferPointer { act in
        // Sums in Double: a 100x100 map adds 10,000 gradients per channel.
        var sums = [Double](repeating: 0, count: k)
        for p in 0..<(h * w) {
          for c in 0..<k { sums[c] += Double(g[p * k + c]) }
        }
        for c in 0..<k { weights[c] = Float(sums[c] / Double(h * w)) }
        for p in 0..<(h * w) {
          var s: Double = 0
          for c in 0..<k { s += Double(weights[c]) * Double(act[p * k + c]) }
          values[p] = Float(max(s, 0))
        }
      }
    }
    return GradCAMMap(
      layerIndex: index, height: h, width: w, values: values, weights: weights,
      scores: pass.scores)
  }
}
