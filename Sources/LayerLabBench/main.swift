import Engine

print("layerlab-bench")
