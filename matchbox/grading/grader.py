"""Grading a filled workbook against the worksheet graph, with error carried forward.

Each answer is compared first with the key. If it differs, its step is evaluated again on the learner's
own earlier numbers: an answer that follows correctly from an earlier slip is `carried`, so one slip costs
one cell, and rounding drift is never a mistake. The learner's number then feeds every later step.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..exercises.graph import tr
from ..workbook.reader import Filled
from .numbers import NotANumber, parse_number, show

STATUSES = ("correct", "carried", "incorrect", "blank")


@dataclass
class CellResult:
    sheet: str
    cell: str
    quantity: str
    label: str
    section: str
    status: str
    value: float | str | None
    expected: float
    feedback: str


@dataclass
class GivenResult:
    sheet: str
    cell: str
    quantity: str
    label: str
    value: float | str | None
    expected: float
    status: str  # ok or edited


@dataclass
class Report:
    file: str
    kind: str | None = None
    variant: str | None = None
    lang: str = "en"
    learner: str | None = None
    score: int = 0
    max_score: int = 0
    error: str | None = None
    cells: list[CellResult] = field(default_factory=list)
    givens: list[GivenResult] = field(default_factory=list)
    recalculated: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.cells) for s in STATUSES}

    @property
    def edited(self) -> list[GivenResult]:
        return [g for g in self.givens if g.status == "edited"]

    @property
    def passed(self) -> bool:
        return self.error is None and self.score == self.max_score and not self.edited

    def to_json(self) -> dict:
        out = asdict(self)
        out["counts"] = self.counts if self.error is None else None
        return out


FEEDBACK = {
    "correct": {"en": "correct", "ja": "正解"},
    "carried": {"en": "follows from your earlier answers (key: {expected})",
                "ja": "前の自分の答えからは正しい計算です(模範解答: {expected})"},
    "incorrect": {"en": "expected {expected}; {formula}", "ja": "正しくは {expected}。{formula}"},
    "incorrect-carried": {"en": "expected {expected} (or {carried} from your earlier answers); {formula}",
                          "ja": "正しくは {expected}(あなたの前の答えからなら {carried})。{formula}"},
    "blank": {"en": "blank; {formula}", "ja": "未記入。{formula}"},
    "nan": {"en": "{problem}; expected {expected}", "ja": "{problem}。正しくは {expected}"},
}


def grade(filled: Filled) -> Report:
    variant, lang = filled.variant, filled.lang
    ws = variant.worksheet
    key = ws.key()
    report = Report(str(filled.path), variant.kind, variant.id, lang, filled.learner,
                    recalculated=filled.recalculated)
    own = dict(key)  # the learner's numbers where they gave one, the key's elsewhere

    for q in ws.givens:
        p = filled.plan.home[q.name]
        raw = filled.values[q.name]
        try:
            value = parse_number(raw)
        except NotANumber:
            value = None
        ok = value is not None and q.precision.agrees(value, q.value)
        report.givens.append(GivenResult(p.sheet, p.cell, q.name, tr(q.label, lang), _plain(raw), q.value,
                                         "ok" if ok else "edited"))

    for q in ws.answers:
        p = filled.plan.home[q.name]
        expected = key[q.name]
        raw = filled.values[q.name]
        formula = tr(q.formula, lang)
        args = {"expected": show(expected), "formula": formula}
        try:
            value = parse_number(raw)
        except NotANumber as e:
            status, text = "incorrect", FEEDBACK["nan"][lang].format(problem=str(e), **args)
            value = None
        else:
            if value is None:
                status, text = "blank", FEEDBACK["blank"][lang].format(**args)
            elif q.precision.agrees(value, expected):
                status, text = "correct", FEEDBACK["correct"][lang]
            else:
                carried = _evaluate(ws, q.name, own)
                if not math.isnan(carried) and q.precision.agrees(value, carried):
                    status, text = "carried", FEEDBACK["carried"][lang].format(**args)
                else:
                    status = "incorrect"
                    if math.isnan(carried) or q.precision.agrees(carried, expected):
                        text = FEEDBACK["incorrect"][lang].format(**args)
                    else:
                        text = FEEDBACK["incorrect-carried"][lang].format(carried=show(carried), **args)
        if value is not None:
            own[q.name] = q.precision.tidy(value)
        report.cells.append(CellResult(p.sheet, p.cell, q.name, tr(q.label, lang), q.section, status,
                                       value if value is not None else _plain(raw), expected, text))

    report.max_score = len(report.cells)
    report.score = sum(c.status in ("correct", "carried") for c in report.cells)
    return report


def _evaluate(ws, name: str, values: dict) -> float:
    """One step on the learner's numbers; NaN where they make it undefined (a division by zero...)."""
    try:
        result = ws.evaluate(name, values)
    except (ArithmeticError, ValueError, OverflowError):
        return math.nan
    return result if math.isfinite(result) else math.nan


def _plain(raw):
    """A cell's content as JSON can carry it."""
    if raw is None or isinstance(raw, (int, float, str)):
        return raw
    return str(raw)
