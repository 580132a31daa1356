import Foundation

/// Datasets saved with `np.savez`: Keras's `x_train, y_train, x_test, y_test`
/// or the seed script's `X_train, Y_train, x_test, y_test` (names are matched
/// ignoring case).
enum NpzDatasetReader {
  static func load(path: String, _ options: DatasetLoader.Options) throws(EngineError) -> DataSplit
  {
    let archive = try NpzArchive(path: path)
    var headers = [String: NpzArchive.Member]()
    for member in archive.members { headers[member.name.lowercased()] = member }
    let found = SafeText.terminal(
      archive.members.map(\.name).joined(separator: ", "), limit: 200)
    // What the arrays will take (images as floats, labels as Ints, twice a
    // float), from the headers, before one member is inflated: a 1 MB
    // archive may declare a 950 MB x_train.
    let counts = ["x_train", "x_test", "y_train", "y_train", "y_test", "y_test"].compactMap {
      headers[$0]?.header.count
    }
    let imageValues = counts.reduce(0) {
      let (sum, overflow) = $0.addingReportingOverflow($1)
      return overflow ? Int.max : sum
    }
    try DatasetLoader.checkBudget(values: imageValues, maxBytes: options.maxBytes, source: path)
    var byName = [String: NDArray]()
    for key in ["x_train", "y_train", "x_test", "y_test"] {
      if let member = headers[key] { byName[key] = try archive.array(member) }
    }
    return try split(byName, found: found, path: path, options)
  }

  /// Images and labels from arrays keyed `x_train`, `y_train`, `x_test`,
  /// `y_test`, wherever they were read from; NpyDatasetReader names the four
  /// arrays of a pickled `.npy` the same way. `found` lists what the file
  /// holds, for messages.
  static func split(
    _ byName: [String: NDArray], found: String, path: String, _ options: DatasetLoader.Options
  ) throws(EngineError) -> DataSplit {
    guard let xTrain = byName["x_train"], let yTrain = byName["y_train"] else {
      throw .file(
        path: path,
        message: "the archive needs arrays x_train and y_train (any case); it holds: \(found)")
    }
    let xTest = byName["x_test"]
    let yTest = byName["y_test"]
    guard (xTest == nil) == (yTest == nil) else {
      throw .file(
        path: path,
        message:
          "the archive has only one of x_test and y_test; give both or neither (it holds: \(found))"
      )
    }
    let trainImages = try images(xTrain, name: "x_train", path: path, options)
    let trainLabels = try labels(yTrain, name: "y_train", count: trainImages.shape[0], path: path)
    var testImages: Tensor?
    var testLabels: (values: [Int], oneHot: Int?)?
    if let xTest, let yTest {
      let t = try images(xTest, name: "x_test", path: path, options)
      guard t.shape.unbatched == trainImages.shape.unbatched else {
        throw .file(
          path: path,
          message:
            "x_test images are shaped \(t.shape.unbatched) but x_train images \(trainImages.shape.unbatched); they must match"
        )
      }
      testImages = t
      testLabels = try labels(yTest, name: "y_test", count: t.shape[0], path: path)
    }
    let classCount: Int
    if let k = trainLabels.oneHot ?? testLabels?.oneHot {
      if let k2 = testLabels?.oneHot, k2 != k {
        throw .file(
          path: path,
          message: "y_train is one-hot over \(k) classes but y_test over \(k2); they must match")
      }
      classCount = k
    } else {
      classCount = try DatasetLoader.classCount(
        from: [trainLabels.values, testLabels?.values ?? []], source: path)
    }
    for (name, set) in [("y_train", trainLabels.values), ("y_test", testLabels?.values ?? [])] {
      if let bad = set.first(where: { $0 < 0 || $0 >= classCount }) {
        throw .file(
          path: path,
          message: "\(name) has label \(bad), outside the \(classCount) classes 0..<\(classCount)")
      }
    }
    let names = DatasetLoader.numberedClassNames(classCount)
    let train = try Dataset(images: trainImages, labels: trainLabels.values, classNames: names)
    var test: Dataset?
    if let testImages, let testLabels {
      test = try Dataset(images: testImages, labels: testLabels.values, classNames: names)
    }
    return DataSplit(train: train, test: test)
  }

  /// `(N, H, W)` or `(N, H, W, C)`; integers follow the pixel rule, floats are kept.
  private static func images(
    _ array: NDArray, name: String, path: String, _ options: DatasetLoader.Options
  ) throws(EngineError) -> Tensor {
    let dims = array.shape
    guard dims.count == 3 || dims.count == 4, dims.allSatisfy({ $0 > 0 }) else {
      throw .file(
        path: path,
        message:
          "\(name) must be shaped (N, H, W) or (N, H, W, C) with no empty axis, got \(Shape(dims))")
    }
    try DatasetLoader.checkBudget(values: array.count, maxBytes: options.maxBytes, source: path)
    let shape = Shape(dims.count == 3 ? dims + [1] : dims)
    // int64 levels times the scale can still overflow Float, so both paths are checked.
    let values = array.isInteger ? array.floats().map { $0 * options.pixelScale } : array.floats()
    guard values.allSatisfy(\.isFinite) else {
      throw .nonFinite(
        "\(path): \(name) holds NaN or infinite values; clean it first, e.g. with np.nan_to_num")
    }
    return Tensor(validShape: shape, scalars: values)
  }

  /// Class numbers `(N,)` or `(N, 1)`, or one-hot rows `(N, K)` turned into
  /// their argmax; `oneHot` is K for the latter.
  private static func labels(
    _ array: NDArray, name: String, count: Int, path: String
  ) throws(EngineError) -> (values: [Int], oneHot: Int?) {
    let dims = array.shape
    guard dims.count == 1 || dims.count == 2, dims[0] == count else {
      throw .file(
        path: path,
        message:
          "\(name) is shaped \(Shape(dims)) but there are \(count) images; labels must be (\(count),), (\(count), 1) or one-hot (\(count), classes)"
      )
    }
    if dims.count == 1 || dims[1] == 1 {
      guard let values = array.integers() else {
        throw .file(
          path: path,
          message: "\(name) must hold whole class numbers, but has fractions, NaN or infinities")
      }
      return (values, nil)
    }
    let k = dims[1]
    guard k >= 2 else {
      throw .file(
        path: path,
        message: "\(name) is shaped \(Shape(dims)); one-hot labels need at least 2 columns")
    }
    let v = array.floats()
    guard v.allSatisfy(\.isFinite) else {
      throw .nonFinite("\(path): \(name) holds NaN or infinite values")
    }
    var values = [Int]()
    values.reserveCapacity(count)
    for row in 0..<count {
      var best = 0
      for j in 1..<k where v[row * k + j] > v[row * k + best] { best = j }
      values.append(best)
    }
    return (values, k)
  }
}
