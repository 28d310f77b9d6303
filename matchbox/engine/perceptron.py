"""Online perceptron learning (the matchbox brain), as the engine runs it.

A worksheet writes this computation out one cell at a time; the tests check that the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .functions import delta_rule, error, step, weighted_sum


@dataclass
class PerceptronRun:
    """Everything one run computed: per trial the sum, output and difference; the weights and
    threshold before each trial, with one extra row for the state after the last trial."""

    u: np.ndarray
    y: np.ndarray
    d: np.ndarray
    w: np.ndarray
    theta: np.ndarray

    @property
    def changed(self) -> np.ndarray:
        """Which trials moved a weight or the threshold."""
        return self.d != 0


def train_perceptron(X, t, w, order, lr=1.0, threshold=0.0, strict=False, learn_threshold=False, low=0.0):
    """Present the rows of X in `order` (indices), updating after each trial by the delta rule.

    X: (items, inputs); t: (items,) teacher signals, 1 or `low` (0, or −1 for bipolar outputs);
    w: (inputs,) initial weights.
    A learned threshold moves as a weight on a constant input of −1.
    """
    X = np.asarray(X, dtype=float)
    t = np.asarray(t, dtype=float)
    w = np.array(w, dtype=float)
    theta = float(threshold)
    us, ys, ds, ws, thetas = [], [], [], [w.copy()], [theta]
    for i in order:
        u = weighted_sum(X[i], w)
        y = step(u, theta, strict, low)
        d = error(t[i], y)
        w = delta_rule(w, X[i], d, lr)
        if learn_threshold:
            theta = float(delta_rule(theta, -1.0, d, lr))
        us.append(u), ys.append(y), ds.append(d), ws.append(w.copy()), thetas.append(theta)
    return PerceptronRun(np.array(us), np.array(ys), np.array(ds), np.array(ws), np.array(thetas))


def predict(X, w, threshold=0.0, strict=False, low=0.0):
    """Outputs of every row of X at once."""
    return step(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float), threshold, strict, low)


def count_errors(d):
    """How many trials in an epoch the perceptron got wrong (t ≠ y)."""
    return np.count_nonzero(np.asarray(d))
