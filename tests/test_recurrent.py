"""The recurrent layers: backward through time agrees with central differences for every parameter, the input
and the initial state; forward and backward agree with torch.nn.RNN / LSTM / GRU to 1e-6 in float64, the
weights copied by the mapping recurrent.py documents; truncation cuts where it says; clipping is torch's."""
import numpy as np
import pytest
from conftest import numerical

from matchbox.engine.layers import Affine, SoftmaxWithLoss
from matchbox.engine.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from matchbox.engine.sequence import (
    LastStep,
    MeanSquaredError,
    TimeAffine,
    TimeSoftmaxWithLoss,
    clip_grads,
)

rng = np.random.default_rng(0)
KINDS = {"rnn": (RNN, RNNCell, 1), "lstm": (LSTM, LSTMCell, 4), "gru": (GRU, GRUCell, 3)}


def weights(kind, D, H, dtype=np.float64):
    k = KINDS[kind][2]
    w = [rng.standard_normal((D, k * H)) * 0.6, rng.standard_normal((H, k * H)) * 0.6,
         rng.standard_normal(k * H) * 0.3] + ([rng.standard_normal(H) * 0.3] if kind == "gru" else [])
    return [a.astype(dtype) for a in w]


def layer_of(kind, D, H, dtype=np.float64, **options):
    return KINDS[kind][0](*weights(kind, D, H, dtype), **options)


def initial(kind, N, H, dtype=np.float64):
    """h0, and c0 for an LSTM (else None)."""
    return (rng.standard_normal((N, H)).astype(dtype),
            rng.standard_normal((N, H)).astype(dtype) if kind == "lstm" else None)


def run(layer, x, h0=None, c0=None):
    return layer.forward(x, h0, c0) if isinstance(layer, LSTM) else layer.forward(x, h0)


def check(f, backward, arrays, rtol=1e-5, atol=1e-7):
    """backward() → {name: gradient}, each against central differences of f over arrays[name]."""
    f()
    analytic = {k: v.copy() for k, v in backward().items()}
    assert set(analytic) == set(arrays)
    for name, a in arrays.items():
        np.testing.assert_allclose(analytic[name], numerical(f, a), rtol=rtol, atol=atol, err_msg=name)


# --- central differences -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("T", [1, 3, 5])
@pytest.mark.parametrize("N", [1, 2])
def test_backward_through_time(kind, T, N):
    """Through a random linear functional Σ hs·r of every hidden state."""
    layer, (h0, c0) = layer_of(kind, 3, 2), initial(kind, N, 2)
    x, r = rng.standard_normal((N, T, 3)), rng.standard_normal((N, T, 2))

    def backward():
        dx = layer.backward(r)
        return {"x": dx, "h0": layer.dh0, **({"c0": layer.dc0} if c0 is not None else {}), **layer.grads}

    arrays = {"x": x, "h0": h0, **({"c0": c0} if c0 is not None else {}), **layer.params}
    check(lambda: float((run(layer, x, h0, c0) * r).sum()), backward, arrays)


@pytest.mark.parametrize("kind", KINDS)
def test_cells(kind):
    cell = KINDS[kind][1](*weights(kind, 3, 4))
    x, (h, c) = rng.standard_normal((2, 3)), initial(kind, 2, 4)
    rh, rc = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    if kind == "lstm":
        def f():
            h1, c1 = cell.forward(x, h, c)
            return float((h1 * rh).sum() + (c1 * rc).sum())
        backward = lambda: dict(zip(["x", "h", "c"], cell.backward(rh, rc)), **cell.grads)
        arrays = {"x": x, "h": h, "c": c, **cell.params}
    else:
        f = lambda: float((cell.forward(x, h) * rh).sum())
        backward = lambda: dict(zip(["x", "h"], cell.backward(rh)), **cell.grads)
        arrays = {"x": x, "h": h, **cell.params}
    check(f, backward, arrays)
    # one step of the Time layer is the cell
    layer = KINDS[kind][0](*cell.params.values())
    out = cell.forward(x, h, c) if kind == "lstm" else (cell.forward(x, h),)
    np.testing.assert_allclose(run(layer, x[:, None], h, c)[:, 0], out[0], atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("loss", ["squared", "softmax"])
def test_time_affine_with_a_loss_at_every_step(kind, loss):
    N, T, H, O = 2, 4, 3, 3
    layer, head = layer_of(kind, 2, H), TimeAffine(rng.standard_normal((H, O)), rng.standard_normal(O))
    x, (h0, c0) = rng.standard_normal((N, T, 2)), initial(kind, N, H)
    last, t = ((MeanSquaredError(), rng.standard_normal((N, T, O))) if loss == "squared"
               else (TimeSoftmaxWithLoss(), rng.integers(0, O, (N, T))))

    def backward():
        dx = layer.backward(head.backward(last.backward()))
        return {"x": dx, "h0": layer.dh0, **layer.grads, **{"head" + k: g for k, g in head.grads.items()}}

    arrays = {"x": x, "h0": h0, **layer.params, **{"head" + k: a for k, a in head.params.items()}}
    check(lambda: last.forward(head.forward(run(layer, x, h0, c0)), t), backward, arrays)


@pytest.mark.parametrize("kind", KINDS)
def test_last_step_with_softmax_cross_entropy(kind):
    N, T, H = 3, 5, 4
    layer, head, last = layer_of(kind, 2, H), Affine(rng.standard_normal((H, 3)), np.zeros(3)), SoftmaxWithLoss()
    x, labels, step = rng.standard_normal((N, T, 2)), rng.integers(0, 3, N), LastStep()

    def backward():
        dx = layer.backward(step.backward(head.backward(last.backward())))
        return {"x": dx, **layer.grads, "W": head.grads["W"], "bias": head.grads["b"]}

    f = lambda: last.forward(head.forward(step.forward(run(layer, x))), labels)
    check(f, backward, {"x": x, **layer.params, "W": head.params["W"], "bias": head.params["b"]})
    assert np.all(step.backward(np.ones((N, H)))[:, :-1] == 0)


# --- PyTorch ------------------------------------------------------------------------------------------------

def from_torch(module, kind):
    """Our layer with a torch module's weights: Wx = weight_ih.T, Wh = weight_hh.T, b = bias_ih + bias_hh
    (the GRU keeps bias_hh's n block apart, as bhn)."""
    p = {k: v.detach().numpy().copy() for k, v in module.named_parameters()}
    Wx, Wh, b_ih, b_hh = p["weight_ih_l0"].T.copy(), p["weight_hh_l0"].T.copy(), p["bias_ih_l0"], p["bias_hh_l0"]
    if kind != "gru":
        return KINDS[kind][0](Wx, Wh, b_ih + b_hh)
    H = Wh.shape[0]
    return GRU(Wx, Wh, b_ih + np.concatenate([b_hh[:2 * H], np.zeros(H)]), b_hh[2 * H:].copy())


def as_torch_grads(layer, kind):
    """Our gradients under torch's names, by the same mapping."""
    g = layer.grads
    b_hh = np.concatenate([g["b"][:-len(g["bhn"])], g["bhn"]]) if kind == "gru" else g["b"]
    return {"weight_ih_l0": g["Wx"].T, "weight_hh_l0": g["Wh"].T, "bias_ih_l0": g["b"], "bias_hh_l0": b_hh}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("N,T", [(1, 1), (2, 4), (3, 7)])
def test_agrees_with_torch(kind, N, T):
    torch = pytest.importorskip("torch")
    torch.manual_seed(N * 10 + T)
    D, H = 4, 5
    module = getattr(torch.nn, kind.upper())(D, H, batch_first=True, dtype=torch.float64)
    layer = from_torch(module, kind)
    x, (h0, c0) = rng.standard_normal((N, T, D)), initial(kind, N, H)
    r = rng.standard_normal((N, T, H))
    tx, th0 = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    tc0 = torch.tensor(c0[None], requires_grad=True) if kind == "lstm" else None
    out, state = module(tx, (th0, tc0) if kind == "lstm" else th0)
    (out * torch.tensor(r)).sum().backward()

    hs = run(layer, x, h0, c0)
    dx = layer.backward(r)
    np.testing.assert_allclose(hs, out.detach().numpy(), atol=1e-6)
    hn = state[0] if kind == "lstm" else state
    np.testing.assert_allclose(layer.h, hn.detach().numpy()[0], atol=1e-6)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(layer.dh0, th0.grad.numpy()[0], atol=1e-6)
    if kind == "lstm":
        np.testing.assert_allclose(layer.c, state[1].detach().numpy()[0], atol=1e-6)
        np.testing.assert_allclose(layer.dc0, tc0.grad.numpy()[0], atol=1e-6)
    ours = as_torch_grads(layer, kind)
    for name, p in module.named_parameters():
        np.testing.assert_allclose(ours[name], p.grad.numpy(), atol=1e-6, err_msg=name)


def test_time_softmax_agrees_with_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    x, t = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))
    loss = TimeSoftmaxWithLoss()
    tx = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(tx.reshape(-1, 4), torch.tensor(t).reshape(-1))
    expected.backward()
    assert loss.forward(x, t) == pytest.approx(expected.item(), abs=1e-12)
    np.testing.assert_allclose(loss.backward(), tx.grad.numpy(), atol=1e-12)
    assert loss.forward(x, np.eye(4)[t]) == pytest.approx(expected.item(), abs=1e-12)  # one-hot too


def test_clip_grads_is_torchs():
    torch = pytest.importorskip("torch")
    grads = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g)
    full = np.sqrt(sum((g * g).sum() for g in grads.values()))
    norm = clip_grads(grads, 1.5)
    assert norm == pytest.approx(full, rel=1e-12)
    assert norm == pytest.approx(torch.nn.utils.clip_grad_norm_(tensors, 1.5).item(), rel=1e-12)
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-12)
    assert np.sqrt(sum((g * g).sum() for g in grads.values())) == pytest.approx(1.5, rel=1e-6)
    small = [np.full(3, 0.1)]
    assert clip_grads(small, 1.5) == pytest.approx(np.sqrt(0.03)) and np.all(small[0] == 0.1)


# --- truncation, state, dtype ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("k", [1, 2, 4, 6, 9])
def test_truncation_reaches_k_steps_back(kind, k):
    """A loss at the last step: with truncate=k the last k steps get full BPTT's gradient, the earlier ones
    none; the weights' gradients are those of the last k steps run alone from the state they start from."""
    N, T, D, H = 2, 6, 3, 4
    w, x, (h0, c0) = weights(kind, D, H), rng.standard_normal((N, T, D)), initial(kind, N, H)
    r = np.zeros((N, T, H))
    r[:, -1] = rng.standard_normal((N, H))
    full, cut = KINDS[kind][0](*w), KINDS[kind][0](*w, truncate=k)
    run(full, x, h0, c0), run(cut, x, h0, c0)
    dx_full, dx = full.backward(r), cut.backward(r)
    start = max(T - k, 0)
    np.testing.assert_array_equal(dx[:, :start], 0)
    np.testing.assert_allclose(dx[:, start:], dx_full[:, start:], atol=1e-14)
    np.testing.assert_allclose(cut.dh0, full.dh0 if k >= T else 0, atol=1e-14)
    alone = KINDS[kind][0](*w)
    run(alone, x[:, start:], full.Hs[start], full.Cs[start] if kind == "lstm" else None)
    alone.backward(r[:, start:])
    for name in full.params:
        np.testing.assert_allclose(cut.grads[name], alone.grads[name], atol=1e-12, err_msg=name)
        if k >= T:
            np.testing.assert_allclose(cut.grads[name], full.grads[name], atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_truncation_is_blocks_run_statefully(kind):
    """A loss at every step: truncate=3 over 7 steps is the blocks [0, 1), [1, 4), [4, 7) fed one after
    another to a stateful layer, each with its own backward, their gradients added."""
    N, T, D, H = 2, 7, 3, 4
    w, x, (h0, c0) = weights(kind, D, H), rng.standard_normal((N, T, D)), initial(kind, N, H)
    r = rng.standard_normal((N, T, H))
    cut = KINDS[kind][0](*w, truncate=3)
    hs, dx = run(cut, x, h0, c0), cut.backward(r)
    blocks = KINDS[kind][0](*w, stateful=True)
    parts, sums = [], {}
    for i, (a, b) in enumerate([(0, 1), (1, 4), (4, 7)]):
        out = run(blocks, x[:, a:b], *((h0, c0) if i == 0 else (None, None)))
        np.testing.assert_allclose(out, hs[:, a:b], atol=1e-14)
        parts.append(blocks.backward(r[:, a:b]))
        if i == 0:
            np.testing.assert_allclose(cut.dh0, blocks.dh0, atol=1e-14)
        for name, g in blocks.grads.items():
            sums[name] = sums.get(name, 0) + g
    np.testing.assert_allclose(dx, np.concatenate(parts, axis=1), atol=1e-14)
    for name in cut.grads:
        np.testing.assert_allclose(cut.grads[name], sums[name], atol=1e-12, err_msg=name)
    blocks.reset_state()
    np.testing.assert_allclose(run(blocks, x[:, :2]), run(KINDS[kind][0](*w), x[:, :2]), atol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_stays_float32(kind):
    W, _, b = weights("rnn", 4, 2, np.float32)
    layer, head, loss = layer_of(kind, 3, 4, np.float32), TimeAffine(W, b), MeanSquaredError()
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    y = head.forward(run(layer, x))
    assert y.dtype == np.float32 and layer.h.dtype == np.float32
    loss.forward(y, np.zeros_like(y))
    dx = layer.backward(head.backward(loss.backward()))
    assert dx.dtype == layer.dh0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in [*layer.grads.values(), *head.grads.values()])
    clip_grads(layer.grads, 1e-3)
    assert all(g.dtype == np.float32 for g in layer.grads.values())
