"""The worksheet model: a small computation graph of named quantities, and the tables that show it.

A *given* is a number printed on the sheet. An *answer* is a number the learner computes: it has a step (an
engine function applied to earlier quantities), a label, the formula shown as a hint, and the precision
the sheet asks for. Evaluating the steps on the givens gives the key; evaluating one step on the learner's
own earlier numbers gives the carried-forward expectation. The workbook, the key and `solve` are views of
the tables; none of them computes anything itself.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Mapping, Union

import numpy as np

Text = Union[str, Mapping[str, str]]  # a plain string, or {"en": ..., "ja": ...}


def tr(text: Text | None, lang: str) -> str:
    """The text in `lang` (English when no translation is given)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text["en"]


def display_width(text: str) -> int:
    """Width in terminal or spreadsheet character columns: a CJK glyph takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass(frozen=True)
class Precision:
    """How a sheet asks for a number: exact (integers, one decimal...) or rounded to `decimals`."""

    decimals: int = 0
    exact: bool = True

    @property
    def tolerance(self) -> float:
        # Exact answers lie on a grid, so only float noise is forgiven; a rounded answer may be off by
        # half its last digit, which is what rounding as told produces.
        return 1e-9 if self.exact else 0.5 * 10.0 ** -self.decimals * (1 + 1e-9)

    def agrees(self, value: float, expected: float) -> bool:
        scale = max(1.0, abs(expected))
        if self.exact:
            return abs(value - expected) <= self.tolerance * scale
        # half a unit of the last digit, plus the float noise of computing `expected` (a value on a half-point
        # may land a few ulps either side of it, and the learner's rounding is then right either way)
        return abs(value - expected) <= self.tolerance + 1e-15 * scale

    def tidy(self, value: float) -> float:
        """Strip float noise from an exact value (0.1 + 0.2 is 0.3 on a hand-worked sheet)."""
        return round(value, 9) + 0.0 if self.exact else value

    def rounded(self, value: float) -> float:
        """The value as the sheet asks a learner to write it: half up at `decimals` (0.45925 -> 0.4593, as by
        hand; Python's round() would see the binary 0.459249999...)."""
        if self.exact or not math.isfinite(value):
            return value
        # the number as a calculator shows it, 12 significant digits: 1.5 × 1.6013 + 2 is 4.40195 by hand, and
        # the binary 4.401949999999999 must round as 4.40195 does
        shortest = Decimal(f"{value:.12g}")
        return float(shortest.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)) + 0.0

    def number_format(self) -> str:
        if self.exact:
            return "General"
        return "0." + "0" * self.decimals if self.decimals else "0"


EXACT = Precision(0, True)


@dataclass(frozen=True)
class Step:
    """One computation: an engine function applied to quantities.

    Each argument is a quantity name, a tuple of names (passed as a vector) or a constant. `slips` are the
    classic mistakes of this step (worksheet/slips.py: Slip), which `check` names when one explains a
    learner's wrong number.
    """

    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    slips: tuple = ()

    def deps(self) -> list[str]:
        names: list[str] = []
        for a in self.args:
            if isinstance(a, str):
                names.append(a)
            elif isinstance(a, tuple):
                names.extend(a)
        return names

    def __call__(self, values: Mapping[str, float]) -> float:
        args = []
        for a in self.args:
            if isinstance(a, str):
                args.append(values[a])
            elif isinstance(a, tuple):
                args.append(np.array([values[n] for n in a], dtype=float))
            else:
                args.append(a)
        return float(self.fn(*args, **self.kwargs))


@dataclass
class Quantity:
    name: str
    label: Text
    precision: Precision = EXACT
    value: float | None = None  # givens only
    step: Step | None = None  # answers only
    formula: Text | None = None  # the hint: how this answer is computed
    section: str = ""

    @property
    def is_given(self) -> bool:
        return self.step is None


# Cells of a table: Text (a label), Q (the home of a given or an answer) or Ref (a quantity shown again,
# in the workbook as a live reference to its home cell, so a learner never copies a number by hand).
@dataclass(frozen=True)
class Q:
    name: str


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass
class Column:
    header: Text
    formula: Text | None = None  # shown under the header, so the formula stays in view
    width: float = 10


@dataclass
class Table:
    name: str
    title: Text
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: Text | None = None
    # What the table is for, where a view treats it specially: "settings" (rows of label and given, which
    # the workbook repeats as a strip above the work tables); None for an ordinary table
    role: str | None = None


class Worksheet:
    """Quantities in the order they are computed, and the tables that lay them out."""

    def __init__(self, kind: str, title: Text, instructions: Text, precision_note: Text):
        self.kind = kind
        self.title = title
        self.instructions = instructions
        self.precision_note = precision_note
        self.quantities: dict[str, Quantity] = {}
        self.tables: list[Table] = []
        self._key: dict[str, float] | None = None
        self._answer_key: dict[str, float] | None = None

    def given(self, name: str, value: float, label: Text, precision: Precision = EXACT) -> str:
        self._add(Quantity(name, label, precision, value=float(value)))
        return name

    def answer(self, name: str, step: Step, label: Text, formula: Text,
               precision: Precision = EXACT, section: str = "") -> str:
        missing = [d for d in step.deps() if d not in self.quantities]
        if missing:  # keeps the dict in a computable order
            raise ValueError(f"{name} depends on {missing}, which come later or do not exist")
        self._add(Quantity(name, label, precision, step=step, formula=formula, section=section))
        return name

    def _add(self, q: Quantity) -> None:
        if q.name in self.quantities:
            raise ValueError(f"quantity {q.name} defined twice")
        self.quantities[q.name] = q
        self._key = self._answer_key = None

    def table(self, table: Table) -> Table:
        self.tables.append(table)
        for row in table.rows:
            for cell in row:
                if isinstance(cell, Q) and not self.quantities[cell.name].is_given:
                    self.quantities[cell.name].section = table.name
        return table

    @property
    def answers(self) -> list[Quantity]:
        return [q for q in self.quantities.values() if not q.is_given]

    @property
    def givens(self) -> list[Quantity]:
        return [q for q in self.quantities.values() if q.is_given]

    def evaluate(self, name: str, values: Mapping[str, float]) -> float:
        """One step on the numbers in `values` (the key's, or the learner's own)."""
        q = self.quantities[name]
        return q.precision.tidy(q.step(values))

    def key(self) -> dict[str, float]:
        """Every quantity's value computed from the givens with nothing rounded on the way: what the engine
        computes, and what a learner who keeps every decimal (rounding only what they write) arrives at."""
        if self._key is None:
            self._key = self._run(rounded=False)
        return dict(self._key)

    def answer_key(self) -> dict[str, float]:
        """Every quantity's value the way the sheet tells the learner to work: each answer rounded as the
        sheet asks before the next step uses it. A learner who follows the sheet to the letter writes exactly
        these numbers; the key workbook, the printed key and `solve` show them."""
        if self._answer_key is None:
            self._answer_key = self._run(rounded=True)
        return dict(self._answer_key)

    def _run(self, rounded: bool) -> dict[str, float]:
        values: dict[str, float] = {}
        for q in self.quantities.values():
            if q.is_given:
                values[q.name] = q.value
            else:
                value = self.evaluate(q.name, values)
                values[q.name] = q.precision.rounded(value) if rounded else value
        return values
