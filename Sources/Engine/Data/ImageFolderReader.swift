import Foundation

/// A folder with one subfolder per class, like Keras's
/// `image_dataset_from_directory`: classes are the sorted subfolder names.
///
/// Either `root/train/<class>/…` with an optional `root/test/<class>/…`, or
/// one tree `root/<class>/…` that is shuffled with the seed and split, the
/// last `Int(count * validationSplit)` images becoming the test set (as Keras
/// does). Every image is made 3-channel and resized (bilinear) to the size of
/// the first image found, the first file of the first class in sorted order.
/// Only files named .png, .jpg, .jpeg, .ppm, .pgm, .pnm or .npy are read;
/// hidden files and anything else are skipped.
enum ImageFolderReader {
  static let extensions: Set<String> = ["png", "jpg", "jpeg", "ppm", "pgm", "pnm", "npy"]

  static func load(root: String, _ options: DatasetLoader.Options) throws(EngineError) -> DataSplit
  {
    let trainRoot = root + "/train"
    if isFolder(trainRoot) {
      let trainFiles = try listing(trainRoot)
      let classNames = trainFiles.map(\.name)
      let testRoot = root + "/test"
      var testFiles: [(name: String, files: [String])] = []
      if isFolder(testRoot) {
        testFiles = try listing(testRoot)
        if let stray = testFiles.first(where: { !classNames.contains($0.name) }) {
          throw .file(
            path: testRoot,
            message:
              "class '\(stray.name)' is not among the training classes (\(classNames.joined(separator: ", ")))"
          )
        }
      }
      let items = trainFiles.enumerated().flatMap { c, entry in entry.files.map { ($0, c) } }
      let testItems = testFiles.flatMap { entry in
        entry.files.map { ($0, classNames.firstIndex(of: entry.name) ?? 0) }
      }
      let (images, labels) = try loadImages(items + testItems, source: root, options)
      let trainCount = items.count
      let train = try Dataset(
        images: images.slice(batch: 0..<trainCount), labels: Array(labels[0..<trainCount]),
        classNames: classNames)
      let test =
        testItems.isEmpty
        ? nil
        : try Dataset(
          images: images.slice(batch: trainCount..<labels.count),
          labels: Array(labels[trainCount...]),
          classNames: classNames)
      return DataSplit(train: train, test: test)
    }
    let classes = try listing(root)
    let classNames = classes.map(\.name)
    let items = classes.enumerated().flatMap { c, entry in entry.files.map { ($0, c) } }
    let (images, labels) = try loadImages(items, source: root, options)
    var order = Array(0..<labels.count)
    var generator = SeededGenerator(seed: options.seed)
    generator.shuffle(&order)
    let testCount = WholeNumber.clamped(
      Float(order.count) * options.validationSplit, in: 0...order.count, rounding: .towardZero)
    let trainOrder = Array(order[0..<(order.count - testCount)])
    let testOrder = Array(order[(order.count - testCount)...])
    guard !trainOrder.isEmpty else {
      throw .file(path: root, message: "the validation split leaves no training images; lower it")
    }
    let train = try Dataset(
      images: images.gather(batch: trainOrder), labels: trainOrder.map { labels[$0] },
      classNames: classNames)
    let test =
      testOrder.isEmpty
      ? nil
      : try Dataset(
        images: images.gather(batch: testOrder), labels: testOrder.map { labels[$0] },
        classNames: classNames)
    return DataSplit(train: train, test: test)
  }

  private static func isFolder(_ path: String) -> Bool {
    var folder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
  }

  /// The class subfolders of `root`, sorted, each with its sorted image files.
  private static func listing(_ root: String) throws(EngineError) -> [(
    name: String, files: [String]
  )] {
    let entries: [String]
    do {
      try Self.checkListable(root)
      entries = try FileManager.default.contentsOfDirectory(atPath: root)
    } catch {
      throw .file(path: root, message: "cannot list the folder (\(Self.reason(error)))")
    }
    var classes: [(name: String, files: [String])] = []
    for name in entries.sorted() where !name.hasPrefix(".") && isFolder(root + "/" + name) {
      let folder = root + "/" + name
      // An unreadable class folder is an error, not a class with no pictures.
      let files: [String]
      do {
        try Self.checkListable(folder)
        files = try FileManager.default.contentsOfDirectory(atPath: folder)
      } catch {
        throw .file(
          path: folder,
          message:
            "cannot list the class folder (\(Self.reason(error))); check its permissions (ls -ld)")
      }
      let images = files.sorted().filter {
        !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased())
      }
      classes.append((name, images.map { folder + "/" + $0 }))
    }
    guard !classes.isEmpty else {
      throw .file(
        path: root,
        message:
          "holds no class subfolders; put each class's images in its own subfolder, e.g. \(root)/cats/1.png"
      )
    }
    guard classes.contains(where: { !$0.files.isEmpty }) else {
      throw .file(
        path: root, message: "the class subfolders hold no .png, .jpg, .ppm, .pgm or .npy images")
    }
    return classes
  }

  /// The system's own reason a folder cannot be listed ("Permission denied").
  private struct Unlistable: Error { var reason: String }

  private static func checkListable(_ folder: String) throws(Unlistable) {
    guard let handle = opendir(folder) else {
      throw Unlistable(reason: String(cString: strerror(errno)))
    }
    closedir(handle)
  }

  private static func reason(_ error: Error) -> String {
    (error as? Unlistable)?.reason ?? error.localizedDescription
  }

  /// Loads every image as 3 channels at the first image's size.
  private static func loadImages(
    _ items: [(String, Int)], source: String, _ options: DatasetLoader.Options
  ) throws(EngineError) -> (Tensor, [Int]) {
    guard let first = items.first else { throw .file(path: source, message: "no images found") }
    let firstImage = try rgb(ImageFile.load(path: first.0, pixelScale: options.pixelScale))
    let (h, w) = (firstImage.shape[0], firstImage.shape[1])
    try DatasetLoader.checkBudget(
      values: items.count * h * w * 3, maxBytes: options.maxBytes, source: source)
    var scalars = [Float]()
    scalars.reserveCapacity(items.count * h * w * 3)
    scalars += firstImage.scalars
    for (path, _) in items.dropFirst() {
      try Interruption.check()
      let image = try rgb(ImageFile.load(path: path, pixelScale: options.pixelScale))
      scalars += ImageOps.resizeBilinear(image, height: h, width: w).scalars
    }
    return (Tensor(validShape: [items.count, h, w, 3], scalars: scalars), items.map(\.1))
  }

  /// Any picture as 3 channels; gray+alpha first loses its alpha.
  private static func rgb(_ image: Tensor) throws(EngineError) -> Tensor {
    let gray = image.shape[2] == 2 ? try ImageOps.convertChannels(image, to: 1) : image
    return try ImageOps.convertChannels(gray, to: 3)
  }
}
