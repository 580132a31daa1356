#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Musl)
  @preconcurrency import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C as the engine sees it: a flag the shell's SIGINT handler sets and
/// long work (every load, the C decoders between scans and rows) checks, so
/// a learner can stop a load that takes too long and keep the session.
public enum Interruption {
  /// The flag itself, at a fixed address the C decoders can poll. A signal
  /// handler may only store to a `sig_atomic_t`; it is allocated once, here,
  /// before any handler is installed (``flag`` is touched by `install`).
  nonisolated(unsafe) public static let flag: UnsafeMutablePointer<sig_atomic_t> = {
    let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
  }()

  /// True when Ctrl-C was pressed and nobody has taken note yet.
  public static var isPending: Bool { flag.pointee != 0 }

  /// Throws ``EngineError/interrupted`` (and takes note) when Ctrl-C was pressed.
  static func check() throws(EngineError) {
    if flag.pointee != 0 {
      flag.pointee = 0
      throw .interrupted
    }
  }
}
