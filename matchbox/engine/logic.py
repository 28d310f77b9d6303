"""Logic gates as perceptrons with fixed weights (ゼロから作るDeep Learning ch. 2), computed a whole truth table
at a time: the `gates` sheet writes the same computation one row at a time, and the tests check the two agree.

A gate fires when b + w₁x₁ + w₂x₂ > 0 (or ≥ 0), the threshold form w₁x₁ + w₂x₂ > θ with b = −θ.
"""
from __future__ import annotations

import numpy as np

from .functions import step

# the four inputs of a truth table, in the book's order: (x₁, x₂) = (0, 0), (1, 0), (0, 1), (1, 1)
INPUTS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)


def gate(x, w, bias=0.0, strict=True):
    """One perceptron on the rows of x: the sums u = b + x·w and the outputs y (1 where u > 0, or ≥ 0 when
    not `strict`). Returns (u, y)."""
    u = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + bias
    return u, step(u, 0.0, strict=strict)


def truth_table(w, bias=0.0, strict=True):
    """A gate's outputs on INPUTS, as a tuple of four 0/1 ints."""
    return tuple(int(v) for v in gate(INPUTS, w, bias, strict)[1])


def two_layer(x, first, second, last, strict=True):
    """A two-layer perceptron of gates (多層パーセプトロン): s₁ = first(x), s₂ = second(x), y = last(s₁, s₂).
    Each gate is (w, bias). Returns (s, u, y): the first layer's outputs, the last gate's sums and outputs."""
    s = np.stack([gate(x, *first, strict=strict)[1], gate(x, *second, strict=strict)[1]], axis=-1)
    u, y = gate(s, *last, strict=strict)
    return s, u, y


# The gates the book names, as truth tables on INPUTS; a spec's gate of one of these names must compute it.
STANDARD = {"AND": (0, 0, 0, 1), "NAND": (1, 1, 1, 0), "OR": (0, 1, 1, 1), "NOR": (1, 0, 0, 0),
            "XOR": (0, 1, 1, 0), "XNOR": (1, 0, 0, 1)}
