"""Dropout (ドロップアウト), one unit at a time or on arrays: the formulas of layers.Dropout, written out.

layers.Dropout is the inverted form. In training it draws a 0/1 mask m (a unit is kept with probability
1 − p, p the drop ratio) and keeps `mask = m / (1 − p)`, so that
    forward:   y = x · mask        = x·m/(1 − p)       (inverted_dropout)
    backward:  ∂L/∂x = dout · mask = ∂L/∂y·m/(1 − p)   (inverted_dropout_backward, the SAME mask)
    evaluation: y = x                                    (inverted_dropout_eval)
The original form (Srivastava et al. 2014; ゼロから作るDeep Learning §6.4.3) keeps x·m in training and
scales by 1 − p at evaluation instead. Either way the training output's expectation over the mask equals
the evaluation output (expected_output).
"""
from __future__ import annotations

import numpy as np


def keep_scale(ratio):
    """1/(1 − p): what inverted dropout multiplies a kept unit by (layers.Dropout's mask / m)."""
    return 1.0 / (1.0 - ratio)


def inverted_dropout(x, mask, ratio):
    """Training output of inverted dropout: y = x·m/(1 − p) (m is 0 or 1)."""
    return np.multiply(x, mask) * keep_scale(ratio)


def inverted_dropout_backward(dout, mask, ratio):
    """∂L/∂x = ∂L/∂y·m/(1 − p): the forward pass's own mask m, never a new one."""
    return np.multiply(dout, mask) * keep_scale(ratio)


def inverted_dropout_eval(x, ratio):
    """Evaluation (test-time) output of inverted dropout: y = x. The ratio is not used: the training pass
    already scaled by 1/(1 − p)."""
    return np.multiply(x, 1.0)


def original_dropout(x, mask):
    """Training output of the original (non-inverted) dropout: y = x·m, no scaling."""
    return np.multiply(x, mask)


def original_dropout_eval(x, ratio):
    """Evaluation output of the original dropout: y = x·(1 − p), the expected share of the unit kept."""
    return np.multiply(x, 1.0 - ratio)


def expected_output(kept, ratio):
    """E[y] over the mask: kept with probability 1 − p (output `kept`), dropped with probability p (0)."""
    return (1.0 - ratio) * np.asarray(kept, dtype=float) + ratio * 0.0
