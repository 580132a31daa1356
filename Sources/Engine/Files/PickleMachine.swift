/// Python's pickle virtual machine, restricted to the opcodes numpy's arrays
/// need (protocols 2 to 5, and Python 2's strings), run as an interpreter:
/// opcodes push and pop ``PickleValue``s; nothing from the file is ever
/// called. Opcode names and meanings are those of CPython's
/// Lib/pickletools.py, whose docs each case cites in a few words.
///
/// Everything is bounded before it is paid for: the opcode count, the stack,
/// the mark depth (how deeply containers nest while being built), the memo,
/// every length against the bytes that are left, and the bytes the pickle
/// makes rather than reads (``Pickle/Limits``).
struct PickleMachine {
  private let bytes: UnsafeRawBufferPointer
  private let limits: Pickle.Limits
  private var position: Int
  /// Where the opcode being run starts, for error messages.
  private(set) var opcodeStart: Int
  private var stack: [PickleValue] = []
  /// Stack heights at each open MARK.
  private var marks: [Int] = []
  private var memo: [UInt32: PickleValue] = [:]
  private var opcodes = 0
  /// Bytes the pickle made (by `_codecs.encode`) and bytes it turned into
  /// arrays. A real file does each once per string it holds, so more than
  /// the file's size means a few opcodes are reusing one string to ask for
  /// gigabytes.
  private var encodedBytes = 0
  private var arrayBytes = 0
  var heap = PickleHeap()

  init(bytes: UnsafeRawBufferPointer, start: Int, limits: Pickle.Limits) {
    self.bytes = bytes
    self.limits = limits
    position = start
    opcodeStart = start
  }

  /// Runs opcodes up to STOP and returns the value the pickle holds.
  mutating func run() throws(PickleError) -> PickleValue {
    while true {
      opcodeStart = position
      opcodes += 1
      guard opcodes <= limits.maxOpcodes else {
        throw PickleError("the pickle has more than \(limits.maxOpcodes) opcodes")
      }
      let code = try readByte(in: "an opcode")
      if let value = try step(code) { return value }
    }
  }

  /// Runs one opcode; returns the pickled value at STOP. The table of every
  /// opcode LayerLab accepts: any other is refused.
  private mutating func step(_ code: UInt8) throws(PickleError) -> PickleValue? {
    switch code {
    case 0x80:  // PROTO: "Protocol version indicator", the first opcode at protocol 2+.
      let version = try readByte(in: "PROTO")
      guard (2...5).contains(version) else {
        throw PickleError(
          "the pickle is protocol \(version); numpy writes protocols 2 to 5, which LayerLab reads")
      }
    case 0x95:  // FRAME: "Indicate the beginning of a new frame", only a length hint.
      _ = try readLength(8, in: "FRAME")
    case 0x2E:  // STOP: "Stop the unpickling machine"; the top of the stack is the result.
      return try pop()
    case 0x4E: try push(.none)  // NONE
    case 0x88: try push(.bool(true))  // NEWTRUE
    case 0x89: try push(.bool(false))  // NEWFALSE
    case 0x4B: try push(.int(Int(try readByte(in: "BININT1"))))  // BININT1: 1-byte unsigned
    case 0x4D: try push(.int(Int(try readUInt(2, in: "BININT2"))))  // BININT2: 2-byte unsigned
    case 0x4A:  // BININT: 4-byte signed little-endian
      try push(.int(Int(Int32(truncatingIfNeeded: try readUInt(4, in: "BININT")))))
    case 0x8A:  // LONG1: "Long integer using one-byte length", two's complement
      try push(.int(try readLong(length: Int(try readByte(in: "LONG1")), in: "LONG1")))
    case 0x8B:  // LONG4: the same with a four-byte length
      try push(.int(try readLong(length: try readLength(4, in: "LONG4"), in: "LONG4")))
    case 0x47:  // BINFLOAT: "Float stored in binary form", 8 bytes big-endian
      try push(.float(Double(bitPattern: UInt64(bigEndian: try readRaw(8, in: "BINFLOAT")))))
    case 0x8C: try push(.text(try readCounted(1, in: "SHORT_BINUNICODE")))  // UTF-8, 1-byte length
    case 0x58: try push(.text(try readCounted(4, in: "BINUNICODE")))  // UTF-8, 4-byte length
    case 0x8D: try push(.text(try readCounted(8, in: "BINUNICODE8")))  // UTF-8, 8-byte length
    case 0x43: try push(.bytes(try readCounted(1, in: "SHORT_BINBYTES")))  // protocol 3
    case 0x42: try push(.bytes(try readCounted(4, in: "BINBYTES")))  // protocol 3
    case 0x8E: try push(.bytes(try readCounted(8, in: "BINBYTES8")))  // protocol 4
    case 0x96: try push(.bytes(try readCounted(8, in: "BYTEARRAY8")))  // protocol 5, in-band buffer
    case 0x55: try push(.bytes(try readCounted(1, in: "SHORT_BINSTRING")))  // Python 2 str
    case 0x54:  // BINSTRING: Python 2 str, 4-byte signed length ("string4")
      let length = Int(Int32(truncatingIfNeeded: try readUInt(4, in: "BINSTRING")))
      guard length >= 0 else { throw PickleError("BINSTRING has a negative length") }
      try push(.bytes(try readBytes(length, in: "BINSTRING")))
    case 0x28:  // MARK: "Push markobject onto the stack", opening a TUPLE, APPENDS or SETITEMS.
      guard marks.count < limits.maxNesting else {
        throw PickleError("the pickle nests containers more than \(limits.maxNesting) deep")
      }
      marks.append(stack.count)
    case 0x29: try push(heap.tuple([]))  // EMPTY_TUPLE
    case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3: "Build a tuple out of the topmost" 1-3 items
      var items = [PickleValue]()
      for _ in 0..<Int(code - 0x84) { items.append(try pop()) }
      try push(heap.tuple(items.reversed()))
    case 0x74: try push(heap.tuple(try popToMark()))  // TUPLE: the items since the last MARK
    case 0x5D:  // EMPTY_LIST
      heap.lists.append([])
      try push(.list(heap.lists.count - 1))
    case 0x61:  // APPEND: "Append an object to a list"
      let item = try pop()
      heap.lists[try topList()].append(item)
    case 0x65:  // APPENDS: "Extend a list by a slice of stack objects" since the last MARK
      let items = try popToMark()
      heap.lists[try topList()] += items
    case 0x7D:  // EMPTY_DICT
      heap.dicts.append([])
      try push(.dict(heap.dicts.count - 1))
    case 0x73:  // SETITEM: "Add a key+value pair to an existing dict"
      let value = try pop()
      let key = try pop()
      heap.dicts[try topDict()].append((key, value))
    case 0x75:  // SETITEMS: key, value pairs since the last MARK
      let items = try popToMark()
      guard items.count.isMultiple(of: 2) else { throw PickleError("SETITEMS has an odd count") }
      let dict = try topDict()
      for i in stride(from: 0, to: items.count, by: 2) {
        heap.dicts[dict].append((items[i], items[i + 1]))
      }
    case 0x71: try put(UInt32(try readByte(in: "BINPUT")))  // BINPUT: memo[1-byte key] = top
    case 0x72: try put(try readUInt32(in: "LONG_BINPUT"))  // LONG_BINPUT: 4-byte key
    case 0x94: try put(UInt32(truncatingIfNeeded: memo.count))  // MEMOIZE: key = memo's size
    case 0x68: try get(UInt32(try readByte(in: "BINGET")))  // BINGET: push memo[1-byte key]
    case 0x6A: try get(try readUInt32(in: "LONG_BINGET"))  // LONG_BINGET: 4-byte key
    case 0x63:  // GLOBAL: "Push a global object (module.attr) on the stack", two text lines
      let module = try readLine(in: "GLOBAL")
      let name = try readLine(in: "GLOBAL")
      try push(.global(try PickleGlobal.named(module: module, name: name)))
    case 0x93:  // STACK_GLOBAL: the same, module and name taken from the stack (protocol 4)
      let name = try pop()
      let module = try pop()
      guard case .text(let m) = module, case .text(let n) = name else {
        throw PickleError(
          "STACK_GLOBAL needs two strings, got \(module.typeName), \(name.typeName)")
      }
      try push(.global(try PickleGlobal.named(module: m, name: n)))
    case 0x52:  // REDUCE: "Push an object built from a callable and an argument tuple"
      let arguments = try pop()
      let callable = try pop()
      guard case .global(let function) = callable, let args = heap.items(ofTuple: arguments) else {
        throw PickleError(
          "REDUCE needs a function and a tuple, got \(callable.typeName), \(arguments.typeName)")
      }
      try push(try call(function, args))
    case 0x62:  // BUILD: "Finish building an object, via __setstate__ or dict update"
      let state = try pop()
      try build(try top(), state: state)
    default:
      throw PickleError(
        "the pickle uses opcode 0x\(String(code, radix: 16)), which numpy does not write for arrays; LayerLab reads only numpy arrays from pickles"
      )
    }
    return nil
  }

  // MARK: - The stack and the memo

  private mutating func push(_ value: PickleValue) throws(PickleError) {
    guard stack.count < limits.maxStack else {
      throw PickleError("the pickle's stack grows past \(limits.maxStack) values")
    }
    stack.append(value)
  }

  /// The top value; the items below an open MARK belong to an outer container.
  private func top() throws(PickleError) -> PickleValue {
    guard let value = stack.last, stack.count > (marks.last ?? 0) else {
      throw PickleError("an opcode needs a value, but the stack is empty")
    }
    return value
  }

  private mutating func pop() throws(PickleError) -> PickleValue {
    let value = try top()
    stack.removeLast()
    return value
  }

  private mutating func popToMark() throws(PickleError) -> [PickleValue] {
    guard let mark = marks.popLast() else {
      throw PickleError("an opcode needs a MARK, but none is open")
    }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  private func topList() throws(PickleError) -> Int {
    let value = try top()
    guard case .list(let i) = value else {
      throw PickleError("APPEND needs a list, got \(value.typeName)")
    }
    return i
  }

  private func topDict() throws(PickleError) -> Int {
    let value = try top()
    guard case .dict(let i) = value else {
      throw PickleError("SETITEM needs a dict, got \(value.typeName)")
    }
    return i
  }

  private mutating func put(_ key: UInt32) throws(PickleError) {
    let value = try top()
    guard memo.count < limits.maxMemo || memo[key] != nil else {
      throw PickleError("the pickle's memo grows past \(limits.maxMemo) entries")
    }
    memo[key] = value
  }

  private mutating func get(_ key: UInt32) throws(PickleError) {
    guard let value = memo[key] else {
      throw PickleError("the pickle refers to memo entry \(key), which it never stored")
    }
    try push(value)
  }

  /// Counts bytes the pickle makes by encoding (or, with `array`, turns
  /// into arrays); refuses more than the file holds.
  mutating func spend(_ count: Int, array: Bool = false) throws(PickleError) {
    if array { arrayBytes += count } else { encodedBytes += count }
    guard max(encodedBytes, arrayBytes) <= bytes.count else {
      throw PickleError(
        "the pickle builds more data than the file holds (\(bytes.count) bytes) by reusing the same bytes; it is corrupt or hostile"
      )
    }
  }

  // MARK: - Reading the operands

  private mutating func readByte(in opcode: String) throws(PickleError) -> UInt8 {
    guard position < bytes.count else { throw truncated(in: opcode) }
    defer { position += 1 }
    return bytes[position]
  }

  /// A little-endian unsigned integer of `size` (at most 8) bytes.
  private mutating func readUInt(_ size: Int, in opcode: String) throws(PickleError) -> UInt64 {
    guard size <= bytes.count - position else { throw truncated(in: opcode) }
    var value: UInt64 = 0
    for i in 0..<size { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
    position += size
    return value
  }

  private mutating func readUInt32(in opcode: String) throws(PickleError) -> UInt32 {
    UInt32(truncatingIfNeeded: try readUInt(4, in: opcode))
  }

  /// Eight raw bytes as they lie in the file.
  private mutating func readRaw(_ size: Int, in opcode: String) throws(PickleError) -> UInt64 {
    guard size <= bytes.count - position else { throw truncated(in: opcode) }
    defer { position += size }
    return bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
  }

  /// A length field, checked against the bytes left before anything is allocated.
  private mutating func readLength(_ size: Int, in opcode: String) throws(PickleError) -> Int {
    let length = try readUInt(size, in: opcode)
    guard length <= UInt64(bytes.count - position) else { throw truncated(in: opcode) }
    return Int(length)
  }

  private mutating func readBytes(_ count: Int, in opcode: String) throws(PickleError) -> [UInt8] {
    guard count <= bytes.count - position else { throw truncated(in: opcode) }
    defer { position += count }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)]))
  }

  /// Bytes preceded by a little-endian length of `size` bytes.
  private mutating func readCounted(_ size: Int, in opcode: String) throws(PickleError) -> [UInt8] {
    try readBytes(try readLength(size, in: opcode), in: opcode)
  }

  /// LONG1/LONG4's little-endian two's complement, as long as it fits `Int`.
  private mutating func readLong(length: Int, in opcode: String) throws(PickleError) -> Int {
    guard length <= 8 else {
      throw PickleError("\(opcode) holds a \(length)-byte integer; LayerLab reads up to 8 bytes")
    }
    let raw = try readBytes(length, in: opcode)
    var value: UInt64 = 0
    for (i, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
    // Sign-extend from the top bit of the last byte.
    if let last = raw.last, last & 0x80 != 0, length < 8 { value |= ~0 << (8 * UInt64(length)) }
    return Int(Int64(bitPattern: value))
  }

  /// A GLOBAL operand: text up to a newline, at most 256 bytes.
  private mutating func readLine(in opcode: String) throws(PickleError) -> [UInt8] {
    let end = min(bytes.count, position + 257)
    guard let newline = bytes[position..<end].firstIndex(of: 0x0A) else {
      throw position + 257 <= bytes.count
        ? PickleError("\(opcode) has a name longer than 256 bytes") : truncated(in: opcode)
    }
    defer { position = newline + 1 }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<newline]))
  }

  private func truncated(in opcode: String) -> PickleError {
    PickleError("the pickle ends inside \(opcode); the file is truncated or corrupt")
  }
}
