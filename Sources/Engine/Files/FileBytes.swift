import Foundation

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Musl)
  @preconcurrency import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads files into memory, only regular ones, with a size limit checked
/// before reading.
///
/// A named pipe blocks `open` and `read` forever and `/dev/zero` never ends,
/// so images, weights, models and datasets are read only from regular files:
/// the path is opened with `O_NONBLOCK` (which returns at once even for a
/// pipe with no writer) and `fstat` on that very descriptor decides, so a
/// file swapped for a pipe between a check and the open cannot slip through.
public enum FileBytes {
  /// The file's bytes; refuses anything but a regular file, and files larger
  /// than `maxBytes`, without reading them. Ctrl-C stops a long read.
  static func read(path: String, maxBytes: Int = 1 << 31) throws(EngineError) -> Data {
    let file = try RegularFile(path: path)
    defer { file.close() }
    guard file.size <= maxBytes else {
      throw .tooLarge(
        "\(path): the file is \(file.size) bytes, more than the limit of \(maxBytes) bytes")
    }
    return try file.readAll()
  }

  /// A regular file's text (UTF-8, invalid bytes replaced), at most
  /// `maxBytes` long: for lessons and scripts, which a FIFO must not stall.
  public static func text(path: String, maxBytes: Int = 10_000_000) throws(EngineError) -> String {
    String(decoding: try read(path: path, maxBytes: maxBytes), as: UTF8.self)
  }

  /// The size in bytes of a regular file, or a clear error when it is
  /// missing, a folder, a pipe or a device.
  static func size(path: String) throws(EngineError) -> Int {
    let file = try RegularFile(path: path)
    defer { file.close() }
    return file.size
  }

  /// At most the first `count` bytes of a regular file (fewer when it is shorter).
  static func head(path: String, count: Int) throws(EngineError) -> [UInt8] {
    let file = try RegularFile(path: path)
    defer { file.close() }
    return [UInt8](try file.read(upTo: count))
  }
}

/// A regular file opened for reading, checked on its own descriptor.
struct RegularFile {
  let path: String
  let descriptor: Int32
  let size: Int

  init(path: String) throws(EngineError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      let code = errno
      throw .file(path: path, message: RegularFile.openFailure(code, path: path))
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let text = String(cString: strerror(errno))
      Glibc.close(fd)
      throw .file(path: path, message: "cannot read the file's details (\(text))")
    }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else {
      Glibc.close(fd)
      throw .file(path: path, message: RegularFile.notRegular(kind))
    }
    descriptor = fd
    size = Int(truncatingIfNeeded: info.st_size)
  }

  func close() { Glibc.close(descriptor) }

  /// The whole file, in chunks, checking Ctrl-C between them.
  func readAll() throws(EngineError) -> Data {
    try read(upTo: size)
  }

  /// Up to `limit` bytes from the current position; stops early at the end
  /// of the file (a file that shrank while being read is caught by its parser).
  func read(upTo limit: Int) throws(EngineError) -> Data {
    var data = Data(count: max(limit, 0))
    var offset = 0
    let chunk = 1 << 22
    var failure: Int32 = 0
    var interrupted = false
    data.withUnsafeMutableBytes { raw in
      guard let base = raw.baseAddress else { return }
      while offset < limit {
        if Interruption.isPending {
          interrupted = true
          return
        }
        let n = Glibc.read(descriptor, base + offset, min(chunk, limit - offset))
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        if n == 0 { return }
        offset += n
      }
    }
    if interrupted { try Interruption.check() }
    guard failure == 0 else {
      throw .file(
        path: path, message: "cannot read the file (\(String(cString: strerror(failure))))")
    }
    if offset < data.count { data.removeSubrange(offset...) }
    return data
  }

  /// A path through which a library that takes file names (ZIPFoundation)
  /// opens this very file again, not whatever the name points at by then.
  var reopenablePath: String { "/dev/fd/\(descriptor)" }

  private static func openFailure(_ code: Int32, path: String) -> String {
    switch code {
    case ENOENT:
      return
        "no such file; check the path (relative paths start from \(FileManager.default.currentDirectoryPath))"
    case EACCES, EPERM:
      return "permission denied: the file cannot be read; check its permissions (ls -l)"
    case EISDIR:
      return "is a folder, not a file"
    case ENOTDIR:
      return "a part of the path is not a folder; check the path"
    case ELOOP:
      return "the path has too many symbolic links in a loop"
    default:
      return "cannot open the file (\(String(cString: strerror(code))))"
    }
  }

  private static func notRegular(_ kind: mode_t) -> String {
    switch kind {
    case S_IFDIR: return "is a folder, not a file"
    case S_IFIFO:
      return
        "is a named pipe (FIFO), not a file: LayerLab reads only regular files, so it would wait forever; save the data to a file first"
    case S_IFCHR, S_IFBLK:
      return
        "is a device, not a file: LayerLab reads only regular files (a device such as /dev/zero never ends)"
    case S_IFSOCK: return "is a socket, not a file: LayerLab reads only regular files"
    default: return "is not a regular file: LayerLab reads only regular files"
    }
  }
}
