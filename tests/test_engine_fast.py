"""The fast kernels (matchbox/engine/fast.py) against the readable reference code in layers.py: the same
forward outputs and every gradient, float64 to 1e-12 and float32 to 1e-5, on random shapes with padding and
stride; max pooling's routing of ties exactly; a convolution and the pooling after its ReLU run as one step
against the three layers as written; and a whole CNN step with either path."""
import numpy as np
import pytest

from matchbox.engine import fast as kernels
from matchbox.engine.layers import Affine, Convolution, Pooling, Relu, Sigmoid
from matchbox.engine.network import cnn, running_order

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


def close(fast, reference, dtype):
    """Equal to the tolerance relative to the reference's largest magnitude (sums of many products round
    differently in a different order)."""
    assert fast.dtype == reference.dtype == dtype and fast.shape == reference.shape
    scale = max(float(np.abs(reference).max()), 1.0)
    np.testing.assert_allclose(fast, reference, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * scale)


def both_ways(make, x, dout_of, backward=True):
    """Forward (and backward with the same upstream gradient) through a fast layer and a reference one."""
    fast, reference = make(True), make(False)
    out_fast, out_reference = fast.forward(x.copy()), reference.forward(x.copy())
    if not backward:
        return (out_fast, out_reference), None, (fast, reference)
    dout = dout_of(out_reference.shape)
    return (out_fast, out_reference), (fast.backward(dout.copy()), reference.backward(dout.copy())), (fast, reference)


CONV_CASES = [  # (N, C, H, W), (FN, FH, FW), stride, pad
    ((3, 1, 28, 28), (30, 5, 5), 1, 0),  # the workshop's CNN, fewer images
    ((2, 3, 7, 9), (4, 3, 3), 1, 1),
    ((2, 2, 8, 7), (3, 3, 2), 2, 1),
    ((1, 4, 6, 6), (2, 1, 1), 1, 0),
    ((3, 2, 9, 10), (5, 4, 3), 3, 2),
    ((2, 1, 5, 5), (2, 5, 5), 1, 0),  # one output pixel
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_convolution_fast_equals_reference(dtype, x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(sum(x_shape) + stride + pad)
    fn, fh, fw = w_shape
    W = rng.standard_normal((fn, x_shape[1], fh, fw)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    x = rng.standard_normal(x_shape).astype(dtype)
    (out, out_ref), (dx, dx_ref), (fast, reference) = both_ways(
        lambda on: Convolution(W, b, stride, pad, fast_path=on), x, lambda s: rng.standard_normal(s).astype(dtype))
    close(out, out_ref, dtype)
    close(dx, dx_ref, dtype)
    assert set(fast.grads) == set(reference.grads) == {"W", "b"}
    for key in fast.grads:
        assert fast.grads[key].shape == fast.params[key].shape
        close(fast.grads[key], reference.grads[key], dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_convolution_without_input_gradient_still_gives_the_weights_gradients(dtype):
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((3, 2, 3, 3)).astype(dtype), rng.standard_normal(3).astype(dtype)
    x = rng.standard_normal((4, 2, 6, 6)).astype(dtype)
    layers = []
    for on in (True, False):
        layer = Convolution(W, b, fast_path=on)
        layer.input_grad = False
        layer.forward(x)
        assert layer.backward(np.ones((4, 3, 4, 4), dtype)) is None
        layers.append(layer)
    for key in ("W", "b"):
        close(layers[0].grads[key], layers[1].grads[key], dtype)


def test_convolution_takes_an_input_in_any_memory_order():
    """A transposed view (as a NumPy op may hand on) gives the same result as its contiguous copy."""
    rng = np.random.default_rng(6)
    W, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    x = rng.standard_normal((2, 4, 7, 7)).transpose(1, 0, 2, 3)  # (4, 2, 7, 7), not C-contiguous
    layer = Convolution(W, b)
    close(layer.forward(x), Convolution(W, b, fast_path=False).forward(np.ascontiguousarray(x)), np.float64)


POOL_SHAPES = [(3, 30, 24, 24), (2, 3, 6, 8), (2, 2, 5, 7), (1, 1, 2, 2), (4, 3, 3, 6)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", POOL_SHAPES)
@pytest.mark.parametrize("values", ["random", "ties"])
def test_max_pooling_fast_equals_reference(dtype, shape, values):
    """Ties (small whole numbers, and a ReLU's zeros) send the gradient to the first pixel holding the
    maximum in both; no arithmetic touches the values, so they are equal exactly."""
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape) if values == "random" else np.maximum(rng.integers(-2, 3, shape), 0)
    x = x.astype(dtype)
    (out, out_ref), (dx, dx_ref), (fast, reference) = both_ways(
        lambda on: Pooling(2, 2, stride=2, fast_path=on), x, lambda s: rng.standard_normal(s).astype(dtype))
    assert fast.fast_path and not reference.fast_path
    assert out.dtype == dx.dtype == dtype
    np.testing.assert_array_equal(out, out_ref)
    np.testing.assert_array_equal(dx, dx_ref)


def test_a_tie_goes_to_the_first_pixel_of_the_window():
    x = np.array([[[[1.0, 3.0], [3.0, 3.0]]]])  # the maximum 3 at (0, 1), (1, 0) and (1, 1)
    layer = Pooling(2, 2, stride=2)
    assert layer.forward(x).item() == 3.0
    np.testing.assert_array_equal(layer.backward(np.array([[[[5.0]]]])), [[[[0.0, 5.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("pool_w,stride,pad,mode", [(2, 1, 0, "max"), (2, 2, 0, "avg"), (2, 2, 1, "max"),
                                                     (3, 2, 0, "max")])
def test_other_pooling_runs_the_reference_code(pool_w, stride, pad, mode):
    assert not Pooling(2, pool_w, stride, pad, mode).fast_path


def test_pooling_takes_an_input_in_any_memory_order():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 2, 8, 8)).transpose(1, 0, 2, 3)
    (out, out_ref), (dx, dx_ref), _ = both_ways(
        lambda on: Pooling(2, 2, stride=2, fast_path=on), x, lambda s: rng.standard_normal(s))
    np.testing.assert_array_equal(out, out_ref)
    np.testing.assert_array_equal(dx, dx_ref)


def test_affine_of_a_first_layer_skips_the_input_gradient_only():
    rng = np.random.default_rng(8)
    W, b, x, dout = (rng.standard_normal(s) for s in [(12, 5), (5,), (3, 2, 2, 3), (3, 5)])
    full, first = Affine(W, b), Affine(W, b)
    first.input_grad = False
    for layer in (full, first):
        layer.forward(x)
    assert full.backward(dout).shape == x.shape and first.backward(dout) is None
    for key in ("W", "b"):
        np.testing.assert_array_equal(first.grads[key], full.grads[key])


def test_relu_keeps_the_memory_order_and_dtype():
    x = np.random.default_rng(9).standard_normal((4, 3, 5, 5)).astype(np.float32).transpose(1, 0, 2, 3)
    y = Relu().forward(x)
    assert y.dtype == np.float32 and y.strides == x.strides
    np.testing.assert_array_equal(y, np.where(x > 0, x, 0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_cnn_step_is_the_same_either_way(dtype):
    """The workshop's CNN on random images: the loss, the scores and every gradient of one step."""
    rng = np.random.default_rng(10)
    x = rng.random((8, 1, 28, 28)).astype(dtype)
    t = rng.integers(0, 10, 8)
    fast, reference = (cnn((1, 28, 28), dtype=dtype, rng=np.random.default_rng(1)) for _ in range(2))
    for layer in reference.layers:
        if hasattr(layer, "fast_path"):
            layer.fast_path = False
    assert any(getattr(layer, "fast_path", False) for layer in fast.layers)
    (loss, scores), (loss_ref, scores_ref) = fast.gradient(x, t), reference.gradient(x, t)
    assert loss == pytest.approx(loss_ref, rel=TOLERANCE[dtype])
    close(scores, scores_ref, dtype)
    grads, grads_ref = fast.grads, reference.grads
    assert set(grads) == set(grads_ref) == set(fast.params)
    for key in grads:
        close(grads[key], grads_ref[key], dtype)


FUSED_CASES = [  # (N, C, H, W), (FN, FH, FW), stride, pad: even and odd outputs (an odd last row is left out)
    ((3, 1, 28, 28), (30, 5, 5), 1, 0),  # the workshop's CNN, fewer images
    ((2, 3, 7, 9), (4, 3, 3), 1, 1),
    ((2, 2, 9, 8), (3, 3, 2), 2, 1),
    ((2, 2, 11, 12), (5, 4, 3), 2, 2),
    ((1, 4, 6, 6), (2, 1, 1), 1, 0),
]


def conv_relu_pool(W, b, stride, pad, on):
    return [Convolution(W.copy(), b.copy(), stride, pad, fast_path=on), Relu(), Pooling(2, 2, stride=2, fast_path=on)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape,w_shape,stride,pad", FUSED_CASES)
@pytest.mark.parametrize("values", ["random", "blank"])
@pytest.mark.parametrize("input_grad", [True, False])
def test_convolution_and_pooling_as_one_step_equal_the_three_layers(dtype, x_shape, w_shape, stride, pad, values,
                                                                    input_grad):
    """The running order (conv+pool, then ReLU) against Convolution – ReLU – Pooling as written, all on their
    reference code. A blank image (a quarter of it 0, as MNIST's margins) makes every window there a tie of
    equal numbers: the gradient must still go to the window's first pixel."""
    rng = np.random.default_rng(sum(x_shape) + stride + pad)
    x = rng.standard_normal(x_shape).astype(dtype)
    if values == "blank":
        x[:, :, : x_shape[2] // 2] = 0
    fn, fh, fw = w_shape
    W = rng.standard_normal((fn, x_shape[1], fh, fw)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    fused, written = conv_relu_pool(W, b, stride, pad, True), conv_relu_pool(W, b, stride, pad, False)
    for layers in (fused, written):
        layers[0].input_grad = input_grad
    steps = running_order(fused)
    assert [type(s) for s in steps] == [kernels.ConvolutionPooled, Relu]
    assert running_order(written) == written
    out, out_ref = x.copy(), x.copy()
    for step in steps:
        out = step.forward(out)
    for layer in written:
        out_ref = layer.forward(out_ref)
    close(out, out_ref, dtype)
    assert out.flags.c_contiguous  # what the next Affine reshapes without a copy
    dout = rng.standard_normal(out_ref.shape).astype(dtype)
    dx, dx_ref = dout.copy(), dout.copy()
    for step in reversed(steps):
        dx = step.backward(dx)
    for layer in reversed(written):
        dx_ref = layer.backward(dx_ref)
    for key in ("W", "b"):
        close(fused[0].grads[key], written[0].grads[key], dtype)
    if input_grad:
        close(dx, dx_ref, dtype)
    else:
        assert dx is None and dx_ref is None


def test_only_relu_between_convolution_and_pooling_is_run_after_the_pooling():
    """ReLU never reorders two numbers, so it commutes with the maximum exactly; sigmoid could round two
    different numbers to one and a tie would then be decided differently, so it keeps its place."""
    W, b = np.ones((2, 1, 3, 3)), np.zeros(2)
    with_sigmoid = [Convolution(W, b), Sigmoid(), Pooling(2, 2, stride=2)]
    assert running_order(with_sigmoid) == with_sigmoid
    assert type(running_order(cnn((1, 12, 12), rng=np.random.default_rng(0)).layers)[0]) is kernels.ConvolutionPooled
    sigmoid_cnn = cnn((1, 12, 12), activation="sigmoid", rng=np.random.default_rng(0))
    assert running_order(sigmoid_cnn.layers) == sigmoid_cnn.layers
