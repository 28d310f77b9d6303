"""`rnn`: a tanh RNN over 2 to 4 time steps, forward, BPTT, the gradients summed over time and the update.

No published worked BPTT example with these numbers exists to copy; the sheet is held instead to: the
default spec worked here by plain arithmetic (math.tanh, as a calculator does); the engine's RNN layer with
its heads (engine/recurrent.py, engine/sequence.py); PyTorch's torch.nn.RNN (tanh, batch_first, float64,
weight_ih_l0 = Wx.T, weight_hh_l0 = Wh.T, bias_ih_l0 = b, bias_hh_l0 = 0) with a Linear head, autograd for every
gradient, and torch.nn.RNNCell unrolled by hand for ∂E/∂hₜ; and central differences for every backward
quantity. Each named slip is typed into a real workbook in English and Japanese, its wrong number computed
here by plain arithmetic from the key."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.kinds import rnn as R
from matchbox.kinds.parts import rnn_sheet
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import read_filled
from matchbox.worksheet.slips import NAMES

from conftest import answers_of, check_end_to_end, fill, make_workbooks

SPECS = [
    {"kind": "rnn"},  # the default: one unit, three steps, the output at the last
    {"kind": "rnn", "outputs": "every", "inputs": [0.5, -1.0, 0.8, 0.3], "targets": [0.2, -0.4, 0.6, 0.1],
     "initial_state": 0.3, "bias": -0.1, "output_bias": 0.2, "recurrent_weights": -0.7},
    {"kind": "rnn", "hidden": 2, "outputs": "every", "inputs": [1.0, -0.5], "targets": [0.5, -0.2],
     "input_weights": [0.5, -0.3], "recurrent_weights": [[0.8, 0.2], [-0.1, 0.6]], "bias": [0.1, 0.0],
     "output_weights": [1.0, -0.5], "output_bias": 0.1, "initial_state": [0.1, -0.2]},
    {"kind": "rnn", "hidden": 2, "inputs": [0.4, 0.9, -0.6], "target": -0.5},
]


def arrays(p):
    return (np.array([p["input_weights"]], float), np.array(p["recurrent_weights"], float), np.array(p["bias"], float),
            np.array(p["output_weights"], float), float(p["output_bias"]), np.array(p["initial_state"], float))


def error(p, Wx, Wh, b, v, c, h0, nudge=None):
    """E by plain NumPy; `nudge` = (kind, t, j, ε) adds ε to aₜ[j] or hₜ[j] as the step computes it."""
    hs, h, E = [], h0, 0.0
    targets = p["targets"] if p["outputs"] == "every" else [None] * (len(p["inputs"]) - 1) + [p["target"]]
    for t, (x, target) in enumerate(zip(p["inputs"], targets), 1):
        a = x * Wx[0] + h @ Wh + b
        if nudge and nudge[:2] == ("a", t):
            a = a + np.eye(len(a))[nudge[2] - 1] * nudge[3]
        h = np.tanh(a)
        if nudge and nudge[:2] == ("h", t):
            h = h + np.eye(len(h))[nudge[2] - 1] * nudge[3]
        if target is not None:
            E += 0.5 * (h @ v + c - target) ** 2
    return E


def test_the_default_by_hand():
    """kind = "rnn" alone: x = (1, 0.5, −0.5), Wx = 0.5, Wh = 0.8, b = c = 0, v = 1, t = 0.8, η = 0.5."""
    k = from_spec({"kind": "rnn"}).worksheet.key()
    h1 = math.tanh(0.5)
    h2 = math.tanh(0.25 + 0.8 * h1)
    h3 = math.tanh(-0.25 + 0.8 * h2)
    assert round(h1, 4) == 0.4621 and round(h2, 4) == 0.5509 and round(h3, 4) == 0.1885
    # worked as the sheet asks, rounding each answer before the next step uses it: tanh(0.1907) = 0.1884
    assert from_spec({"kind": "rnn"}).worksheet.answer_key()["h3_1"] == 0.1884
    dy = h3 - 0.8
    da3 = dy * 1.0 * (1 - h3 ** 2)
    da2 = da3 * 0.8 * (1 - h2 ** 2)
    da1 = da2 * 0.8 * (1 - h1 ** 2)
    assert k["E"] == pytest.approx(0.5 * dy ** 2) and k["dy3"] == pytest.approx(dy)
    assert [k["da3_1"], k["da2_1"], k["da1_1"]] == pytest.approx([da3, da2, da1])
    assert k["gWx_1"] == pytest.approx(da3 * -0.5 + da2 * 0.5 + da1 * 1.0)
    assert k["gWh_1_1"] == pytest.approx(da3 * h2 + da2 * h1 + da1 * 0)
    assert k["gb_1"] == pytest.approx(da3 + da2 + da1)
    assert k["gv_1"] == pytest.approx(dy * h3) and k["gc"] == pytest.approx(dy)
    assert k["nWh_1_1"] == pytest.approx(0.8 - 0.5 * k["gWh_1_1"])


@pytest.mark.parametrize("spec", SPECS)
def test_the_engine_agrees(spec):
    from matchbox.engine.layers import Affine
    from matchbox.engine.sequence import LastStep, TimeAffine
    v = from_spec(spec)
    p, k = v.params, v.worksheet.key()
    H, T = p["hidden"], len(p["inputs"])
    rnn, head = R.layers(p)
    x = np.array(p["inputs"], float).reshape(1, T, 1)
    hs = rnn.forward(x, np.array([p["initial_state"]], float))
    assert np.array([[k[f"h{t}_{j}"] for j in range(1, H + 1)] for t in range(1, T + 1)]) == pytest.approx(hs[0], abs=1e-12)
    y = hs
    for layer in head:
        y = layer.forward(y)
    t_ = np.array(p["targets"] if p["outputs"] == "every" else [p["target"]])
    d = y.reshape(-1) - t_
    outs = range(1, T + 1) if p["outputs"] == "every" else [T]
    assert [k[f"y{t}"] for t in outs] == pytest.approx(y.reshape(-1).tolist(), abs=1e-12)
    assert k["E"] == pytest.approx(0.5 * d @ d, abs=1e-12)
    dout = d.reshape(y.shape)
    for layer in reversed(head):
        dout = layer.backward(dout)
    rnn.backward(dout)
    g, gh = rnn.grads, next(layer for layer in head if isinstance(layer, (Affine, TimeAffine))).grads
    assert isinstance(head[0], TimeAffine if p["outputs"] == "every" else LastStep)
    U = range(1, H + 1)
    assert [k[f"gWx_{j}"] for j in U] == pytest.approx(g["Wx"][0].tolist(), abs=1e-12)
    assert np.array([[k[f"gWh_{i}_{j}"] for j in U] for i in U]) == pytest.approx(g["Wh"], abs=1e-12)
    assert [k[f"gb_{j}"] for j in U] == pytest.approx(g["b"].tolist(), abs=1e-12)
    assert [k[f"gv_{j}"] for j in U] == pytest.approx(gh["W"][:, 0].tolist(), abs=1e-12)
    assert k["gc"] == pytest.approx(gh["b"][0], abs=1e-12)


@pytest.mark.parametrize("spec", SPECS)
def test_torch_agrees(spec):
    torch = pytest.importorskip("torch")
    v = from_spec(spec)
    p, k = v.params, v.worksheet.key()
    H, T = p["hidden"], len(p["inputs"])
    U = range(1, H + 1)
    Wx, Wh, b, V, c, h0 = arrays(p)
    f64 = dict(dtype=torch.float64)
    rnn = torch.nn.RNN(1, H, nonlinearity="tanh", batch_first=True).double()
    head = torch.nn.Linear(H, 1).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(Wx.T)), rnn.weight_hh_l0.copy_(torch.tensor(Wh.T))
        rnn.bias_ih_l0.copy_(torch.tensor(b)), rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.tensor(V[None, :])), head.bias.fill_(c)
    x = torch.tensor(p["inputs"], **f64).reshape(1, T, 1)
    hs, _ = rnn(x, torch.tensor(h0, **f64).reshape(1, 1, H))
    if p["outputs"] == "every":
        y, t_ = head(hs).reshape(-1), torch.tensor(p["targets"], **f64)
    else:
        y, t_ = head(hs[:, -1]).reshape(-1), torch.tensor([p["target"]], **f64)
    E = 0.5 * ((y - t_) ** 2).sum()
    E.backward()
    assert k["E"] == pytest.approx(E.item(), abs=1e-12)
    assert [k[f"gWx_{j}"] for j in U] == pytest.approx(rnn.weight_ih_l0.grad[:, 0].tolist(), abs=1e-12)
    assert np.array([[k[f"gWh_{i}_{j}"] for j in U] for i in U]) == pytest.approx(rnn.weight_hh_l0.grad.T.numpy(), abs=1e-12)
    for bias in (rnn.bias_ih_l0, rnn.bias_hh_l0):
        assert [k[f"gb_{j}"] for j in U] == pytest.approx(bias.grad.tolist(), abs=1e-12)
    assert [k[f"gv_{j}"] for j in U] == pytest.approx(head.weight.grad[0].tolist(), abs=1e-12)
    assert k["gc"] == pytest.approx(head.bias.grad.item(), abs=1e-12)
    # ∂E/∂hₜ with both paths (the output and the future): torch.nn.RNNCell unrolled, each hₜ kept
    cell = torch.nn.RNNCell(1, H, nonlinearity="tanh").double()
    with torch.no_grad():
        cell.weight_ih.copy_(rnn.weight_ih_l0), cell.weight_hh.copy_(rnn.weight_hh_l0)
        cell.bias_ih.copy_(rnn.bias_ih_l0), cell.bias_hh.zero_()
    h, kept, E = torch.tensor(h0, **f64).reshape(1, H), [], 0
    for t in range(T):
        h = cell(x[:, t], h)
        h.retain_grad()
        kept.append(h)
        if p["outputs"] == "every" or t == T - 1:
            target = p["targets"][t] if p["outputs"] == "every" else p["target"]
            E = E + 0.5 * ((head(h).reshape(()) - target) ** 2)
    E.backward()
    for t in range(1, T + 1):
        assert [k[f"dh{t}_{j}"] for j in U] == pytest.approx(kept[t - 1].grad[0].tolist(), abs=1e-12)


@pytest.mark.parametrize("spec", SPECS)
def test_central_differences_for_every_backward_quantity(spec):
    v = from_spec(spec)
    p, k = v.params, v.worksheet.key()
    H, T, eps = p["hidden"], len(p["inputs"]), 1e-6
    args = list(arrays(p))
    U = range(1, H + 1)

    def numeric(nudge_at=None, index=None):
        if nudge_at:
            return (error(p, *args, nudge=(*nudge_at, eps)) - error(p, *args, nudge=(*nudge_at, -eps))) / (2 * eps)
        a, i = index
        keep = args[a][i] if i is not None else args[a]
        vals = []
        for s in (eps, -eps):
            if i is None:
                args[a] = keep + s
            else:
                args[a][i] = keep + s
            vals.append(error(p, *args))
        if i is None:
            args[a] = keep
        else:
            args[a][i] = keep
        return (vals[0] - vals[1]) / (2 * eps)

    for t in range(1, T + 1):
        for j in U:
            assert k[f"dh{t}_{j}"] == pytest.approx(numeric(("h", t, j)), abs=1e-8)
            assert k[f"da{t}_{j}"] == pytest.approx(numeric(("a", t, j)), abs=1e-8)
    for j in U:
        assert k[f"gWx_{j}"] == pytest.approx(numeric(index=(0, (0, j - 1))), abs=1e-8)
        assert k[f"gb_{j}"] == pytest.approx(numeric(index=(2, j - 1)), abs=1e-8)
        assert k[f"gv_{j}"] == pytest.approx(numeric(index=(3, j - 1)), abs=1e-8)
        for i in U:
            assert k[f"gWh_{i}_{j}"] == pytest.approx(numeric(index=(1, (i - 1, j - 1))), abs=1e-8)
    assert k["gc"] == pytest.approx(numeric(index=(4, None)), abs=1e-8)
    if p["outputs"] == "last":
        assert k[f"dy{T}"] == pytest.approx(k["gc"])


@pytest.mark.parametrize("seed", range(1, 11))
def test_seeded_variants(seed):
    v = sampled("rnn", seed)
    p = v.params
    assert p["hidden"] == 1 and len(p["inputs"]) == 3 and p["outputs"] == "last" and p["initial_state"] == [0]
    numbers = p["inputs"] + p["input_weights"] + p["recurrent_weights"][0] + p["bias"] + p["output_weights"]
    assert all(round(x, 1) == x for x in numbers + [p["output_bias"], p["target"]])
    assert p["decimals"] == 4 and p["learning_rate"] in (0.5, 1)
    assert len(v.worksheet.answers) == rnn_sheet.count(p) == 34
    key = v.worksheet.key()
    assert all(abs(key[f"da{t}_1"]) >= 0.005 for t in (1, 2, 3))
    assert from_meta(v.meta()).worksheet.key() == key
    errors = R.train(p, 2)
    assert errors[0] == pytest.approx(key["E"], abs=1e-12) and errors[1] < errors[0]


def test_variants_are_distinct():
    assert len({v.digest for v in variants("rnn", 1, 8)}) == 8


@pytest.mark.parametrize("spec,message", [
    ({"inputs": [1.0]}, "'inputs': expected 2 to 4"),
    ({"inputs": [1, 2, 3, 4, 5]}, "'inputs': expected 2 to 4"),
    ({"hidden": 3}, "'hidden': 1 or 2"),
    ({"hidden": 2, "input_weights": 0.5}, "'input_weights'"),
    ({"hidden": 2, "inputs": [1, 2, 3, 4], "outputs": "every", "targets": [0, 0, 0, 0]}, "'hidden': 2 hidden units"),
    ({"recurrent_weights": [[0.1, 0.2]]}, "'recurrent_weights"),
    ({"outputs": "each"}, "'outputs'"),
    ({"targets": [0.1, 0.2, 0.3]}, "'targets': the output is at the last step only"),
    ({"outputs": "every", "target": 1}, "'target': there is an output at every step"),
    ({"outputs": "every", "targets": [1, 2]}, "'targets': expected 3 numbers"),
    ({"outputs": "every"}, "'targets': is required"),
    ({"initial_state": 1}, "'initial_state'"),
    ({"bias": 11}, "'bias'"),
    ({"learning_rate": 0}, "'learning_rate'"),
    ({"decimal": 3}, "'decimal': unknown key"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "rnn", **spec})


@pytest.mark.parametrize("spec", SPECS)
def test_the_sheet_reads_in_the_order_it_is_computed(spec):
    ws = from_spec(spec).worksheet
    for lang in ("en", "ja"):
        home = layout(ws, lang).home
        for q in ws.answers:
            for d in q.step.deps():
                if not ws.quantities[d].is_given:
                    assert (home[d].sheet, home[d].row) <= (home[q.name].sheet, home[q.name].row), (q.name, d)


def test_replay_falls_from_the_sheets_error():
    from matchbox.training.replay import replay
    v = sampled("rnn", 1)
    r = replay(v, 40, {"E": round(v.worksheet.key()["E"], 4)})
    E = r.series["E"]
    assert len(E) == 40 and E[0] == pytest.approx(v.worksheet.key()["E"], abs=1e-12)
    assert E[-1] < E[0] / 10 and r.sheet_steps == 1 and r.learner["E"][0][0] == 1


def test_figures_unrolled():
    v = sampled("rnn", 1)
    for lang, word in (("en", "same at every step"), ("ja", "すべての時刻で共通")):
        fig = R.figures(v, lang, False)[0]
        assert fig["svg"].count("<circle") == 3 + 1 and word in fig["caption"]  # x₁…x₃ and the last y
    every = from_spec(SPECS[1])
    assert R.figures(every, "ja", True)[0]["svg"].count("<circle") == 8 and "隠れ状態 h" in R.figures(every, "ja", True)[0]["caption"]


# --- named slips, typed into real workbooks ------------------------------------------------------------------

def slipped(tmp_path: Path, variant, name: str, wrong: float, slip_id: str, words: dict | None = None):
    ws = variant.worksheet
    typed = round(wrong, ws.quantities[name].precision.decimals)
    assert not ws.quantities[name].precision.agrees(typed, ws.key()[name]), "the slip must show on this cell"
    for lang in ("en", "ja"):
        folder = tmp_path / lang
        folder.mkdir(parents=True, exist_ok=True)
        _, learner, _ = make_workbooks(folder, variant=variant, lang=lang)
        values = {**answers_of(variant), name: typed}
        report = grade(read_filled(fill(learner, variant, lang, values, folder / "slip.xlsx")))
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect" and cell.slip_id == slip_id, (lang, cell.status, cell.feedback)
        text = (words or NAMES[slip_id])[lang]
        assert cell.slip == text and text in cell.feedback, cell.feedback
        assert [c.quantity for c in report.cells if c.status == "incorrect"] == [name]


@pytest.fixture
def v():
    return sampled("rnn", 1)


def test_future_term_forgotten(tmp_path, v):
    slipped(tmp_path, v, "dh2_1", 0.0, "rnn-future-forgotten", rnn_sheet.FUTURE_FORGOTTEN)  # no output at t = 2
    every = from_spec(SPECS[1])
    k = every.worksheet.key()
    slipped(tmp_path / "every", every, "dh2_1", k["dy2"] * 1.0, "rnn-future-forgotten", rnn_sheet.FUTURE_FORGOTTEN)


def test_gradient_not_summed_over_time(tmp_path, v):
    k = v.worksheet.key()
    slipped(tmp_path, v, "gWx_1", k["da3_1"] * k["x3"], "rnn-not-summed", rnn_sheet.NOT_SUMMED)
    slipped(tmp_path / "b", v, "gb_1", k["da3_1"], "rnn-not-summed", rnn_sheet.NOT_SUMMED)


def test_tanh_slope_not_squared(tmp_path, v):
    k = v.worksheet.key()
    slipped(tmp_path, v, "d2_1", 1 - k["h2_1"], "tanh-grad-not-squared")


def test_h_t_where_h_t_minus_1_belongs(tmp_path, v):
    k = v.worksheet.key()
    slipped(tmp_path, v, "sh2_1_1", k["da2_1"] * k["h2_1"], "rnn-h-for-h-prev", rnn_sheet.H_FOR_H_PREV)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end(tmp_path, lang):
    check_end_to_end(tmp_path, sampled("rnn", 2), lang, "a2_1")
