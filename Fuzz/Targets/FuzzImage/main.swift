import FuzzSupport

@testable import Engine

// Pictures as `image` reads them: PNG (libpng's progressive reader), JPEG
// (libjpeg, strict and scan-bounded), PGM/PPM and `.npy`, told apart by
// their first bytes.
fuzzMain { data in
  if let image = try? ImageFile.decode(data, source: "fuzz", maxPixels: 1 << 20) {
    precondition(image.shape.rank == 3 && image.scalars.allSatisfy(\.isFinite), "bad image")
  }
}
