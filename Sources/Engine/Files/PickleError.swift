/// What is wrong with a pickle, before it is turned into an ``EngineError``
/// that names the file (``Pickle/decode(_:from:source:limits:)``).
struct PickleError: Error {
  var message: String
  /// Where in the file the opcode that failed starts, when one did.
  var offset: Int?

  init(_ message: String, at offset: Int? = nil) {
    self.message = message
    self.offset = offset
  }
}
