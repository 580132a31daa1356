import Foundation

/// numpy's pickles, read without running them: the object arrays `np.save`
/// writes for a tuple of arrays of different lengths (the seed script's
/// `data/augumented_images.npy`), and plain pickled arrays, lists and tuples
/// of arrays, which `np.load(..., allow_pickle=True)` also reads.
///
/// numpy writes these with pickle protocol 2 (numpy 1.16), 3 (1.17 to
/// 1.26) or 4 (2.x) (numpy/lib/format.py, `write_array`); `pickle.dump`
/// can add protocol 5. ``PickleMachine`` interprets the opcodes and accepts
/// only the globals in ``PickleGlobal``; this type turns what it built into
/// the arrays `np.load` would return.
public enum Pickle {
  /// How much work one pickle may ask for; each is far above what numpy
  /// writes for a dataset, and each is checked before the work is done.
  public struct Limits: Sendable {
    /// Opcodes run (numpy writes about 40 per array).
    public var maxOpcodes = 20_000_000
    /// Values on the stack at once (numpy's pickler batches lists by 1000,
    /// but a tuple's items are all on the stack before TUPLE).
    public var maxStack = 1_000_000
    /// Containers open inside each other while being built (numpy: 4).
    public var maxNesting = 64
    /// Memo entries (numpy: about 10 per array).
    public var maxMemo = 2_000_000

    /// The limits for files from anywhere.
    public init() {}
  }

  /// The arrays in the pickle that starts at byte `offset` of `data`; one
  /// error naming `source` for anything else.
  public static func decode(
    _ data: Data, from offset: Int = 0, source: String, limits: Limits = Limits()
  ) throws(EngineError) -> NpyContent {
    precondition((0...data.count).contains(offset), "internal: pickle offset \(offset)")
    let result: Result<NpyContent, PickleError> = data.withUnsafeBytes { raw in
      var machine = PickleMachine(bytes: raw, start: offset, limits: limits)
      let root: PickleValue
      do throws(PickleError) {
        root = try machine.run()
      } catch let error {
        return .failure(PickleError(error.message, at: machine.opcodeStart))
      }
      do throws(PickleError) {
        return .success(try content(of: root, in: machine.heap))
      } catch let error {
        return .failure(error)
      }
    }
    switch result {
    case .success(let content): return content
    case .failure(let error):
      let place = error.offset.map { " (pickle opcode at byte \($0))" } ?? ""
      throw .file(path: source, message: error.message + place)
    }
  }

  /// What `np.load` returns, when it is arrays.
  static func content(of root: PickleValue, in heap: PickleHeap) throws(PickleError)
    -> NpyContent
  {
    if case .array(let i) = root {
      switch heap.arrays[i] {
      case .numeric(let array): return .array(array)
      case .objects(let shape, let items) where shape.count == 1:
        return .objects(try arrays(items, in: heap, of: root))
      default: break
      }
    }
    if let items = heap.items(ofSequence: root) {
      return .objects(try arrays(items, in: heap, of: root))
    }
    throw notArrays(found: describe(root, in: heap))
  }

  private static func arrays(_ items: [PickleValue], in heap: PickleHeap, of root: PickleValue)
    throws(PickleError) -> [NDArray]
  {
    var out = [NDArray]()
    for (i, item) in items.enumerated() {
      guard case .array(let a) = item, case .numeric(let array) = heap.arrays[a] else {
        throw notArrays(
          found: "\(describe(root, in: heap)) whose item \(i) is \(describe(item, in: heap))")
      }
      out.append(array)
    }
    return out
  }

  private static func notArrays(found: String) -> PickleError {
    PickleError(
      "it holds \(found); LayerLab reads pickles of numeric arrays: one array, or an object array, list or tuple of them, as np.save(PATH, (X_train, X_test, y_train, y_test)) writes"
    )
  }

  private static func items(_ count: Int) -> String { count == 1 ? "1 item" : "\(count) items" }

  /// One value in a few words, looking one level inside containers.
  static func describe(_ value: PickleValue, in heap: PickleHeap) -> String {
    switch value {
    case .array(let i):
      switch heap.arrays[i] {
      case .unbuilt: return "an array with no data"
      case .numeric(let a): return "a \(a.storage.dtypeName) array of shape \(Shape(a.shape))"
      case .objects(let shape, let items):
        if shape.isEmpty, let item = items.first, case .array = item {
          return "a 0-d object array holding an array"
        } else if shape.isEmpty, let item = items.first {
          return "a 0-d object array holding \(describe(item, in: heap))"
        }
        return "an object array of shape \(Shape(shape))"
      }
    case .list(let i): return "a list of \(items(heap.lists[i].count))"
    case .tuple(let i): return "a tuple of \(items(heap.tuples[i].count))"
    case .dict(let i):
      let keys = heap.dicts[i].prefix(5).map { pair -> String in
        if case .text(let t) = pair.key {
          return "'" + SafeText.terminal(String(decoding: t, as: UTF8.self), limit: 20) + "'"
        }
        return pair.key.typeName
      }
      return keys.isEmpty
        ? "an empty dict"
        : "a dict with keys \(keys.joined(separator: ", "))\(heap.dicts[i].count > 5 ? ", …" : "")"
    case .text(let t):
      return
        "the str '\(SafeText.terminal(String(decoding: t.prefix(100), as: UTF8.self), limit: 20))'"
    default: return value.typeName
    }
  }
}
