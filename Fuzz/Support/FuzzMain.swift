import Foundation

/// libFuzzer's driver with `body` as the function under test: the
/// `LLVMFuzzerRunDriver` entry point (LLVM 11 on), since SwiftPM gives
/// every executable its own `main`, which libFuzzer's main would clash with.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

nonisolated(unsafe) private var current: (Data) -> Void = { _ in }

/// Runs the fuzzer on `body`, which gets each input as `Data`; never returns.
public func fuzzMain(_ body: @escaping (Data) -> Void) -> Never {
  current = body
  var argc = CommandLine.argc
  var argv = CommandLine.unsafeArgv
  let status = runDriver(&argc, &argv) { bytes, count in
    current(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
  }
  exit(status)
}
