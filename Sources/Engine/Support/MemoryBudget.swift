import Foundation

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Musl)
  @preconcurrency import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// How much more memory this process may take, asked before work that
/// needs a lot of it (a `fit`, loading big weights), so a job the machine
/// cannot hold is refused with a sentence instead of aborting halfway.
///
/// The smaller of: the address-space limit (`ulimit -v`) and data limit
/// (`ulimit -d`) minus what is mapped now, and the memory the kernel says
/// is available (`MemAvailable`). Nil when none is known.
public enum MemoryBudget {
  public static func available() -> Int? {
    var bounds: [Int] = []
    let mapped = mappedBytes()
    for resource in [RLIMIT_AS, RLIMIT_DATA] {
      var limit = rlimit()
      #if canImport(Glibc)
        let got = getrlimit(__rlimit_resource_t(resource.rawValue), &limit)
      #else
        let got = getrlimit(resource, &limit)
      #endif
      // RLIM_INFINITY is all ones, which Swift imports as a negative literal.
      if got == 0, limit.rlim_cur != rlim_t.max, let mapped {
        bounds.append(max(Int(clamping: limit.rlim_cur) - mapped, 0))
      }
    }
    if let free = availableSystemMemory() { bounds.append(free) }
    return bounds.min()
  }

  /// The process's mapped address space, from /proc/self/statm.
  static func mappedBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
      let pages = text.split(separator: " ").first.flatMap({ Int($0) })
    else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// `MemAvailable` from /proc/meminfo, in bytes.
  static func availableSystemMemory() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else {
      return nil
    }
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
    }
    return nil
  }
}
