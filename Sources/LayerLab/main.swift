import Engine

print("layerlab")
