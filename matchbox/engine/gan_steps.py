"""One training step of a one-dimensional GAN, one scalar at a time, as the `gan` sheet writes it: the generator
G(z) = a·z + b, the discriminator D(x) = σ(w·x + c), its loss L_D = −ln D(x) − ln(1 − D(x̃)) and the
generator's non-saturating loss L_G = −ln D(x̃) (natural logs)."""
from __future__ import annotations

import numpy as np

from .functions import sigmoid


def discriminator_loss(d_real, d_fake):
    """L_D = −ln D(x) − ln(1 − D(x̃)): the binary cross-entropy of the real (label 1) and the fake (label 0);
    infinite where a D of 0 or 1 meets its log."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.log(d_real) - np.log(1 - d_fake))


def real_delta(d):
    """∂(−ln D)/∂u = D − 1 for D = σ(u): the real's delta, and the generator's with the non-saturating loss."""
    return float(d - 1)


def fake_delta(d):
    """∂(−ln(1 − D))/∂u = D for D = σ(u): the fake's delta in the discriminator's loss."""
    return float(d)


def weight_grad(d_real, x, d_fake, x_fake):
    """∂L_D/∂w = (D(x) − 1)·x + D(x̃)·x̃: each sample's delta times its input, summed."""
    return float(d_real * x + d_fake * x_fake)


def bias_grad(d_real, d_fake):
    """∂L_D/∂c = (D(x) − 1) + D(x̃): the two deltas summed."""
    return float(d_real + d_fake)


def train(a, b, w, c, lr_d, lr_g, real, noise, old_d=True):
    """Simultaneous GAN steps on the samples `real` and `noise` (arrays of the same length), one pair a step:
    D's gradient step on L_D, then G's on L_G through D before its update (old_d) or after it. Returns per step
    (before its update) D(x), D(G(z)), a and b, as arrays."""
    out = np.zeros((len(real), 4))
    for k, (x, z) in enumerate(zip(real, noise)):
        fake = a * z + b
        dr, df = sigmoid(w * x + c), sigmoid(w * fake + c)
        out[k] = dr, df, a, b
        gr, gf = real_delta(dr), fake_delta(df)
        w_new, c_new = w - lr_d * weight_grad(gr, x, gf, fake), c - lr_d * bias_grad(gr, gf)
        seen_w, seen_c = (w, c) if old_d else (w_new, c_new)
        g_fake = real_delta(sigmoid(seen_w * fake + seen_c)) * seen_w  # ∂L_G/∂x̃
        a, b = a - lr_g * g_fake * z, b - lr_g * g_fake
        w, c = w_new, c_new
    return out
