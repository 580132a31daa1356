extension Padding {
  /// ``outputLength(input:kernel:stride:)`` for sizes a learner typed: sizes
  /// whose arithmetic would overflow `Int` are refused instead of trapping,
  /// and an empty or negative input counts as too small (nil).
  ///
  /// `kernel` and `stride` are positive (``LayerSpec/makeLayer(name:)`` checks).
  /// `same` computes `input + stride - 1` and `(length - 1) * stride + kernel`;
  /// the second is below `input + kernel`, so both fit when these two sums do.
  func checkedOutputLength(
    input: Int, kernel: Int, stride: Int, layer: String
  ) throws(EngineError) -> (length: Int, before: Int)? {
    guard input > 0 else { return nil }
    if self == .same {
      guard !input.addingReportingOverflow(stride).overflow,
        !input.addingReportingOverflow(kernel).overflow
      else {
        throw .tooLarge(
          "\(layer): a window of \(kernel) with stride \(stride) over \(input) pixels is too large to compute; use a kernel and strides no larger than the picture"
        )
      }
    }
    return outputLength(input: input, kernel: kernel, stride: stride)
  }
}

/// The output height and width of a window sliding over a `(height, width,
/// channels)` map (a Conv2D kernel or a pooling window), and the padding
/// before the first row and column, with the errors a learner reads when it
/// cannot: the input is not a map, or the window does not fit with `valid`
/// padding.
///
/// - Parameters:
///   - layer: `conv2d (Conv2D)`, for messages.
///   - kind: what cannot follow Flatten (`Conv2D`, `pooling`).
///   - windowName: `kernel` or `pool`, for messages.
///   - fix: what to try when the window is larger than the map.
func windowedOutputSize(
  _ input: Shape, window: [Int], strides: [Int], padding: Padding, layer: String, kind: String,
  windowName: String,
  fix: String
) throws(EngineError) -> (height: Int, width: Int, padTop: Int, padLeft: Int) {
  guard input.rank == 3 else {
    throw .incompatibleInput(
      layer: layer, expected: "(height, width, channels)", got: input,
      hint: input.rank == 1 ? "\(kind) cannot follow Flatten or Dense" : "")
  }
  let (wh, ww) = (window[0], window[1])
  guard
    let (oh, top) = try padding.checkedOutputLength(
      input: input[0], kernel: wh, stride: strides[0], layer: layer),
    let (ow, left) = try padding.checkedOutputLength(
      input: input[1], kernel: ww, stride: strides[1], layer: layer)
  else {
    throw .incompatibleInput(
      layer: layer, expected: "at least \(wh)x\(ww) pixels", got: input,
      hint: "the \(wh)x\(ww) \(windowName) is larger than the \(input[0])x\(input[1]) map\(fix)")
  }
  return (oh, ow, top, left)
}
