#!/usr/bin/env python3
"""Expected saliency and Grad-CAM maps, computed with JAX's automatic
differentiation, for InsightReferenceTests. Run from anywhere:

    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install jax jaxlib numpy
    /tmp/jaxenv/bin/python Tests/EngineTests/Fixtures/insight/make_insight.py [OUT_DIR]

Writes net_a.npz and net_b.npz (beside this script unless OUT_DIR is given).
Each holds:
  architecture   uint8 UTF-8: "input_shape (H, W, C)" then one Keras line per layer
  <layer>/kernel, <layer>/bias   float32 weights in Keras's shapes (LayerLab's names)
  image          float32 (1, H, W, C)
  logits         float64 (classes,)
  saliency/<c>   float32 (H, W): max over channels of |d logit_c / d image|
  gradcam/<layer>/<c>   float32 (h, w): ReLU(sum_k mean(d logit_c / d A_k) A_k)
for the predicted class and one other, at every layer with maps.

The networks are written here a second time, independently of LayerLab:
NHWC convolutions through lax.conv_general_dilated with TensorFlow's 'same'
padding (the odd extra row/column at the bottom/right), pooling through
lax.reduce_window ('same' average pooling divides by the cells inside the
image, as TensorFlow does). Everything runs in float64.
"""
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

jax.config.update("jax_enable_x64", True)

HERE = os.path.dirname(os.path.abspath(__file__))


def same_pads(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return (total // 2, total - total // 2)


def conv(x, kernel, bias, strides, padding):
    kh, kw = kernel.shape[:2]
    if padding == "same":
        pads = [same_pads(x.shape[1], kh, strides[0]), same_pads(x.shape[2], kw, strides[1])]
    else:
        pads = [(0, 0), (0, 0)]
    y = lax.conv_general_dilated(
        x, kernel, window_strides=strides, padding=pads,
        dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + bias


def pool(x, kind, size, strides, padding):
    window = (1, size[0], size[1], 1)
    steps = (1, strides[0], strides[1], 1)
    if padding == "same":
        pads = [(0, 0), same_pads(x.shape[1], size[0], strides[0]),
                same_pads(x.shape[2], size[1], strides[1]), (0, 0)]
    else:
        pads = [(0, 0)] * 4
    if kind == "max":
        return lax.reduce_window(x, -jnp.inf, lax.max, window, steps, pads)
    total = lax.reduce_window(x, 0.0, lax.add, window, steps, pads)
    count = lax.reduce_window(jnp.ones_like(x), 0.0, lax.add, window, steps, pads)
    return total / count


ACTIVATIONS = {
    "linear": lambda v: v,
    "relu": lambda v: jnp.maximum(v, 0),
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
}

# Each layer: (LayerLab's name, the Keras line, what it computes, weight shapes).
# The last layer is the softmax; `logits` stops before it (or before a
# Dense's softmax activation).
NETS = {
    "net_a": {
        "input": (10, 9, 3),
        "classes": 4,
        "layers": [
            ("conv2d", "Conv2D(4, (3, 3), padding='same')", ("conv", (3, 3), 4, (1, 1), "same", "linear")),
            ("activation", "Activation('relu')", ("act", "relu")),
            ("max_pooling2d", "MaxPooling2D(pool_size=(2, 2))", ("pool", "max", (2, 2), (2, 2), "valid")),
            ("conv2d_1", "Conv2D(6, (3, 3), padding='same', activation='relu')", ("conv", (3, 3), 6, (1, 1), "same", "relu")),
            ("conv2d_2", "Conv2D(5, (2, 2))", ("conv", (2, 2), 5, (1, 1), "valid", "linear")),
            ("dropout", "Dropout(0.25)", ("id",)),
            ("flatten", "Flatten()", ("flatten",)),
            ("dense", "Dense(8, activation='tanh')", ("dense", 8, "tanh")),
            ("dense_1", "Dense(4)", ("dense", 4, "linear")),
            ("activation_1", "Activation('softmax')", ("softmax",)),
        ],
    },
    "net_b": {
        "input": (9, 11, 2),
        "classes": 3,
        "layers": [
            ("conv2d", "Conv2D(3, (3, 3), strides=(2, 2), padding='same', activation='tanh')", ("conv", (3, 3), 3, (2, 2), "same", "tanh")),
            ("average_pooling2d", "AveragePooling2D(pool_size=(2, 2), padding='same')", ("pool", "avg", (2, 2), (2, 2), "same")),
            ("conv2d_1", "Conv2D(4, (2, 2))", ("conv", (2, 2), 4, (1, 1), "valid", "linear")),
            ("activation", "Activation('sigmoid')", ("act", "sigmoid")),
            ("max_pooling2d", "MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding='same')", ("pool", "max", (2, 2), (1, 1), "same")),
            ("flatten", "Flatten()", ("flatten",)),
            ("dense", "Dense(3, activation='softmax')", ("dense_softmax", 3)),
        ],
    },
}


def make_weights(net, rng):
    weights = {}
    shape = net["input"]
    for name, _, op in net["layers"]:
        if op[0] == "conv":
            (kh, kw), filters, strides, padding = op[1], op[2], op[3], op[4]
            fan = kh * kw * shape[2]
            weights[name + "/kernel"] = rng.normal(0, 1.5 / np.sqrt(fan), (kh, kw, shape[2], filters))
            weights[name + "/bias"] = rng.normal(0, 0.1, (filters,))
            if padding == "same":
                shape = (-(-shape[0] // strides[0]), -(-shape[1] // strides[1]), filters)
            else:
                shape = ((shape[0] - kh) // strides[0] + 1, (shape[1] - kw) // strides[1] + 1, filters)
        elif op[0] == "pool":
            size, strides, padding = op[2], op[3], op[4]
            if padding == "same":
                shape = (-(-shape[0] // strides[0]), -(-shape[1] // strides[1]), shape[2])
            else:
                shape = ((shape[0] - size[0]) // strides[0] + 1, (shape[1] - size[1]) // strides[1] + 1, shape[2])
        elif op[0] == "flatten":
            shape = (int(np.prod(shape)),)
        elif op[0] in ("dense", "dense_softmax"):
            units = op[1]
            weights[name + "/kernel"] = rng.normal(0, 1.5 / np.sqrt(shape[0]), (shape[0], units))
            weights[name + "/bias"] = rng.normal(0, 0.1, (units,))
            shape = (units,)
    # LayerLab computes in float32: the reference starts from the same float32 values.
    return {k: v.astype(np.float32) for k, v in weights.items()}


def run(net, weights, x, until=None, start_at=None, start_value=None):
    """The activations of every layer; `logits` is the softmax's input.
    With start_at, starts at that layer's output with `start_value`."""
    outputs = {}
    current = x
    started = start_at is None
    for name, _, op in net["layers"]:
        if not started:
            if name == start_at:
                started = True
                current = start_value
                outputs[name] = current
            continue
        kind = op[0]
        if kind == "conv":
            current = conv(current, weights[name + "/kernel"], weights[name + "/bias"], op[3], op[4])
            current = ACTIVATIONS[op[5]](current)
        elif kind == "act":
            current = ACTIVATIONS[op[1]](current)
        elif kind == "pool":
            current = pool(current, op[1], op[2], op[3], op[4])
        elif kind == "flatten":
            current = current.reshape(current.shape[0], -1)
        elif kind == "dense":
            current = ACTIVATIONS[op[2]](current @ weights[name + "/kernel"] + weights[name + "/bias"])
        elif kind == "dense_softmax":
            current = current @ weights[name + "/kernel"] + weights[name + "/bias"]
            outputs["logits"] = current
            current = jax.nn.softmax(current)
        elif kind == "softmax":
            outputs["logits"] = current
            current = jax.nn.softmax(current)
        elif kind == "id":
            pass
        outputs[name] = current
    return outputs


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    os.makedirs(out_dir, exist_ok=True)
    for seed, (file_name, net) in enumerate(sorted(NETS.items())):
        rng = np.random.default_rng(20240 + seed)
        weights32 = make_weights(net, rng)
        weights = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in weights32.items()}
        image32 = rng.uniform(0, 1, (1,) + net["input"]).astype(np.float32)
        image = jnp.asarray(image32, dtype=jnp.float64)
        outs = run(net, weights, image)
        logits = np.asarray(outs["logits"][0])
        predicted = int(np.argmax(logits))
        other = (predicted + 1) % net["classes"]
        result = {"image": image32, "logits": logits}
        for c in (predicted, other):
            grad = jax.grad(lambda v: run(net, weights, v)["logits"][0, c])(image)
            result["saliency/%d" % c] = np.abs(np.asarray(grad[0])).max(axis=-1).astype(np.float32)
            for name, _, _ in net["layers"]:
                a = outs[name]
                if a.ndim != 4:
                    continue
                g = jax.grad(
                    lambda v: run(net, weights, image, start_at=name, start_value=v)["logits"][0, c])(a)
                alpha = np.asarray(g[0]).mean(axis=(0, 1))
                cam = np.maximum((np.asarray(a[0]) * alpha).sum(axis=-1), 0)
                result["gradcam/%s/%d" % (name, c)] = cam.astype(np.float32)
        lines = ["input_shape (%s)" % ", ".join(str(d) for d in net["input"])]
        lines += [line for _, line, _ in net["layers"]]
        result["architecture"] = np.frombuffer("\n".join(lines).encode(), dtype=np.uint8)
        result.update(weights32)
        np.savez(os.path.join(out_dir, file_name + ".npz"), **result)
        print("wrote", file_name + ".npz", "predicted", predicted, "logits", np.round(logits, 4))


if __name__ == "__main__":
    main()
