"""Optimizers: hand-computed first steps, and the same trajectories as torch.optim where torch is installed."""
import numpy as np
import pytest

from matchbox.engine.optimizers import make_optimizer


def grad(w):
    """f(x, y) = x²/20 + y², the book's bowl that is long in x: ∇f = (x/10, 2y)."""
    return w * np.array([0.1, 2.0])


def trajectory(name, lr, steps=10, **kw):
    opt = make_optimizer(name, lr, **kw)
    params = {"w": np.array([-7.0, 2.0])}
    out = []
    for _ in range(steps):
        opt.update(params, {"w": grad(params["w"])})
        out.append(params["w"].copy())
    return np.array(out)


def test_first_steps_by_hand():
    g = grad(np.array([-7.0, 2.0]))  # (−0.7, 4)
    np.testing.assert_allclose(trajectory("sgd", 0.5, 1)[0], [-7 + 0.35, 2 - 2])
    # momentum: v = −η·g; w = w + v; then v = 0.9v − η·g(w)
    v1 = -0.1 * g
    w1 = np.array([-7.0, 2.0]) + v1
    w2 = w1 + 0.9 * v1 - 0.1 * grad(w1)
    np.testing.assert_allclose(trajectory("momentum", 0.1, 2, momentum=0.9), [w1, w2])
    # AdaGrad's first step moves every coordinate by η (g/√g² = ±1), whatever the gradient's size
    np.testing.assert_allclose(trajectory("adagrad", 1.5, 1, eps=0.0)[0], [-7 + 1.5, 2 - 1.5])
    # Adam's first step too, thanks to the bias correction: m̂ = g, v̂ = g²
    np.testing.assert_allclose(trajectory("adam", 0.3, 1, eps=0.0)[0], [-7 + 0.3, 2 - 0.3])


def test_parameters_are_updated_in_place():
    w = np.array([1.0, 1.0], dtype=np.float32)
    opt = make_optimizer("adam", 0.1)
    opt.update({"w": w}, {"w": np.ones(2, np.float32)})
    assert w.dtype == np.float32 and np.allclose(w, 0.9)


def test_unknown_optimizer():
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        make_optimizer("lbfgs", 0.1)


@pytest.mark.parametrize("name,kw,torch_kw", [
    ("sgd", {}, {}),
    ("momentum", {"momentum": 0.9}, {"momentum": 0.9}),
    ("adagrad", {"eps": 1e-7}, {"eps": 1e-7}),
    ("rmsprop", {"decay": 0.9, "eps": 1e-8}, {"alpha": 0.9, "eps": 1e-8}),
    ("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, {"betas": (0.9, 0.999), "eps": 1e-8}),
])
def test_same_trajectory_as_torch(name, kw, torch_kw):
    torch = pytest.importorskip("torch")
    cls = {"sgd": torch.optim.SGD, "momentum": torch.optim.SGD, "adagrad": torch.optim.Adagrad,
           "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[name]
    w = torch.tensor([-7.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = cls([w], lr=0.1, **torch_kw)
    theirs = []
    for _ in range(10):
        opt.zero_grad()
        (w[0] ** 2 / 20 + w[1] ** 2).backward()
        opt.step()
        theirs.append(w.detach().numpy().copy())
    np.testing.assert_allclose(trajectory(name, 0.1, **kw), theirs, rtol=1e-10, atol=1e-12)
