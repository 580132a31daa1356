import Foundation
import Testing

/// Runs the real `layerlab` with each `Transcripts/NAME.lab` piped to stdin
/// (in a folder holding `Transcripts/fixtures`) and compares stdout and
/// stderr (merged in order) and the exit status with `Transcripts/NAME.txt`. `RECORD_TRANSCRIPTS=1 swift test` rewrites the
/// golden files: read the diff before committing.
@Suite struct TranscriptTests {
  static let names = [
    "seed-network", "look", "errors", "help", "training", "explain", "python", "photo",
    "photo-160", "insight", "layers",
  ]
  /// Transcripts recorded with options of their own (by default: piped, 80 columns).
  static let arguments = ["photo-160": ["--width", "160"]]
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Transcripts")
  /// Files every transcript finds in its working folder (`image cat.png`).
  static var fixtures: [URL] {
    let folder = folder.appendingPathComponent("fixtures")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.sorted().map { folder.appendingPathComponent($0) }
  }

  @Test(arguments: names)
  func transcriptMatchesGolden(_ name: String) throws {
    let folder = Self.folder
    let script = try String(
      contentsOf: folder.appendingPathComponent("\(name).lab"), encoding: .utf8)
    let run = try LayerLabProcess.run(
      input: script, arguments: Self.arguments[name] ?? [], copying: Self.fixtures)
    let actual = run.output + "[exit \(run.status)]\n"
    try Golden.compare(actual, with: folder.appendingPathComponent("\(name).txt"))
  }
}

/// Golden files: compared line by line, rewritten when RECORD_TRANSCRIPTS is set.
enum Golden {
  static func compare(_ actual: String, with goldenURL: URL) throws {
    if ProcessInfo.processInfo.environment["RECORD_TRANSCRIPTS"] != nil {
      try FileManager.default.createDirectory(
        at: goldenURL.deletingLastPathComponent(), withIntermediateDirectories: true)
      try actual.write(to: goldenURL, atomically: true, encoding: .utf8)
    }
    let golden = try String(contentsOf: goldenURL, encoding: .utf8)
    #expect(actual == golden, "\(firstDifference(actual, golden))")
  }

  static func firstDifference(_ a: String, _ b: String) -> String {
    let x = a.split(separator: "\n", omittingEmptySubsequences: false)
    let y = b.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(x.count, y.count) {
      let l = i < x.count ? String(x[i]) : "<end>"
      let r = i < y.count ? String(y[i]) : "<end>"
      if l != r { return "line \(i + 1):\n  got:      \(l)\n  expected: \(r)" }
    }
    return "identical"
  }
}

/// The built `layerlab` executable, run as a learner would run it.
enum LayerLabProcess {
  struct Result {
    var output: String
    var status: Int32
  }

  /// `layerlab ARGS < input` in a fresh temporary directory, stdout and
  /// stderr through one pipe so their order is kept. The directory's path is
  /// replaced by `$TMP` so messages that name it do not depend on the machine.
  /// `copying` files are put in the folder first, then `prepare` puts more
  /// there (a script and its data); `check` looks at what the run left
  /// there, before it is removed.
  static func run(
    input: String, arguments: [String] = [], copying: [URL] = [],
    prepare: (URL) throws -> Void = { _ in }, check: (URL) throws -> Void = { _ in }
  ) throws -> Result {
    let executable = try locate()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "layerlab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for file in copying {
      try FileManager.default.copyItem(
        at: file, to: directory.appendingPathComponent(file.lastPathComponent))
    }
    try prepare(directory)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = directory.path
    environment.removeValue(forKey: "NO_COLOR")
    process.environment = environment
    let inputPipe = Pipe()
    let outputPipe = Pipe()
    process.standardInput = inputPipe
    process.standardOutput = outputPipe
    process.standardError = outputPipe
    try process.run()
    inputPipe.fileHandleForWriting.write(Data(input.utf8))
    try inputPipe.fileHandleForWriting.close()
    let data = outputPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try check(directory)
    let text = String(decoding: data, as: UTF8.self)
    let resolved = directory.resolvingSymlinksInPath().path
    return Result(
      output: text.replacingOccurrences(of: resolved, with: "$TMP").replacingOccurrences(
        of: directory.path, with: "$TMP"),
      status: process.terminationStatus)
  }

  /// Finds `layerlab` next to the test bundle (`.build/<triple>/debug/`),
  /// or under the package's `.build/debug/`.
  static func locate() throws -> URL {
    var candidates: [URL] = []
    let bundleFolder = Bundle.main.bundleURL.deletingLastPathComponent()
    candidates.append(bundleFolder.appendingPathComponent("layerlab"))
    candidates.append(Bundle.main.bundleURL.appendingPathComponent("layerlab"))
    if let first = CommandLine.arguments.first {
      candidates.append(
        URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("layerlab"))
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/layerlab"))
    candidates.append(root.appendingPathComponent(".build/release/layerlab"))
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
      return candidate
    }
    throw LocateError(tried: candidates.map(\.path))
  }

  struct LocateError: Error, CustomStringConvertible {
    var tried: [String]
    var description: String {
      "layerlab is not built; run 'swift build' first. Looked in: " + tried.joined(separator: ", ")
    }
  }
}
