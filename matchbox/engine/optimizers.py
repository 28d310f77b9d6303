"""Optimizers (最適化手法): how a gradient becomes a weight update.

The update rules are the functions in `functions.py` that the hand exercises use too, so a learner's column
of Adam steps and a training run are one computation. `update` writes into the parameter arrays in place: a
network shares those arrays with its layers.
"""
from __future__ import annotations

import numpy as np

from . import functions as F


class Optimizer:
    def __init__(self, lr):
        self.lr = lr
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def slot(self, key, name, like):
        """Per-parameter state (velocity, accumulated squares...), zero at the start."""
        return self.state.setdefault(key, {}).setdefault(name, np.zeros_like(like))

    def update(self, params: dict, grads: dict) -> None:
        for key, w in params.items():
            w[...] = self.step(key, w, grads[key])

    def step(self, key, w, g):  # pragma: no cover - every optimizer overrides it
        raise NotImplementedError


class SGD(Optimizer):
    """w' = w − η·g."""

    def step(self, key, w, g):
        return F.gradient_step(w, g, self.lr)


class Momentum(Optimizer):
    """v' = αv − η·g, w' = w + v' (PyTorch writes v = αv + g, w −= η·v: the same steps for a constant η)."""

    def __init__(self, lr, momentum=0.9):
        super().__init__(lr)
        self.momentum = momentum

    def step(self, key, w, g):
        v = self.slot(key, "v", w)
        v[...] = F.momentum_velocity(v, g, self.lr, self.momentum)
        return w + v


class AdaGrad(Optimizer):
    """h' = h + g², w' = w − η·g / (√h' + ε): each weight's step shrinks as its gradients add up."""

    def __init__(self, lr, eps=1e-8):
        super().__init__(lr)
        self.eps = eps

    def step(self, key, w, g):
        h = self.slot(key, "h", w)
        h[...] = F.adagrad_accumulate(h, g)
        return F.adagrad_step(w, g, h, self.lr, self.eps)


class RMSprop(Optimizer):
    """h' = ρh + (1 − ρ)g², w' = w − η·g / (√h' + ε): AdaGrad that forgets old gradients."""

    def __init__(self, lr, decay=0.99, eps=1e-8):
        super().__init__(lr)
        self.decay, self.eps = decay, eps

    def step(self, key, w, g):
        h = self.slot(key, "h", w)
        h[...] = F.rmsprop_accumulate(h, g, self.decay)
        return F.adagrad_step(w, g, h, self.lr, self.eps)


class Adam(Optimizer):
    """m' = β₁m + (1 − β₁)g, v' = β₂v + (1 − β₂)g², m̂ = m'/(1 − β₁ᵗ), v̂ = v'/(1 − β₂ᵗ),
    w' = w − η·m̂ / (√v̂ + ε)."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0

    def update(self, params, grads):
        self.t += 1  # one time step per update of the whole network
        super().update(params, grads)

    def step(self, key, w, g):
        m, v = self.slot(key, "m", w), self.slot(key, "v", w)
        m[...] = F.moving_average(m, g, self.beta1)
        v[...] = F.moving_average(v, g * g, self.beta2)
        m_hat, v_hat = F.bias_correct(m, self.beta1, self.t), F.bias_correct(v, self.beta2, self.t)
        return F.adam_step(w, m_hat, v_hat, self.lr, self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSprop, "adam": Adam}


def make_optimizer(name: str, lr: float, **settings) -> Optimizer:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} (choose from: {', '.join(OPTIMIZERS)})")
    return OPTIMIZERS[name](lr, **settings)
