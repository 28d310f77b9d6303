"""`lstm`: one LSTM unit over two or three time steps, forward, backward through h and c, and one SGD step.

Published example: Aidan Gomez, "Backpropogating an LSTM: A Numerical Example" (17 Apr 2016,
https://blog.aidangomez.ca/2016/04/17/Backpropogating-an-LSTM-A-Numerical-Example/): one unit, two inputs,
two steps, a target at every step, SGD with η = 0.1. Its gate values, states and updated weights (5 decimals,
its a = our g) are reproduced below. The key also equals the engine's LSTM layer (engine/recurrent.py) and
torch.nn.LSTM (float64, weight_ih_l0 = Wx.T with rows i, f, g, o, bias_hh_l0 = 0) with autograd, and central
differences of a plain-Python forward pass for every backward quantity. Each named slip is typed into a real
workbook in English and Japanese, its wrong number computed here by plain arithmetic."""
from __future__ import annotations

import math

import numpy as np
import pytest

from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.kinds import lstm as K
from matchbox.kinds.parts import lstm_sheet as S
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.reader import read_filled

from conftest import check_end_to_end, fill, make_workbooks

GOMEZ = {"kind": "lstm", "inputs": [[1, 2], [0.5, 3]], "targets": [0.5, 1.25], "loss": "every",
         "input_weights": [[0.95, 0.7, 0.45, 0.6], [0.8, 0.45, 0.25, 0.4]],
         "hidden_weights": [0.8, 0.1, 0.15, 0.25], "bias": [0.65, 0.15, 0.2, 0.1], "learning_rate": 0.1,
         "decimals": 5}
THREE = {"kind": "lstm", "inputs": [0.5, -1.0, 0.8], "targets": [0.3, -0.2, 0.6], "loss": "every",
         "input_weights": [[0.4, -0.6, 0.9, 0.3]], "hidden_weights": [0.5, 0.2, -0.7, 0.6],
         "bias": [0.1, 0.8, -0.2, 0.0], "h0": 0.3, "c0": -0.4, "learning_rate": 0.5, "decimals": 8}
GATES = "ifgo"


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


def test_gomez_published_numbers():
    v = from_spec(GOMEZ)
    key = v.worksheet.key()
    published = {"g1": 0.81775, "i1": 0.96083, "f1": 0.85195, "o1": 0.81757, "c1": 0.78572, "h1": 0.53631,
                 "g2": 0.84980, "i2": 0.98118, "f2": 0.87030, "o2": 0.84993, "c2": 1.51763, "h2": 0.77198}
    for name, value in published.items():
        assert key[name] == pytest.approx(value, abs=1e-5), name
    new = {"nwx_g_1": 0.45267, "nwx_g_2": 0.25922, "nwx_i_1": 0.95022, "nwx_f_1": 0.70031, "nwx_f_2": 0.45189,
           "nwx_o_1": 0.60259, "nwx_o_2": 0.41626, "nwh_g": 0.15104, "nwh_i": 0.80006, "nwh_f": 0.10034,
           "nwh_o": 0.25297, "nb_g": 0.20364, "nb_i": 0.65028, "nb_f": 0.15063, "nb_o": 0.10536}
    for name, value in new.items():
        assert key[name] == pytest.approx(value, abs=2e-5), name
    assert len(v.worksheet.answers) == 68


def forward(p, bump=None):
    """Plain-Python forward pass and loss; `bump` = (name, ε) adds ε to one quantity as it is computed
    (a{t}_{k}, c{t} or h{t}), for central differences."""
    name, eps = bump or ("", 0.0)
    Wx, Wh, b = p["input_weights"], p["hidden_weights"], p["bias"]
    h, c, hs = p["h0"], p["c0"], []
    for t, x in enumerate(p["inputs"], start=1):
        a = {k: sum(x[d] * Wx[d][j] for d in range(len(x))) + Wh[j] * h + b[j] + (eps if name == f"a{t}_{k}" else 0)
             for j, k in enumerate(GATES)}
        i, f, o, g = sigmoid(a["i"]), sigmoid(a["f"]), sigmoid(a["o"]), math.tanh(a["g"])
        c = f * c + i * g + (eps if name == f"c{t}" else 0)
        h = o * math.tanh(c) + (eps if name == f"h{t}" else 0)
        hs.append(h)
    pairs = zip(hs, p["targets"]) if p["loss"] == "every" else [(hs[-1], p["targets"][0])]
    return sum(0.5 * (y - t) ** 2 for y, t in pairs)


@pytest.mark.parametrize("spec", [GOMEZ, THREE, None])
def test_central_differences_for_every_backward_quantity(spec):
    v = from_spec(spec) if spec else sampled("lstm", 1)
    p, key, eps = v.params, v.worksheet.key(), 1e-6
    T = len(p["inputs"])

    def numeric(name):
        return (forward(p, (name, eps)) - forward(p, (name, -eps))) / (2 * eps)

    for t in range(1, T + 1):
        # the total gradient of hₜ and cₜ: bumping them after they are computed
        dh = key[f"e{T}"] if t == T else key[f"dh{t}"]
        assert dh == pytest.approx(numeric(f"h{t}"), abs=1e-7), t
        assert key[f"dc{t}"] == pytest.approx(numeric(f"c{t}"), abs=1e-7), t
        for k in GATES:
            assert key[f"d{k}{t}"] == pytest.approx(numeric(f"a{t}_{k}"), abs=1e-7), (k, t)
    # every weight's gradient, and the update
    for group, shape in (("input_weights", None), ("hidden_weights", 4), ("bias", 4)):
        arr = np.array(p[group], float)
        for idx in np.ndindex(arr.shape):
            def loss_at(delta):
                q = {**p, group: (arr + delta * (np.arange(arr.size).reshape(arr.shape) == np.ravel_multi_index(idx, arr.shape))).tolist()}
                return forward(q)
            grad = (loss_at(eps) - loss_at(-eps)) / (2 * eps)
            k = GATES[idx[-1]]
            name = {"input_weights": f"gwx_{k}_{idx[0] + 1}" if len(idx) == 2 else "", "hidden_weights": f"gwh_{k}",
                    "bias": f"gb_{k}"}[group]
            assert key[name] == pytest.approx(grad, abs=1e-7), name
            assert key["n" + name[1:]] == pytest.approx(arr[idx] - p["learning_rate"] * grad, abs=1e-7)


@pytest.mark.parametrize("spec", [GOMEZ, THREE, None])
def test_the_engine_and_torch_agree(spec):
    torch = pytest.importorskip("torch")
    v = from_spec(spec) if spec else sampled("lstm", 2)
    p, key = v.params, v.worksheet.key()
    T, D = len(p["inputs"]), len(p["inputs"][0])
    loss, hs, grads = K.run(p)  # the engine's LSTM layer
    assert [key[f"h{t}"] for t in range(1, T + 1)] == pytest.approx(hs.tolist(), abs=1e-12)
    assert key["loss"] == pytest.approx(loss, abs=1e-12)
    for j, k in enumerate(GATES):
        assert [key[f"gwx_{k}_{d + 1}"] for d in range(D)] == pytest.approx(grads["Wx"][:, j].tolist(), abs=1e-12)
        assert key[f"gwh_{k}"] == pytest.approx(grads["Wh"][0, j], abs=1e-12)
        assert key[f"gb_{k}"] == pytest.approx(grads["b"][j], abs=1e-12)

    net = torch.nn.LSTM(D, 1, batch_first=True).double()
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(p["input_weights"], dtype=torch.float64).T)
        net.weight_hh_l0.copy_(torch.tensor([p["hidden_weights"]], dtype=torch.float64).T)
        net.bias_ih_l0.copy_(torch.tensor(p["bias"], dtype=torch.float64))
        net.bias_hh_l0.zero_()
    x = torch.tensor([p["inputs"]], dtype=torch.float64)
    h0 = torch.tensor([[[p["h0"]]]], dtype=torch.float64)
    c0 = torch.tensor([[[p["c0"]]]], dtype=torch.float64)
    out, (_, cT) = net(x, (h0, c0))
    y = out[0, :, 0]
    t = torch.tensor(p["targets"], dtype=torch.float64)
    E = 0.5 * ((y - t) ** 2).sum() if p["loss"] == "every" else 0.5 * (y[-1] - t[0]) ** 2
    E.backward()
    assert key["loss"] == pytest.approx(E.item(), abs=1e-12)
    assert key[f"c{T}"] == pytest.approx(cT.item(), abs=1e-12)
    for j, k in enumerate(GATES):
        assert [key[f"gwx_{k}_{d + 1}"] for d in range(D)] == pytest.approx(net.weight_ih_l0.grad[j].tolist(), abs=1e-12)
        assert key[f"gwh_{k}"] == pytest.approx(net.weight_hh_l0.grad[j, 0].item(), abs=1e-12)
        assert key[f"gb_{k}"] == pytest.approx(net.bias_ih_l0.grad[j].item(), abs=1e-12)
        assert key[f"gb_{k}"] == pytest.approx(net.bias_hh_l0.grad[j].item(), abs=1e-12)


def typed(tmp_path, v, name, wrong, lang):
    folder = tmp_path / lang
    folder.mkdir(parents=True, exist_ok=True)
    _, learner, _ = make_workbooks(folder, variant=v, lang=lang)
    key = v.worksheet.answer_key()  # the sheet's own rounded numbers everywhere else
    values = {**{q.name: key[q.name] for q in v.worksheet.answers}, name: round(wrong, v.params["decimals"])}
    report = grade(read_filled(fill(learner, v, lang, values, folder / "slip.xlsx")))
    return next(c for c in report.cells if c.quantity == name)


@pytest.mark.parametrize("which", ["forget-on-new-memory", "tanh-of-c-forgotten", "cell-gradient-not-carried",
                                   "last-step-only"])
def test_named_slips_in_a_real_workbook(tmp_path, which):
    v = sampled("lstm", 1)
    k = v.worksheet.answer_key()  # a learner's numbers, each rounded as the sheet asks
    name, wrong, text = {
        "forget-on-new-memory": ("c2", k["i2"] * k["c1"] + k["f2"] * k["g2"], S.FORGET_ON_CANDIDATE),
        "tanh-of-c-forgotten": ("h2", k["o2"] * k["c2"], S.TANH_FORGOTTEN),
        "cell-gradient-not-carried": ("dc1", k["dh1"] * k["o1"] * (1 - k["tc1"] ** 2), S.NOT_CARRIED),
        "last-step-only": ("gwx_g_1", k["dg2"] * v.params["inputs"][1][0], S.LAST_STEP_ONLY),
    }[which]
    assert abs(round(wrong, 4) - v.worksheet.key()[name]) > 1e-4  # the slip shows at the sheet's 4 decimals
    for lang in ("en", "ja"):
        cell = typed(tmp_path, v, name, wrong, lang)
        assert cell.status == "incorrect" and cell.slip_id == which, (lang, cell.feedback)
        assert cell.slip == text[lang] and text[lang] in cell.feedback


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end(tmp_path, lang):
    check_end_to_end(tmp_path, sampled("lstm", 3), lang, "dc2")


@pytest.mark.parametrize("seed", range(1, 11))
def test_seeded_variants(seed):
    v = sampled("lstm", seed)
    p = v.params
    assert p["loss"] == "last" and p["h0"] == 0 == p["c0"] and p["decimals"] == 4 and len(p["inputs"]) == 2
    numbers = [x for r in p["inputs"] for x in r] + p["targets"] + p["hidden_weights"] + p["bias"] + p["input_weights"][0]
    assert all(round(x, 1) == x and abs(x) <= 1 for x in numbers)
    assert p["learning_rate"] in (0.5, 1)
    key = v.worksheet.key()
    assert key["df1"] == 0  # c₀ = 0: the forget gate has nothing to forget at step 1
    assert all(abs(key[f"d{g}{t}"]) >= 0.002 for g in GATES for t in (1, 2) if (g, t) != ("f", 1))
    assert len(v.worksheet.answers) == 59
    assert from_meta(v.meta()).worksheet.key() == key
    assert K.replay(v, 30, None).series["E"][-1] < key["loss"]  # the loss falls when training goes on


def test_variants_are_distinct():
    assert len({v.digest for v in variants("lstm", 1, 6)}) == 6


def test_figure_is_the_unrolled_network():
    v = from_spec(GOMEZ)
    for lang in ("en", "ja"):
        (fig,) = K.figures(v, lang, key=False)
        assert fig["svg"].startswith("<svg") and "LSTM" in fig["svg"]
    assert "共通" in K.figures(v, "ja", key=True)[0]["caption"]


@pytest.mark.parametrize("spec,message", [
    ({"inputs": [0.5]}, "'inputs': expected 2 or 3 time steps"),
    ({"inputs": [[1, 2], [3]]}, "'inputs': every time step needs the same"),
    ({"inputs": [0.5, "x"]}, r"'inputs\[1\]\[0\]'"),
    ({"targets": [0.1, 0.2]}, "'targets': expected 1 target"),
    ({"loss": "every"}, "'targets': expected 2 targets"),
    ({"loss": "first"}, "'loss'"),
    ({"input_weights": [[0.1, 0.2, 0.3]]}, r"'input_weights\[0\]': expected 4"),
    ({"input_weights": [[0.1] * 4, [0.2] * 4]}, "'input_weights': expected 1 row"),
    ({"hidden_weights": [0.1, 0.2]}, "'hidden_weights': expected 4"),
    ({"bias": [0, 0, 0, 20]}, "'bias': every weight"),
    ({"h0": 2}, "'h0'"),
    ({"learning_rate": 0}, "'learning_rate'"),
    ({"decimals": 0}, "'decimals'"),
    ({"hidden_weight": [0.1] * 4}, "'hidden_weight': unknown key"),
])
def test_bad_spec_names_the_key(spec, message):
    base = {"kind": "lstm", "inputs": [0.5, -1.0], "targets": [0.3], "input_weights": [[0.4, -0.6, 0.9, 0.3]],
            "hidden_weights": [0.5, 0.2, -0.7, 0.6]}
    with pytest.raises(SpecError, match=message):
        from_spec({**base, **spec})
