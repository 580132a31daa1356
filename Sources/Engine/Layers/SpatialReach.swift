/// Which input cells one output cell of a layer reads, for receptive fields.
public enum SpatialReach: Sendable, Equatable {
  /// The input cell at the same place, every channel of it (Activation,
  /// Dropout, and any layer that works position by position).
  case samePlace
  /// A window: output cell (oy, ox) reads input rows `oy·strideY − padTop
  /// + ky` and columns `ox·strideX − padLeft + kx` (Conv2D, pooling), cells
  /// outside the input being padding.
  case window(ConvGeometry)
}

/// A layer that says how far its output cells reach into its input.
///
/// Receptive fields pass only through layers that conform: a new layer
/// that works position by position (BatchNormalization) declares
/// `.samePlace`, one with a window declares its geometry; one that does
/// not conform stops a receptive field with a message saying so, rather
/// than being guessed at.
public protocol ReachingLayer: Layer {
  /// The reach over a per-sample `input` of shape (height, width, channels).
  func spatialReach(for input: Shape) throws(EngineError) -> SpatialReach
}

extension Conv2D: ReachingLayer {
  public func spatialReach(for input: Shape) throws(EngineError) -> SpatialReach {
    .window(try geometry(for: input.batched(1)))
  }
}

extension Pooling2D: ReachingLayer {
  public func spatialReach(for input: Shape) throws(EngineError) -> SpatialReach {
    .window(try geometry(for: input.batched(1)))
  }
}

extension Activation: ReachingLayer {
  public func spatialReach(for input: Shape) -> SpatialReach { .samePlace }
}

extension Dropout: ReachingLayer {
  public func spatialReach(for input: Shape) -> SpatialReach { .samePlace }
}
