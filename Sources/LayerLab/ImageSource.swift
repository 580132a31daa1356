import Engine

/// Where pictures come from: files on disk and the demo pictures drawn in code.
///
/// A seam over the engine's loaders, so the shell's image rules (fit to the
/// model, or give it its shape) do not depend on how pictures are decoded.
struct ImageSource: Sendable {
  /// The largest picture accepted, in pixels, so a huge photo cannot stall the REPL.
  var maxPixels = ImageFile.defaultMaxPixels

  var demoNames: [String] { DemoImages.names }

  /// A `[height, width, channels]` picture from `path`, 8-bit pixels scaled by `pixelScale`.
  func load(path: String, pixelScale: Float = 1.0 / 256.0) throws(EngineError) -> Tensor {
    try ImageFile.load(path: path, pixelScale: pixelScale, maxPixels: maxPixels)
  }

  /// A demo picture, `[height, width, 3]`, values in [0, 1).
  func demo(_ name: String, height: Int, width: Int) throws(EngineError) -> Tensor {
    try DemoImages.make(name, height: height, width: width)
  }

  /// The picture with `channels` channels (gray ↔ colour, alpha dropped).
  func convert(_ image: Tensor, channels: Int) throws(EngineError) -> Tensor {
    try ImageOps.convertChannels(image, to: channels)
  }

  /// The picture resized to `height` x `width`, bilinear.
  func resize(_ image: Tensor, height: Int, width: Int) -> Tensor {
    guard image.shape[0] != height || image.shape[1] != width else { return image }
    return ImageOps.resizeBilinear(image, height: height, width: width)
  }
}
