"""Training: minibatch gradient descent over a dataset, seeded and deterministic.

One epoch visits every training image once, in an order drawn from the seed; after it, the whole test split
is evaluated. The train loss and accuracy of an epoch are the means over its minibatches as they were seen
(they cost nothing extra; the weights move during the epoch, so they lag the test figures a little).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from .network import Network, build
from .optimizers import make_optimizer

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adagrad": 0.05, "rmsprop": 0.001, "adam": 0.001}


@dataclass
class Epoch:
    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    seconds: float  # training time of the epoch, the test evaluation not included

    def to_json(self) -> dict:
        return asdict(self)


def seeded_generators(seed: int):
    """Two independent streams from one seed: one draws the initial weights, one the order of the images."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)]


def evaluate(net: Network, data, split: str = "test", batch_size: int = 500) -> tuple[float, float]:
    """Mean loss and accuracy of `net` over a split, in inference mode (no dropout, running batch norm)."""
    total_loss = correct = seen = 0
    for x, t in data.batches(split, batch_size, net.dtype):
        scores = net.predict(x)
        total_loss += net.loss_of(scores, t) * len(t)
        correct += int(np.count_nonzero(scores.argmax(axis=1) == t))
        seen += len(t)
    return total_loss / seen, correct / seen


def fit(net: Network, data, optimizer, epochs: int, batch_size: int, rng: np.random.Generator,
        on_batch=None, on_epoch=None) -> list[Epoch]:
    """Train `net` in place; `on_batch(n_images)` and `on_epoch(Epoch)` are called as training goes."""
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(data.t_train))
        total_loss = correct = seen = 0
        for x, t in data.batches("train", batch_size, net.dtype, order):
            loss, scores = net.gradient(x, t)
            optimizer.update(net.params, net.grads)
            total_loss += loss * len(t)
            correct += int(np.count_nonzero(scores.argmax(axis=1) == t))
            seen += len(t)
            if on_batch:
                on_batch(len(t))
        seconds = time.perf_counter() - start
        result = Epoch(epoch, total_loss / seen, correct / seen, *evaluate(net, data), seconds)
        history.append(result)
        if on_epoch:
            on_epoch(result)
    return history


def train(model: str, data, *, epochs: int, batch_size: int = 100, optimizer: str = "adam",
          lr: float | None = None, seed: int = 1, hidden=(100,), activation: str = "relu",
          dtype=np.float32, on_batch=None, on_epoch=None) -> tuple[Network, list[Epoch]]:
    """Build a fresh `model` ("mlp" or "cnn") for `data` and train it; the same arguments give the same
    weights, bit for bit, on the same machine."""
    init_rng, order_rng = seeded_generators(seed)
    net = build(model, data.image_shape, data.classes, hidden=hidden, activation=activation, dtype=dtype,
                rng=init_rng)
    opt = make_optimizer(optimizer, DEFAULT_LR[optimizer] if lr is None else lr)
    history = fit(net, data, opt, epochs, batch_size, order_rng, on_batch, on_epoch)
    return net, history
