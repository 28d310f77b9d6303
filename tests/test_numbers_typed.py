"""Numbers learners really type as text (issue 12, section 5): decimal commas, simple fractions, percentages,
the U+2010 hyphen for minus; what is refused (1_000, nan, inf, 1e400); and the words for "no answer exists"
(なし, none, ∞) and the spreadsheet's #DIV/0!, which say the learner's own numbers leave no answer.

Each reading is checked on its own, then typed into a real workbook that is graded end to end."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from matchbox.kinds import from_spec, sampled
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.grading.numbers import NotANumber, parse_number
from matchbox.workbook.reader import read_filled

from conftest import answers_of, fill, make_workbooks

READS = [
    # a decimal comma: a number starting "0," or "-0," is never a thousands separator
    ("0,525", 0.525), ("-0,016", -0.016), ("0,016", 0.016), ("−0,5", -0.5), ("０，５２５", 0.525),
    # a single comma is a decimal comma (answers here are small): the "-1,024" is −1.024
    ("-1,024", -1.024), ("1,024", 1.024), ("1,5", 1.5), ("-12,5", -12.5),
    # thousands separators where they cannot be a decimal comma
    ("1,024,000", 1024000.0), ("1,024.5", 1024.5), ("-12,345.6", -12345.6),
    # simple fractions, full-width too
    ("1/2", 0.5), ("-2/3", -2 / 3), ("22/4", 5.5), ("１／２", 0.5), ("－３／４", -0.75), ("½", 0.5), ("0/5", 0.0),
    # percentages
    ("−40%", -0.4), ("50%", 0.5), ("５０％", 0.5), ("12,5%", 0.125), ("-2.5%", -0.025),
    # minus signs: hyphen U+2010, non-breaking hyphen U+2011, minus sign, full-width
    ("\u20101", -1.0), ("\u20110.25", -0.25), ("\u22121.5", -1.5), ("－１．５", -1.5),
    # plain numbers still read as before
    ("0.5", 0.5), (" 3 ", 3.0), ("+3", 3.0), (".5", 0.5), ("1.", 1.0), ("1e-3", 0.001), ("2E2", 200.0),
    (0.25, 0.25), (3, 3.0), (True, 1.0), (None, None), ("", None), ("　", None),
]


@pytest.mark.parametrize("typed, expected", READS)
def test_what_a_learner_types_is_read(typed, expected):
    value = parse_number(typed)
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected, abs=1e-12) and isinstance(value, float)


REFUSED = ["1_000", "1_0", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e999", "0x10", "1,2,3", "0,5.3",
           "%", "50%%", "1/2%", "1.5/3", "abc", "1 2/3x", "9" * 400 + "/1", "--1", "1-"]


@pytest.mark.parametrize("typed", REFUSED)
def test_what_is_not_a_number_is_refused_as_text(typed):
    with pytest.raises(NotANumber) as e:
        parse_number(typed)
    assert e.value.reason == "text" and not e.value.undefined
    assert e.value.text("en").startswith("not a number") and e.value.text("ja").startswith("数値ではありません")


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_non_finite_cell_value_is_refused(value):
    with pytest.raises(NotANumber) as e:
        parse_number(value)
    assert not e.value.undefined


NO_ANSWER = ["なし", "無し", "解なし", "存在しない", "none", "None", "NONE", "N/A", "n/a", "∞", "-∞", "−∞", "+∞",
             "undefined", "No answer", "ｎｏｎｅ", " なし ", "　なし　", "なし。", "1/0", "-3/0", "0/0"]


@pytest.mark.parametrize("typed", NO_ANSWER)
def test_no_answer_exists_is_undefined(typed):
    with pytest.raises(NotANumber) as e:
        parse_number(typed)
    assert e.value.reason == "undefined" and e.value.undefined
    assert e.value.detail == typed.strip()
    for lang in ("en", "ja"):
        assert e.value.detail in e.value.text(lang)
    assert "no answer exists" in e.value.text("en") and "答えは存在しない" in e.value.text("ja")
    assert e.value.text("ja").endswith("です({})".format(e.value.detail))  # です/ます, as a lecturer prints it


@pytest.mark.parametrize("typed, undefined", [("#DIV/0!", True), ("#div/0!", True), ("#VALUE!", False),
                                              ("#REF!", False), ("#NAME?", False), ("#N/A", False)])
def test_a_division_by_zero_shown_by_the_spreadsheet_is_undefined(typed, undefined):
    with pytest.raises(NotANumber) as e:
        parse_number(typed)
    assert e.value.reason == "error" and e.value.undefined is undefined
    assert typed in e.value.text("en") and typed in e.value.text("ja")


@pytest.mark.parametrize("reason, detail", [("infinite", ""), ("date", ""), ("error", "#DIV/0!"), ("formula", ""),
                                            ("text", "'x'"), ("undefined", "なし")])
def test_every_reason_has_its_text_in_both_languages(reason, detail):
    e = NotANumber(reason, detail)
    assert e.text("en") and e.text("ja") and str(e) == e.text("en")
    assert e.undefined is (reason == "undefined" or detail == "#DIV/0!")


# --- end to end: typed into a real workbook, graded ----------------------------------------------------------

def graded_typed(tmp_path, variant, typed: dict, lang="en"):
    """Every answer of `variant` from the key, those in `typed` as the text given; graded from the file."""
    _, learner, _ = make_workbooks(tmp_path, variant=variant, lang=lang)
    values = {**answers_of(variant), **typed}
    return grade(read_filled(fill(learner, variant, lang, values, tmp_path / "typed.xlsx")))


def all_correct(report):
    wrong = [(c.quantity, c.value, c.feedback) for c in report.cells if c.status != "correct"]
    assert not wrong and report.score == report.max_score, wrong


def three_decimals():
    """A neuron sheet rounded to 3 decimals: answers both below 1 (0,525) and above it (-1,024)."""
    v = from_spec({"kind": "neuron", "activation": "identity", "learning_rate": 0.1, "decimals": 3,
                   "initial_weights": [0.5, -0.8], "bias": 0.3,
                   "samples": [{"inputs": [1.2, -0.7], "teacher": -1}, {"inputs": [0.4, 1.5], "teacher": 1}],
                   "steps": 2})
    return v


def test_decimal_commas_typed_in_a_workbook_grade_as_the_numbers_they_are(tmp_path):
    v = three_decimals()
    key = answers_of(v)
    typed = {n: f"{x:.3f}".replace(".", ",") for n, x in key.items()}
    assert any(t.lstrip("-").startswith("0,") for t in typed.values())
    assert any(abs(x) >= 1 and len(t.split(",")[1]) == 3 for t, x in zip(typed.values(), key.values()))
    all_correct(graded_typed(tmp_path, v, typed))


def test_fractions_typed_in_a_workbook(tmp_path):
    v = sampled("perceptron", 3)  # exact numbers: weights in halves and tenths
    key = answers_of(v)
    typed = {}
    for n, x in key.items():
        f = Fraction(x).limit_denominator(100)
        assert float(f) == pytest.approx(x, abs=1e-9)
        if f.denominator > 1:
            typed[n] = f"{2 * f.numerator}/{2 * f.denominator}"  # not reduced, as "22/4" is
    assert typed and any(t.startswith("-") for t in typed.values())
    report = graded_typed(tmp_path, v, typed)
    all_correct(report)
    assert {c.quantity for c in report.cells} >= set(typed)


def test_percentages_typed_in_a_workbook(tmp_path):
    v = sampled("perceptron", 3)
    key = answers_of(v)
    typed = {n: f"{x * 100:g}%".replace("-", "\u2212") for n, x in key.items() if x}
    assert any(t.startswith("\u2212") for t in typed.values())
    all_correct(graded_typed(tmp_path, v, typed))


def test_hyphen_minus_typed_in_a_workbook(tmp_path):
    v = sampled("perceptron", 3)
    key = answers_of(v)
    typed = {n: "\u2010" + f"{-x:g}" for n, x in key.items() if x < 0}
    typed.update({n: "\u2011" + f"{-x:g}" for n, x in list(key.items()) if x < 0 and n not in typed})
    assert typed
    all_correct(graded_typed(tmp_path, v, typed))


@pytest.mark.parametrize("text", ["1_000", "nan", "inf", "1e400"])
def test_what_float_would_take_is_refused_in_a_workbook(tmp_path, text):
    v = sampled("perceptron", 3)
    name = v.worksheet.answers[0].name
    report = graded_typed(tmp_path, v, {name: text})
    cell = next(c for c in report.cells if c.quantity == name)
    assert cell.status == "incorrect" and cell.value == text and "not a number" in cell.feedback
    assert report.score == report.max_score - 1


# --- "no answer exists" where the learner's own numbers make the step undefined ------------------------------

def zero_final_weight():
    """A counting sheet whose learner ends with w = 0 by one slip in the last trial: the boundary θ / w is
    then undefined from their numbers (the key's is a number)."""
    v = sampled("counting", 3)
    ws = v.worksheet
    final = ws.quantities["boundary"].step.args[1]
    key = ws.key()
    assert key[final] != 0 and math.isfinite(key["boundary"])
    own = answers_of(v)
    own[final] = 0  # the slip; nothing after it but the test table and the boundary
    names = list(ws.quantities)
    for q in ws.answers:
        if names.index(q.name) > names.index(final) and q.name != "boundary":
            own[q.name] = ws.evaluate(q.name, {**key, **own})
    return v, final, own


@pytest.mark.parametrize("typed", ["なし", "none", "∞", "#DIV/0!"])
def test_no_answer_typed_where_the_learners_numbers_leave_none_is_read_as_undefined(tmp_path, typed):
    v, final, own = zero_final_weight()
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="ja")
    filled = read_filled(fill(learner, v, "ja", {**own, "boundary": typed}, tmp_path / "none.xlsx"))
    assert filled.values["boundary"] == typed
    with pytest.raises(NotANumber) as e:
        parse_number(filled.values["boundary"])
    assert e.value.undefined
    report = grade(filled)
    cell = next(c for c in report.cells if c.quantity == "boundary")
    assert cell.value == typed  # shown as typed, not as a number
    assert next(c for c in report.cells if c.quantity == final).status == "incorrect"


@pytest.mark.parametrize("typed", ["なし", "none", "∞", "#DIV/0!"])
def test_no_answer_where_the_learners_numbers_leave_none_is_carried(tmp_path, typed):
    v, final, own = zero_final_weight()
    for lang in ("en", "ja"):
        _, learner, _ = make_workbooks(tmp_path / lang, variant=v, lang=lang)
        report = grade(read_filled(fill(learner, v, lang, {**own, "boundary": typed}, tmp_path / f"{lang}.xlsx")))
        cell = next(c for c in report.cells if c.quantity == "boundary")
        assert cell.status == "carried", cell.feedback
        # (w = 0 makes the test table's sums trivial: those cells are section 1's business, not asserted here)


def test_no_answer_where_a_number_exists_is_still_incorrect(tmp_path):
    """"なし" where the learner's own numbers do give a boundary is wrong: the word is no way around the step."""
    v = sampled("counting", 3)
    report = graded_typed(tmp_path, v, {"boundary": "なし"}, lang="ja")
    cell = next(c for c in report.cells if c.quantity == "boundary")
    assert cell.status == "incorrect" and "「答えは存在しない」という記入です(なし)" in cell.feedback
    assert report.score == report.max_score - 1
