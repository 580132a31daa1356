#if os(Linux)
  // glibc's mallopt from <malloc.h>, which the Glibc module does not export;
  // the parameter numbers are glibc's M_TRIM_THRESHOLD (-1) and M_MMAP_MAX (-4).
  @_silgen_name("mallopt")
  private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
  private let trimThreshold: Int32 = -1
  private let mmapMax: Int32 = -4
#endif

/// How the C allocator treats the large arrays the engine makes and drops on
/// every pass (a 40 MB feature map per layer at batch 32).
public enum MemoryTuning {
  /// Keeps freed memory in the process for reuse instead of handing it back.
  ///
  /// glibc serves blocks over 128 KB–32 MB with fresh `mmap` pages and unmaps
  /// them on free, so every pass pays a page fault per 4 KB of every new
  /// array. Serving all blocks from the heap and never trimming it makes the
  /// next pass reuse the same warm pages: measured here, the seed network's
  /// forward pass at batch 32 went from 107 to 157 images/s and a training
  /// step from 40 to 48 (BENCHMARKS.md). Results are unchanged; only where
  /// memory comes from changes. Call once at startup, before the first pass.
  public static func keepFreedMemoryForReuse() {
    #if os(Linux)
      _ = glibcMallopt(mmapMax, 0)
      _ = glibcMallopt(trimThreshold, Int32.max)
    #endif
  }
}
