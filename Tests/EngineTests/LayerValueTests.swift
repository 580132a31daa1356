import Testing

@testable import Engine

/// Runs one layer in inference mode on a [1, h, w, c] input given row by row.
func run(_ layer: any Layer, _ input: Tensor, mode: Mode = .inference) throws -> Tensor {
  var rng = SeededGenerator(seed: 0)
  return try layer.forward(input, mode: mode, rng: &rng)
}

let image3x3 = Tensor(validShape: [1, 3, 3, 1], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])

func conv(_ text: String, input: Shape, kernel: [Float], bias: Float) throws -> Conv2D {
  let layer = try #require(try makeLayer(text, input: input) as? Conv2D)
  let k = try #require(layer.kernel)
  k.value = try Tensor(shape: k.value.shape, scalars: kernel)
  layer.bias?.value = Tensor(repeating: bias, shape: [1])
  return layer
}

@Test func conv2DValidWithAnEvenKernel() throws {
  // Kernel [[1, 2], [3, 4]] over [[1, 2, 3], [4, 5, 6], [7, 8, 9]], bias 0.5:
  // top-left 1·1 + 2·2 + 4·3 + 5·4 = 37, then 47, 67, 77.
  let layer = try conv("Conv2D(1, (2, 2))", input: [3, 3, 1], kernel: [1, 2, 3, 4], bias: 0.5)
  let out = try run(layer, image3x3)
  #expect(out.shape == [1, 2, 2, 1])
  #expect(out.scalars == [37.5, 47.5, 67.5, 77.5])
}

@Test func conv2DSameWithAnEvenKernelPadsBottomRight() throws {
  // TensorFlow: total padding 1 goes after, so the last row and column read zeros:
  // (0, 2) = 3·1 + 6·3 = 21, (2, 0) = 7·1 + 8·2 = 23, (2, 2) = 9·1 = 9.
  let layer = try conv(
    "Conv2D(1, (2, 2), padding='same')", input: [3, 3, 1], kernel: [1, 2, 3, 4], bias: 0)
  let out = try run(layer, image3x3)
  #expect(out.shape == [1, 3, 3, 1])
  #expect(out.scalars == [37, 47, 21, 67, 77, 33, 23, 26, 9])
  // Stride 2: output ceil(3 / 2) = 2, cells at rows/columns 0 and 2.
  let strided = try conv(
    "Conv2D(1, (2, 2), strides=(2, 2), padding='same')", input: [3, 3, 1], kernel: [1, 2, 3, 4],
    bias: 0)
  #expect(try run(strided, image3x3).scalars == [37, 21, 23, 9])
}

@Test func conv2DOddSameKernelPadsBothSides() throws {
  // A 3x3 box filter with 'same': the corner sees 4 cells (1 + 2 + 4 + 5 = 12),
  // the centre all 9 (45).
  let layer = try conv(
    "Conv2D(1, (3, 3), padding='same')", input: [3, 3, 1], kernel: [Float](repeating: 1, count: 9),
    bias: 0)
  #expect(try run(layer, image3x3).scalars == [12, 21, 16, 27, 45, 33, 24, 39, 28])
}

@Test func conv2DNonSquareKernelWithStridesAndChannels() throws {
  // Two input channels, kernel (1, 2): out = Σ over the 2 columns and 2 channels.
  // Channel 0 is the 3x3 image, channel 1 is 10× it; kernel weights all 1 on
  // channel 0 and 0.1 on channel 1, so each output is 2 × (sum of two neighbours).
  let input = Tensor(
    validShape: [1, 3, 3, 2], scalars: (1...9).flatMap { [Float($0), Float($0) * 10] })
  let layer = try conv(
    "Conv2D(1, (1, 2), strides=(2, 1))", input: [3, 3, 2], kernel: [1, 0.1, 1, 0.1], bias: 0)
  let out = try run(layer, input)
  #expect(out.shape == [1, 2, 2, 1])
  #expect(out.scalars == [6, 10, 30, 34])
}

@Test func poolingFloorsAndExcludesPadding() throws {
  let input = Tensor(validShape: [1, 4, 5, 1], scalars: (0..<20).map(Float.init))
  // Valid 2x2 on 4x5: floor(5 / 2) = 2 columns; the last column is dropped.
  let maxPool = try makeLayer("MaxPooling2D(pool_size=(2, 2))", input: [4, 5, 1])
  #expect(try run(maxPool, input).scalars == [6, 8, 16, 18])
  let avg = try makeLayer("AveragePooling2D()", input: [4, 5, 1])
  #expect(try run(avg, input).scalars == [3, 5, 13, 15])
  // Same on 3x3: ceil(3 / 2) = 2; the corner window holds only cell 9, so its mean is 9.
  let avgSame = try makeLayer("AveragePooling2D(padding='same')", input: [3, 3, 1])
  #expect(try run(avgSame, image3x3).scalars == [3, 4.5, 7.5, 9])
  let maxSame = try makeLayer("MaxPooling2D(padding='same')", input: [3, 3, 1])
  #expect(
    try run(maxSame, Tensor(validShape: [1, 3, 3, 1], scalars: image3x3.scalars.map { -$0 }))
      .scalars
      == [-1, -3, -7, -9])
}

@Test func denseActsOnTheLastAxis() throws {
  let layer = try #require(try makeLayer("Dense(2)", input: [3]) as? Dense)
  layer.kernel?.value = try Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1])
  layer.bias?.value = try Tensor(shape: [2], scalars: [0.5, -0.5])
  // [1, 2, 3] · [[1, 0], [0, 1], [1, 1]] = [4, 5], plus bias.
  let out = try run(layer, Tensor(validShape: [1, 3], scalars: [1, 2, 3]))
  #expect(out.scalars == [4.5, 4.5])
  let onMaps = try run(layer, Tensor(validShape: [1, 2, 1, 3], scalars: [1, 2, 3, 0, 0, 1]))
  #expect(onMaps.shape == [1, 2, 1, 2])
  #expect(onMaps.scalars == [4.5, 4.5, 1.5, 0.5])
}

@Test func flattenIsRowMajorOverHeightWidthChannels() throws {
  let layer = try makeLayer("Flatten()", input: [2, 2, 2])
  let input = Tensor(validShape: [1, 2, 2, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
  let out = try run(layer, input)
  #expect(out.shape == [1, 8])
  // Keras: index = (y · W + x) · C + c, the NHWC memory order.
  #expect(out.scalars == [0, 1, 2, 3, 4, 5, 6, 7])
}

@Test func activationsMatchTheirFormulas() throws {
  let x = Tensor(validShape: [1, 3], scalars: [-1, 0, 2])
  #expect(try run(makeLayer("Activation('relu')", input: [3]), x).scalars == [0, 0, 2])
  #expect(try run(makeLayer("ReLU()", input: [3]), x).scalars == [0, 0, 2])
  #expect(try run(makeLayer("Activation('linear')", input: [3]), x).scalars == [-1, 0, 2])
  let sig = try run(makeLayer("Activation('sigmoid')", input: [3]), x).scalars
  #expect(abs(sig[0] - 0.268_941_4) < 1e-6 && sig[1] == 0.5)
  let softmax = try run(makeLayer("Softmax()", input: [3]), x).scalars
  // e^-1, e^0, e^2 over their sum 1 + 0.367879 + 7.389056.
  #expect(abs(softmax[2] - 0.843_794_7) < 1e-6)
  #expect(abs(softmax.reduce(0, +) - 1) < 1e-6)
}

@Test func dropoutDropsAtItsRateAndScalesTheRest() throws {
  let layer = try #require(try makeLayer("Dropout(0.25)", input: [64, 64, 3]) as? Dropout)
  let input = Tensor(repeating: 1, shape: [1, 64, 64, 3])
  let out = try run(layer, input, mode: .training)
  let mask = try #require(layer.lastMask)
  let dropped = mask.scalars.filter { $0 == 0 }.count
  // 12,288 cells at rate 0.25: about 3,072 dropped (±4 standard deviations ≈ 192).
  #expect(abs(dropped - 3072) < 192)
  for i in 0..<out.count {
    #expect(out.scalars[i] == (mask.scalars[i] == 1 ? Float(1) / 0.75 : 0))
  }
  // A new pass draws a new mask; inference passes values through.
  _ = try layer.forward(input, mode: .training, rng: &rngAfter)
  #expect(layer.lastMask != mask)
  #expect(try run(layer, input, mode: .inference) == input)
  #expect(throws: LabError.self) { try makeLayer("Dropout(1.0)", input: [3]) }
}

nonisolated(unsafe) var rngAfter = SeededGenerator(seed: 99)

/// The masks are drawn in chunks on the threads: the same masks, outputs
/// and generator state afterwards as one loop drawing element by element,
/// for 1 and 2 threads and sizes around a chunk.
@Test func dropoutMasksAreOneLoopsDraws() throws {
  for count in [1, 7, ElementwiseKernels.chunk - 1, 2 * ElementwiseKernels.chunk + 13] {
    let layer = try #require(try makeLayer("Dropout(0.3)", input: [count]) as? Dropout)
    var values = SeededGenerator(seed: 3)
    let input = try Tensor(
      shape: [1, count], scalars: (0..<count).map { _ in values.nextFloat(in: -1, 1) })
    var loop = SeededGenerator(seed: 42)
    var expectedMask = [Float](repeating: 0, count: count)
    var expectedOut = [Float](repeating: 0, count: count)
    for i in 0..<count where loop.nextUnitFloat() >= 0.3 {
      expectedMask[i] = 1
      expectedOut[i] = input.scalars[i] * layer.keptScale
    }
    for threads in [1, 2] {
      var rng = SeededGenerator(seed: 42)
      let out = try withThreads(threads) { try layer.forward(input, mode: .training, rng: &rng) }
      #expect(bits(out.scalars) == bits(expectedOut), "\(count) \(threads)")
      #expect(layer.lastMask?.scalars == expectedMask, "\(count) \(threads)")
      #expect(rng == loop, "\(count) \(threads)")
    }
  }
}
