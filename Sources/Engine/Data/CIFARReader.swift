import Foundation

/// CIFAR-10's binary batches (https://www.cs.toronto.edu/~kriz/cifar.html):
/// records of 1 label byte and 3072 pixel bytes, 1024 red then 1024 green
/// then 1024 blue, rows of 32, which we turn into channels-last `[32, 32, 3]`.
enum CIFARReader {
  static let side = 32
  static let recordSize = 1 + 3 * 32 * 32

  /// The folder holding the batches: `folder` itself or its `cifar-10-batches-bin`.
  static func find(in folder: String) -> String? {
    for candidate in [folder, folder + "/cifar-10-batches-bin"] {
      let fm = FileManager.default
      if fm.fileExists(atPath: candidate + "/data_batch_1.bin")
        || fm.fileExists(atPath: candidate + "/test_batch.bin")
      {
        return candidate
      }
    }
    return nil
  }

  static func load(folder: String, _ options: DatasetLoader.Options) throws(EngineError)
    -> DataSplit
  {
    let trainPaths = (1...5).map { folder + "/data_batch_\($0).bin" }.filter {
      FileManager.default.fileExists(atPath: $0)
    }
    guard !trainPaths.isEmpty else {
      throw .file(
        path: folder, message: "has no data_batch_1.bin … data_batch_5.bin training batches")
    }
    let testPath = folder + "/test_batch.bin"
    let hasTest = FileManager.default.fileExists(atPath: testPath)
    var classNames = DatasetLoader.numberedClassNames(10)
    let metaPath = folder + "/batches.meta.txt"
    if FileManager.default.fileExists(atPath: metaPath) {
      let text = String(
        decoding: try FileBytes.read(path: metaPath, maxBytes: 1_000_000), as: UTF8.self)
      let names = text.split(whereSeparator: \.isNewline).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      .filter { !$0.isEmpty }
      guard !names.isEmpty, names.count <= 256 else {
        throw .file(
          path: metaPath,
          message: "should list one class name per line (at most 256), found \(names.count)")
      }
      classNames = names
    }
    // Check every file's size before reading any, so the budget covers the whole set.
    var records = 0
    for path in trainPaths + (hasTest ? [testPath] : []) {
      let size = try FileBytes.size(path: path)
      guard size > 0, size % recordSize == 0 else {
        throw .file(
          path: path,
          message:
            "is \(size) bytes, not a whole number of \(recordSize)-byte CIFAR-10 records; it is truncated or not a CIFAR batch"
        )
      }
      records += size / recordSize
    }
    try DatasetLoader.checkBudget(
      values: records * (recordSize - 1), maxBytes: options.maxBytes, source: folder)
    let train = try read(trainPaths, classNames: classNames, options)
    let test = hasTest ? try read([testPath], classNames: classNames, options) : nil
    return DataSplit(train: train, test: test)
  }

  private static func read(
    _ paths: [String], classNames: [String], _ options: DatasetLoader.Options
  ) throws(EngineError) -> Dataset {
    var scalars = [Float]()
    var labels = [Int]()
    let plane = side * side
    for path in paths {
      try Interruption.check()
      let bytes = [UInt8](try FileBytes.read(path: path, maxBytes: options.maxBytes))
      guard bytes.count % recordSize == 0 else {
        throw .file(path: path, message: "changed size while being read")
      }
      scalars.reserveCapacity(scalars.count + bytes.count / recordSize * 3 * plane)
      for r in 0..<(bytes.count / recordSize) {
        let base = r * recordSize
        let label = Int(bytes[base])
        guard label < classNames.count else {
          throw .file(
            path: path,
            message:
              "record \(r) has label \(label), outside the \(classNames.count) classes; the file may be corrupt"
          )
        }
        labels.append(label)
        for p in 0..<plane {
          for c in 0..<3 {
            scalars.append(Float(bytes[base + 1 + c * plane + p]) * options.pixelScale)
          }
        }
      }
    }
    return try Dataset(
      images: Tensor(validShape: [labels.count, side, side, 3], scalars: scalars), labels: labels,
      classNames: classNames)
  }
}
