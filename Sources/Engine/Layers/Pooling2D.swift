/// `MaxPooling2D` and `AveragePooling2D`: a window slides over each channel
/// and keeps its largest value, or its mean.
///
/// output[n, oy, ox, c] = max (or mean) of input[n, oy·sy − padTop + ky, ox·sx − padLeft + kx, c]
/// over the pool window, padding cells excluded (TensorFlow: `same` max pooling
/// ignores the padding and `same` average pooling divides by the cells inside
/// the input only).
///
/// Shapes: input `[batch, height, width, channels]`, output
/// `[batch, outHeight, outWidth, channels]`; strides default to pool_size and
/// `valid` floors: outHeight = floor((height − poolHeight) / strideY) + 1.
public final class Pooling2D: Layer {
  public var name: String
  public let spec: LayerSpec
  private var savedInputShape: Shape?
  /// For max pooling: the flat input index that won each output cell, read by backward.
  /// A tie goes to the first cell in row-major window order.
  private var winners: [Int32] = []
  private var savedGeometry: ConvGeometry?
  private var isMax: Bool { spec.kind == .maxPooling2D }

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  var strides: [Int] { spec.strides ?? spec.poolSize }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    let (ph, pw) = (spec.poolSize[0], spec.poolSize[1])
    guard input.rank == 3 else {
      throw .incompatibleInput(
        layer: "\(name) (\(spec.kind.rawValue))", expected: "(height, width, channels)", got: input,
        hint: input.rank == 1 ? "pooling cannot follow Flatten or Dense" : "")
    }
    let layer = "\(name) (\(spec.kind.rawValue))"
    guard
      let (oh, _) = try spec.padding.checkedOutputLength(
        input: input[0], kernel: ph, stride: strides[0], layer: layer),
      let (ow, _) = try spec.padding.checkedOutputLength(
        input: input[1], kernel: pw, stride: strides[1], layer: layer)
    else {
      throw .incompatibleInput(
        layer: "\(name) (\(spec.kind.rawValue))", expected: "at least \(ph)x\(pw) pixels", got: input,
        hint: "the \(ph)x\(pw) pool is larger than the \(input[0])x\(input[1]) map; use a smaller pool_size or padding='same'")
    }
    return [oh, ow, input[2]]
  }

  func geometry(for input: Shape) throws(EngineError) -> ConvGeometry {
    let perSample = input.unbatched
    let out = try outputShape(for: perSample)
    let (ph, pw) = (spec.poolSize[0], spec.poolSize[1])
    return ConvGeometry(
      batch: input[0], inHeight: perSample[0], inWidth: perSample[1], inChannels: perSample[2],
      outHeight: out[0], outWidth: out[1], filters: perSample[2],
      kernelHeight: ph, kernelWidth: pw, strideY: strides[0], strideX: strides[1],
      padTop: spec.padding.outputLength(input: perSample[0], kernel: ph, stride: strides[0])?.before ?? 0,
      padLeft: spec.padding.outputLength(input: perSample[1], kernel: pw, stride: strides[1])?.before ?? 0)
  }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError) -> Tensor {
    guard input.shape.rank == 4 else { throw .badShape("\(name) needs a batch of images") }
    let g = try geometry(for: input.shape)
    let channels = g.inChannels
    var output = [Float](repeating: 0, count: g.outputCount)
    if isMax { winners = [Int32](repeating: 0, count: g.outputCount) }
    input.scalars.withUnsafeBufferPointer { x in
      for n in 0..<g.batch {
        for oy in 0..<g.outHeight {
          let y0 = max(oy * g.strideY - g.padTop, 0)
          let y1 = min(oy * g.strideY - g.padTop + g.kernelHeight, g.inHeight)
          for ox in 0..<g.outWidth {
            let x0 = max(ox * g.strideX - g.padLeft, 0)
            let x1 = min(ox * g.strideX - g.padLeft + g.kernelWidth, g.inWidth)
            let outBase = ((n * g.outHeight + oy) * g.outWidth + ox) * channels
            for c in 0..<channels {
              var best = -Float.infinity
              var bestIndex = -1
              var sum: Float = 0
              for iy in y0..<y1 {
                for ix in x0..<x1 {
                  let i = ((n * g.inHeight + iy) * g.inWidth + ix) * channels + c
                  let v = x[i]
                  sum += v
                  // NaN never wins a comparison; the first cell stands in so backward has a target.
                  if v > best || bestIndex < 0 {
                    best = v
                    bestIndex = i
                  }
                }
              }
              if isMax {
                output[outBase + c] = best
                winners[outBase + c] = Int32(truncatingIfNeeded: bestIndex)
              } else {
                output[outBase + c] = sum / Float((y1 - y0) * (x1 - x0))
              }
            }
          }
        }
      }
    }
    savedInputShape = input.shape
    savedGeometry = g
    return Tensor(validShape: [g.batch, g.outHeight, g.outWidth, channels], scalars: output)
  }

  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let inputShape = savedInputShape, let g = savedGeometry else {
      throw .backwardBeforeForward(layer: name)
    }
    var inputGradient = [Float](repeating: 0, count: inputShape.scalarCount)
    let gradient = outputGradient.scalars
    if isMax {
      // Only the winning cell of each window moved the output, so it takes all the gradient.
      for o in 0..<gradient.count { inputGradient[Int(winners[o])] += gradient[o] }
      return Tensor(validShape: inputShape, scalars: inputGradient)
    }
    let channels = g.inChannels
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        let y0 = max(oy * g.strideY - g.padTop, 0)
        let y1 = min(oy * g.strideY - g.padTop + g.kernelHeight, g.inHeight)
        for ox in 0..<g.outWidth {
          let x0 = max(ox * g.strideX - g.padLeft, 0)
          let x1 = min(ox * g.strideX - g.padLeft + g.kernelWidth, g.inWidth)
          let share = 1 / Float((y1 - y0) * (x1 - x0))
          let outBase = ((n * g.outHeight + oy) * g.outWidth + ox) * channels
          for c in 0..<channels {
            // Every cell of the window contributed 1/count of the mean.
            let part = gradient[outBase + c] * share
            for iy in y0..<y1 {
              for ix in x0..<x1 {
                inputGradient[((n * g.inHeight + iy) * g.inWidth + ix) * channels + c] += part
              }
            }
          }
        }
      }
    }
    return Tensor(validShape: inputShape, scalars: inputGradient)
  }

  /// The input index that won output cell `outputIndex` in the last max-pooling pass.
  public func winner(ofOutput outputIndex: Int) -> Int? {
    winners.indices.contains(outputIndex) ? Int(winners[outputIndex]) : nil
  }
}
