"""`vanishing`: a chain of single-unit layers, forward and backward for sigmoid, tanh and ReLU.

No published worked chain exists to copy; what the sheet teaches is checked instead: σ'(u) = σ(u)(1 − σ(u))
is at most 0.25, reached at u = 0 (ゼロから作るDeep Learning §5.5.2, Fig. 5-20; the seed meetup's "σ′ is at
most 0.25"), σ(1) = 0.7311 and tanh'(0) = 1, so the first layer's sigmoid gradient is at most 0.25 per layer
times the weights. The key agrees with PyTorch (float64 autograd through the same chain) and with central
differences on x and every weight; every named slip is typed into a real workbook, in English and Japanese,
its wrong number computed here by plain arithmetic."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.kinds import vanishing as V
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import read_filled
from matchbox.worksheet.slips import NAMES

from conftest import answers_of, check_end_to_end, fill, make_workbooks, run_cli

SPEC = {"kind": "vanishing", "input": 1.0, "weights": [1.2, 0.8, 1.1, 0.9, 1.3, 0.7], "decimals": 12}
FS = ("sigmoid", "tanh", "relu")


def key_of(**spec) -> dict:
    return from_spec({**SPEC, **spec}).worksheet.key()


def torch_chain(x0, weights, biases, f):
    """u, z, f'(u) and ∂z_L/∂u of every layer, by PyTorch's float64 autograd."""
    torch = pytest.importorskip("torch")
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[f]
    z = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    us, zs = [], []
    for w, b in zip(weights, biases or [0.0] * len(weights)):
        u = w * z + b
        u.retain_grad()
        z = act(u)
        us.append(u), zs.append(z)
    z.backward()  # ∂E/∂z_L = 1
    slopes = []
    for u in us:
        v = u.detach().clone().requires_grad_(True)
        act(v).backward()
        slopes.append(v.grad.item())
    return [u.item() for u in us], [z.item() for z in zs], slopes, [u.grad.item() for u in us]


@pytest.mark.parametrize("biases", [[], [0.1, -0.2, 0.0, 0.3, -0.1, 0.2]])
@pytest.mark.parametrize("f", FS)
def test_torch_agrees(f, biases):
    key = key_of(biases=biases)
    us, zs, slopes, grads = torch_chain(SPEC["input"], SPEC["weights"], biases, f)
    L = len(us)
    assert [key["u1"]] + [key[f"{f}_u{l}"] for l in range(2, L + 1)] == pytest.approx(us, abs=1e-12)
    assert [key[f"{f}_z{l}"] for l in range(1, L + 1)] == pytest.approx(zs, abs=1e-12)
    assert [key[f"{f}_d{l}"] for l in range(1, L + 1)] == pytest.approx(slopes, abs=1e-12)
    assert [key[f"{f}_g{l}"] for l in range(1, L + 1)] == pytest.approx(grads, abs=1e-12)
    assert key[f"{f}_ratio"] == pytest.approx(grads[0] / grads[-1], rel=1e-12)


def output(x, weights, f):
    fn = {"sigmoid": lambda u: 1 / (1 + math.exp(-u)), "tanh": math.tanh, "relu": lambda u: max(u, 0.0)}[f]
    z = x
    for w in weights:
        z = fn(w * z)
    return z


@pytest.mark.parametrize("f", FS)
def test_central_differences_on_the_input_and_every_weight(f):
    """∂z_L/∂x = w₁·δ₁ and ∂z_L/∂wₗ = δₗ·zₗ₋₁, from the key, against (z(a + h) − z(a − h)) / 2h."""
    key, x, ws, h = key_of(), SPEC["input"], list(SPEC["weights"]), 1e-6
    numeric_x = (output(x + h, ws, f) - output(x - h, ws, f)) / (2 * h)
    assert ws[0] * key[f"{f}_g1"] == pytest.approx(numeric_x, abs=1e-8)
    for l in range(1, len(ws) + 1):
        plus, minus = list(ws), list(ws)
        plus[l - 1] += h
        minus[l - 1] -= h
        numeric = (output(x, plus, f) - output(x, minus, f)) / (2 * h)
        z_before = x if l == 1 else key[f"{f}_z{l - 1}"]
        assert key[f"{f}_g{l}"] * z_before == pytest.approx(numeric, abs=1e-8), l


def test_the_numbers_the_lesson_rests_on():
    key = key_of(input=0.0, weights=[1.0, 1.0, 1.0], functions=["sigmoid", "tanh"])
    assert key["sigmoid_d1"] == 0.25 and key["tanh_d1"] == 1  # σ'(0) = ¼, its largest; tanh'(0) = 1
    assert key["sigmoid_z1"] == 0.5 and key["sigmoid_u2"] == 0.5
    key = key_of(weights=[1.0, 1.0, 1.0])
    assert round(key["sigmoid_z1"], 4) == 0.7311  # σ(1)
    assert [key[f"relu_g{l}"] for l in (1, 2, 3)] == [1, 1, 1]  # ReLU with u > 0 passes it through
    # δ₁ / δ_L ≤ 0.25^(L − 1)·|w₂···w_L| for the sigmoid, far less than tanh's and ReLU's
    key, ws = key_of(), SPEC["weights"]
    assert key["sigmoid_ratio"] <= 0.25 ** 5 * math.prod(ws[1:])
    assert key["sigmoid_ratio"] < key["tanh_ratio"] < key["relu_ratio"] == pytest.approx(math.prod(ws[1:]))


@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants(seed):
    v = sampled("vanishing", seed)
    p = v.params
    assert len(p["weights"]) == 4 and p["biases"] == [] and p["decimals"] == 4 and p["functions"] == list(FS)
    assert 0.5 <= p["input"] <= 2 and round(p["input"], 1) == p["input"]
    assert all(0.5 <= w <= 1.5 and w != 1 and round(w, 1) == w for w in p["weights"])
    key = v.worksheet.key()
    assert all(key[f"relu_d{l}"] == 1 for l in range(1, 5))  # every u > 0 on the ReLU chain
    assert all(abs(key[f"sigmoid_g{l}"]) >= 1e-3 for l in range(1, 5))  # two digits at 4 decimals
    assert len(v.worksheet.answers) == 49
    assert from_meta(v.meta()).worksheet.key() == key


def test_variants_are_distinct():
    assert len({v.digest for v in variants("vanishing", 1, 6)}) == 6


def test_depth_and_decimals():
    v = from_spec({"kind": "vanishing", "depth": 8})
    assert len(v.params["weights"]) == 8 and v.params["decimals"] > 4  # raised so δ₁ keeps two digits
    assert abs(v.worksheet.key()["sigmoid_g1"]) >= 10 ** (1 - v.params["decimals"])
    assert from_spec({"kind": "vanishing"}).params["decimals"] == 4


@pytest.mark.parametrize("spec,message", [
    ({"weights": [1, 1]}, "'weights': expected 3 to 8"),
    ({"weights": [1, 0, 1]}, "'weights': every weight must be nonzero"),
    ({"depth": 9}, "'depth'"),
    ({"weights": [1, 1, 1], "depth": 4}, "'depth'"),
    ({"biases": [0.1]}, "'biases': expected 3 biases"),
    ({"functions": ["swish"]}, "'functions': unknown function 'swish'"),
    ({"input": "one"}, "'input'"),
    ({"input": -1.0}, "'weights': ReLU's last layer gets u ≤ 0"),
    ({"weights": [1.2, 0.8, 1.1, 0.9] * 2, "decimals": 4}, "'decimals': a gradient of this chain needs"),
    ({"weight": [1, 1, 1]}, "'weight': unknown key"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "vanishing", "weights": [1.2, 0.8, 1.1], **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_sheet_reads_in_the_order_it_is_computed(lang):
    ws = from_spec({"kind": "vanishing", "biases": [0.1, 0, -0.1, 0.2]}).worksheet
    home = layout(ws, lang).home
    for q in ws.answers:
        for d in q.step.deps():
            if not ws.quantities[d].is_given:
                assert (home[d].row, home[d].col) < (home[q.name].row, home[q.name].col), (q.name, d)


def test_the_sheet_ends_with_the_experiment_at_its_own_depths(tmp_path):
    """The sheet's last note names the experiment with the sheet's depths, and the command it prints is one
    `matchbox experiment` accepts (run on a few images for one epoch)."""
    import re
    import shlex
    from click.testing import CliRunner
    from matchbox.cli import main
    for spec, depths in [({"weights": [1.2, 0.8, 1.1, 0.9]}, "2,3,4"), ({"depth": 6}, "2,3,4,5,6")]:
        ws = from_spec({"kind": "vanishing", **spec}).worksheet
        last = ws.tables[-1]
        assert last.name == "readoff"
        for lang in ("en", "ja"):
            note = last.note[lang]
            assert f"matchbox experiment activations --depths {depths}" in note
            assert "matchbox experiment init" in note and "matchbox replay vanishing" in note
    command = re.search(r"matchbox (experiment activations --depths [\d,]+)", last.note["en"]).group(1)
    r = CliRunner().invoke(main, [*shlex.split(command), "--epochs", "1", "--json", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert r.output.count('"2 layers"') + r.output.count('"6 layers"') == 2


def test_depths_other_than_whole_numbers_are_refused_in_one_line():
    from click.testing import CliRunner
    from matchbox.cli import main
    for args in (["activations", "--depths", "two"], ["activations", "--depths", "0,2"],
                 ["optimizers", "--depths", "2"]):
        r = CliRunner().invoke(main, ["experiment", *args])
        assert r.exit_code == 2 and "depths" in r.output and "Traceback" not in r.output, r.output


def test_replay_continues_the_chain_with_unit_weights():
    """The engine's continuation: its first L points are the sheet's δ₁ (unrounded) for the sheet's first
    layers; past the sheet, each layer of weight 1 multiplies δ₁ by the activation's derivative alone: sigmoid
    by at most ¼, ReLU (u > 0) by exactly 1."""
    from matchbox.training.replay import replay
    v = sampled("vanishing", 1)
    L = len(v.params["weights"])
    key = v.worksheet.key()
    r = replay(v, 30, None)
    assert r.sheet_steps == L and r.first_step == 1 and r.xlabel["en"] == "layers in the chain"
    for f, name in [("sigmoid", "sigmoid"), ("tanh", "tanh"), ("relu", "ReLU")]:
        series = r.series[name]
        assert len(series) == 30
        assert series[L - 1] == pytest.approx(abs(key[f"{f}_g1"]), rel=1e-12)
    sig, relu = r.series["sigmoid"], r.series["ReLU"]
    assert all(0 < sig[k + 1] / sig[k] <= 0.25 for k in range(L, 29))
    assert all(relu[k + 1] == pytest.approx(relu[k], rel=1e-12) for k in range(L, 29))
    assert sig[-1] < 1e-15 < 0.1 < relu[-1]


def test_figures():
    v = sampled("vanishing", 1)
    sheet, key = V.figures(v, "ja", False)[0], V.figures(v, "ja", True)[0]
    assert sheet["svg"].count("<circle") == 4 and "シグモイド関数" not in sheet["svg"]  # the bound only
    assert key["svg"].count("<circle") == 16 and "シグモイド関数" in key["svg"] and "対数" in key["caption"]


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
    return sampled("vanishing", 1)


def test_sigmoid_slope_as_the_output(tmp_path, v):
    k = v.worksheet.key()  # the numbers the learner typed, unrounded
    slipped(tmp_path, v, "sigmoid_d2", k["sigmoid_z2"], "sigmoid-grad-as-output", V.SIGMA_AS_OUTPUT)


def test_tanh_slope_not_squared(tmp_path, v):
    k = v.worksheet.key()  # the numbers the learner typed, unrounded
    slipped(tmp_path, v, "tanh_d3", 1 - k["tanh_z3"], "tanh-grad-not-squared")


def test_relu_slope_as_the_output(tmp_path, v):
    k = v.worksheet.key()  # the numbers the learner typed, unrounded
    slipped(tmp_path, v, "relu_d2", k["relu_u2"], "relu-grad-as-output", V.RELU_AS_OUTPUT)


@pytest.mark.parametrize("f", ["sigmoid", "tanh"])
def test_weight_forgotten_in_the_backward_product(tmp_path, v, f):
    k = v.worksheet.key()  # the numbers the learner typed, unrounded
    slipped(tmp_path, v, f"{f}_g2", k[f"{f}_d2"] * k[f"{f}_g3"], "weight-forgotten", V.WEIGHT_FORGOTTEN)


def test_ratio_upside_down(tmp_path, v):
    k = v.worksheet.key()  # the numbers the learner typed, unrounded
    slipped(tmp_path, v, "sigmoid_ratio", k["sigmoid_g4"] / k["sigmoid_g1"], "upside-down")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang, v):
    """σ(u₂) wrong: its slope, every later u and z, and the backward products are carried."""
    report = check_end_to_end(tmp_path, v, lang, slip="sigmoid_z2")
    status = {c.quantity: c.status for c in report.cells}
    assert status["sigmoid_d2"] == status["sigmoid_u3"] == status["sigmoid_g1"] == "carried"
    assert status["tanh_z2"] == status["relu_g1"] == "correct"


def test_solve_prints_the_key():
    r = run_cli("solve", "vanishing", "--seed", "1")
    assert r.returncode == 0 and "matchbox experiment activations" in r.stdout and "0.0105" in r.stdout
