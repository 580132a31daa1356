/// The only Python callables a pickle may name: what numpy 1.16 to 2.x write
/// for arrays. Every other global (`posix.system`, `builtins.eval`, …) is
/// refused where the pickle names it, before anything could use it; and even
/// these are never called: ``PickleMachine`` builds the values they would
/// return (PickleMachine+Numpy.swift).
///
/// Each name below is written by some numpy into the committed fixtures
/// (Tests/EngineTests/Fixtures/pickled, whose `.expected.json` files list the
/// globals each pickle names); a test checks the two lists stay equal.
enum PickleGlobal: Equatable, Sendable {
  /// `_reconstruct(ndarray, (0,), b'b')`: an empty array that `BUILD` fills
  /// (numpy's `ndarray.__reduce__`, multiarray/methods.c `array_reduce`).
  case reconstruct
  /// `ndarray`, only ever the first argument of `_reconstruct`.
  case ndarray
  /// `dtype('f4', False, True)`: a dtype that `BUILD` gives its byte order.
  case dtype
  /// `_frombuffer(buffer, dtype, shape, order[, axes])`: how protocol 5
  /// pickles a numeric array (methods.c `array_reduce_ex_picklebuffer`).
  case frombuffer
  /// `_codecs.encode(text, 'latin1')`: how Python 3 writes `bytes` at
  /// protocol 2, which numpy 1.16's `np.save` uses (pickle.py `save_bytes`).
  case codecsEncode
  /// `bytes()`: protocol 2's empty `bytes`, for arrays with no elements.
  case emptyBytes

  /// The names numpy writes for each, in every era: `numpy.core` up to
  /// 1.26, `numpy._core` from 2.0; `__builtin__` is the Python 2 spelling
  /// Python 3 writes at protocol 2 (`fix_imports`).
  static let byName: [String: PickleGlobal] = [
    "numpy.core.multiarray._reconstruct": .reconstruct,
    "numpy._core.multiarray._reconstruct": .reconstruct,
    "numpy.ndarray": .ndarray,
    "numpy.dtype": .dtype,
    "numpy.core.numeric._frombuffer": .frombuffer,
    "numpy._core.numeric._frombuffer": .frombuffer,
    "_codecs.encode": .codecsEncode,
    "__builtin__.bytes": .emptyBytes,
  ]

  /// The callable a GLOBAL or STACK_GLOBAL names, or the one error that
  /// refuses it by name.
  static func named(module: [UInt8], name: [UInt8]) throws(PickleError) -> PickleGlobal {
    let full = String(decoding: module, as: UTF8.self) + "." + String(decoding: name, as: UTF8.self)
    if let global = byName[full] { return global }
    throw PickleError(
      "the pickle names '\(SafeText.terminal(full, limit: 80))', which LayerLab refuses: it reads only numpy arrays from pickles and never runs anything a file names; if you trust the file, load it in Python and save its arrays with np.savez"
    )
  }

  /// A name for messages.
  var name: String {
    switch self {
    case .reconstruct: "numpy.core.multiarray._reconstruct"
    case .ndarray: "numpy.ndarray"
    case .dtype: "numpy.dtype"
    case .frombuffer: "numpy.core.numeric._frombuffer"
    case .codecsEncode: "_codecs.encode"
    case .emptyBytes: "bytes"
    }
  }
}
