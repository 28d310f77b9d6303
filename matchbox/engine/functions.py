"""Elementwise functions of the engine, each usable on a scalar or an array."""
from __future__ import annotations

import numpy as np


def weighted_sum(x, w):
    """u = Σ wᵢxᵢ (総和): the input a neuron sums before it decides."""
    return np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float))


def step(u, threshold=0.0, strict=False, low=0.0):
    """The step function (ステップ関数): 1 where u reaches the threshold, else `low` (0; or −1 for the
    bipolar step some textbooks use).

    `strict` states the tie rule: False fires on u ≥ threshold, True only on u > threshold.
    """
    u = np.asarray(u, dtype=float)
    fired = u > threshold if strict else u >= threshold
    out = np.where(fired, 1.0, float(low))
    return out if out.ndim else float(out)


def error(t, y):
    """The difference (誤差) t − y between the teacher signal and the output."""
    return np.subtract(t, y)


def delta_rule(w, x, d, lr):
    """The perceptron learning rule: w' = w + η·(t − y)·x.

    With x = −1 it moves a learned threshold: θ' = θ − η·(t − y).
    """
    return np.add(w, np.multiply(lr, np.multiply(d, x)))


def decision_line(w0, w1, w2, threshold=0.0):
    """Slope and intercept of the line w0 + w1·x1 + w2·x2 = θ, written as x2 = a·x1 + b (w2 ≠ 0)."""
    return line_slope(w1, w2), line_intercept(w0, w2, threshold)


def line_slope(w1, w2):
    """a = −w1 / w2: how steeply the decision line rises."""
    return -w1 / w2


def line_intercept(w0, w, threshold=0.0):
    """b = (θ − w0) / w: where the decision line crosses the axis of the input whose weight is w."""
    return (threshold - w0) / w


def crossing(threshold, w):
    """Where the line u = w·x reaches the threshold: x = θ / w."""
    return threshold / w
