"""Batch normalisation (バッチ正規化), one formula per function.

Each function works on a single feature's column of the mini-batch (a 1-D array, giving a number) and on a
whole batch (N × D, feature by feature along axis 0), so the hand sheet's steps and `forward`/`backward` below
are the same code; they are the formulas of layers.BatchNormalization in training mode.
"""
from __future__ import annotations

import numpy as np


def batch_mean(x):
    """μ = (1/N) Σ xᵢ over the mini-batch."""
    return np.mean(np.asarray(x, dtype=float), axis=0)


def deviation(x, mean):
    """x − μ."""
    return np.subtract(x, mean)


def batch_variance(dev, unbiased=False):
    """σ² = (1/N) Σ (xᵢ − μ)² from the deviations: the biased variance frameworks use in training
    (unbiased=True divides by N − 1 instead)."""
    dev = np.asarray(dev, dtype=float)
    n = dev.shape[0]
    return np.sum(dev ** 2, axis=0) / (n - 1 if unbiased else n)


def batch_std(var, eps):
    """√(σ² + ε), the denominator; ε keeps it away from 0."""
    return np.sqrt(np.add(var, eps))


def normalized(dev, std):
    """x̂ = (x − μ) / √(σ² + ε)."""
    return np.divide(dev, std)


def scale_shift(xhat, gamma, beta):
    """y = γ·x̂ + β."""
    return np.add(np.multiply(gamma, xhat), beta)


def beta_grad(dout):
    """∂L/∂β = Σ ∂L/∂yᵢ."""
    return np.sum(np.asarray(dout, dtype=float), axis=0)


def gamma_grad(dout, xhat):
    """∂L/∂γ = Σ ∂L/∂yᵢ·x̂ᵢ."""
    return np.sum(np.multiply(dout, xhat), axis=0)


def xhat_grad(dout, gamma):
    """∂L/∂x̂ = ∂L/∂y·γ."""
    return np.multiply(dout, gamma)


def mean_of_product(a, b):
    """(1/N) Σ aᵢ·bᵢ, as mean(∂L/∂x̂·x̂)."""
    return np.mean(np.multiply(a, b), axis=0)


def input_grad(dxhat, xhat, mean_dxhat, mean_dxhat_xhat, std):
    """∂L/∂x = (∂L/∂x̂ − mean(∂L/∂x̂) − x̂·mean(∂L/∂x̂·x̂)) / √(σ² + ε): the three-term formula (the mean terms
    are what x̂ depends on through μ and σ²)."""
    return (np.subtract(dxhat, mean_dxhat) - np.multiply(xhat, mean_dxhat_xhat)) / std


def forward(x, gamma, beta, eps):
    """The training-mode forward pass over a batch (N × D): (y, x̂, √(σ² + ε)), step by step as a sheet does it."""
    mu = batch_mean(x)
    dev = deviation(x, mu)
    std = batch_std(batch_variance(dev), eps)
    xhat = normalized(dev, std)
    return scale_shift(xhat, gamma, beta), xhat, std


def backward(dout, xhat, gamma, std):
    """The backward pass over a batch: (∂L/∂x, ∂L/∂γ, ∂L/∂β)."""
    dxhat = xhat_grad(dout, gamma)
    dx = input_grad(dxhat, xhat, batch_mean(dxhat), mean_of_product(dxhat, xhat), std)
    return dx, gamma_grad(dout, xhat), beta_grad(dout)
