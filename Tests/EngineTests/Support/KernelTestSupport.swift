@testable import Engine

// Helpers the kernel, inference and Winograd tests share.

/// `count` seeded values in [-1, 1).
func randomFloats(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
  (0..<count).map { _ in rng.nextFloat(in: -1, 1) }
}

/// The bit patterns, so that comparisons see −0, NaN payloads and the last bit.
func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

/// `body` with the kernels limited to `n` threads, then the setting restored.
func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
  let saved = EngineThreads.count
  EngineThreads.count = n
  defer { EngineThreads.count = saved }
  return try body()
}

/// `body` with the GEMM micro-kernel forced to `kind`, then the choice restored.
func withMicroKernel<T>(_ kind: Gemm.MicroKernel, _ body: () throws -> T) rethrows -> T {
  let saved = KernelSettings.microKernel
  KernelSettings.microKernel = kind
  defer { KernelSettings.microKernel = saved }
  return try body()
}

/// The geometry of a `kernel` window sliding over `batch` images of
/// `height` x `width` x `channels` with `stride` under `padding` (Keras's
/// rules, `Padding.outputLength`); nil when 'valid' leaves no room.
func windowGeometry(
  batch: Int, height: Int, width: Int, channels: Int, filters: Int, kernel: (Int, Int),
  stride: (Int, Int) = (1, 1), padding: Padding
) -> ConvGeometry? {
  guard let y = padding.outputLength(input: height, kernel: kernel.0, stride: stride.0),
    let x = padding.outputLength(input: width, kernel: kernel.1, stride: stride.1)
  else { return nil }
  return ConvGeometry(
    batch: batch, inHeight: height, inWidth: width, inChannels: channels, outHeight: y.length,
    outWidth: x.length, filters: filters, kernelHeight: kernel.0, kernelWidth: kernel.1,
    strideY: stride.0, strideX: stride.1, padTop: y.before, padLeft: x.before)
}

/// 2x2 max pooling with stride 2 ('valid') over a convolution's output.
func pooled2x2(after g: ConvGeometry) -> ConvGeometry {
  ConvGeometry(
    batch: g.batch, inHeight: g.outHeight, inWidth: g.outWidth, inChannels: g.filters,
    outHeight: g.outHeight / 2, outWidth: g.outWidth / 2, filters: g.filters, kernelHeight: 2,
    kernelWidth: 2, strideY: 2, strideX: 2, padTop: 0, padLeft: 0)
}
