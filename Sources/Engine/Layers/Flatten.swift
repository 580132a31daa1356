/// Keras's `Flatten`: each sample becomes one row, read row-major over
/// (height, width, channels), which is exactly the NHWC memory order.
///
/// Shapes: input `[batch, h, w, c]`, output `[batch, h·w·c]`.
public final class Flatten: Layer {
  public var name: String
  public let spec: LayerSpec
  private var savedInputShape: Shape?

  init(spec: LayerSpec, name: String) {
    self.spec = spec
    self.name = name
  }

  public func outputShape(for input: Shape) throws(EngineError) -> Shape {
    // A product of huge sizes would trap in `scalarCount`; it can only be refused.
    guard let count = input.checkedScalarCount else {
      throw .tooLarge(
        "\(name) (Flatten) cannot flatten \(input.withNoneBatch): it has more values than can be counted; use a smaller input"
      )
    }
    return [count]
  }

  public func forward(_ input: Tensor, mode: Mode, rng: inout SeededGenerator) throws(EngineError)
    -> Tensor
  {
    savedInputShape = input.shape
    return try input.reshaped([input.shape[0], input.shape.unbatched.scalarCount])
  }

  public func backward(_ outputGradient: Tensor) throws(EngineError) -> Tensor {
    guard let shape = savedInputShape else { throw .backwardBeforeForward(layer: name) }
    return try outputGradient.reshaped(shape)
  }
}

extension LayerKind {
  /// Keras's `Flatten`.
  public static let flatten = LayerKind(
    className: "Flatten",
    summary: "Lay each sample's maps out as one long row of numbers",
    about: """
      Turns each sample's (height, width, channels) block into one row of height * width * \
      channels numbers, read row by row with the channels of each pixel side by side (NumPy's \
      reshape order). Nothing is learned and nothing is lost: it only changes the shape, so \
      that a Dense layer, which takes a flat list, can follow the convolutions.
      """,
    arguments: [
      .keptAtDefault(
        "data_format", .none, also: [.string("channels_last")],
        why: "LayerLab is channels-last (NHWC), as Keras's default")
    ],
    example: "Flatten()", lesson: "06-flatten-dense",
    make: { spec, name in Flatten(spec: spec, name: name) })
}
