"""Writes the Keras 3 fixtures the engine tests read: model files saved by
Keras 3 itself, and the numbers Keras computes from them.

Run once with a Python that has Keras 3 and JAX (any Keras 3 backend works;
the committed files were made with Keras 3.15.1 on JAX 0.10):

    KERAS_BACKEND=jax python3 make_keras3_fixtures.py

Files (all small):
- keras3_small.keras / keras3_small.h5 / keras3_small.weights.h5: Conv2D with
  activation='relu', BatchNormalization, MaxPooling2D, Conv2D, LeakyReLU,
  GlobalAveragePooling2D, Dense softmax; Adam(0.003), trained two epochs, so
  the moving statistics and Adam's moments are not their initial values.
- keras3_mixed.keras: elu, gelu, BatchNormalization(center=False, ...),
  GlobalMaxPooling2D, selu, ReLU, Softmax layer; SGD with momentum;
  sparse_categorical_crossentropy.
- keras3_expected.npz: per model, one image and every layer's output for it,
  a test set and Keras's evaluate() on it, and the weights after one more
  epoch of fit() from the saved state (same batch, no shuffling).
- keras3_values.npz: worked values of every activation, BatchNormalization in
  both modes (with gradients from jax.grad) and the global poolings.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1)
rng = np.random.default_rng(7)
expected = {}


def record(prefix, model, image, x_test, y_test, fit_x, fit_y, saved_path):
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
    outputs = probe.predict(image, verbose=0)
    expected[f"{prefix}/input"] = image
    for layer, out in zip(model.layers, outputs):
        expected[f"{prefix}/{layer.name}"] = np.asarray(out)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    expected[f"{prefix}/x_test"] = x_test
    expected[f"{prefix}/y_test"] = np.asarray(y_test)
    expected[f"{prefix}/evaluate"] = np.array([loss, accuracy], dtype=np.float64)
    # fit continues from the saved optimizer state: load the file again and
    # train one epoch on one fixed batch.
    again = keras.saving.load_model(saved_path)
    again.fit(fit_x, fit_y, batch_size=len(fit_x), epochs=1, shuffle=False, verbose=0)
    expected[f"{prefix}/fit_x"] = fit_x
    expected[f"{prefix}/fit_y"] = np.asarray(fit_y)
    for layer in again.layers:
        for i, w in enumerate(layer.weights):
            expected[f"{prefix}/after_fit/{layer.name}/{i}"] = np.asarray(w)


# Model A: the tutorial pattern after the blog's.
small = keras.Sequential(
    [
        keras.Input(shape=(12, 12, 3)),
        layers.Conv2D(6, (3, 3), padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(8, (3, 3)),
        layers.LeakyReLU(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(4, activation="softmax"),
    ]
)
small.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.003),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
x = rng.random((16, 12, 12, 3), dtype=np.float32)
y = keras.utils.to_categorical(rng.integers(0, 4, 16), 4)
small.fit(x, y, batch_size=8, epochs=2, verbose=0)
small.save("keras3_small.keras")
small.save_weights("keras3_small.weights.h5")
x_test = rng.random((6, 12, 12, 3), dtype=np.float32)
y_test = keras.utils.to_categorical(rng.integers(0, 4, 6), 4)
record("small", small, x_test[:1], x_test, y_test, x[:8], y[:8], "keras3_small.keras")
# Legacy .h5 last: in Keras 3.15 saving it drops the optimizer from a later
# .keras file's compile_config.
small.save("keras3_small.h5")

# Model B: the other activations and layers Keras files carry.
mixed = keras.Sequential(
    [
        keras.Input(shape=(10, 10, 2)),
        layers.Conv2D(4, 3, activation="elu"),
        layers.Activation("gelu"),
        layers.BatchNormalization(center=False, momentum=0.9, epsilon=0.01),
        layers.GlobalMaxPooling2D(),
        layers.Dense(5, activation="selu"),
        layers.ReLU(),
        layers.Dense(3),
        layers.Softmax(),
    ]
)
mixed.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
xb = rng.normal(size=(12, 10, 10, 2)).astype(np.float32)
yb = rng.integers(0, 3, 12)
mixed.fit(xb, yb, batch_size=6, epochs=1, verbose=0)
mixed.save("keras3_mixed.keras")
xb_test = rng.normal(size=(5, 10, 10, 2)).astype(np.float32)
yb_test = rng.integers(0, 3, 5)
record("mixed", mixed, xb_test[:1], xb_test, yb_test, xb[:6], yb[:6], "keras3_mixed.keras")
np.savez("keras3_expected.npz", **expected)

# Worked values.
import jax
import jax.numpy as jnp

values = {}
grid = np.concatenate([np.linspace(-4, 4, 17), [-0.3, 0.2, 1e-3, 6.5]]).astype(np.float32)
values["activations/x"] = grid
for name in [
    "linear", "relu", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "silu",
    "swish", "gelu", "leaky_relu", "hard_sigmoid", "exponential",
]:
    f = keras.activations.get(name)
    values[f"activations/{name}"] = np.asarray(f(grid))
    values[f"activations/{name}/grad"] = np.asarray(jax.grad(lambda v: jnp.sum(f(v)))(grid))
row = np.array([[0.5, -1.0, 2.0, 0.0], [3.0, 3.0, -2.0, 1.0]], dtype=np.float32)
values["softmax/x"] = row
values["softmax/y"] = np.asarray(keras.activations.softmax(row))
values["leaky/y"] = np.asarray(layers.LeakyReLU()(grid))
values["leaky0.1/y"] = np.asarray(layers.LeakyReLU(negative_slope=0.1)(grid))
values["relu6/y"] = np.asarray(layers.ReLU(max_value=6.0)(grid))

bx = rng.normal(size=(2, 3, 3, 4)).astype(np.float32) * 2 + 1
bn = layers.BatchNormalization(momentum=0.9, epsilon=0.01)
bn.build(bx.shape)
gamma = np.array([1.5, 0.5, -1.0, 2.0], dtype=np.float32)
beta = np.array([0.1, -0.2, 0.0, 0.3], dtype=np.float32)
mean0 = np.array([0.5, 0.0, -0.5, 1.0], dtype=np.float32)
var0 = np.array([1.0, 2.0, 0.5, 4.0], dtype=np.float32)
bn.set_weights([gamma, beta, mean0, var0])
values["bn/x"] = bx
values["bn/weights"] = np.stack([gamma, beta, mean0, var0])
values["bn/inference"] = np.asarray(bn(bx, training=False))
values["bn/training"] = np.asarray(bn(bx, training=True))
values["bn/moving_mean"] = np.asarray(bn.moving_mean)
values["bn/moving_variance"] = np.asarray(bn.moving_variance)
probe = rng.normal(size=bx.shape).astype(np.float32)
values["bn/probe"] = probe


def bn_train(x, g, b):
    mean = jnp.mean(x, axis=(0, 1, 2))
    var = jnp.var(x, axis=(0, 1, 2))
    return jnp.sum(probe * ((x - mean) / jnp.sqrt(var + 0.01) * g + b))


gx, gg, gb = jax.grad(bn_train, argnums=(0, 1, 2))(bx, gamma, beta)
values["bn/grad_x"] = np.asarray(gx)
values["bn/grad_gamma"] = np.asarray(gg)
values["bn/grad_beta"] = np.asarray(gb)
# Keras's own op, to show the jnp formula above is the one Keras computes.
values["bn/training_formula"] = np.asarray(
    (bx - bx.mean(axis=(0, 1, 2))) / np.sqrt(bx.var(axis=(0, 1, 2)) + 0.01) * gamma + beta
)
values["pool/x"] = bx
values["pool/average"] = np.asarray(layers.GlobalAveragePooling2D()(bx))
values["pool/max"] = np.asarray(layers.GlobalMaxPooling2D()(bx))
values["pool/average_keepdims"] = np.asarray(layers.GlobalAveragePooling2D(keepdims=True)(bx))
np.savez("keras3_values.npz", **values)
print("keras", keras.__version__, "backend", keras.backend.backend())
