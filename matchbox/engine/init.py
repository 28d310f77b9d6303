"""Initial weights (重みの初期値): the scale that keeps activations alive as a network gets deeper.

Each takes the array's shape, the number of inputs each unit sums (fan-in) and a seeded numpy Generator.
"""
from __future__ import annotations

import numpy as np


def normal(shape, std, rng, dtype=np.float32):
    """Gaussian weights with a fixed standard deviation (e.g. 0.01: the "small random" start)."""
    return (rng.standard_normal(shape) * std).astype(dtype)


def xavier(shape, fan_in, rng, dtype=np.float32):
    """Xavier (Glorot) for sigmoid and tanh: std = √(1 / fan_in)."""
    return normal(shape, np.sqrt(1.0 / fan_in), rng, dtype)


def he(shape, fan_in, rng, dtype=np.float32):
    """He for ReLU, which zeroes half its inputs: std = √(2 / fan_in)."""
    return normal(shape, np.sqrt(2.0 / fan_in), rng, dtype)
