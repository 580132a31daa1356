import Foundation

/// Reads whole files into memory with a size limit checked before reading.
enum FileBytes {
  /// The file's bytes; refuses files larger than `maxBytes` without reading them.
  static func read(path: String, maxBytes: Int = 1 << 31) throws(EngineError) -> Data {
    let size = try self.size(path: path)
    guard size <= maxBytes else {
      throw .tooLarge(
        "\(path): the file is \(size) bytes, more than the limit of \(maxBytes) bytes")
    }
    do {
      return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
    } catch {
      throw .file(path: path, message: "cannot read the file (\(error.localizedDescription))")
    }
  }

  /// The size in bytes of a regular file, or a clear error when it is missing or a folder.
  static func size(path: String) throws(EngineError) -> Int {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      throw .file(
        path: path,
        message:
          "no such file; check the path (relative paths start from \(FileManager.default.currentDirectoryPath))"
      )
    }
    guard !isFolder.boolValue else { throw .file(path: path, message: "is a folder, not a file") }
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = (attributes?[.size] as? NSNumber)?.intValue else {
      throw .file(path: path, message: "cannot read the file's size; check its permissions")
    }
    return size
  }
}
