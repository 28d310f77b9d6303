"""`gates`: the book's logic gates reproduced, PyTorch and the engine agree with the sheet, the named slips are
named in real workbooks (en and ja), and a slip in the NAND table is carried into the XOR table.

Source of the published numbers: 斎藤康毅『ゼロから作るDeep Learning』(O'Reilly Japan, 2016) ch. 2: §2.3.1 AND with
(w₁, w₂, θ) = (0.5, 0.5, 0.7); §2.3.3 the bias form, AND w = (0.5, 0.5), b = −0.7, NAND w = (−0.5, −0.5),
b = 0.7, OR w = (0.5, 0.5), b = −0.2; §2.5.2 XOR(x₁, x₂) = AND(NAND(x₁, x₂), OR(x₁, x₂)) giving 0, 1, 1, 0.
"""
import numpy as np
import pytest

from matchbox.engine.logic import INPUTS, STANDARD, two_layer
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.kinds.gates import figures
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.reader import read_filled
from matchbox.worksheet.slips import NAMES

from conftest import answers_of, check_end_to_end, fill, make_workbooks, numerical

ROWS = ["00", "10", "01", "11"]
BOOK_BIAS = {"kind": "gates", "form": "bias", "gates": [
    {"name": "AND", "weights": [0.5, 0.5], "bias": -0.7}, {"name": "NAND", "weights": [-0.5, -0.5], "bias": 0.7},
    {"name": "OR", "weights": [0.5, 0.5], "bias": -0.2}]}


def column(key, prefix, what):
    return [key[f"{prefix}_{what}{r}"] for r in ROWS]


def test_book_threshold_form():
    """§2.3.1: AND (0.5, 0.5, 0.7) — u = 0, 0.5, 0.5, 1.0, and only 1.0 > 0.7 fires; the default spec."""
    v = from_spec({"kind": "gates"})
    key = v.worksheet.key()
    assert [g["name"] for g in v.params["gates"]] == ["AND", "NAND", "OR"]
    assert column(key, "g0", "u") == pytest.approx([0, 0.5, 0.5, 1.0]) and column(key, "g0", "y") == [0, 0, 0, 1]
    assert column(key, "g1", "u") == pytest.approx([0, -0.5, -0.5, -1.0]) and column(key, "g1", "y") == [1, 1, 1, 0]
    assert column(key, "g2", "y") == [0, 1, 1, 1]
    assert column(key, "c", "y") == [0, 1, 1, 0]  # XOR, §2.5.2
    assert column(key, "c", "u") == pytest.approx([0.5, 1.0, 1.0, 0.5])  # AND on (s₁, s₂) = (1,0), (1,1), (1,1), (0,1)


def test_book_bias_form():
    """§2.3.3: AND(1, 1): u = −0.7 + 0.5 + 0.5 = 0.3 → 1; NAND(1, 1): 0.7 − 1 = −0.3 → 0; OR(0, 0): −0.2 → 0."""
    key = from_spec(BOOK_BIAS).worksheet.key()
    assert column(key, "g0", "u") == pytest.approx([-0.7, -0.2, -0.2, 0.3]) and column(key, "g0", "y") == [0, 0, 0, 1]
    assert column(key, "g1", "u") == pytest.approx([0.7, 0.2, 0.2, -0.3]) and column(key, "g1", "y") == [1, 1, 1, 0]
    assert column(key, "g2", "u") == pytest.approx([-0.2, 0.3, 0.3, 0.8]) and column(key, "g2", "y") == [0, 1, 1, 1]
    assert column(key, "c", "u") == pytest.approx([-0.2, 0.3, 0.3, -0.2]) and column(key, "c", "y") == [0, 1, 1, 0]


def torch_gates(params):
    """The sheet's network in PyTorch, float64: one Linear layer per gate, the step as u > 0 (or u ≥ 0)."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(INPUTS, dtype=torch.float64)
    fire = (lambda u: (u > 0).double()) if params["rule"] == ">" else (lambda u: (u >= 0).double())
    out = {}
    for g in params["gates"]:
        b = g["bias"] if "bias" in g else -g["threshold"]
        lin = torch.nn.Linear(2, 1, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([g["weights"]], dtype=torch.float64))
            lin.bias.fill_(b)
        u = lin(x)[:, 0]
        out[g["name"]] = (u, fire(u), lin)  # u = b + w·x; the threshold form writes w·x = u + θ
    return out


@pytest.mark.parametrize("seed", range(1, 9))
def test_the_key_is_pytorchs_and_the_engines_network(seed):
    v = sampled("gates", seed)
    p, key = v.params, v.worksheet.key()
    net = torch_gates(p)
    for i, g in enumerate(p["gates"]):
        u, y, _ = net[g["name"]]
        theta = g["threshold"] if p["form"] == "threshold" else 0
        assert column(key, f"g{i}", "u") == pytest.approx((u + theta).tolist(), abs=1e-12)
        assert column(key, f"g{i}", "y") == y.tolist() == list(STANDARD[g["name"]])
    torch = pytest.importorskip("torch")
    s = torch.stack([net["NAND"][1], net["OR"][1]], dim=1)
    last = net["AND"][2]
    theta = p["gates"][0].get("threshold", 0)
    assert column(key, "c", "u") == pytest.approx((last(s)[:, 0] + theta).tolist(), abs=1e-12)
    assert column(key, "c", "y") == (last(s)[:, 0] > 0).double().tolist() == [0, 1, 1, 0]
    gate = {g["name"]: (g["weights"], g.get("bias", -g.get("threshold", 0))) for g in p["gates"]}
    _, _, y = two_layer(INPUTS, gate["NAND"], gate["OR"], gate["AND"])
    assert y.tolist() == column(key, "c", "y")


def test_the_sum_moves_with_each_weight_by_its_input():
    """∂u/∂wⱼ = xⱼ by central differences on the sheet's own steps (the only derivative of a gate's sum)."""
    v = from_spec(BOOK_BIAS)
    ws = v.worksheet
    values = dict(ws.key())
    for r, (x1, x2) in zip(ROWS, INPUTS):
        w = np.array([values["g0_w1"], values["g0_w2"], values["g0_b"]])

        def u():
            return ws.evaluate(f"g0_u{r}", {**values, "g0_w1": w[0], "g0_w2": w[1], "g0_b": w[2]})
        assert numerical(u, w) == pytest.approx([x1, x2, 1.0], abs=1e-8)


def typed(tmp_path, v, name, wrong, lang):
    folder = tmp_path / lang
    folder.mkdir(parents=True, exist_ok=True)
    _, learner, _ = make_workbooks(folder, variant=v, lang=lang)
    report = grade(read_filled(fill(learner, v, lang, {**answers_of(v), name: wrong}, folder / "slip.xlsx")))
    return next(c for c in report.cells if c.quantity == name)


def named(tmp_path, v, name, wrong, slip_id, words):
    assert wrong != v.worksheet.key()[name]
    for lang in ("en", "ja"):
        cell = typed(tmp_path, v, name, wrong, lang)
        assert cell.status == "incorrect" and cell.slip_id == slip_id, (lang, cell.feedback)
        assert cell.slip == words[lang] and words[lang] in cell.feedback, cell.feedback


def test_and_of_one_one_given_zero_is_named(tmp_path):
    """The slip of a published study note: AND's row (1, 1) written 0 (its u = 1.0 > 0.7 right)."""
    v = from_spec({"kind": "gates"})
    named(tmp_path, v, "g0_y11", 0, "and-one-one",
          {"en": "AND of (1, 1) is 1: both inputs are 1, so the gate fires",
           "ja": "AND の (1, 1) は 1 です(入力が両方とも 1 なので発火します)"})


def test_a_row_copied_from_the_wrong_gate_is_named(tmp_path):
    """OR's row (1, 1) given NAND's sum −0.4 − 0.5 = −0.9 (seed 1: NAND w = (−0.4, −0.5))."""
    v = sampled("gates", 1)
    assert v.params["form"] == "threshold" and v.params["gates"][1]["weights"] == [-0.4, -0.5]
    named(tmp_path, v, "g2_u11", -0.4 + -0.5, "row-copied-from-NAND",
          {"en": "the row copied from the NAND table (its u at the same inputs)",
           "ja": "NAND の表の同じ入力の行を写しています (u は NAND の値です)"})


def test_the_last_gate_fed_the_inputs_is_named(tmp_path):
    """XOR row (0, 0): AND on x = (0, 0) gives −0.7 + 0 = −0.7, where s = (1, 0) gives −0.2 (book's bias form)."""
    named(tmp_path, from_spec(BOOK_BIAS), "c_u00", -0.7, "gate-on-inputs",
          {"en": "AND applied to x₁, x₂ instead of s₁, s₂", "ja": "s₁, s₂ ではなく x₁, x₂ に AND を適用しています"})


def test_the_tie_rule_is_named_in_both_forms(tmp_path):
    """OR with w = (1, 1), θ = 1 and the rule ≥: OR(1, 0) has u = 1 = θ and fires; 0 there is ≥ read as >."""
    spec = {"kind": "gates", "rule": ">=", "gates": [{"name": "OR", "weights": [1, 1], "threshold": 1}]}
    v = from_spec(spec)
    assert v.worksheet.key()["g0_y10"] == 1 and v.params["composition"] is False
    named(tmp_path, v, "g0_y10", 0, "tie-rule", NAMES["tie-rule"])
    v = from_spec({**spec, "form": "bias", "gates": [{"name": "OR", "weights": [1, 1], "bias": -1}]})
    named(tmp_path / "bias", v, "g0_y10", 0, "tie-rule",
          {"en": "the rule at u = 0 reversed (≥ and > mixed up)", "ja": "u = 0 のときの発火条件の取り違え (≥ と >)"})


def test_compared_with_zero_is_named(tmp_path):
    """AND(1, 0): u = 0.5 is below θ = 0.7; a learner who compares with 0 writes 1."""
    named(tmp_path, from_spec({"kind": "gates"}), "g0_y10", 1, "compared-with-zero", NAMES["compared-with-zero"])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_nand_slip_is_carried_into_xor(tmp_path, lang):
    """NAND(1, 1) wrong: XOR's row (1, 1) sum follows the learner's s₁, one cell lost."""
    report = check_end_to_end(tmp_path, from_spec(BOOK_BIAS), lang, slip="g1_y11")
    assert {c.quantity: c.status for c in report.cells}["c_u11"] == "carried"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_seeded_variant_end_to_end(tmp_path, lang):
    report = check_end_to_end(tmp_path, sampled("gates", 2), lang, slip="g2_y00")
    assert {c.quantity: c.status for c in report.cells}["c_u00"] == "carried"


@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants(seed):
    v = sampled("gates", seed)
    p, ws = v.params, v.worksheet
    key = ws.key()
    for g in p["gates"]:
        limit = g.get("threshold", g.get("bias"))
        for w in g["weights"] + [limit]:
            assert round(w, 1) == w and 0 < abs(w) <= 2
    for q in ws.answers:
        assert round(key[q.name], 1) == pytest.approx(key[q.name], abs=1e-12)
        if "_y" in q.name:
            assert key[q.name] in (0, 1)
    for i, g in enumerate(p["gates"]):  # no sum on the threshold: the rule never decides
        theta = g["threshold"] if p["form"] == "threshold" else 0
        assert all(abs(key[f"g{i}_u{r}"] - theta) > 1e-9 for r in ROWS)
    assert from_meta(v.meta()).worksheet.key() == key
    assert len(ws.answers) == 32


def test_variants_are_distinct():
    assert len({v.digest for v in variants("gates", 1, 6)}) == 6


def test_own_gates_and_composition():
    """A NOR gate and XNOR = OR(AND, NOR), named and checked; the tables read in the order they are computed."""
    v = from_spec({"kind": "gates", "gates": [{"name": "AND", "weights": [1, 1], "threshold": 1.5},
                                              {"name": "NOR", "weights": [-1, -1], "threshold": -0.5},
                                              {"name": "OR", "weights": [1, 1], "threshold": 0.5}],
                   "composition": {"s1": "AND", "s2": "NOR", "y": "OR"}})
    assert v.params["composition"]["name"] == "XNOR"
    assert column(v.worksheet.key(), "c", "y") == [1, 0, 0, 1]
    assert [t.name for t in v.worksheet.tables] == ["settings", "gate0", "gate1", "gate2", "composition"]


def test_figures_show_the_gates_and_xor():
    v = from_spec({"kind": "gates"})
    key, sheet = figures(v, "ja", True), figures(v, "ja", False)
    assert len(key) == len(sheet) == 4
    assert [f["svg"].count('r="5" fill="#111"') for f in key] == [1, 3, 3, 2]  # the 1s of AND, NAND, OR, XOR
    assert all('r="5" fill="#111"' not in f["svg"] for f in sheet)  # the learner fills them in
    assert "1本の直線で分けることはできません" in key[-1]["caption"] and "0.5x₁ + 0.5x₂ = 0.7" in key[0]["caption"]


@pytest.mark.parametrize("spec,message", [
    ({"form": "weights"}, "'form'"),
    ({"rule": "=>"}, "'rule'"),
    ({"gates": [{"name": "AND", "weights": [0.5, 0.5], "threshold": 1.2}]}, "'gates\\[0\\].weights'.*not"),
    ({"gates": [{"name": "XOR", "weights": [1, 1], "threshold": 0.5}]}, "no single straight line"),
    ({"gates": [{"name": "G", "weights": [1, 1]}]}, "'gates\\[0\\].threshold': is required"),
    ({"gates": [{"name": "OR", "threshold": 0.2, "bias": -0.2}]}, "'gates\\[0\\].bias'"),
    ({"gates": [{"name": "OR", "weight": [1, 1]}]}, "'gates\\[0\\].weight'"),
    ({"gates": [{"name": "OR"}, {"name": "OR"}]}, "'gates': two gates share"),
    ({"gates": [{"name": "OR"}], "composition": {"s1": "OR", "s2": "NAND", "y": "OR"}}, "'composition.s2'"),
    ({"composition": {"s1": "NAND", "s2": "OR", "y": "AND", "name": "AND"}}, "'composition.name'"),
    ({"composition": {"s1": "NAND", "s2": "OR", "y": "OR", "name": "XOR"}}, "'composition.name'.*not XOR"),
    ({"composition": {"s1": "NAND", "s2": "OR", "y": "AND", "layer": 2}}, "'composition.layer'"),
    ({"composition": 3}, "'composition'"),
    ({"gates": [{"name": f"G{i}", "weights": [1, 1], "threshold": 0.5} for i in range(5)]}, "'gates'.*at most"),
    ({"gate": []}, "'gate'"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "gates", **spec})
