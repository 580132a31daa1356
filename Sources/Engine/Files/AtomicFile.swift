import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes files so that a crash or a full disk never leaves a half-written one.
///
/// A failed write (a full disk, `ulimit -f`, whose SIGXFSZ the shell
/// ignores so the short write is an error) removes its temporary file; a
/// process killed mid-write (SIGKILL) leaves `.NAME.tmp-PID-N`, which the
/// next write of the same target removes once that PID is gone. A target
/// that exists and is read-only is refused, not silently replaced.
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
    try refuseReadOnlyTarget(path)
    removeStaleTemporaries(folder: folder, name: url.lastPathComponent)
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

  /// A target that exists is replaced only when it could be written in
  /// place: renaming over it would otherwise undo a `chmod a-w` (and root
  /// may write anything, so the mode bits are asked too).
  private static func refuseReadOnlyTarget(_ path: String) throws(EngineError) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }  // a new file
    let kind = info.st_mode & S_IFMT
    if kind == S_IFDIR { throw .file(path: path, message: "is a folder; give a file name") }
    guard kind == S_IFREG else {
      throw .file(
        path: path, message: "is not a regular file (a link, pipe or device); choose another name")
    }
    if info.st_mode & 0o222 == 0 || access(path, W_OK) != 0 {
      throw .file(
        path: path,
        message:
          "the file is read-only, so it is not replaced; make it writable (chmod u+w) or choose another name"
      )
    }
  }

  /// Removes `.NAME.tmp-PID-N` files left by a process that was killed
  /// mid-write (its PID no longer running); others' live writes are kept.
  static func removeStaleTemporaries(folder: String, name: String) {
    let prefix = "." + name + ".tmp-"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for entry in entries where entry.hasPrefix(prefix) {
      let rest = entry.dropFirst(prefix.count).split(separator: "-")
      guard rest.count == 2, let pid = Int32(rest[0]), pid > 0, UInt32(rest[1]) != nil else {
        continue
      }
      // kill(pid, 0) fails with ESRCH when no such process exists.
      if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
        unlink(folder + "/" + entry)
      }
    }
  }
}

/// `write(2)`, named apart from ``AtomicFile/write(_:to:)``, which shadows it inside the enum.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, buffer, count)
}
