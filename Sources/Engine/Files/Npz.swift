import Foundation
import ZIPFoundation

/// numpy's `.npz` format: a zip archive of `.npy` files, one per named array,
/// as written by `np.savez` (stored) and `np.savez_compressed` (deflated).
public enum Npz {
  /// How members are stored when writing.
  public enum Compression: Sendable {
    /// No compression, like `np.savez`.
    case stored
    /// Deflate, like `np.savez_compressed`.
    case deflate
  }

  /// The arrays of an `.npz` held in memory, in archive order, names without `.npy`.
  public static func decode(
    _ data: Data, source: String, maxBytes: Int = 2_000_000_000
  ) throws(EngineError) -> [(name: String, array: NDArray)] {
    try arrays(in: NpzArchive(data: data, source: source), maxBytes: maxBytes)
  }

  /// Reads an `.npz` file; refuses it when its arrays would take more than
  /// `maxBytes`, from what the members declare, before inflating any.
  public static func read(
    path: String, maxBytes: Int = 2_000_000_000
  ) throws(EngineError) -> [(name: String, array: NDArray)] {
    try arrays(in: NpzArchive(path: path), maxBytes: maxBytes)
  }

  /// The `.npz` bytes for `arrays`; each name gets `.npy` appended, as numpy does.
  public static func encode(
    _ arrays: [(name: String, array: NDArray)], compression: Compression = .stored
  ) throws(EngineError) -> Data {
    do {
      let archive = try Archive(data: Data(), accessMode: .create)
      for (name, array) in arrays {
        let bytes = Npy.encode(array)
        try archive.addEntry(
          with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count),
          compressionMethod: compression == .stored ? .none : .deflate
        ) { position, size in
          bytes.subdata(in: Int(position)..<(Int(position) + size))
        }
      }
      guard let data = archive.data else {
        throw EngineError.data("internal: the in-memory archive has no data")
      }
      return data
    } catch {
      throw .data("cannot build the .npz archive (\(error))")
    }
  }

  /// Writes `arrays` to `path` as `.npz`, atomically.
  public static func write(
    _ arrays: [(name: String, array: NDArray)], path: String, compression: Compression = .stored
  ) throws(EngineError) {
    try AtomicFile.write(encode(arrays, compression: compression), to: path)
  }

  /// Every member of `archive`, after checking their declared total.
  static func arrays(in archive: NpzArchive, maxBytes: Int) throws(EngineError) -> [(
    name: String, array: NDArray
  )] {
    var total = 0
    for member in archive.members {
      let (sum, overflow) = total.addingReportingOverflow(member.size)
      guard !overflow, sum <= maxBytes else {
        throw .tooLarge(
          "\(archive.source): the arrays take more than the limit of \(maxBytes) bytes (\(archive.place(member.name)) alone declares \(member.size)); nothing was inflated"
        )
      }
      total = sum
    }
    var result: [(name: String, array: NDArray)] = []
    for member in archive.members { result.append((member.name, try archive.array(member))) }
    return result
  }
}
