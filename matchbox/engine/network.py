"""A network: layers in a row, ending in softmax with cross-entropy loss; and the workshop's two models.

    mlp([784, 100, 10])   Affine – ReLU – Affine                                       (多層パーセプトロン)
    cnn((1, 28, 28))      Convolution(30, 5×5) – ReLU – Pooling(max 2×2) – Affine(100) – ReLU – Affine(10)

A saved model (.npz) holds every parameter under a readable name ("Affine1.W") and the recipe that built it,
so `BUILDERS[recipe["model"]](**recipe)` rebuilds the same architecture and fills in the weights.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import fast
from . import init as initializers
from .layers import Affine, Convolution, Identity, Pooling, Relu, Sigmoid, SoftmaxWithLoss, Tanh

ACTIVATION_LAYERS = {"relu": Relu, "sigmoid": Sigmoid, "tanh": Tanh, "identity": Identity}
# He suits ReLU, Xavier suits the S-shaped sigmoid and tanh (ゼロから作るDeep Learning §6.2).
DEFAULT_INIT = {"relu": "he", "sigmoid": "xavier", "tanh": "xavier", "identity": "xavier"}


class Network:
    """Layers applied in order to an input of `input_shape` (per sample), then SoftmaxWithLoss."""

    def __init__(self, layers: list, input_shape, recipe: dict):
        self.layers = layers
        self.last = SoftmaxWithLoss()
        self.input_shape = tuple(input_shape)
        self.recipe = recipe
        self.names = layer_names(layers)
        self.params = {f"{name}.{key}": value
                       for name, layer in zip(self.names, layers) for key, value in layer.params.items()}
        self.dtype = next(iter(self.params.values())).dtype
        if hasattr(layers[0], "input_grad"):
            layers[0].input_grad = False  # nothing learns the images: the first layer skips their gradient

    @property
    def grads(self) -> dict:
        """The gradients of the last `gradient` call, under the same names as `params`."""
        return {f"{name}.{key}": value
                for name, layer in zip(self.names, self.layers) for key, value in layer.grads.items()}

    def predict(self, x, train: bool = False) -> np.ndarray:
        """The scores (before softmax) of a batch; `train` switches dropout and batch statistics on."""
        x = np.asarray(x).reshape(len(x), *self.input_shape)
        self.steps = running_order(self.layers)
        for step in self.steps:
            x = step.forward(x, train=train)
        return x

    def loss_of(self, scores, t) -> float:
        return float(self.last.forward(scores, t))

    def loss(self, x, t, train: bool = False) -> float:
        """Mean cross-entropy of a batch."""
        return self.loss_of(self.predict(x, train), t)

    def gradient(self, x, t) -> tuple[float, np.ndarray]:
        """Backpropagation: the forward pass in training mode, then every layer's backward in reverse order.
        Leaves the gradients in `grads`; returns the loss and the scores."""
        scores = self.predict(x, train=True)
        loss = self.loss_of(scores, t)
        dout = self.last.backward(1)
        for step in reversed(self.steps):
            dout = step.backward(dout)
        return loss, scores

    def accuracy(self, x, t, batch_size: int = 500) -> float:
        correct = sum(int(np.count_nonzero(self.predict(x[i:i + batch_size]).argmax(axis=1) == t[i:i + batch_size]))
                      for i in range(0, len(x), batch_size))
        return correct / len(x)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # a file object, so numpy does not append .npz to another suffix
            np.savez(f, recipe=np.array(json.dumps(self.recipe)), **self.params)
        return path

    def describe(self) -> str:
        return " – ".join(type(layer).__name__ for layer in self.layers)


def running_order(layers) -> list:
    """The steps a pass takes: the layers in order, except that Convolution – ReLU – max Pooling 2×2 runs as
    the convolution and the pooling in one step, then the ReLU on the pooled quarter of the numbers
    (fast.ConvolutionPooled, which says why the order may change). Exactly the same numbers; with either
    layer's `fast_path` off the layers run as written."""
    steps, i = [], 0
    while i < len(layers):
        trio = layers[i:i + 3]
        if (len(trio) == 3 and isinstance(trio[0], Convolution) and trio[0].fast_path and type(trio[1]) is Relu
                and isinstance(trio[2], Pooling) and trio[2].fast_path):
            steps += [fast.ConvolutionPooled(trio[0]), trio[1]]
            i += 3
        else:
            steps.append(layers[i])
            i += 1
    return steps


def layer_names(layers) -> list[str]:
    """Affine1, Relu1, Affine2...: each layer named by its class and its rank among layers of that class."""
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        kind = type(layer).__name__
        seen[kind] = seen.get(kind, 0) + 1
        names.append(f"{kind}{seen[kind]}")
    return names


def weights(init: str, shape, fan_in: int, fan_out: int, rng, dtype) -> np.ndarray:
    if init == "he":
        w = initializers.he(shape, fan_in, rng)
    elif init == "xavier":
        w = initializers.xavier(shape, fan_in, rng)
    else:  # a number: the standard deviation of small random weights, e.g. 0.01
        w = float(init) * rng.standard_normal(shape)
    return np.asarray(w, dtype=dtype)


def mlp(sizes, activation: str = "relu", init: str | None = None, dtype=np.float32, rng=None) -> Network:
    """A multilayer perceptron: Affine layers of the given sizes (input first, classes last), the activation
    between them."""
    sizes = [int(s) for s in sizes]
    init = init or DEFAULT_INIT[activation]
    rng = np.random.default_rng() if rng is None else rng
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Affine(weights(init, (n_in, n_out), n_in, n_out, rng, dtype), np.zeros(n_out, dtype)))
        if i < len(sizes) - 2:
            layers.append(ACTIVATION_LAYERS[activation]())
    recipe = {"model": "mlp", "sizes": sizes, "activation": activation, "init": init,
              "dtype": np.dtype(dtype).name}
    return Network(layers, (sizes[0],), recipe)


def cnn(input_shape=(1, 28, 28), filters: int = 30, kernel: int = 5, pool: int = 2, hidden: int = 100,
        classes: int = 10, activation: str = "relu", init: str | None = None, dtype=np.float32,
        rng=None) -> Network:
    """A small convolutional network: Convolution – activation – max Pooling – Affine – activation – Affine."""
    channels, height, width = (int(s) for s in input_shape)
    init = init or DEFAULT_INIT[activation]
    rng = np.random.default_rng() if rng is None else rng
    conv_h, conv_w = height - kernel + 1, width - kernel + 1
    if conv_h < pool or conv_w < pool:
        raise ValueError(f"images of {height}×{width} are too small for a {kernel}×{kernel} filter "
                         f"and {pool}×{pool} pooling")
    flat = filters * (conv_h // pool) * (conv_w // pool)
    fan_in = channels * kernel * kernel
    activate = ACTIVATION_LAYERS[activation]
    layers = [
        Convolution(weights(init, (filters, channels, kernel, kernel), fan_in, filters, rng, dtype),
                    np.zeros(filters, dtype)),
        activate(),
        Pooling(pool, pool, stride=pool),
        Affine(weights(init, (flat, hidden), flat, hidden, rng, dtype), np.zeros(hidden, dtype)),
        activate(),
        Affine(weights(init, (hidden, classes), hidden, classes, rng, dtype), np.zeros(classes, dtype)),
    ]
    recipe = {"model": "cnn", "input_shape": [channels, height, width], "filters": filters, "kernel": kernel,
              "pool": pool, "hidden": hidden, "classes": classes, "activation": activation, "init": init,
              "dtype": np.dtype(dtype).name}
    return Network(layers, (channels, height, width), recipe)


BUILDERS = {"mlp": mlp, "cnn": cnn}
