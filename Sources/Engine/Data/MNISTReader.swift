import Foundation

/// MNIST's IDX files (http://yann.lecun.com/exdb/mnist/): a big-endian
/// header `0x00000803, N, rows, cols` then N×rows×cols bytes for images,
/// `0x00000801, N` then N bytes for labels. Uncompressed files only.
enum MNISTReader {
  struct Files {
    var trainImages: String
    var trainLabels: String
    var testImages: String?
    var testLabels: String?
  }

  /// The IDX files in `folder`, under the official names or Kaggle's `.idx3-ubyte` spelling.
  static func find(in folder: String) -> Files? {
    func first(_ stem: String, _ kind: String) -> String? {
      ["\(stem)-idx\(kind)-ubyte", "\(stem).idx\(kind)-ubyte"].map { folder + "/" + $0 }
        .first { FileManager.default.fileExists(atPath: $0) }
    }
    guard let trainImages = first("train-images", "3"), let trainLabels = first("train-labels", "1")
    else {
      return nil
    }
    return Files(
      trainImages: trainImages, trainLabels: trainLabels, testImages: first("t10k-images", "3"),
      testLabels: first("t10k-labels", "1"))
  }

  static func load(_ files: Files, _ options: DatasetLoader.Options) throws(EngineError)
    -> DataSplit
  {
    guard (files.testImages == nil) == (files.testLabels == nil) else {
      throw .file(
        path: files.testImages ?? files.testLabels ?? "",
        message: "the t10k images and labels must come together; one is missing")
    }
    let train = try pair(images: files.trainImages, labels: files.trainLabels, options)
    var test: (Tensor, [Int])?
    if let ti = files.testImages, let tl = files.testLabels {
      test = try pair(images: ti, labels: tl, options)
      if let t = test, t.0.shape.unbatched != train.0.shape.unbatched {
        throw .file(
          path: ti,
          message:
            "test images are \(t.0.shape.unbatched) but training images \(train.0.shape.unbatched)")
      }
    }
    let classCount = try DatasetLoader.classCount(
      from: [train.1, test?.1 ?? []], source: files.trainLabels)
    let names = DatasetLoader.numberedClassNames(classCount)
    return DataSplit(
      train: try Dataset(images: train.0, labels: train.1, classNames: names),
      test: try test.map { t throws(EngineError) in
        try Dataset(images: t.0, labels: t.1, classNames: names)
      })
  }

  private static func pair(
    images: String, labels: String, _ options: DatasetLoader.Options
  ) throws(EngineError) -> (Tensor, [Int]) {
    // The floats the pixels will become, from the file's size, before reading it.
    try DatasetLoader.checkBudget(
      values: max(try FileBytes.size(path: images) - 16, 0), maxBytes: options.maxBytes,
      source: images)
    let imageBytes = try FileBytes.read(path: images, maxBytes: options.maxBytes)
    let labelBytes = try FileBytes.read(path: labels, maxBytes: options.maxBytes)
    let imageHeader = try header(imageBytes, magic: 0x0803, dims: 3, path: images)
    let labelHeader = try header(labelBytes, magic: 0x0801, dims: 1, path: labels)
    let (n, rows, cols) = (imageHeader[0], imageHeader[1], imageHeader[2])
    guard n == labelHeader[0] else {
      throw .file(
        path: labels,
        message: "holds \(labelHeader[0]) labels but \(images) holds \(n) images; they must match")
    }
    guard n > 0, rows > 0, cols > 0 else {
      throw .file(path: images, message: "holds no pixels (\(n) images of \(rows)x\(cols))")
    }
    let (perImage, o1) = rows.multipliedReportingOverflow(by: cols)
    let (pixels, o2) = perImage.multipliedReportingOverflow(by: n)
    guard !o1, !o2, imageBytes.count == 16 + pixels else {
      throw .file(
        path: images,
        message:
          "is \(imageBytes.count) bytes, but its header promises \(n) images of \(rows)x\(cols); it is truncated or corrupt"
      )
    }
    guard labelBytes.count == 8 + n else {
      throw .file(
        path: labels,
        message:
          "is \(labelBytes.count) bytes but its header promises \(8 + n); it is truncated or corrupt"
      )
    }
    try DatasetLoader.checkBudget(values: pixels, maxBytes: options.maxBytes, source: images)
    let scale = options.pixelScale
    let scalars = imageBytes.dropFirst(16).map { Float($0) * scale }
    let values = labelBytes.dropFirst(8).map { Int($0) }
    return (Tensor(validShape: [n, rows, cols, 1], scalars: scalars), values)
  }

  /// The dimension sizes after checking the magic number.
  private static func header(_ data: Data, magic: UInt32, dims: Int, path: String)
    throws(EngineError) -> [Int]
  {
    let b = [UInt8](data.prefix(4 + 4 * dims))
    guard b.count == 4 + 4 * dims else {
      throw .file(path: path, message: "is too short to be an IDX file")
    }
    func word(_ i: Int) -> UInt32 {
      UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
    guard word(0) == magic else {
      throw .file(
        path: path,
        message:
          "is not an IDX \(dims == 3 ? "image" : "label") file (magic 0x\(String(word(0), radix: 16)), expected 0x\(String(magic, radix: 16))); if it ends in .gz, gunzip it first"
      )
    }
    return (1...dims).map { Int(word(4 * $0)) }
  }
}
