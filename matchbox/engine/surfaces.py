"""The bowls gradient descent rolls down on the hand sheets: f(x) = Σ aᵢ(xᵢ − cᵢ)², one or two variables.

ゼロから作るDeep Learning's x₀² + x₁² is a = (1, 1); its optimizer race f = x²/20 + y² is a = (0.05, 1).
A quadratic keeps hand arithmetic short, and its central difference equals the derivative exactly, so the
numerical and analytic columns differ only by the learner's rounding.
"""
from __future__ import annotations

import numpy as np


def value(x, a, c):
    """f(x) = Σ aᵢ(xᵢ − cᵢ)²."""
    d = np.subtract(x, c)
    return float(np.sum(np.multiply(a, d * d)))


def value_shifted(x, a, c, i, h):
    """f at x with its i-th coordinate moved by h: f(x + h·eᵢ), one half of a central difference."""
    x = np.array(x, dtype=float)
    x[i] += h
    return value(x, a, c)


def partial(xi, ai, ci):
    """∂f/∂xᵢ = 2aᵢ(xᵢ − cᵢ)."""
    return 2 * ai * (xi - ci)


def gradient(x, a, c):
    return 2 * np.multiply(a, np.subtract(x, c))


def numerical_gradient(f, x, h=1e-4):
    """Central differences (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, coordinate by coordinate (数値微分)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        keep = x[i]
        x[i] = keep + h
        plus = f(x)
        x[i] = keep - h
        minus = f(x)
        x[i] = keep
        grad[i] = (plus - minus) / (2 * h)
    return grad


def formula(a, c) -> str:
    """How the sheet writes f, e.g. 'f = 0.05·x₀² + x₁²' or 'f = (x − 1)²'."""
    names = ["x"] if len(a) == 1 else ["x₀", "x₁"]
    terms = []
    for ai, ci, n in zip(a, c, names):
        base = n if ci == 0 else f"({n} − {ci:g})" if ci > 0 else f"({n} + {-ci:g})"
        terms.append(f"{base}²" if ai == 1 else f"{ai:g}·{base}²")
    return "f = " + " + ".join(terms)


def partial_text(a, c, name: str) -> str:
    """How the sheet writes ∂f/∂x = 2a(x − c), e.g. '2x₀', '0.1x₀', '4(x₁ − 1)'."""
    k = f"{2 * a:g}" if 2 * a != 1 else ""
    base = name if c == 0 else f"({name} − {c:g})" if c > 0 else f"({name} + {-c:g})"
    return k + base
