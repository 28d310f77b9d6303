"""Grading a filled workbook against the worksheet graph, with error carried forward.

Each answer is compared first with the key (computed the way the sheet says to work, or with every decimal
kept). If it differs, its step is evaluated again on the learner's own earlier numbers: an answer that
follows correctly from an earlier slip is `carried`, so one slip costs one cell. The learner's number then
feeds every later step. Follow-through is the examination boards' rule, not a loophole: a carried step that
the earlier error made trivial (an update that no longer moves, a product with a zero the key does not
have, a row copied down) is `simplified` and earns nothing. A number a rounding habit explains (cut off,
a decimal short, rounded between steps) is a `rounding` note: named once, charged at most once per sheet.

The result is language-neutral: statuses, numbers, the reason for each mark and the ids of the slips that
explain it. The words (labels, feedback, slip names) are made from it in matchbox/views/feedback.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..worksheet.graph import Q, Ref
from ..worksheet.slips import Catalogue, Rounded
from ..workbook.reader import Filled
from .numbers import NotANumber, parse_number
from .rounding import rounding_habit, sheet_habit
from .simplified import degenerate
from .slips import evaluate, explain

if TYPE_CHECKING:
    from ..kinds import Variant

# What each status earns: correct 1, carried the instructor's `carried_credit`, a rounding note 1 except where
# the habit is charged (Marking.rounding_penalty marks per sheet), simplified, incorrect and blank nothing.
STATUSES = ("correct", "carried", "simplified", "rounding", "incorrect", "blank")
RIGHT = ("correct", "carried", "rounding")  # the learner's number may be built on as it is
# Why a cell has its status: each names one feedback sentence (matchbox/words, "feedback." + reason).
REASONS = ("correct", "carried", "undefined", "simplified", "copied", "zeros", "rounding", "rounding-again",
           "incorrect", "incorrect-carried", "blank", "nan")


@dataclass(frozen=True)
class Marking:
    """How a sheet is marked, as an examination board would set it: what a cell that follows correctly from
    the learner's own earlier error earns (0..1), and how many marks a rounding habit costs a sheet."""

    carried_credit: float = 1.0
    rounding_penalty: int = 1

    def __post_init__(self):
        if not 0 <= self.carried_credit <= 1:
            raise ValueError("carried credit must lie between 0 and 1")
        if self.rounding_penalty < 0:
            raise ValueError("the rounding penalty cannot be negative")


@dataclass
class CellResult:
    sheet: str
    cell: str
    quantity: str
    section: str
    status: str
    value: float | str | None
    expected: float
    reason: str = "incorrect"  # one of REASONS: which feedback sentence explains the mark
    slips: tuple[str, ...] = ()  # the classic slips that explain a wrong number (ids, the likeliest two)
    slip_id: str | None = None  # the slip or rounding habit the cell is named by (worksheet/slips.py NAMES)
    habit: str | None = None  # a rounding note's habit with its decimals ("rounded-short:2")
    problem: tuple[str, str] | None = None  # a cell that is not a number: NotANumber's (reason, detail)
    credit: float = 0.0  # what the cell earns
    because: str | None = None  # the earlier cell (Sheet!A1) whose error this cell follows or was made simpler by
    carried: float | None = None  # the value that follows from the learner's own earlier numbers


@dataclass
class GivenResult:
    sheet: str
    cell: str
    quantity: str
    value: float | str | None
    expected: float
    status: str  # ok or edited


@dataclass
class Report:
    file: str
    kind: str | None = None
    variant: str | None = None
    lang: str = "en"  # the workbook's language
    learner: str | None = None
    score: float = 0
    max_score: int = 0
    error: str | None = None
    cells: list[CellResult] = field(default_factory=list)
    givens: list[GivenResult] = field(default_factory=list)
    recalculated: bool = False
    marking: Marking = field(default_factory=Marking)
    notes: list[dict] = field(default_factory=list)  # what the reader had to find or could not: {code, en, ja}
    exercise: Variant | None = field(default=None, repr=False, compare=False)  # the variant graded

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.cells) for s in STATUSES}

    @property
    def sections(self) -> list[dict]:
        """Score per section (a table of the sheet: trials, test, decision line...), in sheet order."""
        out: dict[str, dict] = {}
        for c in self.cells:
            s = out.setdefault(c.section, {"section": c.section, "score": 0, "max_score": 0,
                                           "counts": dict.fromkeys(STATUSES, 0)})
            s["max_score"] += 1
            s["score"] = marks(s["score"] + c.credit)
            s["counts"][c.status] += 1
        return list(out.values())

    @property
    def edited(self) -> list[GivenResult]:
        return [g for g in self.givens if g.status == "edited"]

    @property
    def passed(self) -> bool:
        return (self.error is None and not self.edited
                and all(c.status in ("correct", "carried") for c in self.cells))

    def __getstate__(self) -> dict:
        # A worksheet's steps may be lambdas, which do not pickle (a batch's worker sends its reports back):
        # the variant travels without its worksheet, which the receiver builds again (a millisecond).
        state = dict(self.__dict__)
        if self.exercise is not None:
            e = self.exercise
            state["exercise"] = type(e)(e.kind, e.params, e.seed, e.name)
        return state


def marks(x: float) -> float | int:
    """A score as people write it: 37, or 36.5 when carried cells earn a fraction."""
    x = round(x, 2)
    return int(x) if x == int(x) else x


def grade(filled: Filled, marking: Marking = Marking()) -> Report:
    variant = filled.variant
    ws = variant.worksheet
    key, unrounded = ws.answer_key(), ws.key()
    report = Report(str(filled.path), variant.kind, variant.id, filled.lang, filled.learner,
                    recalculated=filled.recalculated, marking=marking, notes=list(filled.notes), exercise=variant)
    _givens(report, filled)

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
    where = {q.name: f"{filled.plan.home[q.name].sheet}!{filled.plan.home[q.name].cell}" for q in ws.answers}
    status: dict[str, str] = {}
    unworked: set[str] = set()  # numbers not worked out: see below
    for q in ws.answers:
        p = filled.plan.home[q.name]
        expected, value = key[q.name], typed[q.name]
        answers_in = [d for d in dict.fromkeys(q.step.deps()) if d in status]
        cell = CellResult(p.sheet, p.cell, q.name, q.section, "incorrect", None, expected)
        if isinstance(value, NotANumber):
            carried = evaluate(lambda: ws.evaluate(q.name, own))
            if value.undefined and math.isnan(carried):  # "none" is right where the learner's numbers leave none
                cell.status, cell.reason = "carried", "undefined"
                cell.because = _cause(answers_in, own, key, status, where)
            else:
                cell.reason, cell.problem = "nan", (value.reason, value.detail)
        elif value is None:
            cell.status = cell.reason = "blank"
        elif q.precision.agrees(value, expected) or q.precision.agrees(value, unrounded[q.name]):
            cell.status = cell.reason = "correct"
        else:
            carried = evaluate(lambda: ws.evaluate(q.name, own))
            cell.carried = None if math.isnan(carried) else carried
            if not math.isnan(carried) and q.precision.agrees(value, carried):
                if all(status[d] in ("correct", "rounding") for d in answers_in):
                    # right numbers in, this step done right: only a rounding choice differs from the key
                    cell.status = cell.reason = "correct"
                else:
                    # Made trivial by the error itself (a wrong δ of 0 empties δ·x) or by a step it already made
                    # trivial, and not trivial with those inputs right: a run that has since gone its own way
                    # (a later trial's d = 0, computed from u and y) is real work.
                    direct = [d for d in answers_in if status[d] in ("incorrect", "simplified")]
                    trivial = bool(direct) and degenerate(ws, q, own, key) \
                        and not degenerate(ws, q, {**own, **{d: key[d] for d in direct}}, key)
                    cell.because = where[direct[0]] if trivial else _cause(answers_in, own, key, status, where)
                    cell.status = cell.reason = "simplified" if trivial else "carried"
            else:
                habit = rounding_habit(catalogue, q, value, own, (carried, expected, unrounded[q.name]))
                if habit is not None:  # the habits that fit this cell; the sheet's one is chosen below
                    cell.status, cell.habit, cell.because = "rounding", habit, None
                else:
                    _incorrect(cell, catalogue, q, value, own, carried, expected)
        cell.value = value if isinstance(value, float) else _plain(filled.values[q.name])
        status[q.name] = cell.status
        # Not worked out: a number that does not follow, or one that only repeats such a number (the zeros
        # after a first wrong 0). Rows of repeats or zeros that show this are judged below.
        if cell.status in ("incorrect", "simplified") or value == 0 and any(
                d in unworked and own[d] == 0 for d in answers_in):
            unworked.add(q.name)
        report.cells.append(cell)

    _copied_rows(report, ws, typed, own, key, unworked)
    _rounding_notes(report, marking)
    credit = {"correct": 1.0, "carried": marking.carried_credit}
    for c in report.cells:
        if c.status != "rounding":
            c.credit = credit.get(c.status, 0.0)
    report.max_score = len(report.cells)
    report.score = marks(sum(c.credit for c in report.cells))
    return report


def _givens(report: Report, filled: Filled) -> None:
    """Every given where the sheet prints it, and every copy of it the learner's sheet shows (η in the strip
    above the table, the weights in trial 1's row): a number changed in any of them is reported."""
    ws = filled.variant.worksheet
    places = [(q.name, filled.plan.home[q.name].sheet, filled.plan.home[q.name].cell, filled.values[q.name])
              for q in ws.givens]
    # a copy left blank changes no number the learner worked with; a different number is an edit
    places += [c for c in filled.copies if ws.quantities[c[0]].is_given and c[3] not in (None, "")]
    for name, sheet, cell, raw in places:
        q = ws.quantities[name]
        try:
            value = parse_number(raw)
        except NotANumber:
            value = None
        ok = value is not None and q.precision.agrees(value, q.value)
        report.givens.append(GivenResult(sheet, cell, name, _plain(raw), q.value, "ok" if ok else "edited"))


def _incorrect(cell: CellResult, catalogue: Catalogue, q, value: float, own: dict, carried: float,
               expected: float) -> None:
    cell.status = "incorrect"
    cell.reason = "incorrect" if math.isnan(carried) or q.precision.agrees(carried, expected) \
        else "incorrect-carried"
    # rounding is judged as a habit (grading/rounding.py), never as the slip of a number it does not reach
    slips = [s for s in explain(catalogue, q, value, own, carried) if not isinstance(s, Rounded)]
    if slips:
        cell.slips = tuple(s.id for s in slips[:2])
        cell.slip_id = slips[0].id


def _cause(answers_in: list[str], own: dict, key: dict, status: dict, where: dict) -> str | None:
    """The earlier cell a carried value follows from: the first input that is not the key's number."""
    for d in answers_in:
        if status[d] not in ("correct", "rounding") and not math.isclose(own[d], key[d], abs_tol=1e-12):
            return where[d]
    return next((where[d] for d in answers_in if status[d] not in ("correct", "rounding")), None)


def _copied_rows(report: Report, ws, typed: dict, own: dict, key: dict, unworked: set) -> None:
    """Rows of answers that repeat the row above, or are all zeros, where the key's rows differ, were not
    worked: their cells earn nothing, however many of them happen to follow or agree (a sheet of zeros, a row
    dragged down over the table), when the row shows it (a number that does not follow, a step emptied by
    an error) or sits next to one that does. Honest work that repeats its neighbour (the same item with the
    same weights before) or lands on zeros (a weight that an update brought to 0) is not touched."""
    cells = {c.quantity: c for c in report.cells}
    for table in ws.tables:
        found: list[tuple[list[str], str | None, str | None]] = []  # (row's answers, reason, row above's cell)
        above = above_refs = None
        for row in table.rows:
            names = [c.name for c in row if isinstance(c, Q) and c.name in cells]
            refs = [own[c.name] for c in row if isinstance(c, Ref)]
            reason = where = None
            if len(names) >= 2:
                zeros = [0.0] * len(names)
                if _same_row(ws, names, zeros, typed) and not _same_row(ws, names, zeros, key):
                    reason = "zeros"
                elif above is not None and len(above) == len(names) and _same_row(ws, names, above, typed) \
                        and not _same_row(ws, names, above, key) and not (refs and refs == above_refs) \
                        and not _same_start(ws, names, above, key):
                    reason, where = "copied", f"{cells[above[0]].sheet}!{cells[above[0]].cell}"
            found.append((names, reason, where))
            above, above_refs = (names, refs) if len(names) >= 2 else (None, None)
        # A row shows it was not worked when a number in it does not follow, or a step in it was emptied by
        # an error; a run of such rows is judged together (the zeros after a first wrong row).
        shown = [bool(r) and any(n in unworked for n in names) for names, r, _ in found]
        start = 0
        for i in range(len(found) + 1):
            if i < len(found) and found[i][1]:
                continue
            if any(shown[start:i]):  # the run of such rows from `start`, judged together
                for names, reason, where in found[start:i]:
                    _no_work(cells, names, reason, where)
            start = i + 1


def _same_start(ws, names: list[str], above: list[str], key: dict) -> bool:
    """Do the two rows begin alike in the key (the cells computed from nothing else in their row: a trial's
    sum)? Then only the learner's own slip further along can make them end alike, and that is not a copy."""
    entry = [i for i, n in enumerate(names) if not set(ws.quantities[n].step.deps()) & set(names)]
    return bool(entry) and _same_row(ws, [names[i] for i in entry], [above[i] for i in entry], key)


def _no_work(cells: dict, names: list[str], reason: str, because: str | None) -> None:
    for n in names:
        c = cells[n]
        if c.status in ("correct", "carried", "simplified", "rounding"):
            c.status, c.reason, c.because = "simplified", reason, because
            c.slips, c.slip_id, c.habit = (), None, None


def _same_row(ws, names: list[str], other: list, values: dict) -> bool:
    """Do the row's values equal `other` (names of another row, or numbers) cell by cell?"""
    pairs = [(values.get(a), values.get(b) if isinstance(b, str) else b) for a, b in zip(names, other)]
    return all(isinstance(x, float) and isinstance(y, float) for x, y in pairs) and \
        all(ws.quantities[a].precision.agrees(x, y) for (x, y), a in zip(pairs, names))


def _rounding_notes(report: Report, marking: Marking) -> None:
    """A rounding habit is named once, at the first cell where it shows, and costs at most
    `marking.rounding_penalty` marks a sheet; the other cells it touched earn their mark."""
    cells = [c for c in report.cells if c.status == "rounding"]
    if not cells:
        return
    habit = sheet_habit([c.habit for c in cells])
    for i, c in enumerate(cells):
        c.habit, c.slip_id = habit, habit.split(":")[0]
        c.reason = "rounding" if i == 0 else "rounding-again"  # the others point back to the first
        c.credit = 0.0 if i < marking.rounding_penalty else 1.0


def _plain(raw):
    """A cell's content as JSON can carry it."""
    if raw is None or isinstance(raw, (int, float, str)):
        return raw
    return str(raw)
