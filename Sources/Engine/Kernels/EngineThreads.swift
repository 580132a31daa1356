import Dispatch
import Foundation

/// How many threads the kernels may use.
///
/// Results never depend on this number: every kernel splits its work into a
/// partition fixed by the problem's shape alone, and each output value is
/// produced by exactly one piece of work with the same order of additions,
/// whichever thread runs it (see `Gemm` and `ConvKernels+Fast`). So changing
/// it changes speed only, and transcripts stay byte-identical.
public enum EngineThreads {
  /// Read once at the start of each kernel call. `nonisolated(unsafe)`
  /// because it is a plain setting: set it from one place (the REPL's
  /// command, a benchmark's flag) between kernel calls, not while kernels run
  /// on other threads. Values below 1 count as 1.
  nonisolated(unsafe) public static var count: Int = max(
    1, ProcessInfo.processInfo.activeProcessorCount)

  static var effective: Int { max(1, count) }
}

/// Runs `body(unit, worker)` for every unit in `0..<units` on up to
/// `EngineThreads.count` threads. Units are handed out on demand, so a core
/// busy with another process does not hold back the rest; `worker` is in
/// `0..<workers` and lets a unit use that thread's scratch memory. Which
/// worker gets which unit varies from run to run, so a unit's result must
/// not depend on it.
@inline(__always)
func parallelUnits(
  _ units: Int, workers requested: Int = EngineThreads.effective,
  _ body: @Sendable (_ unit: Int, _ worker: Int) -> Void
) {
  let workers = min(requested, units)
  if workers <= 1 {
    for u in 0..<units { body(u, 0) }
    return
  }
  let counter = UnitCounter()
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    while true {
      let u = counter.next()
      if u >= units { break }
      body(u, worker)
    }
  }
}

/// A shared "next unit" counter. A lock is plenty: units are large (whole
/// blocks of rows), so it is taken a few hundred times per call at most.
private final class UnitCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0
  func next() -> Int {
    lock.lock()
    defer { lock.unlock() }
    let v = value
    value += 1
    return v
  }
}

/// Raw pointers are not `Sendable`; the kernels hand disjoint parts of one
/// buffer to different threads, which is safe by construction, so they travel
/// in this box.
struct SendablePointer<T>: @unchecked Sendable {
  let p: UnsafeMutablePointer<T>
  init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

struct SendableConstPointer<T>: @unchecked Sendable {
  let p: UnsafePointer<T>
  init(_ p: UnsafePointer<T>) { self.p = p }
}

/// One scratch block per worker, 64-byte aligned (a SIMD16<Float> is 64 bytes),
/// allocated once per kernel call and never inside the hot loops.
struct WorkerScratch: @unchecked Sendable {
  let base: UnsafeMutablePointer<Float>
  let floatsPerWorker: Int

  init(workers: Int, floatsPerWorker: Int) {
    // Round each worker's slice to a cache line so workers never share one.
    let per = (max(floatsPerWorker, 1) + 15) & ~15
    self.floatsPerWorker = per
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: per * workers * MemoryLayout<Float>.stride, alignment: 64)
    base = raw.bindMemory(to: Float.self, capacity: per * workers)
  }

  func of(_ worker: Int) -> UnsafeMutablePointer<Float> { base + worker * floatsPerWorker }
  func deallocate() { UnsafeMutableRawPointer(base).deallocate() }
}
