"""Slips learners really make, named (issue 12, section 5): a convolution's bias forgotten, + η·g instead of
− η·g, Momentum's velocity with the wrong sign, Adam without bias correction or with t stuck at 1, tanh′ as
1 − tanh, e^a without the max subtracted; and "the new weight used in the same trial's sum" no longer named
on a u of 0 that only zeros explain.

Each slip is typed into a real workbook (English and Japanese) and graded from the file; every wrong number
is computed here by hand from the key, never by the slip's own code."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from matchbox.engine import functions as F
from matchbox.kinds import from_spec, sampled
from matchbox.worksheet.graph import Precision, Step, Worksheet
from matchbox.worksheet.slips import NAMES, Catalogue
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.grading.slips import explain
from matchbox.workbook.reader import read_filled

from conftest import answers_of, fill, make_workbooks


def typed_in(tmp_path: Path, variant, values: dict, lang: str):
    """`values` (every answer) typed into the variant's learner workbook in `lang`, graded from the file."""
    folder = tmp_path / lang
    folder.mkdir(parents=True, exist_ok=True)
    _, learner, _ = make_workbooks(folder, variant=variant, lang=lang)
    return grade(read_filled(fill(learner, variant, lang, values, folder / "slip.xlsx")))


def slipped(tmp_path: Path, variant, name: str, wrong: float, slip_id: str):
    """The learner writes the key everywhere but `name`, where they write `wrong` (rounded as the sheet asks):
    that cell is incorrect and named `slip_id`, in English and in Japanese."""
    ws = variant.worksheet
    q = ws.quantities[name]
    typed = wrong if q.precision.exact else round(wrong, q.precision.decimals)
    assert not q.precision.agrees(typed, ws.key()[name]), "the slip must show on this cell"
    for lang in ("en", "ja"):
        report = typed_in(tmp_path, variant, {**answers_of(variant), name: typed}, lang)
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect", (lang, cell.status, cell.feedback)
        assert cell.slip_id == slip_id, (lang, cell.feedback)
        assert cell.slip == NAMES[slip_id][lang] and NAMES[slip_id][lang] in cell.feedback, cell.feedback
    return cell


def value_of(arg, key):
    return key[arg] if isinstance(arg, str) else arg


# --- a convolution's bias forgotten ------------------------------------------------------------------------

IMAGE = [[1, 0, 2, 1], [0, 3, 1, 0], [2, 1, 0, 1], [1, 2, 3, 0]]
KERNEL = [[1, -1], [2, 0]]


def test_convolution_bias_forgotten(tmp_path):
    v = from_spec({"kind": "conv", "image": IMAGE, "kernel": KERNEL, "bias": 2})
    key = v.worksheet.key()

    def window(i, j, kernel=KERNEL):  # Σ window × kernel at (i, j), by hand
        return sum(IMAGE[i + a][j + b] * kernel[a][b] for a in range(2) for b in range(2)
                   if 0 <= i + a < 4 and 0 <= j + b < 4)

    flipped = [row[::-1] for row in KERNEL[::-1]]
    for i in range(3):
        for j in range(3):
            assert key[f"c1_{i + 1}_{j + 1}"] == window(i, j) + 2  # the key, checked by hand
    # a cell whose bias-less sum is no other slip's number (a shifted window, the flipped kernel)
    i, j = next((i, j) for i in range(3) for j in range(3)
                if window(i, j) not in {window(i + di, j + dj) + 2 for di, dj in ((0, 1), (1, 0), (0, -1), (-1, 0))
                                        if 0 <= i + di < 3 and 0 <= j + dj < 3} | {window(i, j, flipped) + 2})
    slipped(tmp_path, v, f"c1_{i + 1}_{j + 1}", window(i, j), "bias-forgotten")


# --- w + η·g instead of w − η·g, for every kind that steps down a gradient ----------------------------------

@pytest.mark.parametrize("kind", ["backprop", "neuron", "optimizers", "descent"])
def test_update_with_the_sign_reversed(tmp_path, kind):
    v = sampled(kind, 2)
    ws, key = v.worksheet, v.worksheet.key()
    for q in ws.answers:
        if q.step.fn is F.gradient_step:
            w, g, lr = (value_of(a, key) for a in q.step.args)
            if abs(lr * g) > 0.01:
                break
    else:
        pytest.fail("no step that moves")
    assert key[q.name] == pytest.approx(w - lr * g, abs=1e-4)
    slipped(tmp_path, v, q.name, w + lr * g, "gradient-sign")


# --- Momentum ----------------------------------------------------------------------------------------------

def optimizers():
    v = sampled("optimizers", 1)
    assert {"momentum", "adam"} <= set(v.params["optimizers"])
    return v, v.worksheet.key()


@pytest.mark.parametrize("k", [1, 2])
def test_momentum_velocity_with_the_wrong_sign(tmp_path, k):
    v, key = optimizers()
    alpha, lr = key["momentum_momentum"], key["momentum_lr"]
    before = key["momentum_v0_1"] if k == 2 else 0.0
    g = key[f"momentum_g0_{k}"]
    assert key[f"momentum_v0_{k}"] == pytest.approx(alpha * before - lr * g, abs=1e-4)
    slipped(tmp_path, v, f"momentum_v0_{k}", alpha * before + lr * g, "velocity-sign")


def test_momentum_moved_against_its_velocity(tmp_path):
    v, key = optimizers()
    assert key["momentum_x0_2"] == pytest.approx(key["momentum_x0_1"] + key["momentum_v0_2"], abs=1e-4)
    slipped(tmp_path, v, "momentum_x0_2", key["momentum_x0_1"] - key["momentum_v0_2"], "momentum-move-sign")


# --- Adam --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, moment, beta", [("adam_mh0_2", "adam_m0_2", "adam_beta1"),
                                                ("adam_sh0_2", "adam_s0_2", "adam_beta2"),
                                                ("adam_mh0_1", "adam_m0_1", "adam_beta1")])
def test_adam_without_bias_correction(tmp_path, cell, moment, beta):
    v, key = optimizers()
    t = int(cell[-1])
    assert key[cell] == pytest.approx(key[moment] / (1 - key[beta] ** t), abs=1e-4)
    slipped(tmp_path, v, cell, key[moment], "adam-no-bias-correction")  # m̂ = m: nothing divided


def test_adam_step_taken_with_the_uncorrected_moments(tmp_path):
    v, key = optimizers()
    x, m, s, lr, eps = key["adam_x0_1"], key["adam_m0_2"], key["adam_s0_2"], key["adam_lr"], key["adam_eps"]
    assert key["adam_x0_2"] == pytest.approx(x - lr * key["adam_mh0_2"] / (math.sqrt(key["adam_sh0_2"]) + eps),
                                             abs=1e-4)
    slipped(tmp_path, v, "adam_x0_2", x - lr * m / (math.sqrt(s) + eps), "adam-no-bias-correction")


@pytest.mark.parametrize("cell, moment, beta", [("adam_mh0_2", "adam_m0_2", "adam_beta1"),
                                                ("adam_sh0_3", "adam_s0_3", "adam_beta2")])
def test_adam_with_t_stuck_at_1(tmp_path, cell, moment, beta):
    v, key = optimizers()
    slipped(tmp_path, v, cell, key[moment] / (1 - key[beta]), "adam-t-stuck")


def test_t_stuck_at_1_is_not_named_at_step_1(tmp_path):
    """At t = 1, 1 − β¹ is right: a wrong m̂ there is not 't stuck at 1'."""
    v, key = optimizers()
    report = typed_in(tmp_path, v, {**answers_of(v), "adam_mh0_1": key["adam_mh0_1"] + 1}, "en")
    cell = next(c for c in report.cells if c.quantity == "adam_mh0_1")
    assert cell.status == "incorrect" and cell.slip_id is None


# --- tanh′ written as 1 − tanh -----------------------------------------------------------------------------

def test_tanh_derivative_without_the_square_on_the_activations_sheet(tmp_path):
    v = sampled("activations", 1)
    key = v.worksheet.key()
    k = next(k for k in range(1, 5) if abs(key[f"tanh{k}"]) > 0.05)
    y = key[f"tanh{k}"]
    assert key[f"dtanh{k}"] == pytest.approx(1 - y * y, abs=1e-4)
    slipped(tmp_path, v, f"dtanh{k}", 1 - y, "tanh-grad-not-squared")


@pytest.mark.parametrize("cell, output", [("gz1_1", "y1_1"), ("gu1_1", "h1_1"), ("gu1_2", "h1_2")])
def test_tanh_derivative_without_the_square_in_backprop(tmp_path, cell, output):
    v = from_spec({"kind": "backprop", **sampled("backprop", 2).params, "hidden": "tanh", "output": "tanh"})
    key = v.worksheet.key()
    y = key[output]
    assert key[cell] == pytest.approx(1 - y * y, abs=1e-4)
    slipped(tmp_path, v, cell, 1 - y, "tanh-grad-not-squared")


def test_tanh_delta_without_the_square_in_one_cell(tmp_path):
    """The neuron sheet writes δ = (y − t)(1 − y²) in one cell."""
    v = from_spec({"kind": "neuron", **sampled("neuron", 2).params, "activation": "tanh"})
    key = v.worksheet.key()
    y, t = key["y1"], key["t1"]
    assert key["d1"] == pytest.approx((y - t) * (1 - y * y), abs=1e-4)
    slipped(tmp_path, v, "d1", (y - t) * (1 - y), "tanh-grad-not-squared")


# --- softmax without the max subtracted ----------------------------------------------------------------------

@pytest.mark.parametrize("kind, prefix", [("softmax", ""), ("activations", "sm_")])
def test_softmax_exponential_without_the_max_subtracted(tmp_path, kind, prefix):
    v = sampled(kind, 1)
    key = v.worksheet.key()
    scores = v.params["samples"][0]["scores"] if kind == "softmax" else v.params["softmax"]
    top = max(scores)
    assert top != 0 and key[f"{prefix}max"] == top
    i = scores.index(min(scores))
    assert key[f"{prefix}e{i + 1}"] == pytest.approx(math.exp(scores[i] - top), abs=1e-4)
    slipped(tmp_path, v, f"{prefix}e{i + 1}", math.exp(scores[i]), "max-not-subtracted")


# --- "the new weight used in the same trial's sum", only where the new weights explain the number ----------------

NEW_WEIGHT = ("new-weight-in-sum", "new-weight-used")


@pytest.mark.parametrize("kind", ["counting", "matchbox", "perceptron", "neuron", "backprop"])
def test_a_sheet_of_zeros_is_not_the_new_weight_in_the_sum(tmp_path, kind):
    """All zeros: u = 0 is 'explained' by the learner's own new weights of 0. That names nothing (it used to
    name u of trial 1 'the new weight used in the same trial's sum')."""
    v = sampled(kind, 1)
    report = typed_in(tmp_path, v, {q.name: 0 for q in v.worksheet.answers}, "en")
    named = [(c.quantity, c.slip_id) for c in report.cells if c.slip_id in NEW_WEIGHT]
    assert not named


def perceptron_rows(ws):
    k = 1
    while f"u{k}" in ws.quantities:
        xs, _ = ws.quantities[f"u{k}"].step.args
        yield k, xs
        k += 1


def test_a_u_of_0_that_a_new_weight_of_0_gives_is_not_named(tmp_path):
    """The learner is right up to trial k, whose new weights give a sum of 0; they write u = 0 (the key's u is
    not 0). A 0 there says nothing about which weights they used: incorrect, no slip named."""
    found = 0
    for kind, seed in [("counting", s) for s in range(1, 6)] + [("perceptron", s) for s in range(1, 6)]:
        v = sampled(kind, seed)
        key = v.worksheet.key()
        for k, xs in perceptron_rows(v.worksheet):
            with_new = sum(key[x] * key[f"w{k}_{j}"] for j, x in enumerate(xs))
            if with_new == 0 and key[f"u{k}"] != 0:
                break
        else:
            continue
        found += 1
        report = typed_in(tmp_path / v.id, v, {**answers_of(v), f"u{k}": 0}, "en")
        cell = next(c for c in report.cells if c.quantity == f"u{k}")
        assert cell.status == "incorrect" and cell.slip_id is None, (v.id, k, cell.feedback)
    assert found, "no variant has a trial whose new weights sum to 0"


def test_the_new_weight_in_the_sum_is_still_named_where_it_makes_the_number(tmp_path):
    for kind in ("counting", "matchbox", "perceptron"):
        v = sampled(kind, 3)
        key = v.worksheet.key()
        for k, xs in perceptron_rows(v.worksheet):
            wrong = sum(key[x] * key[f"w{k}_{j}"] for j, x in enumerate(xs))
            if wrong != key[f"u{k}"] and wrong != 0:
                break
        slipped(tmp_path / kind, v, f"u{k}", wrong, "new-weight-in-sum")


def small_sheet(x1, x2, g1, g2):
    """u = x₁w₁ + x₂w₂ with w = (0.2, 0.3), and the new weights w' = w − 0.5·g after it."""
    ws = Worksheet("t", "t", "", "")
    for name, value in [("x1", x1), ("x2", x2), ("w1", 0.2), ("w2", 0.3), ("g1", g1), ("g2", g2), ("lr", 0.5)]:
        ws.given(name, value, name)
    four = Precision(4, exact=False)
    ws.answer("u", Step(F.affine_sum, (("x1", "x2"), ("w1", "w2"))), "u", "", four)
    ws.answer("w1n", Step(F.gradient_step, ("w1", "g1", "lr")), "w1'", "", four)
    ws.answer("w2n", Step(F.gradient_step, ("w2", "g2", "lr")), "w2'", "", four)
    return ws


def named(ws, value, own=None):
    values = {**ws.key(), **(own or {})}
    q = ws.quantities["u"]
    return [s.id for s in explain(Catalogue(ws), q, value, values, ws.evaluate("u", values))]


def test_new_weights_that_happen_to_sum_to_0_do_not_name_a_u_of_0():
    ws = small_sheet(1, 1, -0.6, 1.6)  # w' = (0.5, −0.5): x·w' = 0, x·w = 0.5
    key = ws.key()
    assert (key["w1n"], key["w2n"], key["u"]) == (pytest.approx(0.5), pytest.approx(-0.5), pytest.approx(0.5))
    assert not set(named(ws, 0.0)) & set(NEW_WEIGHT)
    ws = small_sheet(1, 2, -0.6, 1.6)  # x·w' = 0.5 − 1.0 = −0.5 ≠ x·w = 0.8: the slip, named
    assert ws.key()["u"] == pytest.approx(0.8)
    assert named(ws, -0.5) == ["new-weight-in-sum"]


def test_new_weights_equal_to_the_old_explain_nothing():
    ws = small_sheet(1, 2, 0.0, 0.0)  # nothing moves: w' = w
    slip = next(s for s in Catalogue(ws).of("u") if s.id == "new-weight-in-sum")
    assert math.isnan(slip.value(ws.quantities["u"].step, ws.key()))
    # the learner's own new weights equal their old ones (not updated): no new weight to have used
    own = {"w1n": 0.2, "w2n": 0.3}
    assert math.isnan(slip.value(ws.quantities["u"].step, {**ws.key(), **own}))
    assert not set(named(ws, 0.0, own)) & set(NEW_WEIGHT)



# --- a cell names each slip once ----------------------------------------------------------------------------

class _Twice:
    """A catalogue that declares every slip of a quantity twice, as a step's own slip and a function's can."""

    def __init__(self, catalogue):
        self.catalogue = catalogue

    def of(self, name):
        return self.catalogue.of(name) * 2


@pytest.mark.parametrize("kind", ["neuron", "backprop", "softmax", "optimizers", "gates", "lstm"])
def test_a_slip_declared_twice_is_named_once(kind):
    """explain() returns one slip per id, and the two it names for a cell are different slips: a wrong number
    that several slips explain is worded "… (or: …)" with two different names, never the same one twice."""
    v = sampled(kind, 2)
    ws, key = v.worksheet, v.worksheet.key()
    catalogue, seen = Catalogue(ws), 0
    for q in ws.answers:
        for slip in catalogue.of(q.name):
            try:
                value = q.precision.tidy(slip.value(q.step, key))
            except (ArithmeticError, ValueError, TypeError):
                continue
            if math.isnan(value) or q.precision.agrees(value, key[q.name]):
                continue
            found = explain(_Twice(catalogue), q, value, key, key[q.name])
            ids = [s.id for s in found]
            assert slip.id in ids and len(ids) == len(set(ids)), (q.name, ids)
            seen += 1
    assert seen > 5, "the kind's slips must give numbers to explain"


def test_two_slips_of_one_name_are_worded_once():
    from matchbox.grading.grader import CellResult
    from matchbox.views.feedback import _feedback
    v = sampled("neuron", 1)
    q = v.worksheet.answers[-1]
    cell = CellResult(quantity=q.name, section="", sheet="Work", cell="B2", status="incorrect", value=1.0, expected=2.0,
                      reason="incorrect", slips=("a", "b"), slip_id="a")
    text, slip = _feedback(cell, q, "en", None, {"a": "the sign reversed", "b": "the sign reversed"})
    assert text.count("the sign reversed") == 1 and "(or:" not in text, text
    text, _ = _feedback(cell, q, "en", None, {"a": "the sign reversed", "b": "η forgotten"})
    assert "the sign reversed (or: η forgotten)" in text, text
