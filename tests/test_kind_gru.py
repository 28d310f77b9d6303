"""`gru`: one GRU unit over two (three) time steps, forward, the loss at the last step, backward through time,
the gradients summed over the steps and one SGD step.

No published numerical GRU example was found whose numbers could be reproduced (searches for a GRU worked
example by hand found the equations only, in several conventions), so the sheet is held instead to PyTorch
(torch.nn.GRU and GRUCell, float64 autograd, weights copied by engine/recurrent.py's mapping), to the engine's
GRU layer and cell, and to central differences of the loss for every backward quantity. Each named slip is typed
into a real workbook, in English and Japanese, its wrong number computed here by plain arithmetic."""
from __future__ import annotations

import math

import numpy as np
import pytest

from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, gru, sampled, variants
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import read_filled
from matchbox.worksheet.slips import NAMES, Catalogue

from conftest import answers_of, check_end_to_end, fill, make_workbooks

SPEC = {"kind": "gru", "inputs": [0.8, -0.6, 0.5], "target": -0.3, "h0": 0.2, "Wx": [0.5, -0.4, 0.8],
        "Wh": [0.3, 0.6, -0.7], "b": [0.1, -0.2, 0.2], "bhn": 0.3, "learning_rate": 0.5, "decimals": 12}
PARAMS = ("Wxr", "Whr", "br", "Wxz", "Whz", "bz", "Wxn", "Whn", "bn", "bhn")
sig = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731


def key_of(**spec) -> dict:
    return from_spec({**SPEC, **spec}).worksheet.key()


def by_hand(p: dict, bump: tuple[str, int] | None = None, eps: float = 0.0) -> float:
    """E of the sheet's GRU in plain Python; `bump` = (quantity, t) adds eps to that quantity where it is made."""
    Wx, Wh, b, bhn = p["Wx"], p["Wh"], p["b"], p["bhn"]
    h = p["h0"]

    def at(name, t, value):
        return value + eps if bump == (name, t) else value

    for t, x in enumerate(p["inputs"], 1):
        r = at("r", t, sig(at("ur", t, x * Wx[0] + h * Wh[0] + b[0])))
        z = at("z", t, sig(at("uz", t, x * Wx[1] + h * Wh[1] + b[1])))
        m = at("m", t, h * Wh[2] + bhn)
        n = at("n", t, math.tanh(at("un", t, x * Wx[2] + b[2] + r * m)))
        h = at("h", t, (1 - z) * n + z * h)
    return 0.5 * (h - p["target"]) ** 2


def with_param(p: dict, w: str, delta: float) -> dict:
    q = {k: (list(v) if isinstance(v, list) else v) for k, v in p.items()}
    if w == "bhn":
        q["bhn"] += delta
    else:
        part, gate = ("b", w[1]) if w.startswith("b") else (w[:2], w[2])
        q[part][{"r": 0, "z": 1, "n": 2}[gate]] += delta
    return q


def test_central_differences_for_every_backward_quantity():
    """Every ∂E/∂(something) of the sheet is the loss's central difference when that something is nudged."""
    p, key, h = from_spec(SPEC).params, key_of(), 1e-6
    T = len(p["inputs"])
    of = {"dz": "z", "dlz": "uz", "dn": "n", "dln": "un", "dm": "m", "dr": "r", "dlr": "ur"}
    for t in range(1, T + 1):
        for name, quantity in of.items():
            numeric = (by_hand(p, (quantity, t), h) - by_hand(p, (quantity, t), -h)) / (2 * h)
            assert key[f"{name}{t}"] == pytest.approx(numeric, abs=1e-8), (name, t)
        numeric = (by_hand(p, ("h", t), h) - by_hand(p, ("h", t), -h)) / (2 * h)
        assert key[f"dh{t}"] == pytest.approx(numeric, abs=1e-8), t
    for w in PARAMS:
        numeric = (by_hand(with_param(p, w, h)) - by_hand(with_param(p, w, -h))) / (2 * h)
        assert key[f"g_{w}"] == pytest.approx(numeric, abs=1e-8), w
        assert key[f"new_{w}"] == pytest.approx(key[w] - p["learning_rate"] * key[f"g_{w}"], abs=1e-12)
    assert key["E"] == pytest.approx(by_hand(p), abs=1e-12)


@pytest.mark.parametrize("spec", [{}, {"inputs": [1.0, -0.5], "h0": 0.0}])
def test_torch_agrees(spec):
    """torch.nn.GRU (float64) with weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = b, bias_hh = (0, 0, bhn):
    the states, the loss and every parameter's gradient; GRUCell step by step gives ∂E/∂h of every step."""
    torch = pytest.importorskip("torch")
    v = from_spec({**SPEC, **spec})
    p, key = v.params, v.worksheet.key()
    T = len(p["inputs"])
    net = torch.nn.GRU(1, 1, batch_first=True, dtype=torch.float64)
    cell = torch.nn.GRUCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for m in (net, cell):
            wih, whh, bih, bhh = ((m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0) if m is net else
                                  (m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh))
            f64 = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
            wih.copy_(f64([p["Wx"]]).T), whh.copy_(f64([p["Wh"]]).T)
            bih.copy_(f64(p["b"])), bhh.copy_(f64([0.0, 0.0, p["bhn"]]))
    x = torch.tensor(p["inputs"], dtype=torch.float64).reshape(1, T, 1)
    hs, _ = net(x, torch.full((1, 1, 1), float(p["h0"]), dtype=torch.float64))
    E = 0.5 * (hs[0, -1, 0] - p["target"]) ** 2
    E.backward()
    assert [key[f"h{t}"] for t in range(1, T + 1)] == pytest.approx(hs[0, :, 0].tolist(), abs=1e-12)
    assert key["E"] == pytest.approx(E.item(), abs=1e-12)
    gx, gh = net.weight_ih_l0.grad[:, 0].tolist(), net.weight_hh_l0.grad[:, 0].tolist()
    gb, gbh = net.bias_ih_l0.grad.tolist(), net.bias_hh_l0.grad.tolist()
    assert [key[f"g_Wx{g}"] for g in "rzn"] == pytest.approx(gx, abs=1e-12)
    assert [key[f"g_Wh{g}"] for g in "rzn"] == pytest.approx(gh, abs=1e-12)
    assert [key[f"g_b{g}"] for g in "rzn"] == pytest.approx(gb, abs=1e-12)
    assert [key["g_br"], key["g_bz"], key["g_bhn"]] == pytest.approx(gbh, abs=1e-12)
    states, h = [], torch.full((1, 1), float(p["h0"]), dtype=torch.float64)
    for t in range(T):
        h = cell(x[:, t], h)
        h.retain_grad()
        states.append(h)
    (0.5 * (h[0, 0] - p["target"]) ** 2).backward()
    assert [key[f"dh{t}"] for t in range(1, T + 1)] == pytest.approx([s.grad.item() for s in states], abs=1e-12)


def test_the_engine_agrees_layer_and_cell():
    """The engine's GRU layer gives the states, E and the gradients; its GRUCell, run backward one step at a
    time, gives each step's δr, δz, δn (its b gradient), ∂E/∂m (its bhn gradient) and ∂E/∂h of the step before."""
    from matchbox.engine.recurrent import GRUCell
    v = from_spec(SPEC)
    p, key = v.params, v.worksheet.key()
    T = len(p["inputs"])
    E, grads, hs = gru.engine_step(p)
    assert key["E"] == pytest.approx(E, abs=1e-12)
    assert [key[f"h{t}"] for t in range(1, T + 1)] == pytest.approx(hs.tolist(), abs=1e-12)
    assert [key[f"g_Wx{g}"] for g in "rzn"] == pytest.approx(grads["Wx"][0].tolist(), abs=1e-12)
    assert [key[f"g_Wh{g}"] for g in "rzn"] == pytest.approx(grads["Wh"][0].tolist(), abs=1e-12)
    assert [key[f"g_b{g}"] for g in "rzn"] + [key["g_bhn"]] == pytest.approx(
        grads["b"].tolist() + grads["bhn"].tolist(), abs=1e-12)
    w = gru.weights(p)
    cells, h = [], np.full((1, 1), float(p["h0"]))
    for x in p["inputs"]:
        cells.append(GRUCell(**w))
        h = cells[-1].forward(np.array([[x]], float), h)
    dh = np.array([[key[f"dh{T}"]]])
    for t in range(T, 0, -1):
        _, dh = cells[t - 1].backward(dh)
        g = cells[t - 1].grads
        assert [key[f"dlr{t}"], key[f"dlz{t}"], key[f"dln{t}"], key[f"dm{t}"]] == pytest.approx(
            g["b"].tolist() + g["bhn"].tolist(), abs=1e-12)
        if t > 1:
            assert key[f"dh{t - 1}"] == pytest.approx(dh.item(), abs=1e-12)


def test_the_update_lowers_the_loss_and_replay_goes_on():
    v = sampled("gru", 1)
    key = v.worksheet.key()
    r = gru.replay(v, 40, {"E": round(key["E"], 4)})
    assert r.sheet_steps == 1 and r.series["E"][0] == pytest.approx(key["E"], abs=1e-12)
    new = {**v.params, "Wx": [key[f"new_Wx{g}"] for g in "rzn"], "Wh": [key[f"new_Wh{g}"] for g in "rzn"],
           "b": [key[f"new_b{g}"] for g in "rzn"], "bhn": key["new_bhn"]}
    assert r.series["E"][1] == pytest.approx(by_hand(new), abs=1e-12) and r.series["E"][1] < key["E"]
    assert r.series["E"][-1] < r.series["E"][0] / 10 and r.learner["E"] == [(1, round(key["E"], 4))]


# --- named slips, typed into real workbooks --------------------------------------------------------------

def slipped(tmp_path, variant, name: str, wrong: float, slip_id: str):
    ws = variant.worksheet
    typed = round(wrong, ws.quantities[name].precision.decimals)
    assert not ws.quantities[name].precision.agrees(typed, ws.key()[name]), "the slip must show on this cell"
    for lang in ("en", "ja"):
        folder = tmp_path / lang
        folder.mkdir(parents=True, exist_ok=True)
        _, learner, _ = make_workbooks(folder, variant=variant, lang=lang)
        report = grade(read_filled(fill(learner, variant, lang, {**answers_of(variant), name: typed},
                                        folder / "slip.xlsx")))
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect" and cell.slip_id == slip_id, (lang, cell.status, cell.feedback)
        declared = next(s for s in Catalogue(ws).of(name) if s.id == slip_id).text
        assert cell.slip == declared[lang] and cell.slip in cell.feedback, cell.feedback
        if slip_id == "tanh-grad-not-squared":  # an id of the catalogue, meaning exactly that
            assert cell.slip == NAMES[slip_id][lang]
    return cell


@pytest.fixture(scope="module")
def seeded():
    v = sampled("gru", 1)
    return v, v.worksheet.key(), v.params


def test_z_and_one_minus_z_swapped(tmp_path, seeded):
    v, k, p = seeded
    cell = slipped(tmp_path, v, "h2", k["z2"] * k["n2"] + (1 - k["z2"]) * k["h1"], "gru-z-swapped")
    assert "PyTorch" in cell.slip


def test_reset_gate_applied_before_the_product(tmp_path, seeded):
    v, k, p = seeded
    wrong = p["inputs"][1] * p["Wx"][2] + p["b"][2] + k["r2"] * k["h1"] * p["Wh"][2] + p["bhn"]
    cell = slipped(tmp_path, v, "un2", wrong, "gru-reset-before-product")
    assert "Cho" in cell.slip


def test_state_gradient_not_carried_back(tmp_path, seeded):
    v, k, p = seeded
    wrong = k["dlr2"] * p["Wh"][0] + k["dlz2"] * p["Wh"][1] + k["dm2"] * p["Wh"][2]
    slipped(tmp_path, v, "dh1", wrong, "gru-state-gradient-not-carried")


def test_tanh_derivative_not_squared(tmp_path, seeded):
    v, k, p = seeded
    slipped(tmp_path, v, "dln2", k["dn2"] * (1 - k["n2"]), "tanh-grad-not-squared")


def test_sign_of_the_loss_gradient_reversed(tmp_path, seeded):
    v, k, p = seeded
    slipped(tmp_path, v, "dh2", p["target"] - k["h2"], "sign-reversed")


@pytest.mark.parametrize("lang,slip", [("en", "n1"), ("ja", "dh1")])
def test_end_to_end(tmp_path, lang, slip):
    check_end_to_end(tmp_path, sampled("gru", 2), lang, slip)


# --- variants and specs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("gru", seed)
    p = v.params
    assert len(p["inputs"]) == 2 and p["h0"] == 0 and p["decimals"] == 4 and p["learning_rate"] in (0.5, 1)
    numbers = p["inputs"] + p["Wx"] + p["Wh"] + p["b"] + [p["bhn"], p["target"]]
    assert all(round(x, 1) == x and abs(x) <= 1 for x in numbers)
    assert all(p[k][i] != 0 for k in ("Wx", "Wh") for i in range(3)) and p["bhn"] != 0
    key = v.worksheet.key()
    assert all(abs(key[f"g_{w}"]) >= 0.002 for w in PARAMS)
    assert len(v.worksheet.answers) == 53
    assert from_meta(v.meta()).worksheet.key() == key


def test_variants_are_distinct_and_three_steps_fit():
    assert len({v.digest for v in variants("gru", 1, 8)}) == 8
    ws = from_spec({"kind": "gru", "inputs": [1, -0.5, 0.5]}).worksheet
    assert len(ws.answers) == 69 and "dh2" in ws.quantities and "dh0" not in ws.quantities


@pytest.mark.parametrize("spec,message", [
    ({"inputs": [1.0]}, "'inputs': expected 2 or 3"),
    ({"inputs": [1, 2, 3, 4]}, "'inputs': expected 2 or 3"),
    ({"Wx": [0.1, 0.2]}, "'Wx': expected 3 numbers"),
    ({"Wh": [0.1, 0.2, 30]}, "'Wh': every number"),
    ({"b": "zero"}, "'b'"),
    ({"bhn": "x"}, "'bhn'"),
    ({"target": 2}, "'target'"),
    ({"h0": -3}, "'h0'"),
    ({"learning_rate": 0}, "'learning_rate'"),
    ({"decimals": 0}, "'decimals'"),
    ({"wx": [1, 1, 1]}, "'wx': unknown key"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "gru", **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_sheet_reads_in_the_order_it_is_computed(lang):
    ws = from_spec({"kind": "gru", "inputs": [1, -0.5, 0.5]}).worksheet
    home = layout(ws, lang).home
    for q in ws.answers:
        for d in q.step.deps():
            if not ws.quantities[d].is_given:
                assert (home[d].sheet, home[d].row, home[d].col) <= (home[q.name].sheet, home[q.name].row,
                                                                     home[q.name].col), (q.name, d)


def test_the_unrolled_figure():
    v = sampled("gru", 1)
    for lang in ("en", "ja"):
        fig = gru.figures(v, lang, False)[0]
        assert fig["svg"].count(">GRU<") == 2 and "h₂" in fig["caption"]
    assert "時刻" in gru.figures(v, "ja", True)[0]["caption"]
