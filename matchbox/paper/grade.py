"""A learner's sheet read from paper, graded exactly as a workbook is: the numbers read are put where a
workbook's cells would hold them (a Filled), and grading/grader.py's `grade` does the rest (error carried
forward, the follow-through rule, slips named, rounding habits).

An answer's address is its page and label ("page 2 · h₁"): the cell "p2!h₁" of a workbook that has a sheet
per page. Nothing unsure is graded silently: a field the reader was not confident about is graded with its
best reading and marked for review, and so is every answer graded from it that is not simply correct (its
status could change with the right number).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..grading.grader import Marking, Report, grade
from ..grading.numbers import show
from ..words import word
from ..workbook.reader import Filled
from .read import PaperSheet


@dataclass(frozen=True)
class Spot:
    """Where an answer stands on paper, as a workbook's cell would: sheet "p2", cell its label."""
    sheet: str
    cell: str


@dataclass
class Plan:
    """The paper's stand-in for a workbook's Layout: where each given and answer is (`home`)."""
    home: dict[str, Spot] = field(default_factory=dict)


@dataclass
class PaperResult:
    """A sheet read and graded: the report (as `grade` made it; its `because` in paper words), the address of
    each answer, and why an answer is to be checked by eye: "" when it was not read with confidence, else the
    address of the unsure answer it was graded from."""
    sheet: PaperSheet
    report: Report
    addresses: dict[str, str] = field(default_factory=dict)
    review: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.report.file


def page_sheet(page: int) -> str:
    return f"p{page}"


def filled_of(sheet: PaperSheet, name: str | None = None) -> Filled:
    """The sheet as a workbook read would give it: the numbers read (None where a field is empty), the
    printed givens as printed (a learner cannot change them on paper), a note per page not found."""
    variant, lang = sheet.variant, sheet.lang
    ws = variant.worksheet
    plan = Plan()
    values = {}
    for q in ws.givens:
        plan.home[q.name] = Spot("printed", q.name)
        values[q.name] = q.value
    for reading in sheet.fields.values():
        plan.home[reading.name] = Spot(page_sheet(reading.page), reading.label)
        values[reading.name] = reading.value
    of = len(sheet.pages) + len(sheet.missing)
    notes = [{"code": "paper-page-missing", **{lg: word("paper.page-missing", lg, page=p, of=of)
                                                 for lg in ("en", "ja")}} for p in sheet.missing]
    return Filled(Path(name or sheet.file), variant, lang, None, plan, values, notes=notes)


def dependents(ws) -> dict[str, list[str]]:
    """The answers each answer's step reads directly (in sheet order: each after those it reads)."""
    answers = {q.name for q in ws.answers}
    return {q.name: [d for d in dict.fromkeys(q.step.deps()) if d in answers] for q in ws.answers}


def by_key(ws, c, unrounded: dict) -> bool:
    """Is a cell correct because it agrees with the key (not because it follows from its inputs)?"""
    q = ws.quantities[c.quantity]
    return c.status == "correct" and isinstance(c.value, float) and (
        q.precision.agrees(c.value, c.expected) or q.precision.agrees(c.value, unrounded[c.quantity]))


def hangs_on_unsure(ws, c, answers_in: list[str], review: dict, status: dict, own: dict, key: dict) -> list[str]:
    """The inputs, read with confidence but graded from an unsure read (so their status may change), that the
    status of `c` (its own number read with confidence) hangs on. Only a number that follows from its inputs
    has such a status: correct when all of them are correct (or rounded), carried when one is not, simplified
    when an incorrect or simplified one made the step trivial; "incorrect" and a rounding note are judged on
    the numbers alone."""
    from ..grading.simplified import degenerate
    unsure = [d for d in answers_in if d in review]
    if not unsure or c.status not in ("correct", "carried", "simplified"):
        return []
    wrong = [d for d in answers_in if status[d] not in ("correct", "rounding")]
    if set(wrong) <= set(unsure):  # correct, or carried only from inputs whose status may change
        return unsure
    # carried or simplified: which of the two hangs on which inputs are incorrect or simplified
    if c.status == "simplified" or degenerate(ws, ws.quantities[c.quantity], own, key):
        return unsure
    return [d for d in unsure if status[d] in ("incorrect", "simplified")]


def grade_sheet(sheet: PaperSheet, marking: Marking = Marking(), name: str | None = None) -> PaperResult:
    """Grade a sheet read from paper; `name` is what the report calls it (default: its file)."""
    filled = filled_of(sheet, name)
    report = grade(filled, marking)
    report.givens = []  # printed, not written: nothing a learner could have changed
    lang = sheet.lang
    addresses = {r.name: word("paper.address", lang, page=r.page, label=r.label) for r in sheet.fields.values()}
    where = {f"{page_sheet(r.page)}!{r.label}": addresses[r.name] for r in sheet.fields.values()}
    for c in report.cells:
        if c.because in where:
            c.because = where[c.because]
    review = {r.name: "" for r in sheet.fields.values() if not r.confident}
    ws = sheet.variant.worksheet
    inputs, unrounded = dependents(ws), ws.key()
    status = {c.quantity: c.status for c in report.cells}
    key = ws.answer_key()
    own = {**key, **{c.quantity: c.value for c in report.cells if isinstance(c.value, float)}}
    for c in report.cells:  # in sheet order: each answer after those it is computed from
        if c.quantity in review or by_key(ws, c, unrounded):  # agrees with the key: correct whatever its inputs
            continue
        # An input read unsure can change any status; an input graded from one, only a status that hangs on
        # its inputs' statuses (see `hangs_on_unsure`)
        unsure = [d for d in inputs[c.quantity] if review.get(d) == ""] or \
            hangs_on_unsure(ws, c, inputs[c.quantity], review, status, own, key)
        if unsure:
            review[c.quantity] = review[unsure[0]] or addresses[unsure[0]]
    return PaperResult(sheet, report, addresses, review)


def settled(sheet: PaperSheet, numbers: dict[str, float | None]) -> PaperSheet:
    """The sheet with the numbers a person settled by eye (quantity -> the number, None for an empty field):
    each is then as good as a confident reading. The boxes' crops stay, for a second look."""
    fields = dict(sheet.fields)
    for name, value in numbers.items():
        fields[name] = replace(fields[name], value=value, text="" if value is None else show(value),
                               confidence=1.0, confident=True, problems=[])
    return replace(sheet, fields=fields)


def regrade(result: PaperResult, numbers: dict[str, float | None], marking: Marking = Marking()) -> PaperResult:
    """`result` graded again once a person has settled `numbers` (see `settled`): what was confirmed or
    corrected is no longer to be checked, and neither is what was graded from it."""
    return grade_sheet(settled(result.sheet, numbers), marking, result.label)


def grade_file(path: Path, marking: Marking = Marking(), reader=None, problems: list | None = None) \
        -> list[PaperResult]:
    """Every learner's sheet of a scan (a PDF, a photo, a folder of them), read and graded. Several sheets in
    one file are called "scan.pdf #1", "scan.pdf #2"..."""
    from .read import read_file
    sheets = read_file(path, reader, problems)
    several = len(sheets) > 1
    return [grade_sheet(s, marking, f"{path} #{s.number}" if several else str(path)) for s in sheets]


def review_image(crops: list):
    """A field's box crops side by side on white, 3 px apart (one PNG a person looks at)."""
    import numpy as np
    height = max(c.shape[0] for c in crops)
    parts = []
    for c in crops:
        padded = np.full((height, c.shape[1]), 255, np.uint8)
        padded[:c.shape[0]] = c
        parts += [padded, np.full((height, 3), 255, np.uint8)]
    return np.hstack(parts[:-1])


def write_crops(result: PaperResult, folder: Path) -> list[Path]:
    """The boxes of every answer to check, one PNG per answer: FILE[-n]-p2-QUANTITY.png in `folder`."""
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(str(result.sheet.file)).stem + (f"-{result.sheet.number}" if "#" in result.label else "")
    written = []
    for name in result.review:
        reading = result.sheet.fields[name]
        if not reading.crops:  # a page not found: nothing to show
            continue
        out = folder / f"{stem}-p{reading.page}-{safe_name(name)}.png"
        Image.fromarray(review_image(reading.crops)).save(out)
        written.append(out)
    return written


def safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in name)
