import Engine

@testable import LayerLab

/// A session with a recording console, and a shell to type into it.
struct Harness {
  let console = RecordingConsole()
  let session: Session
  let shell: Shell

  init(seed: UInt64 = 0) {
    session = Session(console: console, seed: seed)
    shell = Shell(session: session)
  }

  /// Types `lines` as a piped script would, echo included.
  @discardableResult
  func type(_ lines: String...) -> Int32 {
    type(lines)
  }

  @discardableResult
  func type(_ lines: [String]) -> Int32 {
    shell.run(ScriptReader(lines: lines))
  }
}
