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
    // ZIPFoundation 0.9.20's in-memory reader traps when a corrupt offset points
    // past the end of the data (weichsel/ZIPFoundation#394); its file reader
    // just reaches end-of-file, so the bytes are read back from a private file.
    let staged = FileManager.default.temporaryDirectory
      .appendingPathComponent("layerlab-\(UUID().uuidString).npz")
    do {
      try data.write(to: staged)
    } catch {
      throw .file(
        path: source,
        message: "cannot stage the archive in the temporary folder (\(error.localizedDescription))")
    }
    defer { try? FileManager.default.removeItem(at: staged) }
    let archive: Archive
    do {
      archive = try Archive(url: staged, accessMode: .read)
    } catch {
      throw notZip(source)
    }
    return try arrays(in: archive, source: source, maxBytes: maxBytes)
  }

  /// Reads an `.npz` file; refuses it when its arrays would take more than `maxBytes`.
  public static func read(
    path: String, maxBytes: Int = 2_000_000_000
  ) throws(EngineError) -> [(name: String, array: NDArray)] {
    _ = try FileBytes.size(path: path)
    let archive: Archive
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw notZip(path)
    }
    return try arrays(in: archive, source: path, maxBytes: maxBytes)
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

  private static func notZip(_ source: String) -> EngineError {
    .file(
      path: source,
      message:
        "not a readable .npz (zip) archive; it may be corrupt or truncated; save arrays with np.savez"
    )
  }

  private static func arrays(
    in archive: Archive, source: String, maxBytes: Int
  ) throws(EngineError) -> [(name: String, array: NDArray)] {
    var result: [(name: String, array: NDArray)] = []
    var total = 0
    for entry in archive where entry.type == .file {
      let name = entry.path
      let declared = entry.uncompressedSize
      guard declared <= UInt64(maxBytes - total) else {
        throw .tooLarge("\(source): the arrays take more than the limit of \(maxBytes) bytes")
      }
      total += Int(declared)
      var bytes = Data()
      // The declared size is not trusted for a reservation: grow as data arrives past 64 MB.
      bytes.reserveCapacity(min(Int(declared), 1 << 26))
      do {
        _ = try archive.extract(entry) { chunk in
          // A lying size field must not let a member grow without bound.
          guard bytes.count + chunk.count <= Int(declared) else {
            throw EngineError.data("member larger than declared")
          }
          bytes.append(chunk)
        }
      } catch {
        throw .file(
          path: source,
          message:
            "member '\(name)' cannot be extracted (\(error)); the archive may be corrupt or truncated"
        )
      }
      let member = "\(source) [\(name)]"
      let array = try Npy.decode(bytes, source: member)
      result.append((name: name.hasSuffix(".npy") ? String(name.dropLast(4)) : name, array: array))
    }
    if result.isEmpty {
      throw .file(
        path: source, message: "the archive holds no arrays; it may be corrupt or not an .npz")
    }
    return result
  }
}
