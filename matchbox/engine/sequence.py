"""Heads and losses over a sequence of hidden states hs (N, T, H), batch-major as in recurrent.py, and gradient
clipping: what a recurrent network needs between its last recurrent layer and its loss.

    TimeAffine → MeanSquaredError        a value at every step
    TimeAffine → TimeSoftmaxWithLoss     a class at every step (the book's language model)
    LastStep → Affine → SoftmaxWithLoss  one class per sequence (row-by-row MNIST)
"""
from __future__ import annotations

import numpy as np

from .layers import Affine, Layer, SoftmaxWithLoss


class TimeAffine(Layer):
    """y = h W + b at every step: (N, T, H) → (N, T, O), as one product over all N·T rows."""

    def __init__(self, W, b):
        super().__init__()
        self.affine = Affine(W, b)
        self.params = self.affine.params

    def forward(self, x, train=True):
        n, T, _ = x.shape
        return self.affine.forward(x.reshape(n * T, -1)).reshape(n, T, -1)

    def backward(self, dout):
        n, T, _ = dout.shape
        dx = self.affine.backward(dout.reshape(n * T, -1))
        self.grads = self.affine.grads
        return dx.reshape(n, T, -1)


class LastStep(Layer):
    """hs (N, T, H) → hs[:, −1] (N, H); backward puts the whole gradient at the last step, zeros elsewhere."""

    def forward(self, x, train=True):
        self.shape = x.shape
        return x[:, -1]

    def backward(self, dout):
        dx = np.zeros(self.shape, dout.dtype)
        dx[:, -1] = dout
        return dx


class MeanSquaredError(Layer):
    """E = mean of (y − t)² over every element (all N, steps and outputs), as torch.nn.MSELoss: unlike the hand
    sheets' SquaredError, no ½ and a mean over steps too, so the loss does not grow with the length."""

    def forward(self, y, t, train=True):
        self.d = y - np.asarray(t, dtype=y.dtype).reshape(y.shape)
        return float(np.mean(self.d * self.d))

    def backward(self, dout=1):
        return self.d * (2 * dout / self.d.size)


class TimeSoftmaxWithLoss(Layer):
    """Softmax cross-entropy at every step, averaged over all N·T steps: scores (N, T, V), labels (N, T) or
    one-hot (N, T, V). SoftmaxWithLoss on the N·T rows, so torch's cross_entropy over (N·T, V) agrees."""

    def __init__(self):
        super().__init__()
        self.loss = SoftmaxWithLoss()

    def forward(self, x, t, train=True):
        self.shape = x.shape
        t = np.asarray(t)
        t = t.reshape(-1, x.shape[-1]) if t.ndim == x.ndim else t.reshape(-1)
        return self.loss.forward(x.reshape(-1, x.shape[-1]), t)

    def backward(self, dout=1):
        return self.loss.backward(dout).reshape(self.shape)


def clip_grads(grads, max_norm):
    """Scales every gradient in place by max_norm / ‖g‖ when the global norm ‖g‖ (all arrays as one vector)
    exceeds max_norm; returns ‖g‖ before clipping. As torch.nn.utils.clip_grad_norm_, 1e-6 is added to ‖g‖
    in the ratio, so the clipped norm is max_norm to about 1e-6 relative. `grads`: a dict or a list of
    arrays."""
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in arrays)))
    rate = max_norm / (norm + 1e-6)
    if rate < 1:
        for g in arrays:
            g *= g.dtype.type(rate)
    return norm
