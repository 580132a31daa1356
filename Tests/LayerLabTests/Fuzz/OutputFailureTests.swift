import Foundation
import Testing

/// Issue 16: `echo help | layerlab > /dev/full` died in `FileHandle.write`.
/// What a learner expects from a Unix tool whose output cannot be written:
/// no crash and no signal, a word on standard error, exit status 1, and no
/// further commands run unseen.
@Suite struct OutputFailureTests {
  /// A script whose second half would train for a while: it must not run
  /// once nobody can see the output.
  static let script = "help\nhelp\nimage demo cat\ndata demo\nadd Flatten()\nadd Dense(6)\n"

  @Test func aFullDiskEndsTheRunWithStatus1() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run(Self.script, stdout: .redirected("> /dev/full"))
    #expect(!run.signalled && run.status == 1, "\(run.output)")
    #expect(
      run.output == "layerlab: cannot write to standard output (No space left on device); "
        + "stopped reading commands\n")
  }

  @Test func aClosedStandardOutputEndsTheRunWithStatus1() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run(Self.script, stdout: .redirected(">&-"))
    #expect(!run.signalled && run.status == 1, "\(run.output)")
    #expect(run.output.contains("cannot write to standard output (Bad file descriptor)"))
  }

  @Test func aReaderThatWentAwayIsNotASignal() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run(Self.script, stdout: .closedPipe)
    #expect(!run.signalled && run.status == 1, "\(run.output)")
    #expect(run.output.contains("cannot write to standard output (Broken pipe)"))
  }

  @Test func aOneOffCommandIntoAFullDisk() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run("", arguments: ["help"], stdout: .redirected("> /dev/full"))
    #expect(!run.signalled && run.status == 1, "\(run.output)")
  }

  /// Standard error failing alone is not a reason to stop: results still arrive.
  @Test func aFailingStandardErrorAloneKeepsGoing() throws {
    let lab = try Adversary()
    defer { lab.remove() }
    let run = try lab.run(
      "add Nonsense(1)\nimage demo cat\n", stdout: .redirected("2>/dev/full"))
    #expect(!run.signalled && run.status == 1)
    #expect(run.output.contains("X.shape = (1, 48, 48, 3)"), "\(run.output)")
  }
}
