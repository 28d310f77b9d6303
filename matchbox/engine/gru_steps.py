"""The GRU's state update and its backward pass one scalar at a time, as the `gru` sheet writes it (one unit;
recurrent.py's gru_step and gru_step_back do the same for whole arrays, all three gates at once)."""
from __future__ import annotations


def mix(z, n, h):
    """h' = (1 − z)·n + z·h: the update gate z keeps that much of the old state h, the rest is the
    candidate n (PyTorch's form)."""
    return float((1 - z) * n + z * h)


def update_gate_grad(dh, h, n):
    """∂E/∂z = ∂E/∂h'·(h − n), through h' = (1 − z)·n + z·h."""
    return float(dh * (h - n))


def candidate_grad(dh, z):
    """∂E/∂n = ∂E/∂h'·(1 − z), through h' = (1 − z)·n + z·h."""
    return float(dh * (1 - z))


def sigmoid_back(d, y):
    """δ = ∂E/∂a = d·y(1 − y) for y = σ(a), with d = ∂E/∂y."""
    return float(d * y * (1 - y))


def tanh_back(d, y):
    """δ = ∂E/∂a = d·(1 − y²) for y = tanh(a), with d = ∂E/∂y."""
    return float(d * (1 - y * y))
