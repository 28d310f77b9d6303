"""The LSTM's backward pass one scalar at a time, as the `lstm` sheet writes it (one unit; recurrent.py's
lstm_step_back does the same for whole arrays, all four gates at once)."""
from __future__ import annotations

import numpy as np


def cell_grad(dh, o, tc, dc_next=0.0, f_next=0.0):
    """∂E/∂cₜ = ∂E/∂hₜ·oₜ·(1 − tanh²cₜ) + ∂E/∂cₜ₊₁·fₜ₊₁: through hₜ = oₜ·tanh(cₜ), and on along the
    memory cell to the next step (tc is tanh cₜ)."""
    return float(np.multiply(np.multiply(dh, o), np.subtract(1, np.multiply(tc, tc))) + np.multiply(dc_next, f_next))


def sigmoid_gate_grad(upstream, other, gate):
    """δ = ∂E/∂a of a sigmoid gate (i, f, o): upstream·other·gate(1 − gate), where the gate multiplies
    `other` in the cell (i·g, f·cₜ₋₁, o·tanh cₜ) and `upstream` is the gradient of that product."""
    return float(upstream * other * gate * (1 - gate))


def tanh_gate_grad(upstream, other, g):
    """δ = ∂E/∂a of the tanh candidate g: upstream·other·(1 − g²) (other is the input gate i)."""
    return float(upstream * other * (1 - g * g))
