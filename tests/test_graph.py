"""The worksheet graph: evaluation order, the key, carried evaluation, precision."""
import pytest

from matchbox.engine import functions as F
from matchbox.worksheet.graph import Precision, Step, Worksheet


def tiny():
    ws = Worksheet("t", "t", "", "")
    ws.given("x", 2, "x")
    ws.given("w", 3, "w")
    ws.answer("u", Step(F.weighted_sum, (("x",), ("w",))), "u", "u = wx")
    ws.answer("y", Step(F.step, ("u", 5.0)), "y", "y")
    return ws


def test_key_evaluates_steps_in_order():
    assert tiny().key() == {"x": 2.0, "w": 3.0, "u": 6.0, "y": 1.0}


def test_a_step_evaluates_on_someone_elses_numbers():
    ws = tiny()
    own = dict(ws.key(), u=4.0)  # a learner who wrote u = 4
    assert ws.evaluate("y", own) == 0.0  # ... then y = 0 follows from their own u


def test_answers_must_come_after_what_they_use():
    ws = Worksheet("t", "t", "", "")
    with pytest.raises(ValueError):
        ws.answer("u", Step(F.weighted_sum, (("x",), ("w",))), "u", "")
    ws.given("x", 1, "x")
    with pytest.raises(ValueError):
        ws.given("x", 2, "x")


def test_exact_values_lose_float_noise():
    ws = Worksheet("t", "t", "", "")
    ws.given("a", 0.1, "a")
    ws.given("b", 0.2, "b")
    ws.answer("s", Step(lambda a, b: a + b, ("a", "b")), "s", "")
    assert ws.key()["s"] == 0.3


@pytest.mark.parametrize("precision,value,expected,ok", [
    (Precision(0, True), 3.0, 3.0, True),
    (Precision(0, True), 3.0000000001, 3.0, True),  # float noise from a spreadsheet
    (Precision(0, True), 3.1, 3.0, False),
    (Precision(0, True), 0.5, 1.0, False),
    (Precision(4, False), 0.7311, 0.7310585786, True),  # rounded as told
    (Precision(4, False), 0.7310, 0.7310585786, False),  # truncated: off by more than half a digit
    (Precision(2, False), -0.67, -2 / 3, True),
    (Precision(2, False), -0.66, -2 / 3, False),
])
def test_precision_follows_what_the_sheet_states(precision, value, expected, ok):
    assert precision.agrees(value, expected) is ok
