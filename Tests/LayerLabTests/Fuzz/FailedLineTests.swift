import Engine
import Foundation
import Testing

@testable import LayerLab

/// Issue 16, "Files and state": a failed line changes nothing and leaves no
/// file behind; a short write is an error, not a signal.
@Suite struct FailedLineTests {
  /// Dense(64) over 12x12x3: 110 KB of weights.
  static let model = "image demo cat 12x12\nadd Flatten()\nadd Dense(64)\n"

  @Test func aFileSizeLimitMakesSavingAnErrorNotASignal() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run(
      Self.model + "save weights w.npz\nsave model m.npz\nlayers\n", limits: "ulimit -f 16;")
    #expect(!run.signalled, "\(run.output)")
    #expect(run.status == 1)
    #expect(
      run.lines.filter { $0.contains("cannot write (File too large)") }.count == 2, "\(run.output)")
    // The shell went on after the failures, and left no temporary file.
    #expect(run.output.contains("lab> layers"))
    #expect(run.files == [], "\(run.files)")
  }

  @Test func aReadOnlyTargetIsNotReplaced() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    try lab.write(Array("keep me".utf8), to: "w.npz")
    #expect(chmod(lab.path("w.npz"), 0o444) == 0)
    let run = try lab.run(Self.model + "save weights w.npz\n")
    #expect(
      run.output.contains("w.npz: the file is read-only, so it is not replaced"), "\(run.output)")
    #expect(try String(contentsOfFile: lab.path("w.npz"), encoding: .utf8) == "keep me")
    #expect(run.files == ["w.npz"])
  }

  /// SIGKILL mid-write leaves `.NAME.tmp-PID-N`; the next write of that
  /// target removes it when PID is gone, and keeps a live writer's.
  @Test func leftoversOfAKilledWriteAreCleanedUp() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let finished = Process()
    finished.executableURL = URL(fileURLWithPath: "/bin/true")
    try finished.run()
    finished.waitUntilExit()
    let dead = ".w.npz.tmp-\(finished.processIdentifier)-123"
    let alive = ".w.npz.tmp-\(getpid())-456"
    try lab.write([UInt8](repeating: 1, count: 1000), to: dead)
    try lab.write([UInt8](repeating: 2, count: 1000), to: alive)
    let run = try lab.run(Self.model + "save weights w.npz\n")
    #expect(run.status == 0, "\(run.output)")
    #expect(run.files == [alive, "w.npz"].sorted(), "\(run.files)")
  }

  /// A fit whose fourth batch overflows used to keep the first three
  /// batches' updates while saying the weights were as before the batch.
  @Test func aDivergingFitLeavesTheWeightsAsBeforeTheWholeFit() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    var pixels = [Float](repeating: 0.25, count: 16 * 4 * 4 * 1)
    for i in (12 * 16)..<(13 * 16) { pixels[i] = 3e38 }
    try lab.write(
      try Npz.encode([
        (name: "x_train", array: try NDArray(shape: [16, 4, 4, 1], storage: .float32(pixels))),
        (
          name: "y_train",
          array: try NDArray(shape: [16], storage: .int64((0..<16).map { Int64($0 % 2) }))
        ),
      ]), to: "poison.npz")
    let run = try lab.run(
      """
      data poison.npz
      add Flatten()
      add Dense(2)
      add Activation('softmax')
      compile optimizer=sgd
      save weights before.npz
      fit epochs=1 batch_size=4 shuffle=False
      save weights after.npz
      undo
      undo
      """)
    #expect(run.endedCleanly, "\(run.output)")
    #expect(
      run.output.contains(
        "in batch 4: training diverged; the weights and the optimizer are as they were before this fit"
      ), "\(run.output)")
    // The arrays, not the bytes: a zip records when each member was written.
    let before = try Npz.read(path: lab.path("before.npz"))
    let after = try Npz.read(path: lab.path("after.npz"))
    #expect(before.map(\.name) == after.map(\.name) && before.map(\.array) == after.map(\.array))
    // The failed fit left nothing to undo: the first undo takes back the softmax.
    #expect(run.output.contains("undid add activation (Activation)"), "\(run.output)")
  }

  @Test func adamWithBeta1OfOneIsRefusedAtCompile() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run("compile optimizer=Adam(beta_1=1.0)\n")
    #expect(run.output.contains("beta_1 must be below 1"), "\(run.output)")
    #expect(!run.output.contains("learning rate"))
  }
}

/// Issue 16: the undo stack kept 50 snapshots whatever their size (11 fits
/// of a 60-million-weight model reached 3.8 GB). It now keeps what fits its
/// byte budget, dropping the oldest and saying so.
@Suite struct UndoBudgetTests {
  @Test func undoKeepsWithinItsBudgetAndSaysWhatItForgot() {
    let harness = Harness()
    // Dense(64) and Dense(6) over 8x8x3 have 12,742 weights: 51 KB, and
    // each fit also keeps Adam's two slots from before it, 102 KB. Room
    // for two fits.
    harness.session.undoBytes = 320_000
    harness.type(
      "data demo train=12 test=6 size=8", "add Flatten()", "add Dense(64)", "add Dense(6)",
      "add Activation('softmax')", "compile",
      "fit epochs=1", "fit epochs=1", "fit epochs=1", "fit epochs=1")
    let transcript = harness.console.transcript
    #expect(
      transcript.contains("(undo keeps at most 312.50 KB of earlier weights: forgot"),
      "\(transcript)")
    // The newest steps are still there, in order; the oldest fits are gone.
    harness.type("undo", "undo", "undo", "undo", "undo")
    let undone = harness.console.transcript.components(separatedBy: "lab> undo\n").dropFirst()
      .map { $0.prefix { $0 != "\n" } }
    #expect(undone.prefix(2).allSatisfy { $0.hasPrefix("undid fit") }, "\(undone)")
    #expect(undone.contains { $0.hasPrefix("error: nothing to undo") }, "\(undone)")
  }
}
