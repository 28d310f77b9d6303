"""The engine's layers: backward agrees with finite differences, small cases computed by hand, and forward and
backward agree with PyTorch where it is installed (CI installs it)."""
import numpy as np
import pytest

from conftest import numerical
from matchbox.engine import functions as F
from matchbox.engine.layers import (Affine, BatchNormalization, Convolution, Dropout, Identity, LeakyRelu, Pooling,
                                    Relu, Sigmoid, SigmoidWithLoss, SoftmaxWithLoss, SquaredError, Tanh, col2im,
                                    im2col)

rng = np.random.default_rng(0)


def check_layer(layer, x, train=True):
    """Backward of the scalar Σ forward(x)·r against finite differences, for x and every parameter."""
    r = rng.standard_normal(layer.forward(x, train).shape)

    def f():
        return float((layer.forward(x, train) * r).sum())

    layer.forward(x, train)
    dx = layer.backward(r)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    assert set(layer.grads) == set(layer.params)
    for name, a in [("x", x), *layer.params.items()]:
        np.testing.assert_allclose(analytic[name], numerical(f, a), rtol=1e-5, atol=1e-7, err_msg=name)


def away_from_kinks(shape):
    x = rng.standard_normal(shape)
    return x + np.sign(x) * 0.1  # ReLU's and max pooling's kinks stay farther than h


@pytest.mark.parametrize("layer", [Identity(), Sigmoid(), Tanh(), Relu()], ids=lambda l: type(l).__name__)
def test_activation_backward(layer):
    check_layer(layer, away_from_kinks((3, 4)))


def test_affine_backward_flattens_images():
    check_layer(Affine(rng.standard_normal((12, 5)), rng.standard_normal(5)), rng.standard_normal((2, 3, 2, 2)))


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (1, 2)])
def test_convolution_backward(stride, pad):
    check_layer(Convolution(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3), stride, pad),
                rng.standard_normal((2, 2, 5, 6)))


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("size,stride,pad", [(2, 2, 0), (3, 1, 0), (2, 1, 1)])
def test_pooling_backward(mode, size, stride, pad):
    x = rng.permutation(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) * 0.1  # distinct values: a unique max per window
    check_layer(Pooling(size, size, stride, pad, mode), x.astype(float))


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 3, 3)])
def test_batch_normalization_backward(shape):
    c = shape[1]
    check_layer(BatchNormalization(rng.standard_normal(c) + 1, rng.standard_normal(c)), rng.standard_normal(shape))


def test_dropout_backward_uses_its_mask():
    layer = Dropout(0.4, np.random.default_rng(1))
    x = rng.standard_normal((4, 5))
    y = layer.forward(x)
    kept = y != 0
    assert 0 < kept.sum() < x.size
    np.testing.assert_allclose(y[kept], x[kept] / 0.6)
    np.testing.assert_allclose(layer.backward(np.ones_like(x)), kept / 0.6)
    assert layer.forward(x, train=False) is x


@pytest.mark.parametrize("loss", [SoftmaxWithLoss(), SquaredError()], ids=lambda l: type(l).__name__)
def test_loss_backward(loss):
    x, t = rng.standard_normal((3, 4)), np.eye(4)[[0, 3, 1]]
    analytic = (loss.forward(x, t), loss.backward())[1]
    np.testing.assert_allclose(analytic, numerical(lambda: loss.forward(x, t), x), rtol=1e-6, atol=1e-8)


def test_convolution_by_hand():
    """ゼロから作るDeep Learning §7.2.3: a 4×4 input and a 3×3 filter give [[15, 16], [6, 15]]; a bias of 3
    adds to every cell."""
    x = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], float)[None, None]
    W = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]], float)[None, None]
    assert Convolution(W, np.zeros(1)).forward(x)[0, 0].tolist() == [[15, 16], [6, 15]]
    assert Convolution(W, np.array([3.0])).forward(x)[0, 0].tolist() == [[18, 19], [9, 18]]
    # with padding 1 the corner sees the filter's lower-right 2×2 [[1, 2], [0, 2]] over [[1, 2], [0, 1]]
    padded = Convolution(W, np.zeros(1), pad=1).forward(x)[0, 0]
    assert padded.shape == (4, 4) and padded[0, 0] == 1 * 1 + 2 * 2 + 0 * 0 + 2 * 1


def test_pooling_by_hand():
    x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], float)[None, None]
    assert Pooling(2, 2, mode="max").forward(x)[0, 0].tolist() == [[2, 3], [4, 2]]
    assert Pooling(2, 2, mode="avg").forward(x)[0, 0].tolist() == [[1, 1.5], [2.25, 1]]


def test_softmax_with_loss_by_hand():
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([[0.3, 2.9, 4.0]]), np.array([2]))
    np.testing.assert_allclose(layer.y, [[0.01821127, 0.24519181, 0.73659691]], atol=1e-8)
    assert loss == pytest.approx(-np.log(0.73659691), abs=1e-8)
    np.testing.assert_allclose(layer.backward(), [[0.01821127, 0.24519181, 0.73659691 - 1]], atol=1e-8)
    # a huge score overflows a naive e^x; the max shift keeps it finite
    assert np.isfinite(layer.forward(np.array([[1000.0, 0.0]]), np.array([1])))


def test_col2im_is_the_adjoint_of_im2col():
    """⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩: the property backward relies on."""
    x = rng.standard_normal((2, 3, 6, 5))
    col = im2col(x, 3, 2, stride=2, pad=1)
    c = rng.standard_normal(col.shape)
    assert np.vdot(col, c) == pytest.approx(np.vdot(x, col2im(c, x.shape, 3, 2, stride=2, pad=1)))


def test_float32_stays_float32():
    x = rng.standard_normal((4, 1, 8, 8)).astype(np.float32)
    conv = Convolution(rng.standard_normal((2, 1, 3, 3)).astype(np.float32), np.zeros(2, np.float32))
    pool, relu = Pooling(2, 2), Relu()
    affine = Affine(rng.standard_normal((18, 3)).astype(np.float32), np.zeros(3, np.float32))
    out = affine.forward(pool.forward(relu.forward(conv.forward(x))))
    assert out.dtype == np.float32
    back = conv.backward(relu.backward(pool.backward(affine.backward(np.ones_like(out)))))
    assert back.dtype == np.float32 and conv.grads["W"].dtype == np.float32


# --- PyTorch, an independent implementation -------------------------------------------------------------------

def torch_grads(module_fn, x, params, r):
    """Forward of a torch function, then backward of Σ out·r: the output and the gradients of x and params."""
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, requires_grad=True)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    out = module_fn(tx, tp)
    (out * torch.tensor(r)).sum().backward()
    return out.detach().numpy(), tx.grad.numpy(), {k: v.grad.numpy() for k, v in tp.items()}


def agree_with_torch(layer, x, fn):
    ours = layer.forward(x)
    r = rng.standard_normal(ours.shape)
    dx = layer.backward(r)
    out, tdx, tgrads = torch_grads(fn, x, layer.params, r)
    np.testing.assert_allclose(ours, out, atol=1e-6)
    np.testing.assert_allclose(dx, tdx, atol=1e-6)
    for k in layer.params:
        np.testing.assert_allclose(layer.grads[k], tgrads[k], atol=1e-6, err_msg=k)


def test_torch_activations():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 5))
    for layer, fn in [(Sigmoid(), torch.sigmoid), (Tanh(), torch.tanh), (Relu(), torch.relu)]:
        agree_with_torch(layer, x, lambda tx, tp, fn=fn: fn(tx))


def test_torch_affine():
    pytest.importorskip("torch")
    layer = Affine(rng.standard_normal((6, 3)), rng.standard_normal(3))
    agree_with_torch(layer, rng.standard_normal((4, 6)), lambda tx, tp: tx @ tp["W"] + tp["b"])


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1)])
def test_torch_convolution(stride, pad):
    torch = pytest.importorskip("torch")
    layer = Convolution(rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4), stride, pad)
    agree_with_torch(layer, rng.standard_normal((2, 3, 7, 7)),
                     lambda tx, tp: torch.nn.functional.conv2d(tx, tp["W"], tp["b"], stride=stride, padding=pad))


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_torch_pooling(mode):
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    agree_with_torch(Pooling(2, 2, 2, 0, mode), rng.standard_normal((2, 3, 6, 6)), lambda tx, tp: fn(tx, 2, 2))
    agree_with_torch(Pooling(3, 3, 1, 1, mode), rng.standard_normal((2, 3, 6, 6)),
                     lambda tx, tp: fn(tx, 3, 1, 1, **({} if mode == "max" else {"count_include_pad": True})))


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 3, 3)])
def test_torch_batch_normalization(shape):
    torch = pytest.importorskip("torch")
    layer = BatchNormalization(rng.standard_normal(4), rng.standard_normal(4))
    agree_with_torch(layer, rng.standard_normal(shape), lambda tx, tp: torch.nn.functional.batch_norm(
        tx, None, None, tp["gamma"], tp["beta"], training=True, eps=1e-5))
    # and the running statistics follow torch's (momentum 0.1 in torch is 0.9 here)
    mean, var = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    x = rng.standard_normal(shape)
    layer = BatchNormalization(np.ones(4), np.zeros(4))
    layer.forward(x)
    torch.nn.functional.batch_norm(torch.tensor(x), mean, var, training=True, momentum=0.1)
    np.testing.assert_allclose(layer.running_mean, mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.running_var, var.numpy(), atol=1e-12)


def test_torch_softmax_cross_entropy():
    torch = pytest.importorskip("torch")
    x, labels = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, labels)
    tx = torch.tensor(x, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(tx, torch.tensor(labels))
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), abs=1e-12)
    np.testing.assert_allclose(layer.backward(), tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.y, F.softmax(x))


# --- the GAN's layers: LeakyReLU and the binary cross-entropy on logits -----------------------------------------

@pytest.mark.parametrize("slope", [0.2, 0.01])
def test_leaky_relu_backward(slope):
    check_layer(LeakyRelu(slope), away_from_kinks((3, 4)))


def test_leaky_relu_by_hand_keeps_float32():
    y = LeakyRelu(0.2).forward(np.array([[-2.0, 0.0, 3.0]], np.float32))
    assert y.dtype == np.float32 and y.tolist() == [[np.float32(-0.4), 0.0, 3.0]]


def test_sigmoid_with_loss_backward():
    a, t = rng.standard_normal((5, 1)) * 3, np.array([[1.0], [0.0], [1.0], [0.9], [0.0]])
    loss = SigmoidWithLoss()
    analytic = (loss.forward(a, t), loss.backward())[1]
    np.testing.assert_allclose(analytic, numerical(lambda: loss.forward(a, t), a), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(analytic, (F.sigmoid(a) - t) / 5)  # (σ(a) − t) / N


def test_sigmoid_with_loss_is_the_binary_cross_entropy_and_stays_finite():
    a, t = np.array([[0.3], [-1.2]]), np.array([[1.0], [0.0]])
    assert SigmoidWithLoss().forward(a, t) == pytest.approx(F.binary_cross_entropy(F.sigmoid(a), t), abs=1e-12)
    # e^800 overflows, ln σ(−800) is ln 0 in the naive form; the stable form gives the exact 800 and 0
    with np.errstate(over="raise", divide="raise"):
        assert SigmoidWithLoss().forward(np.array([[800.0], [-800.0]]), np.array([[0.0], [0.0]])) == 400.0
    layer = SigmoidWithLoss()
    assert layer.forward(np.float32([[3.0], [-2.0]]), 1.0) == pytest.approx(
        (np.log1p(np.exp(-3.0)) + np.log1p(np.exp(2.0))) / 2, rel=1e-6)  # one target for the whole batch
    assert layer.backward().dtype == np.float32


def test_torch_leaky_relu():
    torch = pytest.importorskip("torch")
    agree_with_torch(LeakyRelu(0.2), rng.standard_normal((4, 5)),
                     lambda tx, tp: torch.nn.LeakyReLU(0.2)(tx))


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_torch_binary_cross_entropy_with_logits(scale):
    """Agrees with torch.nn.BCEWithLogitsLoss in float64, also where |a| is so large that e^|a| overflows."""
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((6, 1)) * scale
    t = np.array([[1.0], [0.0], [0.9], [1.0], [0.0], [0.5]])
    layer = SigmoidWithLoss()
    with np.errstate(over="raise"):
        loss = layer.forward(a, t)
        grad = layer.backward()
    ta = torch.tensor(a, requires_grad=True)
    tloss = torch.nn.BCEWithLogitsLoss()(ta, torch.tensor(t))
    tloss.backward()
    assert np.isfinite(loss) and loss == pytest.approx(tloss.item(), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, ta.grad.numpy(), atol=1e-15)
