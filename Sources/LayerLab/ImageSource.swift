import Engine

/// Where pictures come from: files on disk and the demo pictures drawn in code.
///
/// A seam so the shell does not depend on how images are decoded; tests may
/// pass their own.
struct ImageSource: Sendable {
  /// The largest picture accepted, in pixels, so a huge photo cannot stall the REPL.
  var maxPixels = 4_194_304

  var demoNames: [String] { ["edges", "blobs", "texture", "cat"] }

  /// A `[height, width, channels]` picture from `path`, pixels scaled by 1/256.
  func load(path: String) throws(EngineError) -> Tensor {
    throw .file(path: path, message: "image files are not readable in this build yet")
  }

  /// A demo picture, `[height, width, 3]`, values in [0, 1).
  func demo(_ name: String, height: Int, width: Int) throws(EngineError) -> Tensor {
    guard demoNames.contains(name) else {
      throw .data("unknown demo picture '\(name)'")
    }
    var values: [Float] = []
    for y in 0..<height {
      for x in 0..<width {
        let inside = abs(y - height / 2) < height / 4 && abs(x - width / 2) < width / 4
        values += [inside ? 0.9 : 0.1, Float(x) / Float(width), Float(y) / Float(height)]
      }
    }
    return try Tensor(shape: [height, width, 3], scalars: values)
  }

  /// The picture with `channels` channels (gray ↔ colour).
  func convert(_ image: Tensor, channels: Int) throws(EngineError) -> Tensor {
    guard image.shape[2] != channels else { return image }
    throw .data("cannot convert \(image.shape[2]) channels to \(channels) in this build yet")
  }

  /// The picture resized to `height` x `width`, bilinear.
  func resize(_ image: Tensor, height: Int, width: Int) -> Tensor {
    image
  }
}
