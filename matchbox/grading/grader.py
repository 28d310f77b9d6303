"""Grading a filled workbook against the worksheet graph, with error carried forward.

Each answer is compared first with the key (computed the way the sheet says to work, or with every decimal
kept). If it differs, its step is evaluated again on the learner's own earlier numbers: an answer that
follows correctly from an earlier slip is `carried`, so one slip costs one cell. The learner's number then
feeds every later step. Follow-through is the examination boards' rule, not a loophole: a carried step that
the earlier error made trivial (an update that no longer moves, a product with a zero the key does not
have, a row copied down) is `simplified` and earns nothing. A number a rounding habit explains (cut off,
a decimal short, rounded between steps) is a `rounding` note: named once, charged at most once per sheet.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..exercises.graph import Q, Ref, tr
from ..exercises.slips import Catalogue, Rounded
from ..workbook.reader import Filled
from .numbers import NotANumber, parse_number, show
from .rounding import habit_text, rounding_habit, sheet_habit
from .simplified import degenerate
from .slips import evaluate, explain

# What each status earns: correct 1, carried the instructor's `carried_credit`, a rounding note 1 except where
# the habit is charged (Marking.rounding_penalty marks per sheet), simplified, incorrect and blank nothing.
STATUSES = ("correct", "carried", "simplified", "rounding", "incorrect", "blank")
RIGHT = ("correct", "carried", "rounding")  # the learner's number may be built on as it is


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
    label: str
    section: str
    status: str
    value: float | str | None
    expected: float
    feedback: str
    slip: str | None = None  # the classic slip that explains a wrong number, in the report's language
    slip_id: str | None = None  # its stable id (exercises/slips.py NAMES; a rounding habit's id)
    credit: float = 0.0  # what the cell earns
    because: str | None = None  # the earlier cell (Sheet!A1) whose error this cell follows or was made simpler by
    carried: float | None = None  # the value that follows from the learner's own earlier numbers


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
    score: float = 0
    max_score: int = 0
    error: str | None = None
    cells: list[CellResult] = field(default_factory=list)
    givens: list[GivenResult] = field(default_factory=list)
    recalculated: bool = False
    titles: dict[str, str] = field(default_factory=dict)  # section (table) name -> its title
    annotated: str | None = None  # where its graded copy was written
    annotate_error: str | None = None  # why the graded copy could not be written
    marking: Marking = field(default_factory=Marking)
    notes: list[str] = field(default_factory=list)  # what the reader had to find or could not (in `lang`)

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

    def to_json(self) -> dict:
        out = asdict(self)
        del out["titles"]
        out["counts"] = self.counts if self.error is None else None
        out["sections"] = self.sections if self.error is None else None
        return out


def marks(x: float) -> float | int:
    """A score as people write it: 37, or 36.5 when carried cells earn a fraction."""
    x = round(x, 2)
    return int(x) if x == int(x) else x


FEEDBACK = {
    "correct": {"en": "correct", "ja": "正解"},
    "carried": {"en": "follows from your earlier answers (key: {expected})",
                "ja": "前の自分の答えからは正しい計算です(模範解答: {expected})"},
    "undefined": {"en": "no value follows from your earlier answers (key: {expected})",
                  "ja": "前の自分の答えからは値が定まらないので、これで正しい扱いです(模範解答: {expected})"},
    "simplified": {"en": "follows from your numbers, but an earlier error (your value in {because}) made this step "
                         "trivial: no credit (key: {expected})",
                   "ja": "前の誤り({because} の値)で計算が簡単になったため得点なし(自分の数値からは合っています。"
                         "模範解答: {expected})"},
    "copied": {"en": "the same numbers as the row above ({because}), where the key's rows differ: no credit "
                     "(key: {expected})",
               "ja": "上の行({because})と同じ数値です。模範解答では行ごとに値が変わるため得点なし(模範解答: {expected})"},
    "zeros": {"en": "a row of zeros where the key's row has other numbers: no credit for this row (key: {expected})",
              "ja": "この行はすべて 0 ですが、模範解答の行には 0 以外の数があります。この行は得点なしです"
                    "(模範解答: {expected})"},
    "rounding": {"en": "rounding habit: {habit} (noted once; key: {expected})",
                 "ja": "四捨五入の仕方について: {habit}(指摘は1回だけです。模範解答: {expected})"},
    "rounding-again": {"en": "the same rounding habit as {because} (no further cost; key: {expected})",
                       "ja": "{because} と同じ丸め方です(減点は1回だけです。模範解答: {expected})"},
    "incorrect": {"en": "expected {expected}; {formula}", "ja": "正しくは {expected}。{formula}"},
    "incorrect-carried": {"en": "expected {expected} (or {carried} from your earlier answers); {formula}",
                          "ja": "正しくは {expected}(あなたの前の答えからなら {carried})。{formula}"},
    "blank": {"en": "blank; {formula}", "ja": "未記入。{formula}"},
    "nan": {"en": "{problem}; expected {expected}", "ja": "{problem}。正しくは {expected}"},
    "slip": {"en": "; likely slip: {slip}", "ja": "。よくある間違い: {slip}"},
    "or": {"en": " (or: {other})", "ja": "(または {other})"},
}


def grade(filled: Filled, marking: Marking = Marking()) -> Report:
    variant, lang = filled.variant, filled.lang
    ws = variant.worksheet
    key, unrounded = ws.answer_key(), ws.key()
    report = Report(str(filled.path), variant.kind, variant.id, lang, filled.learner,
                    recalculated=filled.recalculated, titles={t.name: tr(t.title, lang) for t in ws.tables},
                    marking=marking, notes=[n[lang] for n in filled.notes])
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
        args = {"expected": show(expected, q.precision), "formula": tr(q.formula, lang)}
        answers_in = [d for d in dict.fromkeys(q.step.deps()) if d in status]
        cell = CellResult(p.sheet, p.cell, q.name, tr(q.label, lang), q.section, "incorrect", None, expected, "")
        if isinstance(value, NotANumber):
            carried = evaluate(lambda: ws.evaluate(q.name, own))
            if value.undefined and math.isnan(carried):  # "none" is right where the learner's numbers leave none
                cell.status, cell.feedback = "carried", FEEDBACK["undefined"][lang].format(**args)
                cell.because = _cause(answers_in, own, key, status, where)
            else:
                cell.feedback = FEEDBACK["nan"][lang].format(problem=value.text(lang), **args)
        elif value is None:
            cell.status, cell.feedback = "blank", FEEDBACK["blank"][lang].format(**args)
        elif q.precision.agrees(value, expected) or q.precision.agrees(value, unrounded[q.name]):
            cell.status, cell.feedback = "correct", FEEDBACK["correct"][lang]
        else:
            carried = evaluate(lambda: ws.evaluate(q.name, own))
            cell.carried = None if math.isnan(carried) else carried
            if not math.isnan(carried) and q.precision.agrees(value, carried):
                if all(status[d] in ("correct", "rounding") for d in answers_in):
                    # right numbers in, this step done right: only a rounding choice differs from the key
                    cell.status, cell.feedback = "correct", FEEDBACK["correct"][lang]
                else:
                    # Made trivial by the error itself (a wrong δ of 0 empties δ·x) or by a step it already made
                    # trivial, and not trivial with those inputs right: a run that has since gone its own way
                    # (a later trial's d = 0, computed from u and y) is real work.
                    direct = [d for d in answers_in if status[d] in ("incorrect", "simplified")]
                    trivial = bool(direct) and degenerate(ws, q, own, key) \
                        and not degenerate(ws, q, {**own, **{d: key[d] for d in direct}}, key)
                    cell.because = where[direct[0]] if trivial else _cause(answers_in, own, key, status, where)
                    cell.status = "simplified" if trivial else "carried"
                    cell.feedback = FEEDBACK[cell.status][lang].format(because=cell.because, **args)
            else:
                habit = rounding_habit(catalogue, q, value, own, (carried, expected, unrounded[q.name]))
                if habit is not None:
                    cell.status, cell.slip_id, cell.because = "rounding", habit, None
                else:
                    _incorrect(cell, catalogue, q, value, own, carried, expected, args, lang)
        cell.value = value if isinstance(value, float) else _plain(filled.values[q.name])
        status[q.name] = cell.status
        # Not worked out: a number that does not follow, or one that only repeats such a number (the zeros
        # after a first wrong 0). Rows of repeats or zeros that show this are judged below.
        if cell.status in ("incorrect", "simplified") or value == 0 and any(
                d in unworked and own[d] == 0 for d in answers_in):
            unworked.add(q.name)
        report.cells.append(cell)

    _copied_rows(report, ws, typed, own, key, unworked, lang)
    _rounding_notes(report, ws, lang, marking)
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
    ws, lang = filled.variant.worksheet, filled.lang
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
        report.givens.append(GivenResult(sheet, cell, name, tr(q.label, lang), _plain(raw), q.value,
                                         "ok" if ok else "edited"))


def _incorrect(cell: CellResult, catalogue: Catalogue, q, value: float, own: dict, carried: float,
               expected: float, args: dict, lang: str) -> None:
    if math.isnan(carried) or q.precision.agrees(carried, expected):
        text = FEEDBACK["incorrect"][lang].format(**args)
    else:
        text = FEEDBACK["incorrect-carried"][lang].format(carried=show(carried, q.precision), **args)
    # rounding is judged as a habit (grading/rounding.py), never as the slip of a number it does not reach
    slips = [s for s in explain(catalogue, q, value, own, carried) if not isinstance(s, Rounded)]
    if slips:
        name = tr(slips[0].text, lang)
        if len(slips) > 1:
            name += FEEDBACK["or"][lang].format(other=tr(slips[1].text, lang))
        text = text.rstrip("。; ") + FEEDBACK["slip"][lang].format(slip=name)
        cell.slip, cell.slip_id = tr(slips[0].text, lang), slips[0].id
    cell.status, cell.feedback = "incorrect", text


def _cause(answers_in: list[str], own: dict, key: dict, status: dict, where: dict) -> str | None:
    """The earlier cell a carried value follows from: the first input that is not the key's number."""
    for d in answers_in:
        if status[d] not in ("correct", "rounding") and not math.isclose(own[d], key[d], abs_tol=1e-12):
            return where[d]
    return next((where[d] for d in answers_in if status[d] not in ("correct", "rounding")), None)


def _copied_rows(report: Report, ws, typed: dict, own: dict, key: dict, unworked: set, lang: str) -> None:
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
                    _no_work(cells, names, reason, where, key, ws, lang)
            start = i + 1


def _same_start(ws, names: list[str], above: list[str], key: dict) -> bool:
    """Do the two rows begin alike in the key (the cells computed from nothing else in their row: a trial's
    sum)? Then only the learner's own slip further along can make them end alike, and that is not a copy."""
    entry = [i for i, n in enumerate(names) if not set(ws.quantities[n].step.deps()) & set(names)]
    return bool(entry) and _same_row(ws, [names[i] for i in entry], [above[i] for i in entry], key)


def _no_work(cells: dict, names: list[str], reason: str, because: str | None, key: dict, ws, lang: str) -> None:
    for n in names:
        c = cells[n]
        if c.status in ("correct", "carried", "simplified", "rounding"):
            c.status, c.because, c.slip, c.slip_id = "simplified", because, None, None
            c.feedback = FEEDBACK[reason][lang].format(expected=show(key[n], ws.quantities[n].precision),
                                                       because=because)


def _same_row(ws, names: list[str], other: list, values: dict) -> bool:
    """Do the row's values equal `other` (names of another row, or numbers) cell by cell?"""
    pairs = [(values.get(a), values.get(b) if isinstance(b, str) else b) for a, b in zip(names, other)]
    return all(isinstance(x, float) and isinstance(y, float) for x, y in pairs) and \
        all(ws.quantities[a].precision.agrees(x, y) for (x, y), a in zip(pairs, names))


def _rounding_notes(report: Report, ws, lang: str, marking: Marking) -> None:
    """A rounding habit is named once, at the first cell where it shows, and costs at most
    `marking.rounding_penalty` marks a sheet; the other cells it touched earn their mark."""
    cells = [c for c in report.cells if c.status == "rounding"]
    if not cells:
        return
    habit = sheet_habit([c.slip_id for c in cells])
    first = cells[0]
    for i, c in enumerate(cells):
        q = ws.quantities[c.quantity]
        text = habit_text(habit, q.precision, lang)
        args = {"expected": show(c.expected, q.precision), "habit": text, "because": f"{first.sheet}!{first.cell}"}
        c.slip_id, c.slip = habit.split(":")[0], text
        c.feedback = FEEDBACK["rounding" if i == 0 else "rounding-again"][lang].format(**args)
        c.credit = 0.0 if i < marking.rounding_penalty else 1.0


def _plain(raw):
    """A cell's content as JSON can carry it."""
    if raw is None or isinstance(raw, (int, float, str)):
        return raw
    return str(raw)
