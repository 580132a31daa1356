import CHDF5
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// HDF5 files (Keras's `.h5`) through the HDF5 C library, always in memory:
/// a file is read whole (its size checked first), opened as an image with the
/// core driver, and a new file is built in memory and handed back as bytes
/// for ``AtomicFile``. So the library never opens a path of its own, and a
/// file is replaced whole or not at all.
///
/// Every failure becomes one ``EngineError`` naming the file and the object;
/// the library's own error printing is switched off. Only what lives inside
/// the file is followed: soft and external links and datasets stored in
/// other files are refused, and every size is checked before it is read.
enum HDF5 {
  /// The eight bytes an HDF5 superblock starts with.
  static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
  /// The most children, attributes' elements and attribute bytes one object may have.
  static let maxChildren = 100_000
  static let maxAttributeBytes = 64 << 20
  /// HDF5 keeps attributes in the object header, which holds 64 KiB in the
  /// file format Keras 2's HDF5 writes; Keras splits longer lists (`layer_names0`, …).
  static let attributeLimit = 64_000

  /// One call into the library at a time: the engine's own tests run on many threads.
  private static let lock = NSRecursiveLock()

  /// HDF5 objects open in any file right now (files, groups, datasets,
  /// types, attributes): 0 between calls, since every call closes what it
  /// opened. The tests' check that no failure path leaves one open.
  static func openObjects() -> Int {
    lock.lock()
    defer { lock.unlock() }
    return chdf5_open_objects()
  }
  private nonisolated(unsafe) static var openCount = 0

  /// True when `bytes` hold an HDF5 superblock where the library looks for one
  /// (offset 0, 512, 1024, 2048, …).
  static func looksLikeHDF5(_ bytes: Data) -> Bool {
    var offset = 0
    while offset + signature.count <= bytes.count {
      let start = bytes.startIndex + offset
      if bytes[start..<(start + signature.count)].elementsEqual(signature) { return true }
      offset = offset == 0 ? 512 : offset * 2
    }
    return false
  }

  /// How long the check of a file may take, and (for its test) how long the
  /// child waits before it starts.
  struct CheckLimits: Sendable {
    var seconds: Int32 = 10
    var stallForTest: UInt32 = 0
    static let standard = CheckLimits()
  }

  /// Opens `bytes` as an HDF5 file and runs `body` on its root group; every
  /// object opened meanwhile is closed before it returns.
  static func reading<T>(
    _ bytes: Data, source: String, limits: CheckLimits = .standard,
    _ body: (HDF5Group) throws(EngineError) -> T
  ) throws(EngineError) -> T {
    guard looksLikeHDF5(bytes) else {
      throw .file(path: source, message: "not an HDF5 file (no HDF5 signature at its start)")
    }
    try check(bytes, source: source, limits: limits)
    lock.lock()
    defer { lock.unlock() }
    return try readImage(bytes, source: source, body)
  }

  /// Runs the library over everything in `bytes` in a forked child first
  /// (`chdf5_probe_child`, Sources/CHDF5/probe.h), so a file that crashes
  /// libhdf5 costs the child, not LayerLab: a child that dies before it
  /// reports means the file is corrupt, one that takes longer than
  /// `limits.seconds` is killed and the file refused. Either way nothing has
  /// been read and nothing changes.
  ///
  /// fork() in a process with other threads (the engine's worker pool, the
  /// shell's) leaves the child with whatever locks those threads held, so
  /// the child runs only C: libhdf5, malloc and async-signal-safe calls,
  /// then _exit (why each is safe is in probe.h). The lock is held across
  /// the fork so no thread is inside libhdf5 then; the child never takes it.
  /// It answers with one byte on a close-on-exec pipe (so no other process
  /// keeps it open), which the parent waits for with poll(), not with the
  /// exit status another part of the process could reap first.
  private static func check(_ bytes: Data, source: String, limits: CheckLimits)
    throws(EngineError)
  {
    func fail(_ message: String) -> EngineError { .file(path: source, message: message) }
    var ends: [Int32] = [-1, -1]
    guard chdf5_cloexec_pipe(&ends) == 0 else {
      throw fail("LayerLab could not start its check of the file (no pipe); try again")
    }
    let (reader, writer) = (ends[0], ends[1])
    defer { close(reader) }
    lock.lock()
    let child = bytes.withUnsafeBytes { raw -> pid_t in
      let pid = fork()
      if pid == 0 {
        chdf5_probe_child(raw.baseAddress, raw.count, writer, reader, limits.stallForTest)
      }
      return pid
    }
    lock.unlock()
    close(writer)
    guard child > 0 else {
      throw fail("LayerLab could not start its check of the file (no new process); try again")
    }
    var answer: UInt8 = 0
    let outcome = wait(for: reader, into: &answer, seconds: limits.seconds)
    if outcome == nil { kill(child, SIGKILL) }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0, errno == EINTR {}
    switch outcome {
    case nil:
      throw fail(
        "the HDF5 library could not read it in \(limits.seconds) s (it may be corrupt); nothing was loaded"
      )
    case false:
      throw fail("the file is corrupt: the HDF5 library cannot read it; save it again")
    case true where answer == UInt8(CHDF5_PROBE_TOO_BIG):
      throw fail(
        "it holds more objects or bigger arrays than LayerLab checks; it is not a file LayerLab reads"
      )
    case true:
      return
    }
  }

  /// Waits up to `seconds` for one byte on `fd`: true with the byte, false
  /// when the other end closed without one, nil when the time ran out.
  private static func wait(for fd: Int32, into byte: inout UInt8, seconds: Int32) -> Bool? {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    while true {
      var now = timespec()
      clock_gettime(CLOCK_MONOTONIC, &now)
      let elapsed =
        Int(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1_000_000
      let left = Int(seconds) * 1000 - elapsed
      guard left > 0 else { return nil }
      var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let polled = poll(&ready, 1, Int32(left))
      if polled < 0, errno == EINTR { continue }
      guard polled > 0 else { return polled == 0 ? nil : false }
      let count = read(fd, &byte, 1)
      if count < 0, errno == EINTR { continue }
      return count == 1
    }
  }

  /// ``reading(_:source:_:)`` without the lock or the child: the caller holds the lock.
  private static func readImage<T>(
    _ bytes: Data, source: String, _ body: (HDF5Group) throws(EngineError) -> T
  ) throws(EngineError) -> T {
    chdf5_quiet()
    let handles = HDF5Handles(source: source)
    defer { handles.closeAll() }
    let fapl = H5Pcreate(chdf5_file_access())
    guard fapl >= 0 else { throw handles.failure("cannot set up the HDF5 library") }
    handles.track(fapl, H5Pclose)
    guard H5Pset_fapl_core(fapl, 1 << 16, false) >= 0 else {
      throw handles.failure("cannot set up HDF5's in-memory driver")
    }
    let status = bytes.withUnsafeBytes { raw in
      H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
    }
    guard status >= 0 else { throw handles.failure("cannot hand the file to the HDF5 library") }
    let file = H5Fopen(uniqueName(), chdf5_acc_rdonly(), fapl)
    guard file >= 0 else {
      throw .file(
        path: source,
        message: "not a readable HDF5 file: it may be truncated or corrupt; save it again")
    }
    handles.track(file, H5Fclose)
    let root = H5Gopen2(file, "/", chdf5_default())
    guard root >= 0 else { throw handles.failure("the HDF5 file has no readable root group") }
    handles.track(root, H5Gclose)
    return try body(HDF5Group(id: root, path: "/", handles: handles))
  }

  /// Builds a new HDF5 file in memory with `body` and returns its bytes.
  static func writing(source: String, _ body: (HDF5Group) throws(EngineError) -> Void)
    throws(EngineError) -> Data
  {
    lock.lock()
    defer { lock.unlock() }
    chdf5_quiet()
    let handles = HDF5Handles(source: source)
    defer { handles.closeAll() }
    let fapl = H5Pcreate(chdf5_file_access())
    guard fapl >= 0, H5Pset_fapl_core(fapl, 1 << 20, false) >= 0 else {
      throw handles.failure("cannot set up HDF5's in-memory driver")
    }
    handles.track(fapl, H5Pclose)
    let file = H5Fcreate(uniqueName(), chdf5_acc_trunc(), chdf5_default(), fapl)
    guard file >= 0 else { throw handles.failure("cannot create an HDF5 file in memory") }
    handles.track(file, H5Fclose)
    let root = H5Gopen2(file, "/", chdf5_default())
    guard root >= 0 else { throw handles.failure("cannot open the new file's root group") }
    handles.track(root, H5Gclose)
    try body(HDF5Group(id: root, path: "/", handles: handles))
    guard H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0 else {
      throw handles.failure("cannot finish the HDF5 file")
    }
    let size = H5Fget_file_image(file, nil, 0)
    guard size > 0 else { throw handles.failure("cannot take the HDF5 file's image") }
    var image = Data(count: size)
    let copied = image.withUnsafeMutableBytes { raw in
      H5Fget_file_image(file, raw.baseAddress, raw.count)
    }
    guard copied == size else { throw handles.failure("cannot take the HDF5 file's image") }
    return image
  }

  /// The in-memory driver keeps a list of open files by name, so each gets its own.
  private static func uniqueName() -> String {
    openCount += 1
    return "layerlab-memory-\(getpid())-\(openCount).h5"
  }
}

/// The identifiers opened while one file is in use, closed together at the end.
final class HDF5Handles {
  let source: String
  private var open: [(hid_t, (hid_t) -> herr_t)] = []

  init(source: String) { self.source = source }

  func track(_ id: hid_t, _ close: @escaping (hid_t) -> herr_t) { open.append((id, close)) }

  func closeAll() {
    for (id, close) in open.reversed() { _ = close(id) }
    open = []
  }

  /// One error for the file: what could not be done.
  func failure(_ message: String) -> EngineError { .file(path: source, message: message) }
}

/// An attribute's value: text or numbers, as HDF5 stores them.
enum HDF5Attribute: Equatable {
  case strings([String])
  case numbers([Double])

  /// The text of a string attribute that holds one value.
  var string: String? {
    if case .strings(let values) = self, values.count == 1 { return values[0] }
    return nil
  }
}

/// A group of an open HDF5 file: its children, attributes and datasets.
struct HDF5Group {
  let id: hid_t
  /// Where it sits in the file, for messages (`/model_weights/conv2d`).
  let path: String
  let handles: HDF5Handles

  private func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

  /// The names of the links in this group, in name order.
  func children() throws(EngineError) -> [String] {
    var info = H5G_info_t()
    guard H5Gget_info(id, &info) >= 0 else {
      throw handles.failure("cannot list the group \(path)")
    }
    guard info.nlinks <= UInt64(HDF5.maxChildren) else {
      throw handles.failure(
        "the group \(path) has \(info.nlinks) members, more than LayerLab reads (\(HDF5.maxChildren))"
      )
    }
    var names: [String] = []
    for index in 0..<Int(info.nlinks) {
      let length = H5Lget_name_by_idx(
        id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, chdf5_default())
      guard length >= 0, length < 65_536 else {
        throw handles.failure("cannot read a member's name in the group \(path)")
      }
      var buffer = [CChar](repeating: 0, count: length + 1)
      guard
        H5Lget_name_by_idx(
          id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count,
          chdf5_default()) >= 0
      else {
        throw handles.failure("cannot read a member's name in the group \(path)")
      }
      names.append(
        String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return names
  }

  /// Checks that `name` is a hard link inside the file and says what it is:
  /// nil when there is none, 0 a group, 1 a dataset, 2 anything else.
  private func kind(of name: String) throws(EngineError) -> Int32? {
    let hard = name.withCString { chdf5_is_hard_link(id, $0) }
    if hard < 0 { return nil }
    guard hard == 1 else {
      throw handles.failure("\(child(name)) is a link to elsewhere, which LayerLab does not follow")
    }
    let kind = name.withCString { chdf5_object_kind(id, $0) }
    guard kind >= 0 else { throw handles.failure("cannot read \(child(name))") }
    return kind
  }

  /// Whether the group has a member `name` (a single name, no slashes).
  func has(_ name: String) throws(EngineError) -> Bool {
    guard !name.contains("/"), !name.isEmpty else { return false }
    return try kind(of: name) != nil
  }

  /// The group at `relative` (names separated by `/`), or nil when there is none.
  func group(_ relative: String) throws(EngineError) -> HDF5Group? {
    var current = self
    for part in relative.split(separator: "/").map(String.init) {
      guard let kind = try current.kind(of: part) else { return nil }
      guard kind == 0 else {
        throw handles.failure("\(current.child(part)) is not a group")
      }
      let opened = H5Gopen2(current.id, part, chdf5_default())
      guard opened >= 0 else {
        throw handles.failure("cannot open the group \(current.child(part))")
      }
      handles.track(opened, H5Gclose)
      current = HDF5Group(id: opened, path: current.child(part), handles: handles)
    }
    return current
  }

  // MARK: - Attributes

  /// The names of this group's attributes.
  func attributeNames() throws(EngineError) -> [String] {
    var names: [String] = []
    var index: hsize_t = 0
    while true {
      let length = H5Aget_name_by_idx(
        id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_default())
      if length < 0 { break }
      guard length < 65_536, names.count < HDF5.maxChildren else {
        throw handles.failure("cannot read the attributes of \(path)")
      }
      var buffer = [CChar](repeating: 0, count: length + 1)
      _ = H5Aget_name_by_idx(
        id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, chdf5_default())
      names.append(
        String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
      index += 1
    }
    return names
  }

  /// The attribute `name`, or nil when the group has none.
  func attribute(_ name: String) throws(EngineError) -> HDF5Attribute? {
    guard H5Aexists(id, name) > 0 else { return nil }
    let what = "the attribute '\(name)' of \(path)"
    let attribute = H5Aopen(id, name, chdf5_default())
    guard attribute >= 0 else { throw handles.failure("cannot open \(what)") }
    handles.track(attribute, H5Aclose)
    let type = H5Aget_type(attribute)
    guard type >= 0 else { throw handles.failure("cannot read the type of \(what)") }
    handles.track(type, H5Tclose)
    let space = H5Aget_space(attribute)
    guard space >= 0 else { throw handles.failure("cannot read the size of \(what)") }
    handles.track(space, H5Sclose)
    let points = H5Sget_simple_extent_npoints(space)
    guard points >= 0, points <= HDF5.maxAttributeBytes else {
      throw handles.failure("\(what) has an unreadable size")
    }
    let count = Int(points)
    switch H5Tget_class(type) {
    case H5T_STRING:
      return .strings(try readStrings(attribute, type: type, space: space, count: count, what))
    case H5T_FLOAT, H5T_INTEGER:
      var values = [Double](repeating: 0, count: count)
      if count > 0 {
        guard H5Aread(attribute, chdf5_native_double(), &values) >= 0 else {
          throw handles.failure("cannot read \(what)")
        }
      }
      return .numbers(values)
    default:
      throw handles.failure("\(what) holds neither text nor numbers")
    }
  }

  private func readStrings(
    _ attribute: hid_t, type: hid_t, space: hid_t, count: Int, _ what: String
  ) throws(EngineError) -> [String] {
    guard count > 0 else { return [] }
    if H5Tis_variable_str(type) > 0 {
      // The memory type takes the file's character set: HDF5 does not
      // convert between ASCII and UTF-8 (h5py 3 writes UTF-8).
      let memory = H5Tcopy(chdf5_c_s1())
      guard memory >= 0 else { throw handles.failure("cannot read \(what)") }
      // Tracked at once: a copy that then fails to take the size or the
      // character set is closed with the rest, not left open.
      handles.track(memory, H5Tclose)
      guard H5Tset_size(memory, chdf5_variable()) >= 0,
        H5Tset_cset(memory, H5Tget_cset(type)) >= 0
      else {
        throw handles.failure("cannot read \(what)")
      }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      guard H5Aread(attribute, memory, &pointers) >= 0 else {
        // A read that fails part-way may have given some strings already
        // (the fuzzer found 56 bytes left so): they are the library's to free.
        _ = chdf5_reclaim(memory, space, &pointers)
        throw handles.failure("cannot read \(what)")
      }
      var total = 0
      var strings: [String] = []
      for pointer in pointers {
        guard let pointer else {
          strings.append("")
          continue
        }
        let length = strnlen(pointer, HDF5.maxAttributeBytes)
        total += length
        if total > HDF5.maxAttributeBytes { break }
        strings.append(
          String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
      }
      _ = chdf5_reclaim(memory, space, &pointers)
      guard total <= HDF5.maxAttributeBytes else { throw handles.failure("\(what) is too long") }
      return strings
    }
    let size = H5Tget_size(type)
    guard size > 0,
      size.multipliedReportingOverflow(by: count).partialValue <= HDF5.maxAttributeBytes,
      !size.multipliedReportingOverflow(by: count).overflow
    else {
      throw handles.failure("\(what) is too long")
    }
    // The file's own type, so nothing is converted (a NUL-terminated memory
    // type would drop the last byte of numpy's NUL-padded 'S' strings).
    let memory = H5Tcopy(type)
    guard memory >= 0 else { throw handles.failure("cannot read \(what)") }
    handles.track(memory, H5Tclose)
    var buffer = [UInt8](repeating: 0, count: size * count)
    guard H5Aread(attribute, memory, &buffer) >= 0 else {
      throw handles.failure("cannot read \(what)")
    }
    // Fixed-length strings are padded with NULs (numpy's 'S' type) or spaces.
    return (0..<count).map { i in
      let cell = buffer[(i * size)..<((i + 1) * size)]
      let end = cell.firstIndex(of: 0) ?? cell.endIndex
      return String(decoding: cell[cell.startIndex..<end], as: UTF8.self)
    }
  }

  /// One piece of text from the attribute `name`: Keras's `model_config`,
  /// `keras_version` and the like, fixed-length or variable-length.
  func text(_ name: String) throws(EngineError) -> String? {
    guard let value = try attribute(name) else { return nil }
    guard let text = value.string else {
      throw handles.failure("the attribute '\(name)' of \(path) is not one piece of text")
    }
    return text
  }

  /// A list of names from the attribute `name`, read as Keras's
  /// `load_attributes_from_hdf5_group` does: an empty number list is an empty
  /// list, and a list too long for one attribute is split over `name0`, `name1`, ….
  func nameList(_ name: String) throws(EngineError) -> [String]? {
    func names(_ value: HDF5Attribute, _ label: String) throws(EngineError) -> [String] {
      switch value {
      case .strings(let list): return list
      case .numbers(let list) where list.isEmpty: return []
      case .numbers:
        throw handles.failure("the attribute '\(label)' of \(path) holds numbers, not names")
      }
    }
    if let value = try attribute(name) { return try names(value, name) }
    var result: [String] = []
    var chunk = 0
    while let value = try attribute("\(name)\(chunk)") {
      result += try names(value, "\(name)\(chunk)")
      chunk += 1
      guard result.count <= HDF5.maxChildren else {
        throw handles.failure("the attribute '\(name)' of \(path) is too long")
      }
    }
    return chunk == 0 ? nil : result
  }

  // MARK: - Datasets

  /// Opens the dataset at `relative`, checking it lives inside this file.
  private func openDataset(_ relative: String) throws(EngineError) -> (hid_t, String)? {
    let parts = relative.split(separator: "/").map(String.init)
    guard let last = parts.last else { return nil }
    guard let parent = try group(parts.dropLast().joined(separator: "/")) else { return nil }
    guard let kind = try parent.kind(of: last) else { return nil }
    let location = parent.child(last)
    guard kind == 1 else { throw handles.failure("\(location) is not a dataset") }
    let dataset = H5Dopen2(parent.id, last, chdf5_default())
    guard dataset >= 0 else { throw handles.failure("cannot open the dataset \(location)") }
    handles.track(dataset, H5Dclose)
    guard chdf5_dataset_is_internal(dataset) == 1 else {
      throw handles.failure(
        "\(location) keeps its data outside the file, which LayerLab does not read")
    }
    return (dataset, location)
  }

  /// The shape of the dataset at `relative`, or nil when there is none.
  func datasetShape(_ relative: String) throws(EngineError) -> [Int]? {
    guard let (dataset, location) = try openDataset(relative) else { return nil }
    return try shape(of: dataset, location)
  }

  private func shape(of dataset: hid_t, _ location: String) throws(EngineError) -> [Int] {
    let space = H5Dget_space(dataset)
    guard space >= 0 else { throw handles.failure("cannot read the shape of \(location)") }
    handles.track(space, H5Sclose)
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0, rank <= 8 else { throw handles.failure("\(location) has an unreadable shape") }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else {
      throw handles.failure("\(location) has an unreadable shape")
    }
    var shape: [Int] = []
    for dim in dims {
      guard dim <= UInt64(Int32.max) else {
        throw handles.failure("\(location) is too large to read")
      }
      shape.append(Int(dim))
    }
    return shape
  }

  /// The numbers of the dataset at `relative` as float32, with its shape;
  /// refused unless it holds exactly `expected` values (checked before reading).
  func floats(_ relative: String, expected: Int) throws(EngineError) -> (
    shape: [Int], values: [Float]
  )? {
    guard let (dataset, location) = try openDataset(relative) else { return nil }
    let dims = try shape(of: dataset, location)
    let count = dims.reduce(1) {
      $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1
    }
    guard count == expected else { return (dims, []) }
    let type = H5Dget_type(dataset)
    guard type >= 0 else { throw handles.failure("cannot read the type of \(location)") }
    handles.track(type, H5Tclose)
    let typeClass = H5Tget_class(type)
    guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
      throw handles.failure("\(location) does not hold numbers")
    }
    var values = [Float](repeating: 0, count: count)
    if count > 0 {
      guard
        H5Dread(dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), &values)
          >= 0
      else {
        throw handles.failure("cannot read \(location): the file may be truncated or corrupt")
      }
    }
    return (dims, values)
  }

  // MARK: - Writing

  /// A new group `name` inside this one.
  func makeGroup(_ name: String) throws(EngineError) -> HDF5Group {
    let created = H5Gcreate2(id, name, chdf5_default(), chdf5_default(), chdf5_default())
    guard created >= 0 else { throw handles.failure("cannot create the group \(child(name))") }
    handles.track(created, H5Gclose)
    return HDF5Group(id: created, path: child(name), handles: handles)
  }

  /// Writes text as numpy's fixed-length byte strings (`'S'`), which Keras 2
  /// reads with `.decode('utf8')` and Keras 3 reads too: one value, or a
  /// one-dimensional list. An empty list is written as Keras writes it, an
  /// empty float64 array.
  func setText(_ name: String, _ values: [String], list: Bool = false) throws(EngineError) {
    let what = "the attribute '\(name)' of \(path)"
    if list && values.isEmpty {
      var dims: [hsize_t] = [0]
      let space = H5Screate_simple(1, &dims, nil)
      guard space >= 0 else { throw handles.failure("cannot write \(what)") }
      handles.track(space, H5Sclose)
      let attribute = H5Acreate2(
        id, name, chdf5_ieee_f64le(), space, chdf5_default(), chdf5_default())
      guard attribute >= 0 else { throw handles.failure("cannot write \(what)") }
      handles.track(attribute, H5Aclose)
      return
    }
    let bytes = values.map { Array($0.utf8) }
    let size = max(1, bytes.map(\.count).max() ?? 1)
    guard size * max(values.count, 1) <= HDF5.attributeLimit else {
      throw handles.failure("\(what) is longer than an HDF5 attribute holds")
    }
    let type = H5Tcopy(chdf5_c_s1())
    guard type >= 0 else { throw handles.failure("cannot write \(what)") }
    handles.track(type, H5Tclose)
    guard H5Tset_size(type, size) >= 0, H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0 else {
      throw handles.failure("cannot write \(what)")
    }
    let space: hid_t
    if list {
      var dims: [hsize_t] = [hsize_t(values.count)]
      space = H5Screate_simple(1, &dims, nil)
    } else {
      space = H5Screate(H5S_SCALAR)
    }
    guard space >= 0 else { throw handles.failure("cannot write \(what)") }
    handles.track(space, H5Sclose)
    let attribute = H5Acreate2(id, name, type, space, chdf5_default(), chdf5_default())
    guard attribute >= 0 else { throw handles.failure("cannot write \(what)") }
    handles.track(attribute, H5Aclose)
    var buffer = [UInt8](repeating: 0, count: size * max(values.count, 1))
    for (i, value) in bytes.enumerated() {
      buffer.replaceSubrange((i * size)..<(i * size + value.count), with: value)
    }
    guard H5Awrite(attribute, type, buffer) >= 0 else {
      throw handles.failure("cannot write \(what)")
    }
  }

  /// Writes a float32 dataset at `relative` (intermediate groups are made, as
  /// h5py makes them for Keras 2's `conv2d_1/kernel:0`).
  func writeFloats(_ relative: String, shape: [Int], values: [Float]) throws(EngineError) {
    let dataset = try makeDataset(relative, shape: shape, type: chdf5_ieee_f32le())
    guard !values.isEmpty else { return }
    let status = values.withUnsafeBytes { raw in
      H5Dwrite(
        dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), raw.baseAddress)
    }
    guard status >= 0 else { throw handles.failure("cannot write the dataset \(child(relative))") }
  }

  /// Writes a scalar integer dataset at `relative` (an optimizer's
  /// `iterations`: int64 in Keras 2, int32 in Keras 3).
  func writeInteger(_ relative: String, _ value: Int64, bits32: Bool = false) throws(EngineError) {
    let dataset = try makeDataset(
      relative, shape: [], type: bits32 ? chdf5_std_i32le() : chdf5_std_i64le())
    var copy = value
    guard
      H5Dwrite(dataset, chdf5_native_llong(), chdf5_all(), chdf5_all(), chdf5_default(), &copy) >= 0
    else {
      throw handles.failure("cannot write the dataset \(child(relative))")
    }
  }

  private func makeDataset(_ relative: String, shape: [Int], type: hid_t) throws(EngineError)
    -> hid_t
  {
    let what = "the dataset \(child(relative))"
    let linkList = H5Pcreate(chdf5_link_create())
    guard linkList >= 0, H5Pset_create_intermediate_group(linkList, 1) >= 0 else {
      throw handles.failure("cannot write \(what)")
    }
    handles.track(linkList, H5Pclose)
    var dims = shape.map { hsize_t($0) }
    let space =
      shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil)
    guard space >= 0 else { throw handles.failure("cannot write \(what)") }
    handles.track(space, H5Sclose)
    let dataset = H5Dcreate2(id, relative, type, space, linkList, chdf5_default(), chdf5_default())
    guard dataset >= 0 else { throw handles.failure("cannot write \(what)") }
    handles.track(dataset, H5Dclose)
    return dataset
  }
}
