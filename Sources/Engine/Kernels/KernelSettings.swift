/// The switches that force one of the kernels' code paths, in one place,
/// for tests and benchmarks. Like `EngineThreads.count`, set them between
/// kernel calls only.
enum KernelSettings {
  // These five never change a result: every path computes the same fused
  // multiply-add chains in the same order, and tests flip them to check
  // exactly that.

  /// Forces one GEMM micro-kernel (tests, `LAYERLAB_GEMM_KERNEL`); nil picks
  /// the faster on this machine (`Gemm.fastestKernel`).
  nonisolated(unsafe) static var microKernel: Gemm.MicroKernel? = nil

  /// A first layer (at most 4 channels, stride 1) is convolved directly
  /// across its filters (`ConvKernels.convolveFewChannels`); off, through
  /// `Gemm`.
  nonisolated(unsafe) static var fewChannelConvolution = true

  /// A first layer's kernel gradient is summed directly across its filters
  /// (`ConvKernels.accumulateKernelGradientFewChannels`); off, through
  /// `Gemm`.
  nonisolated(unsafe) static var fewChannelKernelGradient = true

  /// Convolution tiles away from the padding read their windows in place
  /// (`ConvKernels.convolveImplicit`); off, every row goes through im2col.
  nonisolated(unsafe) static var implicitConvolution = true

  /// A few-channel input gradient is dOut · kernelᵀ then col2im
  /// (`ConvKernels.backwardInputScatter`); off, the gather every other
  /// layer takes.
  nonisolated(unsafe) static var scatterInputGradient = true

  /// Every pass's 3x3 stride-1 convolutions (the REPL's `forward`,
  /// `evaluate`, a training step) take Winograd's products for their output
  /// and gradients (`Conv2D.forward(_:regrouped:)`); off, the direct sums.
  /// Unlike the switches above this one changes values (by rounding): tests
  /// compare the routes.
  nonisolated(unsafe) static var winogradInTraining = true
}
