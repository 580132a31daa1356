import Foundation
import Testing

@testable import Engine

@Suite struct ImageFileTests {
  /// Loads with scale 1 so the tensor shows the file's 8-bit levels.
  func levels(_ name: String) throws -> Tensor {
    try ImageFile.load(path: fixture(name), pixelScale: 1)
  }

  @Test func grayPNGHasOneChannel() throws {
    let t = try levels("gray.png")
    #expect(t.shape == [4, 5, 1])
    var expected: [Float] = []
    for y in 0..<4 { for x in 0..<5 { expected.append(Float((10 * y + 40 * x) % 256)) } }
    #expect(t.scalars == expected)
  }

  @Test func colourPNGHasThreeChannelsAndAlphaIsDropped() throws {
    let rgb = try levels("rgb.png")
    #expect(rgb.shape == [4, 5, 3])
    var expected: [Float] = []
    var noAlpha: [Float] = []
    for y in 0..<4 {
      for x in 0..<5 {
        expected += [Float(50 * x), Float(60 * y), Float(255 - 10 * (x + y))]
        noAlpha += [Float(50 * x), Float(60 * y), 7]
      }
    }
    #expect(rgb.scalars == expected)
    let rgba = try levels("rgba.png")
    #expect(rgba.shape == [4, 5, 3])
    #expect(rgba.scalars == noAlpha)
  }

  @Test func jpegDecodesWithinTolerance() throws {
    let rgb = try levels("rgb.jpg")
    #expect(rgb.shape == [8, 16, 3])
    for p in 0..<(8 * 16) {
      #expect(abs(rgb.scalars[p * 3] - 200) <= 3)
      #expect(abs(rgb.scalars[p * 3 + 1] - 100) <= 3)
      #expect(abs(rgb.scalars[p * 3 + 2] - 50) <= 3)
    }
    let gray = try levels("gray.jpg")
    #expect(gray.shape == [8, 8, 3])
    #expect(gray.scalars.allSatisfy { abs($0 - 128) <= 2 })
  }

  @Test func netpbmAsciiBinaryAndOddMaxvals() throws {
    let asciiGray = try levels("ascii.pgm")
    #expect(asciiGray.shape == [2, 3, 1])
    #expect(asciiGray.scalars == [0, 85, 255, 170, 255, 51])  // maxval 15: ×17
    let asciiColour = try levels("ascii.ppm")
    #expect(asciiColour.shape == [1, 2, 3])
    #expect(asciiColour.scalars == [255, 0, 10, 1, 2, 3])
    #expect(try levels("binary.ppm") == asciiColour)
    let binaryGray = try levels("binary.pgm")
    #expect(binaryGray.shape == [2, 3, 1])
    #expect(binaryGray.scalars == [0, 128, 255, 1, 2, 3])
    let wide = try levels("wide.pgm")  // 16-bit samples, maxval 1023
    #expect(abs(wide.scalars[0] - 255) < 1e-3 && abs(wide.scalars[1] - 85) < 1e-3)
  }

  @Test func pixelRuleScalesEightBitAndKeepsFloats() throws {
    let scaled = try ImageFile.load(path: fixture("binary.pgm"))
    let expectedScaled: [Float] = [0, 128, 255, 1, 2, 3].map { $0 / 256 }
    #expect(scaled.scalars == expectedScaled)
    let u8 = try ImageFile.load(path: fixture("u1.npy"))
    #expect(u8.shape == [2, 2, 1])
    let expectedU8: [Float] = [0, 1, 254, 255].map { $0 / 256 }
    #expect(u8.scalars == expectedU8)
    let float = try ImageFile.load(path: fixture("f4.npy"), pixelScale: 0.5)
    #expect(float.shape == [2, 3, 1])
    #expect(float.scalars == [-1, -0.5, 0, 0.5, 1, 1.5])
  }

  @Test func refusesBadImages() throws {
    let nan = #expect(throws: EngineError.self) {
      try ImageFile.load(path: fixture("nan_image.npy"))
    }
    #expect(
      nan
        == .nonFinite(
          "\(fixture("nan_image.npy")): the image array holds NaN or infinite values; clean it first, e.g. with np.nan_to_num"
        ))
    let big = #expect(throws: EngineError.self) {
      try ImageFile.load(path: fixture("rgb.jpg"), maxPixels: 100)
    }
    #expect(big?.description.contains("16x8") == true)
    #expect(throws: EngineError.self) {
      try ImageFile.load(path: fixture("gray.png"), maxPixels: 19)
    }
    #expect(throws: EngineError.self) { try ImageFile.load(path: fixture("i8.npy")) }  // rank 1
    #expect(throws: EngineError.self) {
      try ImageFile.decode(Data("P5\n0 3\n255\n".utf8), source: "empty.pgm")
    }
    #expect(throws: EngineError.self) {
      try ImageFile.decode(Data("P2\n2 2\n255\n1 2 3".utf8), source: "short.pgm")
    }
    #expect(throws: EngineError.self) {
      try ImageFile.decode(Data("P2\n1 1\n15\n16".utf8), source: "above.pgm")
    }
    #expect(throws: EngineError.self) {
      try ImageFile.decode(Data("P1\n1 1\n1".utf8), source: "bitmap.pbm")
    }
    #expect(throws: EngineError.self) { try ImageFile.decode(Data("GIF89a".utf8), source: "a.gif") }
    for name in ["rgb.png", "rgb.jpg", "binary.ppm"] {
      let whole = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
      let cuts =
        name.hasSuffix(".jpg")
        ? [whole.count / 3, whole.count / 2, whole.count - 2] : [whole.count / 3, whole.count / 2]
      for cut in cuts {
        #expect(throws: EngineError.self, "\(name) cut at \(cut)") {
          try ImageFile.decode(whole.prefix(cut), source: name)
        }
      }
    }
  }

  @Test func pngEncoderRoundTrips() throws {
    let pixels: [UInt8] = (0..<(3 * 2 * 3)).map { UInt8($0 * 14) }
    let folder = try makeTempFolder()
    try PNGCodec.write(rgb8: pixels, width: 3, height: 2, channels: 3, path: folder + "/out.png")
    let back = try ImageFile.load(path: folder + "/out.png", pixelScale: 1)
    #expect(back.shape == [2, 3, 3])
    #expect(back.scalars == pixels.map(Float.init))
    let gray: [UInt8] = [0, 100, 200, 255]
    let grayBack = try ImageFile.decode(
      PNGCodec.encode(rgb8: gray, width: 2, height: 2, channels: 1), source: "g", pixelScale: 1)
    #expect(grayBack.shape == [2, 2, 1])
    #expect(grayBack.scalars == [0, 100, 200, 255])
    #expect(throws: EngineError.self) {
      try PNGCodec.encode(rgb8: gray, width: 2, height: 2, channels: 3)
    }
    #expect(throws: EngineError.self) {
      try PNGCodec.encode(rgb8: gray, width: 4, height: 1, channels: 2)
    }
  }
}
