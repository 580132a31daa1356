"""Writes the Keras 2.2.4 fixtures: the blog's network as the blog's Keras
saved it, and the numbers that Keras computes from it.

Needs the blog's era (Python 3.7):

    PYENV_VERSION=3.7.16 python -m venv /tmp/k224
    /tmp/k224/bin/pip install tensorflow==1.14.0 keras==2.2.4 h5py==2.10.0 \
        numpy==1.16.6 protobuf==3.20.3
    /tmp/k224/bin/python make_keras2_fixtures.py

The layers are the blog's (../../../../../shared/seed/imp_ver_cf10cnn.py) in
the same order with the same arguments, but narrower (8/8/16/16 filters,
Dense(32)) and at 16x16x3, so the file stays small: the blog's own widths
give 400 KB of weights at any input size, and 70 MB at 100x100. The opt-in
test KerasFileInteropTests builds the full-width network in Keras 2.2.4.

With `--full FOLDER` it writes instead the blog's network at its real size
(100x100x3, 32/32/64/64 filters, Dense(512): a 70 MB file) as
FOLDER/creatures_cnn.h5 and FOLDER/expected.npz, for the opt-in test
theBlogsFullSizeFileLoads (LAYERLAB_BLOG_FOLDER=FOLDER); they are not committed.

Files:
- keras2_blog.h5: model.save() after one epoch of adam(), with the
  optimizer's state (iterations, m, v);
- keras2_blog.weights.h5: model.save_weights(), the legacy weights-only file;
- keras2_expected.npz: one image, every layer's output for it (inference),
  a test set and Keras's evaluate() on it.
"""

import os
import sys

import numpy as np
import keras
from keras import backend as K
from keras.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from keras.models import Sequential
import tensorflow as tf

np.random.seed(3)
tf.set_random_seed(3)
full = len(sys.argv) == 3 and sys.argv[1] == "--full"
folder = sys.argv[2] if full else "."
size, w1, w2, dense = (100, 32, 64, 512) if full else (16, 8, 16, 32)
total_num = 6
X = np.random.rand(12, size, size, 3).astype("float32")
y = keras.utils.to_categorical(np.random.randint(0, total_num, 12), total_num)

model = Sequential()
model.add(Conv2D(w1, (3, 3), padding="same", input_shape=X.shape[1:]))
model.add(Activation("relu"))
model.add(Conv2D(w1, (3, 3)))
model.add(Activation("relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Conv2D(w2, (3, 3), padding="same"))
model.add(Activation("relu"))
model.add(Conv2D(w2, (3, 3)))
model.add(Activation("relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(dense))
model.add(Activation("relu"))
model.add(Dropout(0.5))
model.add(Dense(total_num))
model.add(Activation("softmax"))
opt = keras.optimizers.adam()
model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
model.fit(X, y, batch_size=32, epochs=1, verbose=0)
if full:
    model.save(os.path.join(folder, "creatures_cnn.h5"))
else:
    model.save("keras2_blog.h5")
    model.save_weights("keras2_blog.weights.h5")

x_test = np.random.rand(5, size, size, 3).astype("float32")
y_test = keras.utils.to_categorical(np.random.randint(0, total_num, 5), total_num)
outputs = K.function([model.input, K.learning_phase()], [l.output for l in model.layers])(
    [x_test[:1], 0]
)
expected = {"blog/input": x_test[:1]}
for layer, out in zip(model.layers, outputs):
    expected["blog/" + layer.name] = out
scores = model.evaluate(x_test, y_test, verbose=0)
expected["blog/x_test"] = x_test
expected["blog/y_test"] = y_test
expected["blog/evaluate"] = np.array(scores, dtype=np.float64)
np.savez(os.path.join(folder, "expected.npz") if full else "keras2_expected.npz", **expected)
print("keras", keras.__version__, "scores", scores)
