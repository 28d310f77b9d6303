"""A recurrent network for a whole sequence: one recurrent layer (RNN, LSTM or GRU, engine/recurrent.py) reads
x (N, T, D); its last hidden state goes through an Affine layer to

    classes  → SoftmaxWithLoss     "classify": one label per sequence (MNIST read row by row)
    1 value  → MeanSquaredError    "regress":  one number per sequence (the sine's next value, the adding problem)

SequenceNetwork speaks as engine/network.Network does (params, grads, predict, loss, gradient, save, recipe),
so the same optimizers and training loop drive it. Its `gradient` clips the gradients to a global norm (`clip`)
before the optimizer sees them: a long sequence can multiply a gradient many times over (exploding gradients),
and one such step would throw the weights far away.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..engine.layers import Affine, SoftmaxWithLoss
from ..engine.network import layer_names
from ..engine.recurrent import GRU, LSTM, RNN
from ..engine.sequence import LastStep, MeanSquaredError, clip_grads

RECURRENT = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # blocks of H columns in Wx and Wh
DEFAULT_CLIP = 1.0


class SequenceNetwork:
    """Recurrent layer – LastStep – Affine, then SoftmaxWithLoss ("classify") or MeanSquaredError ("regress")."""

    def __init__(self, layers: list, input_shape, task: str, clip: float | None, recipe: dict):
        self.layers = layers
        self.task = task
        self.last = SoftmaxWithLoss() if task == "classify" else MeanSquaredError()
        self.input_shape = tuple(input_shape)
        self.clip = clip
        self.recipe = recipe
        self.names = layer_names(layers)
        self.params = {f"{name}.{key}": value
                       for name, layer in zip(self.names, layers) for key, value in layer.params.items()}
        self.dtype = next(iter(self.params.values())).dtype
        layers[0].input_grad = False  # nothing learns the inputs: skip their gradient
        self.grad_norm = None  # the global gradient norm of the last `gradient` call, before clipping

    @property
    def grads(self) -> dict:
        return {f"{name}.{key}": value
                for name, layer in zip(self.names, self.layers) for key, value in layer.grads.items()}

    def predict(self, x, train: bool = False) -> np.ndarray:
        """Scores (N, classes) or values (N, 1) for sequences x (N, T, D)."""
        x = np.asarray(x, dtype=self.dtype).reshape(len(x), *self.input_shape)
        for layer in self.layers:
            x = layer.forward(x, train=train)
        return x

    def loss_of(self, scores, t) -> float:
        return float(self.last.forward(scores, t))

    def loss(self, x, t, train: bool = False) -> float:
        return self.loss_of(self.predict(x, train), t)

    def gradient(self, x, t) -> tuple[float, np.ndarray]:
        """Forward, backward through the head and through time, then clip: returns the loss and the outputs;
        the gradients are left in `grads`, their norm before clipping in `grad_norm`."""
        scores = self.predict(x, train=True)
        loss = self.loss_of(scores, t)
        dout = self.last.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = self.grads
        self.grad_norm = clip_grads(grads, self.clip) if self.clip else \
            float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
        return loss, scores

    def continue_wave(self, seed_values, steps: int) -> np.ndarray:
        """Closed loop, for a model of the next value: start from the window `seed_values` (T,), predict the
        next value, slide the window on by that prediction, and so on for `steps` values."""
        window = np.asarray(seed_values, dtype=self.dtype).reshape(1, -1, 1).copy()
        out = np.empty(steps, self.dtype)
        for i in range(steps):
            out[i] = self.predict(window)[0, 0]
            window = np.concatenate([window[:, 1:], out[i].reshape(1, 1, 1)], axis=1)
        return out

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # a file object, so numpy does not append .npz to another suffix
            np.savez(f, recipe=np.array(json.dumps(self.recipe)), **self.params)
        return path

    def describe(self) -> str:
        H = self.layers[0].params["Wh"].shape[0]
        head = "Affine – Softmax" if self.task == "classify" else "Affine"
        return f"{type(self.layers[0]).__name__}({H}) – LastStep – {head}"


def sequence_network(model: str, input_size: int, hidden: int, outputs: int, task: str = "classify",
                     clip: float | None = DEFAULT_CLIP, steps: int | None = None, dtype="float32",
                     rng=None) -> SequenceNetwork:
    """A fresh `model` ("rnn", "lstm" or "gru") reading `input_size` values per step into `hidden` units, with
    `outputs` classes ("classify") or values ("regress"). Weights as torch's default scale suggests:
    Xavier (std √(1/fan-in)) for Wx and Wh and the head, biases zero but the LSTM's forget gate at 1, so it
    starts out remembering (Jozefowicz et al. 2015). `steps` (T) is kept for the record only: any length runs."""
    if model not in RECURRENT:
        raise ValueError(f"unknown recurrent model {model!r}: use rnn, lstm or gru")
    if task not in ("classify", "regress"):
        raise ValueError(f"unknown task {task!r}: use classify or regress")
    dtype = np.dtype(dtype)
    rng = np.random.default_rng() if rng is None else rng
    D, H, k = int(input_size), int(hidden), GATES[model]

    def normal(shape, fan_in):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(dtype)

    Wx, Wh, b = normal((D, k * H), D), normal((H, k * H), H), np.zeros(k * H, dtype)
    if model == "lstm":
        b[H:2 * H] = 1
    extra = [np.zeros(H, dtype)] if model == "gru" else []
    head = Affine(normal((H, outputs), H), np.zeros(outputs, dtype))
    layers = [RECURRENT[model](Wx, Wh, b, *extra), LastStep(), head]
    recipe = {"model": model, "input_size": D, "hidden": H, "outputs": int(outputs), "task": task,
              "clip": clip, "steps": steps, "dtype": dtype.name}
    return SequenceNetwork(layers, (-1, D), task, clip, recipe)


def _builder(model):
    def build(**recipe):
        return sequence_network(model, **recipe)
    build.__doc__ = f"Rebuild a saved {model} SequenceNetwork from its recipe."
    return build


BUILDERS = {name: _builder(name) for name in RECURRENT}
