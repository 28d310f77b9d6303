"""Named slips: a wrong number that one classic slip explains, evaluated on the learner's own numbers, is
named; anything else is not. Every slipped number below is computed by hand in the test, never by the
slip's own code."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.kinds import KINDS, from_spec, sampled
from matchbox.worksheet.graph import Precision, Step, Worksheet
from matchbox.worksheet.slips import NAMES, Catalogue, Slip
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.grading.slips import explain
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import Filled

from conftest import answers_of, fill, make_workbooks, run_cli

PERCEPTRONS = ("counting", "matchbox", "perceptron")


def graded(variant, values, lang="en"):
    """Grade numbers as if typed into the workbook (no file: the reader is tested elsewhere)."""
    ws = variant.worksheet
    return grade(Filled(Path("x.xlsx"), variant, lang, None, layout(ws, lang), dict(values)))


def carried_on(variant, name, wrong):
    """The key, with `name` written as `wrong` and every later answer computed from the learner's numbers."""
    ws = variant.worksheet
    own = ws.key()
    own[name] = wrong
    names = list(ws.quantities)
    for q in ws.answers:
        if names.index(q.name) > names.index(name):
            try:
                own[q.name] = ws.evaluate(q.name, own)
            except ArithmeticError:  # undefined from these numbers (a line through w = 0): keep the key's
                pass
    return own


def only_slip(report, name):
    """The one incorrect cell is `name`; return it."""
    wrong = [c for c in report.cells if c.status == "incorrect"]
    assert [c.quantity for c in wrong] == [name], [(c.quantity, c.feedback) for c in wrong]
    assert report.score == report.max_score - 1
    return wrong[0]


def trials(ws):
    """(trial number, input names, weight-before names) of every trial of a perceptron-style sheet."""
    k = 1
    while f"u{k}" in ws.quantities:
        xs, weights = ws.quantities[f"u{k}"].step.args
        yield k, xs, weights
        k += 1


def variants_of(kind):
    return [sampled(kind, seed) for seed in (1, 2, 3, 4, 5)]


@pytest.mark.parametrize("kind", PERCEPTRONS)
def test_sign_of_the_difference_reversed(kind):
    for v in variants_of(kind):
        key = v.worksheet.key()
        k = next(k for k, _, _ in trials(v.worksheet) if key[f"d{k}"] != 0)
        t = v.worksheet.quantities[f"d{k}"].step.args[0]
        wrong = key[f"y{k}"] - key[t]  # y − t
        cell = only_slip(graded(v, carried_on(v, f"d{k}", wrong)), f"d{k}")
        assert cell.slip_id == "sign-reversed" and "y − t instead of t − y" in cell.feedback


POINTS = {"kind": "perceptron", "learning_rate": 0.5, "initial_weights": [0.0, 0.5, -0.5], "epochs": 4,
          "points": [{"x": [1.0, 2.0], "teacher": 1}, {"x": [2.0, 0.5], "teacher": 0},
                     {"x": [0.5, 1.5], "teacher": 1}, {"x": [1.5, 0.5], "teacher": 0}]}


@pytest.mark.parametrize("kind", [*PERCEPTRONS, "points"])
def test_input_factor_forgotten_and_the_rest_of_the_update_rule(kind):
    seen = set()
    for v in variants_of(kind) if kind != "points" else [from_spec(POINTS)]:
        ws, key = v.worksheet, v.worksheet.key()
        lr = key["lr"]
        for k, xs, weights in trials(ws):
            d = key[f"d{k}"]
            for j, (x, w) in enumerate(zip(xs, weights)):
                x, w = key[x], key[w]
                name = f"w{k}_{j}"
                slipped = {"input-forgotten": w + lr * d, "rate-forgotten": w + d * x,
                           "weight-wrong-way": w - lr * d * x, "not-updated": w}
                for slip, wrong in slipped.items():
                    others = [key[name]] + [n for s_, n in slipped.items() if s_ != slip]
                    if any(abs(wrong - o) < 1e-9 for o in others):
                        continue  # here this slip gives the right number, or another slip's
                    if wrong == 0:  # a weight slipped to 0 empties the next sum: that step is lost too
                        continue    # (tests/test_fair_marks.py), so more than the one cell is lost
                    cell = only_slip(graded(v, carried_on(v, name, wrong)), name)
                    assert cell.slip_id == slip, (v.id, name, cell.feedback)
                    seen.add(slip)
    assert seen >= {"input-forgotten", "weight-wrong-way", "not-updated"}
    if kind in ("perceptron", "points"):  # η ≠ 1 there, so forgetting it shows
        assert "rate-forgotten" in seen


@pytest.mark.parametrize("kind", PERCEPTRONS)
def test_weight_not_updated(kind):
    for v in variants_of(kind):
        key = v.worksheet.key()
        k, xs, weights = next((k, xs, w) for k, xs, w in trials(v.worksheet)
                              if key[f"d{k}"] != 0 and key[xs[-1]] != 0
                              and key[w[-1]] != 0)  # an old weight of 0 would empty the next sum too
        name = f"w{k}_{len(xs) - 1}"
        cell = only_slip(graded(v, carried_on(v, name, key[weights[-1]])), name)
        assert cell.slip_id == "not-updated"


@pytest.mark.parametrize("kind", PERCEPTRONS)
def test_new_weight_used_in_the_same_trials_sum(kind):
    """The learner filled the row, then wrote the sum with the row's new weights; nothing else changed."""
    for v in variants_of(kind):
        key = v.worksheet.key()
        for k, xs, weights in trials(v.worksheet):
            new = [f"w{k}_{j}" for j in range(len(xs))]
            wrong = sum(key[x] * key[w] for x, w in zip(xs, new))
            if abs(wrong - key[f"u{k}"]) > 1e-9 and abs(wrong) > 1e-9:  # a 0 is no sign of the new weights
                break
        values = v.worksheet.key()
        values[f"u{k}"] = wrong
        report = graded(v, values)
        cell = next(c for c in report.cells if c.quantity == f"u{k}")
        assert cell.status == "incorrect" and cell.slip_id == "new-weight-in-sum", cell.feedback
        assert "the new weight used in the same trial's sum" in cell.feedback


def test_threshold_moved_the_wrong_way():
    v = from_spec({"kind": "perceptron", "target": "OR", "bias": False, "threshold": 0.5, "learn_threshold": True,
                   "learning_rate": 0.1, "initial_weights": [0.2, -0.1], "epochs": 4})
    key = v.worksheet.key()
    k = next(k for k, _, _ in trials(v.worksheet) if key[f"d{k}"] != 0)
    before = "theta0" if k == 1 else f"theta{k - 1}"
    wrong = key[before] + 0.1 * key[f"d{k}"]  # θ + η·d
    cell = only_slip(graded(v, carried_on(v, f"theta{k}", wrong)), f"theta{k}")
    assert cell.slip_id == "threshold-wrong-way"
    cell = only_slip(graded(v, carried_on(v, f"theta{k}", key[before])), f"theta{k}")
    assert cell.slip_id == "not-updated"


def test_output_slips_tie_rule_zero_and_bipolar():
    # whole-number matchbox sheets land on ties; the sheet states its rule
    v = from_spec({"kind": "matchbox", "features": ["a", "b"], "threshold": 1, "rule": ">=",
                   "items": [{"name": "A", "inputs": [1, 0], "teacher": 0},
                             {"name": "B", "inputs": [0, 1], "teacher": 1}],
                   "initial_weights": [1, 0], "epochs": 3})
    key = v.worksheet.key()
    assert key["u1"] == key["theta0"] == 1 and key["y1"] == 1  # trial 1 is a tie: u = θ fires with ≥
    cell = only_slip(graded(v, carried_on(v, "y1", 0)), "y1")
    assert cell.slip_id == "tie-rule"

    v = from_spec({"kind": "perceptron", "target": "AND", "bias": False, "threshold": 1.5, "learning_rate": 0.5,
                   "initial_weights": [0.5, 0.5], "epochs": 2})
    key = v.worksheet.key()
    k = next(k for k, _, _ in trials(v.worksheet) if 0 <= key[f"u{k}"] < 1.5)  # u ≥ 0 but below θ
    cell = only_slip(graded(v, carried_on(v, f"y{k}", 1)), f"y{k}")
    assert cell.slip_id == "compared-with-zero"

    v = from_spec({"kind": "perceptron", "target": "AND", "outputs": [-1, 1], "learning_rate": 0.5,
                   "initial_weights": [0, 0.5, 0.5], "epochs": 2})
    key = v.worksheet.key()
    k = next(k for k, _, _ in trials(v.worksheet) if key[f"y{k}"] == -1)
    cell = only_slip(graded(v, carried_on(v, f"y{k}", 0)), f"y{k}")
    assert cell.slip_id == "off-output"


def test_decision_line_slips_and_rounding():
    v = from_spec({"kind": "perceptron", "target": "AND", "learning_rate": 0.1,
                   "initial_weights": [0.0, 0.0, 0.0], "epochs": 6})
    key = v.worksheet.key()
    w0, w1, w2 = (key[f"w{len(list(trials(v.worksheet)))}_{j}"] for j in range(3))
    assert key["slope"] == pytest.approx(-w1 / w2)
    cases = {"slope-sign": ("slope", round(w1 / w2, 2)), "upside-down": ("slope", round(-w2 / w1, 2)),
             "intercept-sign": ("intercept", round(w0 / w2, 2))}  # (w₀ − θ)/w₂ with θ = 0
    for slip, (name, wrong) in cases.items():
        values = v.worksheet.key()
        values[name] = wrong
        cell = only_slip(graded(v, values), name)
        assert cell.slip_id == slip, cell.feedback
    exact = -w1 / w2
    if round(exact, 1) != round(exact, 2):
        values = v.worksheet.key()
        values["slope"] = round(exact, 1)
        cell = only_slip(graded(v, values), "slope")
        assert cell.slip_id == "rounded-short" and "rounded to 1 decimal places; the sheet asks for 2" in cell.feedback


def worksheet(*givens, precision=Precision(4, exact=False)):
    ws = Worksheet("t", "t", "", "")
    for name, value in givens:
        ws.given(name, value, name)
    return ws


def slips_of(ws, name, value):
    """The slips named for `value` written at answer `name`, everything else from the key."""
    values = ws.key()
    q = ws.quantities[name]
    return [s.id for s in explain(Catalogue(ws), q, value, values, values[name])]


FOUR = Precision(4, exact=False)


def test_base_10_log():
    ws = worksheet(("y", 0.5))
    ws.answer("E", Step(F.neg_log, ("y",)), "E", "E = −ln y", FOUR)
    assert ws.key()["E"] == pytest.approx(0.693147, abs=1e-6)
    assert slips_of(ws, "E", 0.3010) == ["base10-log"]  # −log₁₀ 0.5 = 0.30103
    assert slips_of(ws, "E", 0.6931) == []  # the right answer is not a slip
    assert slips_of(ws, "E", 0.5) == []


def test_sigma_prime_forgotten_is_read_off_the_graph():
    ws = worksheet(("y", 0.8), ("t", 1.0))
    ws.answer("err", Step(F.error, ("t", "y")), "t − y", "", FOUR)
    ws.answer("dsig", Step(F.sigmoid_grad_from_output, ("y",)), "σ'", "", FOUR)
    ws.answer("delta", Step(F.product, ("err", "dsig")), "δ", "", FOUR)
    assert ws.key()["delta"] == pytest.approx(0.2 * 0.16)
    assert slips_of(ws, "delta", 0.2) == ["sigma-grad-forgotten"]


def test_new_weight_used_where_the_old_belongs():
    """Backpropagating through a weight already updated: δ·w′ instead of δ·w."""
    ws = worksheet(("w", 0.5), ("g", 0.2), ("lr", 0.5), ("delta", 0.1))
    ws.answer("w_new", Step(F.gradient_step, ("w", "g", "lr")), "w'", "", FOUR)
    ws.answer("back", Step(F.product, ("delta", "w")), "δ·w", "", FOUR)
    assert ws.key()["w_new"] == pytest.approx(0.4)
    assert slips_of(ws, "back", 0.04) == ["new-weight-used"]


def test_a_kind_declares_its_own_slip_on_the_step():
    """A convolution window shifted by one: declared by the kind, naming quantities of the sheet."""
    ws = worksheet(("x0", 1), ("x1", 2), ("x2", 4), ("x3", 8), ("k0", 1), ("k1", -1), precision=Precision())
    ws.answer("o0", Step(F.dot, (("x0", "x1"), ("k0", "k1")),
                         slips=(Slip("conv-off-by-one", args=(("x1", "x2"), ("k0", "k1"))),)), "o₀", "")
    assert ws.key()["o0"] == -1
    assert slips_of(ws, "o0", -2) == ["conv-off-by-one"]  # 2·1 + 4·(−1)
    assert slips_of(ws, "o0", -3) == []


def test_rounding_slips():
    ws = worksheet(("u", 1.0))
    ws.answer("a", Step(F.sigmoid, ("u",)), "a", "", FOUR)
    ws.answer("b", Step(F.product, ("a", "a")), "b", "", FOUR)
    key = ws.key()
    assert key["a"] == pytest.approx(0.7310586)
    assert slips_of(ws, "a", 0.7310)[0] == "truncated"  # 0.73105… cut, not rounded (or rounded to 0.731)
    assert slips_of(ws, "a", 0.73) == ["rounded-short"]
    assert slips_of(ws, "a", 0.7311) == []
    assert slips_of(ws, "b", round(0.73 ** 2, 4)) == ["rounded-early"]  # a rounded to 0.73 first


def test_two_slips_that_give_the_same_number_are_both_named():
    """With an input of −1, forgetting the input and moving the wrong way give the same number."""
    ws = worksheet(("w", 0.5), ("x", -1.0), ("d", 1.0), ("lr", 0.5), precision=Precision())
    ws.answer("w1", Step(F.delta_rule, ("w", "x", "d", "lr")), "w'", "w' = w + η·d·x")
    assert ws.key()["w1"] == 0
    assert slips_of(ws, "w1", 1.0) == ["input-forgotten", "weight-wrong-way"]


@pytest.mark.parametrize("kind", PERCEPTRONS)
def test_numbers_no_slip_explains_and_carried_numbers_are_not_named(kind):
    v = sampled(kind, 3)
    key = v.worksheet.key()
    report = graded(v, {**key, "u1": key["u1"] + 1000})
    cell = next(c for c in report.cells if c.quantity == "u1")
    assert cell.status == "incorrect" and cell.slip is None and "likely slip" not in cell.feedback
    k = next(k for k, _, _ in trials(v.worksheet) if key[f"d{k}"] != 0)
    t = v.worksheet.quantities[f"d{k}"].step.args[0]
    report = graded(v, carried_on(v, f"d{k}", key[f"y{k}"] - key[t]))
    assert all(c.slip is None for c in report.cells if c.status != "incorrect")


@pytest.mark.parametrize("kind", KINDS)
def test_every_declared_slip_names_real_quantities(kind):
    """Every slip of every answer of every kind evaluates on the key (a typo in a kind's slip fails here)."""
    v = sampled(kind, 2)
    ws = v.worksheet
    key = ws.key()
    catalogue = Catalogue(ws)
    for q in ws.answers:
        for slip in catalogue.of(q.name):
            assert slip.id in NAMES or slip.name, slip
            with np.errstate(all="ignore"):
                try:
                    value = slip.value(q.step, key)
                except (ArithmeticError, ValueError):
                    continue
            assert isinstance(value, float) or math.isnan(value)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_slip_named_in_terminal_and_json(tmp_path, lang):
    v, learner, _ = make_workbooks(tmp_path, "perceptron", 3, lang)
    key = v.worksheet.key()
    k = next(k for k, _, _ in trials(v.worksheet) if key[f"d{k}"] != 0)
    t = v.worksheet.quantities[f"d{k}"].step.args[0]
    own = carried_on(v, f"d{k}", key[f"y{k}"] - key[t])
    filled = fill(learner, v, lang, {n: own[n] for n in answers_of(v)}, tmp_path / "slip.xlsx")
    r = run_cli("check", filled)
    assert r.returncode == 1
    words = {"en": "likely slip: sign of the difference reversed (y − t instead of t − y)",
             "ja": "考えられる間違い: 誤差の符号の取り違え (t − y ではなく y − t)"}[lang]
    assert words in r.stdout
    out = json.loads(run_cli("check", filled, "--json").stdout)
    cell = next(c for c in out["cells"] if c["quantity"] == f"d{k}")
    assert cell["status"] == "incorrect" and cell["slip_id"] == "sign-reversed"
    assert cell["slip"] == NAMES["sign-reversed"][lang]
