import Synchronization
import Testing

@testable import Engine

// `parallelUnits` runs on a persistent pool (the caller plus parked helper
// threads) and falls back to `concurrentPerform` when the pool is busy. Every
// unit must run exactly once, with a worker index below the worker count,
// for back-to-back calls, nested calls and calls from several threads.

private final class Tally: Sendable {
  let counts: Mutex<[Int]>
  let badWorker = Atomic<Int>(0)
  init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
  func hit(_ u: Int) { counts.withLock { $0[u] += 1 } }
  func all(equal value: Int) -> Bool { counts.withLock { $0.allSatisfy { $0 == value } } }
}

@Test func poolRunsEveryUnitOnce() {
  for workers in [2, 3, 4] {
    for units in [1, 2, 3, 7, 64, 500] {
      for _ in 0..<20 {
        let tally = Tally(units)
        parallelUnits(units, workers: workers) { u, w in
          tally.hit(u)
          if w < 0 || w >= min(workers, units) { tally.badWorker.add(1, ordering: .relaxed) }
        }
        #expect(tally.all(equal: 1))
        #expect(tally.badWorker.load(ordering: .relaxed) == 0)
      }
    }
  }
}

@Test func poolHandlesNestedAndConcurrentCalls() async {
  let outer = 16
  let inner = 9
  let tally = Tally(outer * inner)
  parallelUnits(outer, workers: 2) { o, _ in
    parallelUnits(inner, workers: 2) { i, _ in tally.hit(o * inner + i) }
  }
  #expect(tally.all(equal: 1))

  let shared = Tally(200)
  await withTaskGroup(of: Void.self) { group in
    for _ in 0..<8 {
      group.addTask {
        for _ in 0..<50 {
          parallelUnits(200, workers: 2) { u, _ in shared.hit(u) }
        }
      }
    }
  }
  #expect(shared.all(equal: 8 * 50))
}
