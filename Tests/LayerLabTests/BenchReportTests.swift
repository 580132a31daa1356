import Foundation
import Testing

/// The real `layerlab-bench`, on tiny sizes: what its report contains (the
/// peak rows, every row's share of the peak, the epoch row). Nothing here
/// looks at how long anything took, only at what the report says about it.
@Suite(.serialized) struct BenchReportTests {
  /// `layerlab-bench ARGUMENTS --json`, decoded.
  static func report(_ arguments: [String]) throws -> [String: Any] {
    // Built beside `layerlab` (`swift build` builds every product).
    let bench = try LayerLabProcess.locate().deletingLastPathComponent()
      .appendingPathComponent("layerlab-bench")
    let process = Process()
    process.executableURL = bench
    process.arguments = arguments + ["--json"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
  }

  static func rows(_ report: [String: Any]) -> [[String: Any]] {
    report["rows"] as? [[String: Any]] ?? []
  }

  @Test func everyRowIsAShareOfThePeakMeasuredInTheSameRun() throws {
    let report = try Self.report([
      "--sections", "gemm", "--gemm-size", "64", "--repeats", "1", "--threads", "2",
    ])
    let rows = Self.rows(report)
    let peaks = rows.filter { $0["section"] as? String == "peak" }
    // Both chain widths on one thread, then on the two threads asked for.
    #expect(peaks.map { $0["threads"] as? Int } == [1, 1, 2, 2])
    let peak = try #require(report["peakGflops"] as? Double)
    let best = peaks.filter { $0["threads"] as? Int == 2 }.compactMap { $0["gflops"] as? Double }
    #expect(peak == best.max())
    let gemm = rows.filter { $0["section"] as? String == "gemm" }
    #expect(gemm.count == 3)
    for row in gemm {
      let gflops = try #require(row["gflops"] as? Double)
      let share = try #require(row["peakShare"] as? Double)
      #expect(abs(share - gflops / peak) <= 1e-9 * share)
      #expect(row["medianPeakShare"] is Double)
    }
  }

  @Test func theEpochRowTrainsOverThePicturesOnceAndReportsItsMemory() throws {
    let report = try Self.report(["--sections", "epoch", "--epoch-images", "40", "--threads", "1"])
    let epoch = Self.rows(report).filter { $0["section"] as? String == "epoch" }
    #expect(epoch.count == 1)
    let row = try #require(epoch.first)
    #expect(row["name"] as? String == "big epoch, 40 pictures")
    #expect(row["runs"] as? Int == 1)
    // Three forward passes of work per picture (the peers' count).
    let macs: [Int] = [
      10_000 * 32 * 27, 9_604 * 32 * 288, 2_401 * 64 * 288, 2_209 * 64 * 576, 33_856 * 512,
      512 * 6,
    ]
    let perImage = 2 * Double(macs.reduce(0, +))
    #expect(row["flops"] as? Double == 3 * perImage * 40)
    // The Dense kernel alone is 69 MB, and Adam keeps two more of it.
    let resident = try #require(row["peakResidentMB"] as? Double)
    #expect(resident > 3 * 69)
  }
}
