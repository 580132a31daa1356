import Foundation

/// Finds out what kind of dataset a path holds and loads it.
///
/// Understood: an `.npz` with `x_train`/`y_train` (and optionally
/// `x_test`/`y_test`), an `.npy` of the four arrays the seed script saves,
/// a folder with one subfolder per class, MNIST IDX files and CIFAR-10
/// binary batches. Every malformed input gives one error that
/// names the file; sizes are checked against `maxBytes` before allocating.
public enum DatasetLoader {
  /// Loads the dataset at `path` (a file or a folder).
  ///
  /// `pixelScale` applies the pixel rule to 8-bit images; `validationSplit`
  /// and `seed` only matter for a class-folder tree without `train/` and
  /// `test/`, which is shuffled and split.
  public static func load(
    path: String, pixelScale: Float = 1.0 / 256.0, validationSplit: Float = 0.2, seed: UInt64 = 0,
    maxBytes: Int = 2_000_000_000
  ) throws(EngineError) -> DataSplit {
    // 255 times the scale must stay finite, or every bright pixel becomes infinity.
    guard pixelScale.isFinite, pixelScale > 0, (255 * pixelScale).isFinite else {
      throw .data("the pixel scale must be a positive number such as 1/256, got \(pixelScale)")
    }
    guard validationSplit >= 0, validationSplit < 1 else {
      throw .data("the validation split must be in [0, 1), got \(validationSplit)")
    }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      throw .file(path: path, message: "no such file or folder; check the path")
    }
    let options = Options(
      pixelScale: pixelScale, validationSplit: validationSplit, seed: seed, maxBytes: maxBytes)
    if isFolder.boolValue {
      if let files = MNISTReader.find(in: path) { return try MNISTReader.load(files, options) }
      if let folder = CIFARReader.find(in: path) {
        return try CIFARReader.load(folder: folder, options)
      }
      return try ImageFolderReader.load(root: path, options)
    }
    let name = (path as NSString).lastPathComponent.lowercased()
    // Through FileBytes, which refuses a named pipe or a device by what it
    // is, instead of blocking on it forever.
    let head = try FileBytes.head(path: path, count: 4)
    if head.starts(with: [0x50, 0x4B]) || name.hasSuffix(".npz") {
      return try NpzDatasetReader.load(path: path, options)
    }
    if head.starts(with: Npy.magic.prefix(4)) || name.hasSuffix(".npy") {
      return try NpyDatasetReader.load(path: path, options)
    }
    let parent = (path as NSString).deletingLastPathComponent
    let folder = parent.isEmpty ? "." : parent
    if name.contains("idx"), let files = MNISTReader.find(in: folder) {
      return try MNISTReader.load(files, options)
    }
    if name.hasSuffix(".bin"), let cifar = CIFARReader.find(in: folder) {
      return try CIFARReader.load(folder: cifar, options)
    }
    throw .file(
      path: path,
      message:
        "not a dataset: give an .npz with x_train and y_train, an .npy of (X_train, X_test, y_train, y_test), a folder of class subfolders, MNIST IDX files or CIFAR-10 .bin batches"
    )
  }

  /// The settings every reader needs.
  struct Options {
    var pixelScale: Float
    var validationSplit: Float
    var seed: UInt64
    var maxBytes: Int
  }

  /// Refuses a tensor of `values` floats that would not fit `maxBytes`.
  static func checkBudget(values: Int, maxBytes: Int, source: String) throws(EngineError) {
    let (bytes, overflow) = values.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
    guard !overflow, bytes <= maxBytes else {
      throw .tooLarge(
        "\(source): the images would take \(overflow ? "too many" : String(bytes)) bytes as floats, more than the limit of \(maxBytes); raise maxBytes or use a smaller dataset"
      )
    }
  }

  /// "0", "1", … for datasets that do not name their classes.
  static func numberedClassNames(_ count: Int) -> [String] { (0..<count).map(String.init) }

  /// Class count from the largest label, refusing negative and implausible labels.
  static func classCount(from labelSets: [[Int]], source: String) throws(EngineError) -> Int {
    let all = labelSets.joined()
    if let negative = all.first(where: { $0 < 0 }) {
      throw .file(
        path: source,
        message: "label \(negative) is negative; labels must be class numbers 0, 1, 2, …")
    }
    let largest = all.max() ?? 0
    guard largest < 100_000 else {
      throw .file(
        path: source,
        message: "label \(largest) is implausibly large; labels must be class numbers 0, 1, 2, …")
    }
    return largest + 1
  }
}
