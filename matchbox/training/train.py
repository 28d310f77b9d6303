"""Training: minibatch gradient descent over a dataset, seeded and deterministic.

One epoch visits every training image once, in an order drawn from the seed; after it, the whole test split
is evaluated. Two classic helps against overfitting are optional: `shift` moves each training image by up to
that many pixels (a fresh random shift every time it is seen, so the net learns that a digit is the same digit
a little to the left), and the "cosine" schedule lowers the learning rate smoothly from η to 0 over the run
(large steps to get near, small steps to settle).

The train loss and accuracy of an epoch are the means over its minibatches as they were seen (they cost
nothing extra; the weights move during the epoch, so they lag the test figures a little).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from ..engine.network import Network
from .models import build
from .recurrent import DEFAULT_CLIP
from ..engine.optimizers import make_optimizer

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adagrad": 0.05, "rmsprop": 0.001, "adam": 0.001}


def learning_rate(lr: float, schedule: str, step: int, total_steps: int) -> float:
    """η at a step (0-based) of the run: constant, or cosine annealing η/2 · (1 + cos(π · step / total))."""
    if schedule == "constant":
        return lr
    if schedule == "cosine":
        return 0.5 * lr * (1 + math.cos(math.pi * step / total_steps))
    raise ValueError(f"unknown schedule {schedule!r}")


def shifted(images: np.ndarray, most: int, rng: np.random.Generator) -> np.ndarray:
    """Each image (N×C×H×W) moved by its own random whole-pixel offset in [−most, most] along each axis,
    the uncovered border filled with 0 (blank paper). One fancy-indexing gather, no loop over images."""
    if most == 0:
        return images
    n, channels, height, width = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (most, most), (most, most)))
    dy, dx = rng.integers(0, 2 * most + 1, size=(2, n))  # where the window starts in the padded image
    rows = dy[:, None] + np.arange(height)
    cols = dx[:, None] + np.arange(width)
    return padded[np.arange(n)[:, None, None, None], np.arange(channels)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


@dataclass
class Epoch:
    epoch: int
    train_loss: float
    train_accuracy: float | None  # None for a regression (the sine wave, the adding problem): loss only
    test_loss: float
    test_accuracy: float | None
    seconds: float  # training time of the epoch, the test evaluation not included

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


def correct(net, scores, t) -> int | None:
    """How many of a batch's scores pick their label; None when the network predicts numbers, not classes."""
    if getattr(net, "task", "classify") != "classify":
        return None
    return int(np.count_nonzero(scores.argmax(axis=1) == t))


def seeded_generators(seed: int):
    """Two independent streams from one seed: one draws the initial weights, one the order of the images."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)]


def evaluate(net: Network, data, split: str = "test", batch_size: int = 500) -> tuple[float, float | None]:
    """Mean loss and accuracy of `net` over a split, in inference mode (no dropout, running batch norm);
    the accuracy is None for a network that predicts numbers."""
    total_loss = right = seen = 0
    for x, t in data.batches(split, batch_size, net.dtype):
        scores = net.predict(x)
        total_loss += net.loss_of(scores, t) * len(t)
        right = _add(right, correct(net, scores, t))
        seen += len(t)
    return total_loss / seen, _ratio(right, seen)


def _add(total, n):
    return None if n is None else total + n


def _ratio(right, seen):
    return None if right is None else right / seen


def fit(net: Network, data, optimizer, epochs: int, batch_size: int, rng: np.random.Generator,
        on_batch=None, on_epoch=None, *, schedule: str = "constant", shift: int = 0) -> list[Epoch]:
    """Train `net` in place; `on_batch(n_images)` and `on_epoch(Epoch)` are called as training goes."""
    history = []
    base_lr, step = optimizer.lr, 0
    total_steps = epochs * math.ceil(len(data.t_train) / batch_size)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(data.t_train))
        total_loss = right = seen = 0
        for x, t in data.batches("train", batch_size, net.dtype, order):
            optimizer.lr = learning_rate(base_lr, schedule, step, total_steps)
            step += 1
            if shift:
                x = shifted(x, shift, rng)
            loss, scores = net.gradient(x, t)
            optimizer.update(net.params, net.grads)
            total_loss += loss * len(t)
            right = _add(right, correct(net, scores, t))
            seen += len(t)
            if on_batch:
                on_batch(len(t))
        seconds = time.perf_counter() - start
        test_loss, test_accuracy = evaluate(net, data)
        result = Epoch(epoch, total_loss / seen, _ratio(right, seen), test_loss, test_accuracy, seconds)
        history.append(result)
        if on_epoch:
            on_epoch(result)
    return history


def train(model: str, data, *, epochs: int, batch_size: int = 100, optimizer: str = "adam",
          lr: float | None = None, seed: int = 1, hidden=(100,), activation: str = "relu",
          schedule: str = "constant", shift: int = 0, dtype=np.float32, on_batch=None,
          on_epoch=None, clip: float | None = DEFAULT_CLIP) -> tuple[Network, list[Epoch]]:
    """Build a fresh `model` ("mlp" or "cnn"; "rnn", "lstm" or "gru" for sequences, their gradients clipped
    to the norm `clip`) for `data` and train it; the same arguments give the same weights, bit for bit, on
    the same machine."""
    init_rng, order_rng = seeded_generators(seed)
    net = build(model, data.image_shape, data.classes, hidden=hidden, activation=activation, dtype=dtype,
                rng=init_rng, clip=clip)
    opt = make_optimizer(optimizer, DEFAULT_LR[optimizer] if lr is None else lr)
    history = fit(net, data, opt, epochs, batch_size, order_rng, on_batch, on_epoch, schedule=schedule,
                  shift=shift)
    return net, history
