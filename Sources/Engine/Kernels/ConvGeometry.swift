/// Everything a 2-D convolution or pooling kernel needs to know about sizes.
///
/// Input `[batch, inHeight, inWidth, inChannels]`, output
/// `[batch, outHeight, outWidth, filters]`, kernel `[kernelHeight, kernelWidth,
/// inChannels, filters]` (Keras's layout). Output cell `(oy, ox)` reads input
/// rows `oy * strideY - padTop + ky` and columns `ox * strideX - padLeft + kx`;
/// positions outside the input are zeros (the padding).
public struct ConvGeometry: Sendable, Equatable {
  public var batch: Int
  public var inHeight: Int
  public var inWidth: Int
  public var inChannels: Int
  public var outHeight: Int
  public var outWidth: Int
  public var filters: Int
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideY: Int
  public var strideX: Int
  public var padTop: Int
  public var padLeft: Int

  public init(
    batch: Int, inHeight: Int, inWidth: Int, inChannels: Int,
    outHeight: Int, outWidth: Int, filters: Int,
    kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int,
    padTop: Int, padLeft: Int
  ) {
    self.batch = batch
    self.inHeight = inHeight
    self.inWidth = inWidth
    self.inChannels = inChannels
    self.outHeight = outHeight
    self.outWidth = outWidth
    self.filters = filters
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.strideY = strideY
    self.strideX = strideX
    self.padTop = padTop
    self.padLeft = padLeft
  }

  public var inputCount: Int { batch * inHeight * inWidth * inChannels }
  public var outputCount: Int { batch * outHeight * outWidth * filters }
  public var kernelCount: Int { kernelHeight * kernelWidth * inChannels * filters }
}

/// Keras's two padding modes.
public enum Padding: String, Sendable, Equatable, CaseIterable {
  case valid, same

  /// Output length and padding before, for one spatial axis.
  ///
  /// `valid`: floor((input - kernel) / stride) + 1, no padding; nil when the
  /// kernel is larger than the input.
  /// `same` follows TensorFlow: output = ceil(input / stride), total padding =
  /// max((output - 1) * stride + kernel - input, 0), and the odd extra goes
  /// after (bottom/right), so `before` = total / 2 rounded down.
  /// (tensorflow/core/framework/kernel_shape_util.cc, GetWindowedOutputSize.)
  public func outputLength(input: Int, kernel: Int, stride: Int) -> (length: Int, before: Int)? {
    switch self {
    case .valid:
      guard input >= kernel else { return nil }
      return ((input - kernel) / stride + 1, 0)
    case .same:
      let length = (input + stride - 1) / stride
      let total = max((length - 1) * stride + kernel - input, 0)
      return (length, total / 2)
    }
  }
}

/// A place (image, row, column) in a batch of `height` x `width` grids
/// (output pixels, or Winograd tiles), walked in row-major order. Stepping
/// it replaces three integer divisions per place, which cost as much as the
/// products of a 27-deep im2col row.
struct GridWalk {
  let height: Int, width: Int
  private(set) var image: Int, row: Int, column: Int

  /// The place with flat index `index` = (image·height + row)·width + column.
  init(at index: Int, height: Int, width: Int) {
    self.height = height
    self.width = width
    image = index / (height * width)
    row = (index / width) % height
    column = index % width
  }

  @inline(__always)
  mutating func advance() {
    column += 1
    if column == width {
      column = 0
      row += 1
      if row == height {
        row = 0
        image += 1
      }
    }
  }
}
