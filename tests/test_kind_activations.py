"""`activations`: values and slopes equal the engine's functions, the layers' backward and finite
differences; the softmax part is the engine's; a slip in σ(u) is carried into σ'(u)."""
import math

import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.engine.layers import Relu, Sigmoid, Tanh
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.worksheet.graph import tr
from matchbox.workbook.layout import layout

from conftest import check_end_to_end

POINTS = [-2, -0.5, 0, 1, 3]


def key_of(**spec) -> dict:
    return from_spec({"kind": "activations", "functions": ["step", "sigmoid", "tanh", "relu", "identity"],
                      "points": POINTS, "decimals": 12, **spec}).worksheet.key()


def test_by_hand():
    key = key_of()
    assert key["sigmoid3"] == 0.5 and key["dsigmoid3"] == 0.25  # σ(0) = ½, σ'(0) = ¼
    assert key["tanh3"] == 0 and key["dtanh3"] == 1
    assert key["sigmoid4"] == pytest.approx(1 / (1 + math.e ** -1), abs=1e-12)  # 0.7311
    assert [key[f"relu{k}"] for k in range(1, 6)] == [0, 0, 0, 1, 3]
    assert [key[f"drelu{k}"] for k in range(1, 6)] == [0, 0, 0, 1, 1]
    assert [key[f"identity{k}"] for k in range(1, 6)] == POINTS and key["didentity1"] == 1
    # the book's step function fires on u > 0 only; the sheet can state ≥ instead
    assert [key[f"step{k}"] for k in range(1, 6)] == [0, 0, 0, 1, 1]
    assert key_of(step_rule=">=")["step3"] == 1
    assert all(key[f"dstep{k}"] == 0 for k in range(1, 6))


@pytest.mark.parametrize("name,layer", [("sigmoid", Sigmoid), ("tanh", Tanh), ("relu", Relu)])
def test_slopes_are_the_layers_backward_and_finite_differences(name, layer):
    key = key_of()
    x = np.array(POINTS, float)
    lay = layer()
    y = lay.forward(x)
    slope = lay.backward(np.ones_like(x))
    assert [key[f"{name}{k}"] for k in range(1, 6)] == pytest.approx(y.tolist(), abs=1e-12)
    assert [key[f"d{name}{k}"] for k in range(1, 6)] == pytest.approx(slope.tolist(), abs=1e-12)
    h = 1e-6
    fn = F.ACTIVATIONS[name][0]
    numeric = [(fn(u + h) - fn(u - h)) / (2 * h) for u in POINTS if u != 0 or name != "relu"]
    assert [key[f"d{name}{k}"] for k, u in enumerate(POINTS, 1) if u != 0 or name != "relu"] == \
        pytest.approx(numeric, abs=1e-8)


def test_torch_agrees():
    torch = pytest.importorskip("torch")
    key = key_of()
    for name, fn in [("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu)]:
        x = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
        fn(x).sum().backward()
        assert [key[f"d{name}{k}"] for k in range(1, 6)] == pytest.approx(x.grad.tolist(), abs=1e-12)


def test_softmax_part():
    key = key_of(softmax=[1, 2, 3])
    assert [key[f"sm_y{i}"] for i in (1, 2, 3)] == pytest.approx(F.softmax([1, 2, 3]).tolist(), abs=1e-12)
    assert key["sm_max"] == 3 and key["sm_e3"] == 1
    # ゼロから作るDeep Learning §3.5.1: softmax([0.3, 2.9, 4.0]) = [0.01821127, 0.24519181, 0.73659691]
    key = key_of(softmax=[0.3, 2.9, 4.0], decimals=8)
    assert [key[f"sm_y{i}"] for i in (1, 2, 3)] == pytest.approx([0.01821127, 0.24519181, 0.73659691], abs=5e-9)


def test_a_largest_value_of_many_decimals_may_be_rounded_as_told():
    ws = from_spec({"kind": "activations", "softmax": [0.123456, -1]}).worksheet
    assert ws.quantities["sm_max"].precision.agrees(0.1235, ws.key()["sm_max"])


@pytest.mark.parametrize("rule,en,ja", [(">", "step(0) = 0", "step(0) = 0"), (">=", "step(0) = 1", "step(0) = 1")])
def test_the_sheet_states_its_rules_at_zero(rule, en, ja):
    ws = from_spec({"kind": "activations", "step_rule": rule}).worksheet
    assert en in ws.instructions["en"] and ja in ws.instructions["ja"]
    assert "derivative of step and ReLU as 0" in ws.instructions["en"]
    assert "ステップ関数とReLUの微分は 0" in ws.instructions["ja"]
    # without step and ReLU there is nothing to state
    plain = from_spec({"kind": "activations", "functions": ["sigmoid", "tanh"]}).worksheet
    assert "u = 0" not in plain.instructions["en"] + plain.instructions["ja"]


def test_formulas_under_the_headings_in_both_languages():
    ws = from_spec({"kind": "activations", "functions": list(F.ACTIVATIONS)}).worksheet
    values = next(t for t in ws.tables if t.name == "values")
    formulas = {tr(c.header, "en"): (tr(c.formula, "en"), tr(c.formula, "ja")) for c in values.columns[1:]}
    assert formulas["sigmoid"][0] == "σ(u) = 1 / (1 + e^(−u))"
    assert formulas["sigmoid'"][0] == "σ'(u) = σ(u)(1 − σ(u))"
    assert formulas["step"] == ("1 (u > 0), 0 (u ≤ 0)",) * 2
    assert all(en and ja and not any(w in ja for w in (" if ", "else", " at ")) for en, ja in formulas.values())


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_sheet_reads_in_the_order_it_is_computed(lang):
    """Left to right, top to bottom, every answer comes after the answers it is computed from."""
    ws = from_spec({"kind": "activations", "functions": list(F.ACTIVATIONS), "softmax": [1, 0, 2, 1]}).worksheet
    home = layout(ws, lang).home
    for q in ws.answers:
        for d in q.step.deps():
            if not ws.quantities[d].is_given:
                assert (home[d].row, home[d].col) < (home[q.name].row, home[q.name].col), (q.name, d)


@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants(seed):
    v = sampled("activations", seed)
    points = v.params["points"]
    assert len(points) == 4 and min(points) < 0 < max(points) and len(set(v.params["softmax"])) > 1
    assert all(p in (-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3) for p in points)
    assert from_meta(v.meta()).worksheet.key() == v.worksheet.key()


def test_variants_are_distinct():
    assert len({v.digest for v in variants("activations", 1, 5)}) == 5


@pytest.mark.parametrize("spec,message", [
    ({"functions": ["swish"]}, "unknown function 'swish'"),
    ({"points": []}, "points"),
    ({"softmax": [1]}, "softmax"),
    ({"step_rule": "=>"}, "step_rule"),
    ({"functions": ["relu", "relu"]}, "'functions': 'relu' appears more than once"),
    ({"points": list(range(13))}, "expected 1 to 12 points"),
    ({"softmax": list(range(11))}, "softmax"),
    ({"derivatives": "yes"}, "derivatives"),
    ({"decimals": 13}, "decimals"),
    ({"point": [1]}, "'point': unknown key"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "activations", **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang):
    """σ(u) wrong at one point: its slope σ(u)(1 − σ(u)) is carried from the learner's own σ."""
    v = from_spec({"kind": "activations", "points": [-1, 0.5, 2], "softmax": [1, 0, 2]})
    report = check_end_to_end(tmp_path, v, lang, slip="sigmoid2")
    assert {c.quantity: c.status for c in report.cells}["dsigmoid2"] == "carried"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_seeded_variant_end_to_end(tmp_path, lang):
    """A softmax exponential wrong: the sum and every y are carried from it."""
    report = check_end_to_end(tmp_path, sampled("activations", 3), lang, slip="sm_e1")
    status = {c.quantity: c.status for c in report.cells}
    assert status["sm_sum"] == status["sm_y1"] == status["sm_y2"] == "carried"
