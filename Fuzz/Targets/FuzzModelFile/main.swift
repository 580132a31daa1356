import FuzzSupport

@testable import Engine

// LayerLab model files: the architecture text (a Keras line per layer),
// names, the layer budget, and the weights checked against the model.
fuzzMain { data in
  guard let archive = try? NpzArchive(data: data, source: "fuzz.npz") else { return }
  // A small parameter budget: a real model may take 200 million weights,
  // which is the loader's business, not the fuzzer's time.
  _ = try? ModelFile.load(archive: archive, maxParameters: 100_000)
}
