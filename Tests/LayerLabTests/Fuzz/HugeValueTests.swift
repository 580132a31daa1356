import Engine
import Foundation
import Testing

/// Issue 16, "Crashes": finite numbers too big for `Int` and NaN reaching a
/// conversion used to kill the process (SIGILL). Each case runs the real
/// program and asserts it ends by itself, with the values spelled as
/// Python/numpy spell them.
@Suite struct HugeValueTests {
  static func npz(_ arrays: [(String, NDArray)]) throws -> Data {
    try Npz.encode(arrays.map { (name: $0.0, array: $0.1) })
  }

  /// A (6, 4, 4, 1) float32 training set holding `value` once, labels 0...5.
  static func dataset(holding value: Float, and other: Float = 0.5) throws -> Data {
    var pixels = [Float](repeating: 0.5, count: 6 * 16)
    pixels[3] = value
    pixels[40] = other
    return try npz([
      ("x_train", try NDArray(shape: [6, 4, 4, 1], storage: .float32(pixels))),
      ("y_train", try NDArray(shape: [6], storage: .int64([0, 1, 2, 3, 4, 5]))),
    ])
  }

  /// A Dense layer whose weights are around 1e15: its logits, and so the
  /// fused softmax loss, reach 1e16 and more, still finite.
  static func hugeWeights(_ lab: Adversary) throws {
    let kernel: [Float] = (0..<(8 * 8 * 3 * 6)).map { i in Float(i % 7) * 1e15 - 3e15 }
    try lab.write(
      try Self.npz([
        ("dense/kernel", try NDArray(shape: [192, 6], storage: .float32(kernel))),
        ("dense/bias", try NDArray(shape: [6], storage: .float32([Float](repeating: 0, count: 6)))),
      ]), to: "big.npz")
  }

  /// The issue's `SGD(learning_rate=10)` run reached a loss of 4e12 and then
  /// trapped; the same numbers, reached deterministically from huge weights.
  @Test func aLossOfTrillionsPrintsAndFitGoesOn() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try Self.hugeWeights(lab)
    let run = try lab.run(
      """
      data demo train=12 test=12 size=8
      add Flatten()
      add Dense(6)
      add Activation('softmax')
      compile optimizer=keras.optimizers.SGD(learning_rate=1e-30)
      load weights big.npz
      fit epochs=2
      plot
      """)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.output.contains("Epoch 2/2"), "\(run.output)")
    // Spelled out as Python's f"{loss:.4f}" spells it, not as "inf".
    #expect(run.output.contains(#/loss: [0-9]{15,}\.[0-9]{4}/#), "\(run.output)")
  }

  @Test func evaluateWithWeightsAround1e15() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try Self.hugeWeights(lab)
    let run = try lab.run(
      """
      data demo train=12 test=12 size=8
      add Flatten()
      add Dense(6)
      add Activation('softmax')
      compile
      load weights big.npz
      evaluate
      """)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.output.contains("Test Loss "), "\(run.output)")
  }

  @Test(arguments: [Float(1e15), 3e38, -3e38])
  func dataSummaryOfHugeValues(_ value: Float) throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(try Self.dataset(holding: value, and: -value), to: "huge.npz")
    let run = try lab.run("data huge.npz\ndata")
    #expect(run.endedCleanly, "\(run.output)")
    // Python: f"{1e15:.4f}" == '1000000000000000.0000'.
    let spelled = String(format: "%.4f", Double(abs(value)))
    #expect(run.output.contains("values [-\(spelled), \(spelled)]"), "\(run.output)")
  }

  /// Weights of 3e38 make the Dense sums infinite and the softmax NaN.
  @Test func nanProbabilitiesDrawEmptyBars() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let kernel = [Float](repeating: 3e38, count: 12 * 12 * 3 * 3)
    try lab.write(
      try Self.npz([
        ("dense/kernel", try NDArray(shape: [432, 3], storage: .float32(kernel))),
        ("dense/bias", try NDArray(shape: [3], storage: .float32([0, 0, 0]))),
      ]), to: "nan.npz")
    let run = try lab.run(
      """
      image demo cat 12x12
      add Flatten()
      add Dense(3)
      add Activation('softmax')
      load weights nan.npz
      predict
      show dense
      show all
      """)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.output.contains("nan"), "\(run.output)")
  }

  @Test func exportPNGOfAnImageHoldingHugeValues() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    var pixels = [Float](repeating: 0, count: 16)
    pixels[0] = 3e38
    pixels[5] = -3e38
    try lab.write(
      Npy.encode(try NDArray(shape: [4, 4, 1], storage: .float32(pixels))), to: "huge.npy")
    let run = try lab.run("image huge.npy\nshow input\nexport png out.png input")
    #expect(run.endedCleanly, "\(run.output)")
    #expect(run.status == 0, "\(run.output)")
    let png = try ImageFile.load(path: lab.path("out.png"))
    #expect(png.scalars.max() ?? 0 > 0.9 && png.scalars.min() == 0)
  }
}
