/// The seed script's data file: `np.save("data/augumented_images.npy",
/// (X_train, X_test, y_train, y_test))`, four arrays in that order, which
/// numpy stores as a pickled object array (Pickle.swift). Labels may be
/// class numbers or one-hot rows, as in an `.npz`.
enum NpyDatasetReader {
  /// The seed's names for the four arrays, in the order `np.save` got them.
  static let names = ["X_train", "X_test", "y_train", "y_test"]

  static func load(path: String, _ options: DatasetLoader.Options) throws(EngineError) -> DataSplit
  {
    let arrays: [NDArray]
    let found: String
    switch try Npy.readContent(path: path, maxBytes: options.maxBytes) {
    case .objects(let items) where items.count == names.count:
      var byName = [String: NDArray]()
      for (name, array) in zip(names, items) { byName[name.lowercased()] = array }
      return try NpzDatasetReader.split(
        byName, found: names.joined(separator: ", "), path: path, options)
    case .objects(let items):
      arrays = items
      found = "\(items.count) array\(items.count == 1 ? "" : "s")"
    case .array(let array):
      arrays = [array]
      found = "one array"
    }
    var listed = arrays.prefix(6).map { "\($0.storage.dtypeName) \(Shape($0.shape))" }
    if arrays.count > 6 { listed.append("…") }
    let shapes = listed.isEmpty ? "" : " (\(listed.joined(separator: ", ")))"
    throw .file(
      path: path,
      message:
        "it holds \(found)\(shapes); a dataset .npy holds four: np.save(PATH, (X_train, X_test, y_train, y_test)), images then labels, as the seed script writes it"
    )
  }
}
