"""Opens a model file LayerLab wrote with real Keras and checks it predicts
what LayerLab computed. Used by the opt-in KerasFileInteropTests
(LAYERLAB_KERAS_PYTHON for Keras 3, LAYERLAB_KERAS2_PYTHON for Keras 2.2.4):

    python check_layerlab_file.py MODEL_FILE EXPECTED.npz

EXPECTED.npz holds `input`, `output` (LayerLab's prediction), `names` (the
layer names joined by commas), `loss` and `optimizer` (UTF-8 bytes as uint8),
`learning_rate` (float), and `metrics` ("accuracy", or empty for a model
compiled without metrics, whose evaluate then gives the loss alone as a
number). Prints what it found and "same predictions", or the gap; exits 1
when anything differs.
"""

import os
import sys

if sys.version_info >= (3, 9):  # Keras 3 (Keras 2.2.4 runs on TensorFlow 1.14)
    os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras

path, expected_path = sys.argv[1], sys.argv[2]
expected = np.load(expected_path)


def text(key):
    return bytes(expected[key].astype("uint8")).decode("utf8")


if path.endswith(".weights.h5"):
    model = keras.saving.load_model(sys.argv[3])
    model.load_weights(path)
elif keras.__version__.startswith("2."):
    model = keras.models.load_model(path)
else:
    model = keras.saving.load_model(path)
names = [layer.name for layer in model.layers]
print("keras", keras.__version__, "layers", ",".join(names))
ok = True
if ",".join(names) != text("names"):
    print("layer names differ:", text("names"))
    ok = False
output = model.predict(expected["input"], verbose=0)
gap = float(np.max(np.abs(output - expected["output"])))
scale = max(1e-12, float(np.max(np.abs(expected["output"]))))
print("max |keras - layerlab| / max |layerlab| = %.3g" % (gap / scale))
if gap / scale > 1e-5:
    ok = False
if "loss" in expected.files:
    optimizer = model.optimizer
    loss = model.loss if isinstance(model.loss, str) else getattr(model.loss, "name", str(model.loss))
    if keras.__version__.startswith("2."):
        rate = float(keras.backend.get_value(optimizer.lr))
    else:
        rate = float(np.asarray(optimizer.learning_rate))
    kind = optimizer.__class__.__name__
    print("compiled:", kind, "learning rate %.6g" % rate, "loss", loss)
    if kind.lower() != text("optimizer").lower() or abs(rate - float(expected["learning_rate"])) > 1e-9:
        print("compile settings differ:", text("optimizer"), float(expected["learning_rate"]))
        ok = False
    if text("loss") not in str(loss):
        print("loss differs:", text("loss"))
        ok = False
if "metrics" in expected.files:
    classes = expected["output"].shape[1]
    y = np.eye(classes, dtype="float32")[np.argmax(expected["output"], axis=1)]
    score = model.evaluate(expected["input"], y, verbose=0)
    is_list = isinstance(score, (list, tuple))
    print("evaluate gives", "a list" if is_list else "a number", score)
    if is_list != (text("metrics") == "accuracy"):
        print("evaluate's result differs: metrics", repr(text("metrics")))
        ok = False
print("same predictions" if ok else "DIFFERENT")
sys.exit(0 if ok else 1)
