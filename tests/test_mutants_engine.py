"""The engine's functions and layers where mutation testing (benchmarks/mutation.py engine) found the tests
silent: defaults a caller relies on, a threshold, a second training step, functions no test reached. Every
expected value is worked out here by hand or with plain NumPy, not taken from the engine."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.engine.layers import (
    BatchNormalization,
    Dropout,
    add_windows,
    col2im,
    im2col,
    window_columns,
)


def test_central_difference_is_the_slope_over_twice_the_step():
    # f(x) = x² at x = 3 with h = 0.1: (3.1² − 2.9²) / 0.2 = 1.2 / 0.2 = 6
    assert F.central_difference(3.1 ** 2, 2.9 ** 2, 0.1) == pytest.approx(6.0)
    np.testing.assert_allclose(F.central_difference(np.array([5.0, 1.0]), np.array([1.0, 1.0]), 0.5), [4.0, 0.0])


def test_neg_log_is_the_cross_entropy_of_a_one_hot_target():
    assert F.neg_log(0.25) == pytest.approx(math.log(4))
    assert F.neg_log(1.0) == 0.0


def test_decision_line_with_a_threshold():
    # 1 + 2·x1 + 4·x2 = 3  ⇔  x2 = −0.5·x1 + 0.5
    assert F.decision_line(1.0, 2.0, 4.0, threshold=3.0) == (pytest.approx(-0.5), pytest.approx(0.5))
    assert F.decision_line(1.0, 2.0, 4.0) == (pytest.approx(-0.5), pytest.approx(-0.25))


def test_identity_grad_has_the_shape_of_its_input():
    g = F.identity_grad(np.array([[-2.0, 0.0, 3.0]]))
    assert g.shape == (1, 3) and (g == 1.0).all()
    assert F.identity_grad([0.5, 7]).tolist() == [1.0, 1.0]
    assert F.identity_grad(-4.0) == 1.0


def test_im2col_and_its_relatives_default_to_stride_1_and_no_padding():
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    cols = im2col(x, 2, 3)
    assert cols.shape == (2 * 3 * 3, 3 * 2 * 3)  # OH = 4 − 2 + 1, OW = 5 − 3 + 1
    # the first window of the first image, channel by channel, row by row
    np.testing.assert_array_equal(cols[0], np.concatenate([x[0, c, 0:2, 0:3].ravel() for c in range(3)]))
    # the second row is the window one pixel to the right
    np.testing.assert_array_equal(cols[1], np.concatenate([x[0, c, 0:2, 1:4].ravel() for c in range(3)]))
    per_image = window_columns(x, 2, 3)
    assert per_image.shape == (2, 3 * 2 * 3, 3 * 3)
    np.testing.assert_array_equal(per_image[1].T, im2col(x, 2, 3)[9:])
    # add_windows, by default, puts every offset back where a stride-1 unpadded window saw it: with parts of
    # ones, each pixel receives as many ones as windows cover it
    covered = add_windows(np.ones((1, 1, 2, 2, 2, 2)), (1, 1, 3, 3))
    np.testing.assert_array_equal(covered[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2), covered)


def test_dropout_drops_half_by_default_and_scales_the_rest_by_two():
    layer = Dropout()
    out = layer.forward(np.ones(10_000))
    kept = out != 0
    assert 0.45 < kept.mean() < 0.55
    assert set(np.unique(out[kept])) == {2.0}
    assert (layer.forward(np.ones(5), train=False) == 1).all()


def test_batch_normalization_running_statistics_over_two_steps():
    """The running mean and variance after two training batches (momentum 0.9, the variance unbiased as
    PyTorch keeps it), and the evaluation output they give, computed with plain NumPy."""
    rng = np.random.default_rng(4)
    x1, x2 = rng.normal(2.0, 3.0, (6, 2)), rng.normal(-1.0, 0.5, (6, 2))
    layer = BatchNormalization(np.array([1.5, 0.5]), np.array([0.1, -0.2]), momentum=0.9, eps=1e-5)
    layer.forward(x1)
    layer.forward(x2)
    mean = 0.9 * (0.9 * 0 + 0.1 * x1.mean(0)) + 0.1 * x2.mean(0)
    var = 0.9 * (0.9 * 1 + 0.1 * x1.var(0, ddof=1)) + 0.1 * x2.var(0, ddof=1)
    np.testing.assert_allclose(layer.running_mean, mean)
    np.testing.assert_allclose(layer.running_var, var)
    x = rng.normal(size=(3, 2))
    expected = np.array([1.5, 0.5]) * (x - mean) / np.sqrt(var + 1e-5) + np.array([0.1, -0.2])
    np.testing.assert_allclose(layer.forward(x, train=False), expected)


def test_affine_sum_without_a_bias_is_the_weighted_sum():
    assert F.affine_sum([1, 2], [3, 4]) == 11.0
    assert F.affine_sum([1, 2], [3, 4], b=-1.5) == 9.5


def test_binary_cross_entropy_of_certain_answers_is_0_without_warnings():
    """0·ln 0 adds 0: a confident right answer costs nothing, silently (no RuntimeWarning in a training log)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.binary_cross_entropy([1.0, 0.0], [1, 0]) == 0.0
        assert F.binary_cross_entropy([0.5, 0.0], [1, 0]) == pytest.approx(math.log(2) / 2)


def test_cross_entropy_of_a_one_hot_target_and_of_a_batch():
    assert F.cross_entropy([0.7, 0.2, 0.1], [0, 1, 0]) == pytest.approx(-math.log(0.2))
    # a batch of two samples over three classes: the mean of their losses
    y = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]
    t = [[1, 0, 0], [0, 0, 1]]
    assert F.cross_entropy(y, t) == pytest.approx((-math.log(0.7) - math.log(0.8)) / 2)
    # eps keeps a class the answer gives 0 from costing infinity
    assert F.cross_entropy([1.0, 0.0], [0, 1], eps=1e-7) == pytest.approx(-math.log(1e-7))


def test_elementwise_functions_keep_the_shape_of_an_array():
    x = np.array([[-1.0, 0.0], [0.5, 2.0]])
    np.testing.assert_array_equal(F.identity(x), x)
    np.testing.assert_allclose(F.tanh(x), [[math.tanh(-1), 0.0], [math.tanh(0.5), math.tanh(2)]])
    g = F.step_grad(x)
    assert g.shape == (2, 2) and not g.any()
    assert F.step_grad(3.0) == 0.0
    np.testing.assert_allclose(F.shifted_exp(np.array([1.0, 3.0]), 3.0), [math.exp(-2), 1.0])
    assert F.shifted_exp(1.0, 3.0) == pytest.approx(math.exp(-2))


def test_sigmoid_keeps_float32():
    """Training runs in float32; the sigmoid must not double the memory of every activation."""
    out = F.sigmoid(np.array([-1.0, 0.0, 30.0], dtype=np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [1 / (1 + math.e), 0.5, 1.0], rtol=1e-6)
    assert F.sigmoid(np.array([0, 2])).tolist() == pytest.approx([0.5, 1 / (1 + math.exp(-2))])  # integers


def test_softmax_of_a_batch_treats_each_row_alone():
    """Each row's own maximum is subtracted: a row far below another is still a distribution, not 0/0."""
    out = F.softmax(np.array([[0.0, 1.0], [-1000.0, -999.0]]))
    row = [1 / (1 + math.e), math.e / (1 + math.e)]
    np.testing.assert_allclose(out, [row, row])
