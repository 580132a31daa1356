import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

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
///
/// The calling thread takes units too (as worker 0); the others come from
/// `WorkerPool.shared`, whose threads stay alive between calls (a short spin,
/// then parked on a condition variable), so a call does not pay a fresh
/// wake-up per thread as `DispatchQueue.concurrentPerform` did. If the pool is
/// already running a call (another thread's, or a nested one), this call
/// falls back to `concurrentPerform`. Which thread runs a unit never changes
/// what the unit computes, so none of this changes any bit.
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
  if WorkerPool.shared.run(units, workers: workers, body) { return }
  let counter = UnitCounter()
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    while true {
      let u = counter.next()
      if u >= units { break }
      body(u, worker)
    }
  }
}

/// Threads that live for the whole process and run `parallelUnits`' units
/// with the caller. One call at a time: `run` returns false when the pool is
/// busy, and the caller uses another way.
///
/// A helper joins a call only while the caller is still taking units; when
/// the caller runs out of units it closes the call and waits only for the
/// helpers that joined (each finishing its last unit). So a helper that is
/// descheduled (a busy core) never holds the caller up, as with
/// `concurrentPerform`, where the caller takes the iterations nobody started.
final class WorkerPool: @unchecked Sendable {
  static let shared = WorkerPool()

  /// Helpers spin this long for the next call before parking: one image's
  /// layers follow each other within microseconds.
  static let spinNanoseconds: UInt64 = 100_000

  private let busy = Atomic<Bool>(false)
  /// The current call's number (bumped once per call) in the high 32 bits,
  /// a "closed" bit, and how many helpers joined it in the low bits.
  private let state = Atomic<Int>(0)
  private static let closedBit = 1 << 31
  private let nextUnit = Atomic<Int>(0)
  /// Helpers that joined the current call and finished.
  private let finished = Atomic<Int>(0)
  private let condition = NSCondition()
  private var sleepers = 0
  private var helpers = 0
  private var call = 0

  // The current call, written by `run` before `state` is published.
  private nonisolated(unsafe) var body: ((Int, Int) -> Void)? = nil
  private nonisolated(unsafe) var units = 0
  private nonisolated(unsafe) var workers = 0

  /// Helpers never outnumber the other cores: a spinning helper without a
  /// core of its own would take the caller's (measured: with 3 helpers on
  /// 2 cores, 360 small calls took 29 s instead of milliseconds).
  static let maxHelpers = max(0, ProcessInfo.processInfo.activeProcessorCount - 1)

  func run(_ units: Int, workers: Int, _ body: @Sendable (Int, Int) -> Void) -> Bool {
    guard workers - 1 <= Self.maxHelpers else { return false }
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else { return false }
    defer { busy.store(false, ordering: .releasing) }
    let needed = workers - 1
    if helpers < needed {
      condition.lock()
      while helpers < needed {
        let id = helpers + 1
        let thread = Thread { [self] in helperLoop(id) }
        thread.stackSize = 1 << 20
        thread.start()
        helpers += 1
      }
      condition.unlock()
    }
    withoutActuallyEscaping(body) { escaping in
      self.body = escaping
      self.units = units
      self.workers = workers
      nextUnit.store(0, ordering: .relaxed)
      finished.store(0, ordering: .relaxed)
      call = (call + 1) & 0xFFFF_FFFF
      state.store(call << 32, ordering: .releasing)
      condition.lock()
      if sleepers > 0 { condition.broadcast() }
      condition.unlock()
      work(escaping, worker: 0)
      // Close the call, then wait for the helpers that joined it.
      let joined =
        state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).oldValue & 0xFFFF
      var spins = 0
      while finished.load(ordering: .acquiring) != joined {
        spins += 1
        if spins > 256 { sched_yield() }
      }
      self.body = nil
    }
    return true
  }

  private func work(_ body: (Int, Int) -> Void, worker: Int) {
    while true {
      let u = nextUnit.add(1, ordering: .relaxed).oldValue
      if u >= units { break }
      body(u, worker)
    }
  }

  private func helperLoop(_ id: Int) {
    var seen = 0
    while true {
      // Spin a little for the next call, then park.
      var current = state.load(ordering: .acquiring) >> 32
      if current == seen {
        let start = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while current == seen {
          spins += 1
          if spins & 63 == 0,
            DispatchTime.now().uptimeNanoseconds &- start > Self.spinNanoseconds
          {
            break
          }
          current = state.load(ordering: .acquiring) >> 32
        }
        if current == seen {
          condition.lock()
          sleepers += 1
          while state.load(ordering: .acquiring) >> 32 == seen { condition.wait() }
          sleepers -= 1
          condition.unlock()
          current = state.load(ordering: .acquiring) >> 32
        }
      }
      seen = current
      // Join call `current` if it is still open and wants this helper.
      var s = state.load(ordering: .acquiring)
      var joined = false
      while s >> 32 == current && s & Self.closedBit == 0 {
        // `workers` is the current call's: it was written before `state`.
        if id >= workers { break }
        let r = state.compareExchange(
          expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
        if r.exchanged {
          joined = true
          break
        }
        s = r.original
      }
      if joined {
        runJoined(worker: id)
        finished.add(1, ordering: .releasing)
      }
    }
  }

  /// Takes its reference to the caller's closure and drops it before the
  /// call is marked finished (`withoutActuallyEscaping` checks that nothing
  /// still holds it when `run` returns).
  @inline(never)
  private func runJoined(worker: Int) {
    if let body { work(body, worker: worker) }
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

/// Where an empty buffer "starts": kernels never read through it (their
/// counts are zero), but it is a real address, so the buffers below always
/// have one and no kernel has to unwrap an optional pointer.
nonisolated(unsafe) private let nowhere = UnsafeMutablePointer<Float>.allocate(capacity: 16)

extension UnsafeBufferPointer<Float> {
  /// `baseAddress`, or a harmless address when the buffer is empty.
  var start: UnsafePointer<Float> { baseAddress ?? UnsafePointer(nowhere) }
}

extension UnsafeMutableBufferPointer<Float> {
  /// `baseAddress`, or a harmless address when the buffer is empty.
  var start: UnsafeMutablePointer<Float> { baseAddress ?? nowhere }
}
