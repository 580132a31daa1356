import Engine
@preconcurrency import Glibc

/// Ctrl-C as a flag instead of a kill, so the learner keeps the model.
///
/// The signal handler only sets the flag (all a handler may safely do); the
/// readline hook clears the typed line when it sees it, long loops call
/// ``check()`` between steps and stop with ``Interrupted``, and the engine's
/// loads and decoders poll the same flag (``Interruption``).
enum Interrupt {
  /// The engine's flag: one flag, so a load deep in the engine sees Ctrl-C too.
  static var pending: sig_atomic_t {
    get { Interruption.flag.pointee }
    set { Interruption.flag.pointee = newValue }
  }

  /// Routes SIGINT to the flag. Without SA_RESTART, readline's read() gets
  /// EINTR and calls its signal event hook at once.
  static func install() {
    pending = 0  // allocates the flag before the handler can need it
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Interruption.flag.pointee = 1 }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    // A blocked signal mask is inherited through exec (a test runner's,
    // some launchers'): SIGINT would then wait forever and Ctrl-C do nothing.
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    sigaddset(&unblocked, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
  }

  static func clear() { pending = 0 }

  /// Throws ``Interrupted`` when Ctrl-C was pressed since the command began.
  static func check() throws(Interrupted) {
    if pending != 0 {
      pending = 0
      throw Interrupted()
    }
  }
}

/// Thrown by long loops when the learner pressed Ctrl-C; the session stays as it was.
struct Interrupted: Error {}
