/// The switches that force one of the kernels' equivalent code paths, in
/// one place. None changes a result: every path computes the same fused
/// multiply-add chains in the same order, and tests flip these to check
/// exactly that. Like `EngineThreads.count`, set them between kernel calls
/// only.
enum KernelSettings {
  /// Forces one GEMM micro-kernel (tests, `LAYERLAB_GEMM_KERNEL`); nil picks
  /// the faster on this machine (`Gemm.fastestKernel`).
  nonisolated(unsafe) static var microKernel: Gemm.MicroKernel? = nil

  /// Convolution tiles away from the padding read their windows in place
  /// (`ConvKernels.convolveImplicit`); off, every row goes through im2col.
  nonisolated(unsafe) static var implicitConvolution = true

  /// A few-channel input gradient is dOut · kernelᵀ then col2im
  /// (`ConvKernels.backwardInputScatter`); off, the gather every other
  /// layer takes.
  nonisolated(unsafe) static var scatterInputGradient = true
}
