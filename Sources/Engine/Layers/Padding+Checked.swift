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
      guard !input.addingReportingOverflow(stride).overflow, !input.addingReportingOverflow(kernel).overflow
      else {
        throw .tooLarge(
          "\(layer): a window of \(kernel) with stride \(stride) over \(input) pixels is too large to compute; use a kernel and strides no larger than the picture")
      }
    }
    return outputLength(input: input, kernel: kernel, stride: stride)
  }
}
