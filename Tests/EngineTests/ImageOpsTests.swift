import Testing

@testable import Engine

@Suite struct ImageOpsTests {
  @Test func convertsChannels() throws {
    let gray = try Tensor(shape: [1, 2, 1], scalars: [0.2, 0.8])
    #expect(try ImageOps.convertChannels(gray, to: 3).scalars == [0.2, 0.2, 0.2, 0.8, 0.8, 0.8])
    let rgb = try Tensor(shape: [1, 1, 3], scalars: [1, 0.5, 0.25])
    let l = try ImageOps.convertChannels(rgb, to: 1)
    #expect(l.shape == [1, 1, 1])
    #expect(abs(l.scalars[0] - (0.299 + 0.587 * 0.5 + 0.114 * 0.25)) < 1e-6)
    let rgba = try Tensor(shape: [1, 1, 4], scalars: [1, 0.5, 0.25, 0.1])
    #expect(try ImageOps.convertChannels(rgba, to: 3).scalars == [1, 0.5, 0.25])
    #expect(try ImageOps.convertChannels(rgba, to: 1) == l)
    let ga = try Tensor(shape: [1, 1, 2], scalars: [0.4, 0.9])
    #expect(try ImageOps.convertChannels(ga, to: 1).scalars == [0.4])
    #expect(try ImageOps.convertChannels(rgb, to: 3) == rgb)
    let bad = #expect(throws: EngineError.self) { try ImageOps.convertChannels(ga, to: 3) }
    #expect(bad?.description.contains("from 2 to 3") == true)
  }

  @Test func bilinearUsesHalfPixelCentres() throws {
    // Downsampling 4→2: samples sit at input x = (o + 0.5) * 2 - 0.5 = 0.5 and 2.5.
    let row = try Tensor(shape: [1, 4, 1], scalars: [0, 10, 20, 30])
    #expect(ImageOps.resizeBilinear(row, height: 1, width: 2).scalars == [5, 25])
    // Upsampling 2→4: x = -0.25, 0.25, 0.75, 1.25; the ends clamp to the edge pixels.
    let pair = try Tensor(shape: [1, 2, 1], scalars: [0, 10])
    #expect(ImageOps.resizeBilinear(pair, height: 1, width: 4).scalars == [0, 2.5, 7.5, 10])
    // In 2-D the same weights apply along both axes: out[1][1] = 2.5 + (22.5 - 2.5) * 0.25.
    let square = try Tensor(shape: [2, 2, 1], scalars: [0, 10, 20, 30])
    let big = ImageOps.resizeBilinear(square, height: 4, width: 4)
    #expect(big.shape == [4, 4, 1])
    #expect(
      big.scalars == [0, 2.5, 7.5, 10, 5, 7.5, 12.5, 15, 15, 17.5, 22.5, 25, 20, 22.5, 27.5, 30])
    // Channels are interpolated independently; batches are resized image by image.
    let twoChannels = try Tensor(shape: [2, 1, 1, 2], scalars: [1, 100, 3, 300])
    #expect(
      ImageOps.resizeBilinear(twoChannels, height: 2, width: 1).scalars == [
        1, 100, 1, 100, 3, 300, 3, 300,
      ])
  }
}
