"""Marks a teacher would sign (issue: fair marks). Every workbook here is built from scratch the way a
learner fills it, then graded: doing nothing earns nothing, an honest slip costs its cell (and a step it made
trivial), following the sheet's rounding earns full marks, and a rounding habit costs one mark a sheet."""
import json
import math

import pytest

from matchbox.kinds import KINDS, sampled
from matchbox.grading.grader import Marking
from matchbox.grading.simplified import degenerate
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.workbook.reader import read_filled

import learners
from conftest import fill, make_workbooks, run_cli

# the kinds whose sheets state a rounding (a habit can show there): read off their seed-1 sheets
ROUNDED = tuple(k for k in KINDS if any(not q.precision.exact for q in sampled(k, 1).worksheet.answers))


def graded(tmp_path, kind, values_of, seed=1, lang="en", marking=Marking()):
    v, learner, _ = make_workbooks(tmp_path, kind, seed, lang)
    values = values_of(v.worksheet)
    path = fill(learner, v, lang, values, tmp_path / f"{kind}-{values_of.__name__}.xlsx")
    return v, grade(read_filled(path), marking)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("learner", [learners.zeros, learners.first_row_then_zeros, learners.dragged_down])
def test_doing_nothing_earns_nothing(tmp_path, kind, learner):
    """All zeros, the first row then zeros, the first row dragged down: at most a quarter of the marks, and
    never more than the first row's own cells where that row alone is more than that (a two-step sheet)."""
    v, report = graded(tmp_path, kind, learner)
    first_row = len(learners.answer_rows(v.worksheet)[0])
    honest = 0 if learner is learners.zeros else first_row
    assert report.score <= max(0.25 * report.max_score, honest), \
        [(c.quantity, c.status, c.value) for c in report.cells if c.credit]


def test_a_sheet_of_zeros_says_why(tmp_path):
    _, report = graded(tmp_path, "matchbox", learners.zeros, seed=3, lang="ja")
    feedback = " ".join(c.feedback for c in report.cells if c.status == "simplified")
    assert "すべて 0" in feedback and report.score <= 0.05 * report.max_score
    r = run_cli("check", report.file, "--json")
    cells = json.loads(r.stdout)["cells"]
    assert {c["status"] for c in cells} <= {"simplified", "incorrect", "correct"}


def test_a_row_dragged_down_is_one_mistake_not_a_carried_table(tmp_path):
    v, report = graded(tmp_path, "perceptron", learners.dragged_down, seed=2)
    rows = learners.answer_rows(v.worksheet)
    status = {c.quantity: c for c in report.cells}
    assert all(status[n].status == "correct" for n in rows[0])
    copied = [status[n] for n in rows[1] if status[n].status == "simplified"]
    assert copied and all(c.because == f"{status[rows[0][0]].sheet}!{status[rows[0][0]].cell}" for c in copied)
    assert "same numbers as the row above" in copied[0].feedback


def test_an_honest_slip_that_empties_an_update_loses_that_step_too(tmp_path):
    """A gradient written as 0 (wrong): the update w − η·g then moves nothing. It follows from the learner's
    numbers but the slip made it trivial: no credit, and the report names the gradient's cell. The steps
    after (a forward pass with the unchanged weight) are real work again, and are carried."""
    v, learner, _ = make_workbooks(tmp_path, "neuron", 1, "en")
    ws = v.worksheet
    g1, w1 = next((f"g1_{j}", f"w1_{j}") for j in (1, 2) if ws.answer_key()[f"g1_{j}"] != 0)
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:
        values[q.name] = 0.0 if q.name == g1 else q.precision.rounded(ws.evaluate(q.name, values))
    report = grade(read_filled(fill(learner, v, "en", {q.name: values[q.name] for q in ws.answers},
                                    tmp_path / "slip.xlsx")))
    cells = {c.quantity: c for c in report.cells}
    assert cells[g1].status == "incorrect"
    g = f"{cells[g1].sheet}!{cells[g1].cell}"
    assert cells[w1].status == "simplified" and cells[w1].because == g
    assert g in cells[w1].feedback and "trivial" in cells[w1].feedback
    assert report.counts["simplified"] == 1 and report.counts["carried"] > 0
    assert report.score == report.max_score - 2


@pytest.mark.parametrize("kind", ["counting", "matchbox", "perceptron"])
def test_a_wrong_zero_difference_makes_the_update_trivial(tmp_path, kind):
    """d written as 0 where the key's d moves the weights: w' = w then follows, but was made trivial."""
    v, learner, _ = make_workbooks(tmp_path, kind, 1, "en")
    ws = v.worksheet
    key = ws.answer_key()
    k = next(k for k in range(1, 99) if key[f"d{k}"] != 0)
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:
        values[q.name] = 0.0 if q.name == f"d{k}" else ws.evaluate(q.name, values)
    report = grade(read_filled(fill(learner, v, "en", {q.name: values[q.name] for q in ws.answers},
                                    tmp_path / "slip.xlsx")))
    cells = {c.quantity: c for c in report.cells}
    moved = [n for n in cells if n.startswith(f"w{k}_") and key[n] != values[n]]
    assert moved and all(cells[n].status == "simplified" for n in moved)
    assert all(cells[n].because == f"{cells[f'd{k}'].sheet}!{cells[f'd{k}'].cell}" for n in moved)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("learner", [learners.by_the_sheet, learners.rounding_at_the_end, learners.every_decimal])
def test_following_the_sheet_is_all_correct(tmp_path, kind, learner, lang):
    """Rounding each answer as told and going on from it, or keeping every decimal: only ✓, no cell carried."""
    _, report = graded(tmp_path, kind, learner, seed=2, lang=lang)
    assert report.counts["correct"] == report.max_score, \
        [(c.quantity, c.status, c.value, c.expected) for c in report.cells if c.status != "correct"]


@pytest.mark.parametrize("kind", ROUNDED)
@pytest.mark.parametrize("learner", [learners.truncating, learners.a_decimal_short])
def test_a_rounding_habit_costs_one_mark_a_sheet(tmp_path, kind, learner):
    _, report = graded(tmp_path, kind, learner)
    notes = [c for c in report.cells if c.status == "rounding"]
    assert report.score == report.max_score - (1 if notes else 0), \
        [(c.quantity, c.status, c.value, c.expected) for c in report.cells if c.status not in ("correct", "rounding")]
    habit = "truncated" if learner is learners.truncating else "rounded-short"
    assert not notes or notes[0].slip_id == habit or len(notes) == 1  # one cell alone cannot tell a cut from a drift
    named = [c for c in notes if "noted once" in c.feedback]
    assert len(named) == (1 if notes else 0) and named[:1] == notes[:1]


def test_the_rounding_habit_is_named_once_in_japanese(tmp_path):
    _, report = graded(tmp_path, "backprop", learners.truncating, lang="ja")
    notes = [c for c in report.cells if c.status == "rounding"]
    assert len(notes) >= 2
    assert "切り捨て" in notes[0].feedback and "指摘は1回だけ" in notes[0].feedback
    assert all("減点は1回だけ" in c.feedback for c in notes[1:])


def test_the_instructor_sets_the_rounding_penalty(tmp_path):
    _, free = graded(tmp_path, "backprop", learners.truncating, marking=Marking(rounding_penalty=0))
    _, strict = graded(tmp_path, "backprop", learners.truncating, marking=Marking(rounding_penalty=3))
    notes = free.counts["rounding"]
    assert notes >= 3
    assert free.score == free.max_score and strict.score == strict.max_score - 3


def test_the_instructor_sets_the_credit_of_carried_cells(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "backprop", 5, "en")
    ws = v.worksheet
    values = learners.by_the_sheet(ws)
    values["u1_2"] = round(values["u1_2"] + 0.1, 4)
    for q in ws.answers[list(values).index("u1_2") + 1:]:
        values[q.name] = q.precision.rounded(ws.evaluate(q.name, {**{g.name: g.value for g in ws.givens},
                                                                  **values}))
    path = fill(learner, v, "en", values, tmp_path / "slip.xlsx")
    full, half = grade(read_filled(path)), grade(read_filled(path), Marking(carried_credit=0.5))
    carried = full.counts["carried"]
    assert carried >= 5
    assert full.score == full.max_score - 1
    assert half.score == pytest.approx(full.max_score - 1 - 0.5 * carried)
    r = run_cli("check", path, "--json", "--carried-credit", "0.5", "--rounding-penalty", "2")
    out = json.loads(r.stdout)
    assert out["score"] == half.score and out["marking"] == {"carried_credit": 0.5, "rounding_penalty": 2}
    r = run_cli("check", path, "--carried-credit", "0.5")
    assert "0.5" in r.stdout.splitlines()[1]  # the terminal says how carried cells were marked
    r = run_cli("check", path, "--carried-credit", "2")
    assert r.returncode == 2 and "carried-credit" in r.stderr and "Traceback" not in r.stderr


def test_new_statuses_in_the_terminal_and_the_graded_copy(tmp_path):
    import openpyxl
    _, report = graded(tmp_path, "backprop", learners.truncating, lang="ja")
    r = run_cli("check", report.file, "--annotate", tmp_path / "graded.xlsx")
    assert "≈" in r.stdout and "四捨五入の仕方について" in r.stdout
    wb = openpyxl.load_workbook(tmp_path / "graded.xlsx")
    first = next(c for c in report.cells if c.status == "rounding")
    assert wb[first.sheet][first.cell].fill.fgColor.rgb.endswith("DDEBF7")
    summary = wb.worksheets[0]
    assert any(row[1] == f"{first.sheet}!{first.cell}" for row in summary.iter_rows(values_only=True) if row[1:])


def test_copies_of_givens_on_the_work_sheet_are_reported_when_edited(tmp_path):
    """η in the strip above the table and w₁ in trial 1's row are copies of printed numbers: an edit there is
    reported exactly like an edit on the Exercise sheet."""
    import openpyxl
    from matchbox.workbook.layout import layout
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    ws = v.worksheet
    plan = layout(ws, "en")
    filled = fill(learner, v, "en", learners.by_the_sheet(ws), tmp_path / "filled.xlsx")
    refs = [p for p in plan.cells if p.role == "ref" and p.sheet == "Work"]
    lr = next(p for p in refs if p.content.name == "lr")
    w1 = next(p for p in refs if p.content.name == "w0_0")
    wb = openpyxl.load_workbook(filled)
    wb["Work"].protection.sheet = False
    wb["Work"][lr.cell] = 5
    wb["Work"][w1.cell] = 7
    wb.save(tmp_path / "edited.xlsx")
    report = grade(read_filled(tmp_path / "edited.xlsx"))
    edited = {(g.quantity, g.cell) for g in report.edited}
    assert edited == {("lr", lr.cell), ("w0_0", w1.cell)}
    r = run_cli("check", tmp_path / "edited.xlsx")
    assert r.returncode == 1 and f"Work!{lr.cell}" in r.stdout and "given edited" in r.stdout


def test_a_sum_is_simplified_only_when_the_error_emptied_a_term_that_counted():
    """matchbox seed 5, trial 5 (item E, x = 1, 0, 1). The key's weights are 0, 1, 2: u = 0·1 + 1·0 + 2·1 = 2.
    A learner who forgot the update before keeps 0, 0, 1: u = 0·1 + 0·0 + 1·1 = 1, the same sum (the middle
    term is 0 either way), so carried, though u equals x₃. A learner whose error zeroed a term that counts
    (w₁ = 0 where the key's w₁ = 1 beside x₁ = 1: 0·1 + 0·0 + 1·1 against 1·1 + 0·0 + 1·1) did less work."""
    ws = sampled("matchbox", 5).worksheet
    key = {**{q.name: q.value for q in ws.givens}, **ws.answer_key()}
    u5 = ws.quantities["u5"]
    assert [key[f"x4_{j}"] for j in range(3)] == [1, 0, 1] and [key[f"w4_{j}"] for j in range(3)] == [0, 1, 2]
    assert not degenerate(ws, u5, {**key, "w4_0": 0, "w4_1": 0, "w4_2": 1}, key)
    assert degenerate(ws, u5, {**key, "w4_0": 0, "w4_1": 0, "w4_2": 1}, {**key, "w4_0": 1, "w4_1": 0, "w4_2": 1})
    # a zeroed term that counted, but the sum is still work (0·1 + 1·1 + 1·1 = 2, no input copied): carried
    ones = {f"x4_{j}": 1 for j in range(3)}
    assert not degenerate(ws, u5, {**key, **ones, "w4_0": 0, "w4_1": 1, "w4_2": 1},
                          {**key, **ones, "w4_0": 1, "w4_1": 1, "w4_2": 1})
    # and an update that a d of 0 left unmoved, w' = w + η·d·x, stays simplified
    k = next(k for k in range(1, 99) if key[f"d{k}"] != 0)
    j = next(j for j in range(3) if key[f"x{k - 1}_{j}"] != 0)  # trial k reads x{k-1}, as u5 reads x4
    assert degenerate(ws, ws.quantities[f"w{k}_{j}"], {**key, f"d{k}": 0}, key)


def test_what_counts_as_an_input_the_result_still_moves_with():
    """simplified.live_inputs, on steps written out here: an input is live when a small nudge either way moves
    the result by more than float noise (relative to the result); a result undefined on the learner's numbers
    is no reason to call the step trivial."""
    from types import SimpleNamespace

    from matchbox.grading.simplified import _same, live_inputs
    from matchbox.worksheet.graph import Step
    cross_entropy = Step(lambda y, t: -t * math.log(y), ("y", "t"))
    # y = 0.5: a nudge of a thousandth moves E; a nudge the size of y itself would leave log's domain
    assert live_inputs(cross_entropy, {"y": 0.5, "t": 1.0}) == {"y", "t"}
    assert live_inputs(cross_entropy, {"y": 0.5, "t": 0.0}) == {"t"}  # t = 0 empties the product
    # the float noise of a result of a million is not a move: b's share, 1e-5·b, is below it
    big = Step(lambda a, b: a + 1e-5 * b, ("a", "b"))
    assert live_inputs(big, {"a": 1e6, "b": 1.0}) == {"a"}
    assert live_inputs(big, {"a": 0.0, "b": 1.0}) == {"a", "b"}
    assert _same(1e6 * (1 + 1e-12), 1e6) and not _same(1e6 + 0.01, 1e6) and not _same(1e-10, 0.0 + 2e-9)
    # undefined on the learner's numbers (a log of 0): not trivial, whatever the key's
    ws = SimpleNamespace(quantities={"y": SimpleNamespace(is_given=False), "t": SimpleNamespace(is_given=True)})
    q = SimpleNamespace(step=cross_entropy)
    assert live_inputs(cross_entropy, {"y": 0.0, "t": 1.0}) is None
    assert not degenerate(ws, q, {"y": 0.0, "t": 1.0}, {"y": 0.5, "t": 1.0})
