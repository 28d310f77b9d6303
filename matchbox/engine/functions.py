"""Elementwise functions of the engine, each usable on a scalar or an array."""
from __future__ import annotations

import numpy as np


def weighted_sum(x, w):
    """u = Σ wᵢxᵢ (総和): the input a neuron sums before it decides."""
    return np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float))


def step(u, threshold=0.0, strict=False, low=0.0):
    """The step function (ステップ関数): 1 where u reaches the threshold, else `low` (0; or −1 for the
    bipolar step some textbooks use).

    `strict` states the tie rule: False fires on u ≥ threshold, True only on u > threshold.
    """
    u = np.asarray(u, dtype=float)
    fired = u > threshold if strict else u >= threshold
    out = np.where(fired, 1.0, float(low))
    return out if out.ndim else float(out)


def error(t, y):
    """The difference (誤差) t − y between the teacher signal and the output."""
    return np.subtract(t, y)


def delta_rule(w, x, d, lr):
    """The perceptron learning rule: w' = w + η·(t − y)·x.

    With x = −1 it moves a learned threshold: θ' = θ − η·(t − y).
    """
    return np.add(w, np.multiply(lr, np.multiply(d, x)))


def decision_line(w0, w1, w2, threshold=0.0):
    """Slope and intercept of the line w0 + w1·x1 + w2·x2 = θ, written as x2 = a·x1 + b (w2 ≠ 0)."""
    return line_slope(w1, w2), line_intercept(w0, w2, threshold)


def line_slope(w1, w2):
    """a = −w1 / w2: how steeply the decision line rises."""
    return -w1 / w2


def line_intercept(w0, w, threshold=0.0):
    """b = (θ − w0) / w: where the decision line crosses the axis of the input whose weight is w."""
    return (threshold - w0) / w


def crossing(threshold, w):
    """Where the line u = w·x reaches the threshold: x = θ / w."""
    return threshold / w


# --- activations and their derivatives (活性化関数) ---------------------------------------------------------
# Each derivative is written two ways where a hand sheet needs it: from the input u, and from the output y,
# because the sheets (and the layers' backward) reuse the output they already have: σ'(u) = y(1 − y).

def identity(x):
    return np.asarray(x, dtype=float) + 0.0 if np.ndim(x) else float(x)


def identity_grad(x):
    return np.ones_like(np.asarray(x, dtype=float)) if np.ndim(x) else 1.0


def step_grad(x):
    """The step function is flat everywhere it is defined: its derivative is 0 (why it cannot learn by
    gradient descent)."""
    return np.zeros_like(np.asarray(x, dtype=float)) if np.ndim(x) else 0.0


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)) (シグモイド関数), computed without overflow for large |x|."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(float)
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out if out.ndim else float(out)


def sigmoid_grad(x):
    """σ'(x) = σ(x)(1 − σ(x))."""
    return sigmoid_grad_from_output(sigmoid(x))


def sigmoid_grad_from_output(y):
    """σ'(u) written with the output y = σ(u): y(1 − y)."""
    return np.multiply(y, np.subtract(1, y))


def tanh(x):
    return np.tanh(x) if np.ndim(x) else float(np.tanh(x))


def tanh_grad(x):
    return tanh_grad_from_output(tanh(x))


def tanh_grad_from_output(y):
    """tanh'(u) = 1 − y², with y = tanh(u)."""
    return np.subtract(1, np.multiply(y, y))


def relu(x):
    """ReLU(x) = max(0, x)."""
    return np.maximum(x, 0) if np.ndim(x) else float(max(float(x), 0.0))


def relu_grad(x):
    """1 where x > 0, else 0 (at exactly 0 we take 0, as PyTorch does)."""
    out = np.where(np.asarray(x) > 0, 1.0, 0.0)
    return out if out.ndim else float(out)


ACTIVATIONS = {"identity": (identity, identity_grad), "step": (step, step_grad),
               "sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad), "relu": (relu, relu_grad)}


# --- softmax and losses ------------------------------------------------------------------------------------

def softmax(a):
    """softmax over the last axis, with the maximum subtracted first so e^a never overflows."""
    a = np.asarray(a, dtype=float) if not np.issubdtype(np.asarray(a).dtype, np.floating) else np.asarray(a)
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def shifted_exp(a, m):
    """e^(a − max): one term of the softmax, shifted so it is at most 1."""
    return float(np.exp(np.subtract(a, m))) if not np.ndim(a) else np.exp(np.subtract(a, m))


def vmax(v):
    return float(np.max(v))


def vsum(v):
    return float(np.sum(v))


def ratio(a, b):
    return np.divide(a, b)


def squared_error(y, t):
    """E = ½ Σ (t − y)² (二乗和誤差)."""
    d = np.subtract(t, y)
    return 0.5 * float(np.sum(np.multiply(d, d)))


def cross_entropy(y, t, eps=0.0):
    """E = −Σ tₖ ln yₖ (交差エントロピー誤差), natural log. `eps` guards ln 0 (some textbooks add 1e-7)."""
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a class the teacher gives 0 adds 0 (0·ln 0 too)
        terms = np.where(t != 0, t * np.log(y + eps), 0.0)
    return float(-np.sum(terms) / (1 if y.ndim == 1 else y.shape[0]))  # a batch: the mean over samples


def softmax_loss_grad(y, t):
    """∂E/∂a = y − t: the gradient of softmax followed by cross-entropy, with respect to the scores."""
    return np.subtract(y, t)


def mean(v):
    return float(np.mean(v))


def neg_log(y):
    """−ln y: the cross-entropy of a one-hot target whose 1 sits where y is."""
    return -float(np.log(y))


# --- small arithmetic the sheets show step by step -----------------------------------------------------------

def product(*factors):
    out = 1.0
    for f in factors:
        out = np.multiply(out, f)
    return out


def dot(x, w):
    return float(np.dot(x, w))


def affine_sum(x, w, b=0.0):
    """u = Σ wᵢxᵢ + b: the weighted sum with a bias."""
    return float(np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float)) + b)


def gradient_step(w, grad, lr):
    """w' = w − η·∂E/∂w: one step of gradient descent (勾配降下法)."""
    return np.subtract(w, np.multiply(lr, grad))


def central_difference(f_plus, f_minus, h):
    """(f(x + h) − f(x − h)) / 2h: the numerical derivative (数値微分) by central difference."""
    return np.divide(np.subtract(f_plus, f_minus), 2 * h)


def conv_output_size(n, k, pad=0, stride=1):
    """OH = (H + 2P − FH) / S + 1."""
    return (n + 2 * pad - k) // stride + 1


# --- optimizer updates, shared by the optimizer classes and the hand sheets ------------------------------------

def momentum_velocity(v, grad, lr, momentum):
    """v' = αv − η·g."""
    return np.subtract(np.multiply(momentum, v), np.multiply(lr, grad))


def momentum_move(w, v):
    """w' = w + v': Momentum moves by its velocity."""
    return np.add(w, v)


def moving_average_of_square(v, grad, beta):
    """v' = βv + (1 − β)g²: Adam's second moment."""
    return moving_average(v, np.multiply(grad, grad), beta)


def adagrad_accumulate(h, grad):
    """h' = h + g²."""
    return np.add(h, np.multiply(grad, grad))


def adagrad_step(w, grad, h, lr, eps):
    """w' = w − η·g / (√h + ε)."""
    return np.subtract(w, np.divide(np.multiply(lr, grad), np.add(np.sqrt(h), eps)))


def rmsprop_accumulate(h, grad, decay):
    """h' = ρh + (1 − ρ)g²."""
    return np.add(np.multiply(decay, h), np.multiply(1 - decay, np.multiply(grad, grad)))


def moving_average(m, value, beta):
    """m' = βm + (1 − β)·value: Adam's first (value = g) and second (value = g²) moments."""
    return np.add(np.multiply(beta, m), np.multiply(1 - beta, value))


def bias_correct(m, beta, t):
    """m̂ = m / (1 − βᵗ): undoes the pull towards the zero start in the first steps."""
    return np.divide(m, 1 - beta ** t)


def adam_step(w, m_hat, v_hat, lr, eps):
    """w' = w − η·m̂ / (√v̂ + ε)."""
    return np.subtract(w, np.divide(np.multiply(lr, m_hat), np.add(np.sqrt(v_hat), eps)))


# --- the deltas of backpropagation with the squared error -------------------------------------------------

# f'(u) written with the output y = f(u), which a hand sheet already has (ReLU: y > 0 exactly where u > 0)
GRAD_FROM_OUTPUT = {"identity": identity_grad, "sigmoid": sigmoid_grad_from_output,
                    "tanh": tanh_grad_from_output, "relu": relu_grad}


def squared_error_grad(y, t):
    """∂E/∂y = y − t, for E = ½Σ(t − y)²."""
    return np.subtract(y, t)


def output_delta(y, t, activation="sigmoid"):
    """δ = ∂E/∂u = (y − t)·f'(u) for E = ½(t − y)² and y = f(u); for a sigmoid, (y − t)·y(1 − y)."""
    return np.multiply(squared_error_grad(y, t), GRAD_FROM_OUTPUT[activation](y))


# --- logistic regression: the sigmoid with the binary cross-entropy -------------------------------------------

def binary_cross_entropy(y, t):
    """E = −[t ln y + (1 − t) ln(1 − y)] (2値の交差エントロピー誤差), natural log; a batch: the mean, as
    PyTorch's binary_cross_entropy. A term whose factor is 0 adds 0 (0·ln 0 too), so t ∈ {0, 1} never meets ln 0
    of the other side."""
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(t != 0, t * np.log(y), 0.0) + np.where(t != 1, (1 - t) * np.log(1 - y), 0.0)
    return float(-np.mean(terms))


def binary_cross_entropy_delta(y, t):
    """δ = ∂E/∂u = y − t for y = σ(u) and the binary cross-entropy: ∂E/∂y = (y − t) / (y(1 − y)), and σ'(u) =
    y(1 − y) cancels it, so no σ' is left (the squared error's δ keeps it: output_delta)."""
    return np.subtract(y, t)
