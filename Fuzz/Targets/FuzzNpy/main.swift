import FuzzSupport

@testable import Engine

// `.npy` files: the header dict, dtypes, shapes, sizes, and the values.
fuzzMain { data in
  if let array = try? Npy.decode(data, source: "fuzz.npy") {
    // What decoding promised: as many values as the shape says.
    precondition(array.count == array.shape.reduce(1, *), "shape and values disagree")
  }
}
