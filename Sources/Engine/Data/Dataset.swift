/// Labelled pictures: `images` shaped `[N, H, W, C]`, one class number per image.
public struct Dataset: Sendable {
  public var images: Tensor
  public var labels: [Int]
  public var classNames: [String]

  /// Wraps images and labels; throws when counts disagree or a label has no class.
  public init(images: Tensor, labels: [Int], classNames: [String]) throws(EngineError) {
    guard images.shape.rank == 4 else {
      throw .badShape("dataset images must be shaped (N, H, W, C), got \(images.shape)")
    }
    guard images.shape[0] == labels.count else {
      throw .data(
        "the dataset has \(images.shape[0]) images but \(labels.count) labels; they must match")
    }
    if let bad = labels.first(where: { $0 < 0 || $0 >= classNames.count }) {
      throw .labelOutOfRange(label: bad, classCount: classNames.count)
    }
    self.images = images
    self.labels = labels
    self.classNames = classNames
  }

  /// The number of images.
  public var count: Int { labels.count }
  /// The number of classes, `classNames.count`.
  public var classCount: Int { classNames.count }
  /// One image's shape, `(H, W, C)`.
  public var sampleShape: Shape { images.shape.unbatched }
}

/// A training set and, when the source has one, a held-out test set.
public struct DataSplit: Sendable {
  public var train: Dataset
  public var test: Dataset?

  /// Pairs a training set with an optional test set.
  public init(train: Dataset, test: Dataset?) {
    self.train = train
    self.test = test
  }
}
