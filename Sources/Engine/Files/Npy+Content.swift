import Foundation

/// What `np.load` returns for a `.npy` file: one numeric array, or the
/// numeric arrays of a pickled object array, list or tuple (Pickle.swift).
public enum NpyContent: Equatable, Sendable {
  case array(NDArray)
  /// In order; `X_train, x_test, Y_train, y_test = np.load(PATH)` unpacks them.
  case objects([NDArray])
}

extension Npy {
  /// Reads a `.npy` file as `np.load(PATH, allow_pickle=True)` does: a
  /// numeric array, an object array of numeric arrays, or a plain pickle of
  /// arrays. Nothing in the file is run.
  public static func readContent(path: String, maxBytes: Int = 1 << 31) throws(EngineError)
    -> NpyContent
  {
    try decodeContent(FileBytes.read(path: path, maxBytes: maxBytes), source: path)
  }

  /// ``readContent(path:maxBytes:)`` for bytes in memory; `source` names them in errors.
  public static func decodeContent(_ data: Data, source: String) throws(EngineError)
    -> NpyContent
  {
    // np.load falls back to pickle.load for a file without the .npy magic
    // (numpy/lib/_npyio_impl.py, `load`); protocol 2+ pickles start with PROTO.
    if !hasMagic(data), data.first == 0x80 { return try Pickle.decode(data, source: source) }
    let header = try parseHeader(data, source: source, pickled: true)
    if header.dtype.kind == .object {
      return try Pickle.decode(data, from: header.dataOffset, source: source)
    }
    return .array(decodeValues(data, header))
  }
}
