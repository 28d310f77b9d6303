"""Matrix shapes (行列の形状) as a hand sheet asks for them: (N × K)·(K × M) gives N × M.

The forward pass of a fully connected layer is A = XW + B with X shaped (samples N, inputs K) and W shaped
(inputs K, neurons M), as the Affine layer computes it; the shapes only fit when X's columns equal W's rows.
"""
from __future__ import annotations


def product_shape(a_shape, b_shape) -> tuple[int, int]:
    """The shape of the product A·B of an (N × K) and a (K × M) matrix: (N, M). Refuses shapes whose inner
    numbers differ (the product does not exist)."""
    (n, k), (k_b, m) = (tuple(int(d) for d in a_shape), tuple(int(d) for d in b_shape))
    if k != k_b:
        raise ValueError(f"a {n}×{k} matrix cannot multiply a {k_b}×{m} matrix: {k} ≠ {k_b}")
    return n, m


def product_rows(n, k, k_b, m) -> float:
    """Rows of the product of an (n × k) and a (k_b × m) matrix: n, the rows (samples) of the left one."""
    return float(product_shape((n, k), (k_b, m))[0])


def product_columns(n, k, k_b, m) -> float:
    """Columns of the product of an (n × k) and a (k_b × m) matrix: m, the columns (neurons) of the right one."""
    return float(product_shape((n, k), (k_b, m))[1])
