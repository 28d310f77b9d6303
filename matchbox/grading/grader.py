"""Grading a filled workbook against the worksheet graph, with error carried forward.

Each answer is compared first with the key. If it differs, its step is evaluated again on the learner's
own earlier numbers: an answer that follows correctly from an earlier slip is `carried`, so one slip costs
one cell, and rounding drift is never a mistake. The learner's number then feeds every later step.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..exercises.graph import tr
from ..exercises.slips import Catalogue
from ..workbook.reader import Filled
from .numbers import NotANumber, parse_number, show
from .slips import evaluate, explain

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
    slip: str | None = None  # the classic slip that explains a wrong number, in the report's language
    slip_id: str | None = None  # its stable id (exercises/slips.py NAMES)


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
    titles: dict[str, str] = field(default_factory=dict)  # section (table) name -> its title
    annotated: str | None = None  # where its graded copy was written
    annotate_error: str | None = None  # why the graded copy could not be written

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.cells) for s in STATUSES}

    @property
    def sections(self) -> list[dict]:
        """Score per section (a table of the sheet: trials, test, decision line...), in sheet order."""
        out: dict[str, dict] = {}
        for c in self.cells:
            s = out.setdefault(c.section, {"section": c.section, "title": self.titles.get(c.section, c.section),
                                           "score": 0, "max_score": 0, "counts": dict.fromkeys(STATUSES, 0)})
            s["max_score"] += 1
            s["score"] += c.status in ("correct", "carried")
            s["counts"][c.status] += 1
        return list(out.values())

    @property
    def edited(self) -> list[GivenResult]:
        return [g for g in self.givens if g.status == "edited"]

    @property
    def passed(self) -> bool:
        return self.error is None and self.score == self.max_score and not self.edited

    def to_json(self) -> dict:
        out = asdict(self)
        del out["titles"]
        out["counts"] = self.counts if self.error is None else None
        out["sections"] = self.sections if self.error is None else None
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
    "slip": {"en": "; likely slip: {slip}", "ja": "。よくある間違い: {slip}"},
    "or": {"en": " (or: {other})", "ja": "(または {other})"},
}


def grade(filled: Filled) -> Report:
    variant, lang = filled.variant, filled.lang
    ws = variant.worksheet
    key = ws.key()
    report = Report(str(filled.path), variant.kind, variant.id, lang, filled.learner,
                    recalculated=filled.recalculated, titles={t.name: tr(t.title, lang) for t in ws.tables})

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

    # The learner's own numbers where they wrote one, the key's elsewhere: each step is evaluated on these.
    own = dict(key)
    typed: dict[str, float | NotANumber | None] = {}
    for q in ws.answers:
        try:
            typed[q.name] = parse_number(filled.values[q.name])
        except NotANumber as e:
            typed[q.name] = e
        if isinstance(typed[q.name], float):
            own[q.name] = q.precision.tidy(typed[q.name])

    catalogue = Catalogue(ws)
    for q in ws.answers:
        p = filled.plan.home[q.name]
        expected = key[q.name]
        value = typed[q.name]
        args = {"expected": show(expected, q.precision), "formula": tr(q.formula, lang)}
        slips = []
        if isinstance(value, NotANumber):
            status, text = "incorrect", FEEDBACK["nan"][lang].format(problem=value.text(lang), **args)
        elif value is None:
            status, text = "blank", FEEDBACK["blank"][lang].format(**args)
        elif q.precision.agrees(value, expected):
            status, text = "correct", FEEDBACK["correct"][lang]
        else:
            carried = evaluate(lambda: ws.evaluate(q.name, own))
            if not math.isnan(carried) and q.precision.agrees(value, carried):
                status, text = "carried", FEEDBACK["carried"][lang].format(**args)
            else:
                status = "incorrect"
                if math.isnan(carried) or q.precision.agrees(carried, expected):
                    text = FEEDBACK["incorrect"][lang].format(**args)
                else:
                    text = FEEDBACK["incorrect-carried"][lang].format(carried=show(carried, q.precision), **args)
                slips = explain(catalogue, q, value, own, carried)
                if slips:
                    name = tr(slips[0].text, lang)
                    if len(slips) > 1:
                        name += FEEDBACK["or"][lang].format(other=tr(slips[1].text, lang))
                    text = text.rstrip("。; ") + FEEDBACK["slip"][lang].format(slip=name)
        shown = value if isinstance(value, float) else _plain(filled.values[q.name])
        report.cells.append(CellResult(p.sheet, p.cell, q.name, tr(q.label, lang), q.section, status, shown,
                                       expected, text, tr(slips[0].text, lang) if slips else None,
                                       slips[0].id if slips else None))

    report.max_score = len(report.cells)
    report.score = sum(c.status in ("correct", "carried") for c in report.cells)
    return report


def _plain(raw):
    """A cell's content as JSON can carry it."""
    if raw is None or isinstance(raw, (int, float, str)):
        return raw
    return str(raw)
