import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes files so that a crash or a full disk never leaves a half-written one.
public enum AtomicFile {
  /// Writes `data` to a temporary file next to `path`, flushes it to disk and
  /// renames it over `path`; on failure the old file is left as it was.
  ///
  /// The temporary file lives in the same folder because `rename(2)` is only
  /// atomic within one file system.
  public static func write(_ data: Data, to path: String) throws(EngineError) {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue
    else {
      throw .file(path: path, message: "the folder \(folder) does not exist; create it first")
    }
    let temp =
      folder + "/." + url.lastPathComponent
      + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
      throw .file(path: path, message: "cannot create a file in \(folder) (\(errorText()))")
    }
    var failure: String?
    data.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return }  // nothing to write
      var offset = 0
      while offset < raw.count {
        let n = posixWrite(fd, base + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = "cannot write (\(errorText()))"
          return
        }
        offset += n
      }
    }
    if failure == nil, fsync(fd) != 0 { failure = "cannot flush to disk (\(errorText()))" }
    if close(fd) != 0, failure == nil { failure = "cannot close (\(errorText()))" }
    if failure == nil, rename(temp, path) != 0 {
      failure = "cannot replace the file (\(errorText()))"
    }
    if let failure {
      unlink(temp)
      throw .file(path: path, message: failure)
    }
    // Make the rename itself durable; a failure here loses nothing already written.
    let dirfd = open(folder, O_RDONLY)
    if dirfd >= 0 {
      _ = fsync(dirfd)
      close(dirfd)
    }
  }

  private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// `write(2)`, named apart from ``AtomicFile/write(_:to:)``, which shadows it inside the enum.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, buffer, count)
}
