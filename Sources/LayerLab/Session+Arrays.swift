import Engine

/// Python arrays handed to Keras methods (`model.fit(X, y)`), read as the
/// engine's pictures and labels.
extension Session {
  /// The pictures an array holds, as the model takes them. 8-bit pixels
  /// (uint8) are multiplied by the pixel scale, the same rule as `image`
  /// and `data`; float arrays are taken as they are.
  func pictures(_ value: PyValue, _ name: String, at position: SourcePosition) throws -> Tensor {
    let array: PyArray
    do {
      array = try PyArray.from(value, dtype: nil)
    } catch {
      throw LabError(
        "\(name) must be an array of pictures, got \(value.typeName)", column: position.column,
        line: position.line)
    }
    guard array.shape.count >= 2, array.shape[0] > 0 else {
      throw LabError(
        "\(name) must hold pictures along its first axis, got shape \(Shape(array.shape))",
        column: position.column, line: position.line)
    }
    var tensor = array.tensor()
    if array.dtype == .uint8 {
      let scale = display.pixelScale
      tensor = tensor.map { $0 * scale }
    }
    guard tensor.isFinite else {
      throw LabError(
        "\(name) holds NaN or infinite values", column: position.column,
        hint: "clean the array before training on it", line: position.line)
    }
    return tensor
  }

  /// Class numbers from labels given as numbers (`y_train`) or as one-hot
  /// rows (`to_categorical(y_train)`), `count` of them.
  func classNumbers(_ value: PyValue, _ name: String, count: Int, at position: SourcePosition)
    throws -> [Int]
  {
    func fail(_ message: String, hint: String? = nil) -> LabError {
      LabError(message, column: position.column, hint: hint, line: position.line)
    }
    guard let array = try? PyArray.from(value, dtype: nil) else {
      throw fail("\(name) must be an array of labels, got \(value.typeName)")
    }
    guard array.shape.first == count else {
      throw fail(
        "\(name) has \(array.shape.first ?? 0) labels for \(count) pictures; they must match")
    }
    var labels: [Int] = []
    labels.reserveCapacity(count)
    if array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) {
      for i in 0..<count {
        let x = array.double(i)
        guard x >= 0, x == x.rounded(), x < 100_000 else {
          throw fail(
            "\(name) must hold class numbers 0, 1, 2, ..., got \(pythonFloatRepr(x))",
            hint: "or one-hot rows: to_categorical(\(name))")
        }
        labels.append(Int(x))
      }
      return labels
    }
    guard array.shape.count == 2 else {
      throw fail(
        "\(name) must be class numbers (N,) or one-hot rows (N, classes), got shape \(Shape(array.shape))"
      )
    }
    let classes = array.shape[1]
    for row in 0..<count {
      var hot: Int?
      for c in 0..<classes {
        let x = array.double(row * classes + c)
        if x == 1, hot == nil {
          hot = c
        } else if x != 0 {
          throw fail(
            "row \(row) of \(name) is not one-hot (one 1, the rest 0)",
            hint: "LayerLab trains on class numbers or one-hot rows, as to_categorical makes them")
        }
      }
      guard let hot else { throw fail("row \(row) of \(name) has no 1 in it") }
      labels.append(hot)
    }
    return labels
  }

  /// How many classes labels given as `value` stand for, when they say:
  /// the width of one-hot rows; class numbers do not say.
  func oneHotWidth(_ value: PyValue) -> Int? {
    guard let array = try? PyArray.from(value, dtype: nil), array.shape.count == 2,
      array.shape[1] > 1
    else { return nil }
    return array.shape[1]
  }

  /// `(x, y)` given to a Keras method, or the loaded data's set when both
  /// are None; with the number of classes when it is known (one-hot rows'
  /// width, else the loaded data's classes).
  func labelledPictures(
    _ bound: BoundArguments, _ xName: String = "x", _ yName: String = "y",
    fallback: () throws -> Dataset
  ) throws -> (images: Tensor, labels: [Int], classes: Int?) {
    let (x, y) = (bound[xName], bound[yName])
    if x.isNone, y.isNone {
      let set = try fallback()
      return (set.images, set.labels, set.classNames.count)
    }
    guard !x.isNone, !y.isNone else {
      throw LabError(
        "give both the pictures and the labels, e.g. (X, y)",
        column: bound.location(of: x.isNone ? xName : yName).column,
        line: bound.location(of: x.isNone ? xName : yName).line)
    }
    let images = try pictures(x, xName, at: bound.location(of: xName))
    let labels = try classNumbers(y, yName, count: images.shape[0], at: bound.location(of: yName))
    // Class numbers do not say how many classes there are; those of the
    // loaded data (the arrays `data` named, most often) do, if they fit.
    let dataClasses = data.map { $0.train.classNames.count }.flatMap { count in
      labels.allSatisfy { $0 < count } ? count : nil
    }
    return (images, labels, oneHotWidth(y) ?? dataClasses)
  }
}
