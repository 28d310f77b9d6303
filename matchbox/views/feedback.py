"""A grading report in words, in any language: each cell's label, feedback and the slip it names, each
section's title, the reader's notes.

grading/grader.py says what happened (a status, the reason for it, the slips' ids, the numbers); this module
says it, from the report and the worksheet it was graded against, so one graded workbook can be shown in
Japanese and in English without grading it twice. Every other view (terminal, JSON, the graded copy, the
gradebooks, the checking page) prints a WordedReport.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..grading.grader import CellResult, GivenResult, Marking, Report, grade
from ..grading.numbers import NotANumber, show
from ..words import WORDS, word
from ..worksheet.graph import tr
from ..worksheet.slips import Catalogue, Rounded


@dataclass
class WordedCell(CellResult):
    label: str = ""
    feedback: str = ""
    slip: str | None = None  # the classic slip (or rounding habit) that explains the number, named


@dataclass
class WordedGiven(GivenResult):
    label: str = ""


@dataclass
class WordedReport(Report):
    """A report with its words in `lang`: its cells and givens worded, `notes` the reader's notes as text,
    `titles` each section's title."""

    notes: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    graded: Report | None = field(default=None, repr=False, compare=False)  # the report as grading made it
    exam: bool = False  # worded for an exam: statuses and slips, no expected, carried or computed value

    @property
    def sections(self) -> list[dict]:
        return [{"section": s["section"], "title": self.titles.get(s["section"], s["section"]),
                 **{k: v for k, v in s.items() if k != "section"}} for s in super().sections]


def explain(report: Report, lang: str | None = None, exam: bool | None = None) -> WordedReport:
    """`report` in words, in `lang` (default: the workbook's language); `exam` (default: as the report already
    in words was, else no) leaves out every expected and carried value, in the cells and in their words. A
    report already in words in that language and mode is returned as it is."""
    lang = lang or report.lang
    if isinstance(report, WordedReport):
        exam = report.exam if exam is None else exam
        if report.lang == lang and report.exam == exam:
            return report
        report = report.graded
    exam = bool(exam)
    base = {f.name: getattr(report, f.name) for f in fields(Report)}
    if report.exercise is None:  # a file that could not be graded: nothing to word but its error
        return WordedReport(**{**base, "lang": lang, "notes": [], "cells": [], "givens": []}, graded=report,
                            exam=exam)
    ws = report.exercise.worksheet
    catalogue = Catalogue(ws)
    first = next((c for c in report.cells if c.reason == "rounding"), None)  # where a habit is named

    def slip_names(c: CellResult) -> dict[str, str]:
        # a slip's name is that of the first slip with its id in the cell's catalogue (ids name one slip each)
        found = {}
        for s in catalogue.of(c.quantity):
            if s.id in c.slips and not isinstance(s, Rounded):
                found.setdefault(s.id, tr(s.text, lang))
        return found

    cells = []
    for c in report.cells:
        q = ws.quantities[c.quantity]
        feedback, slip = _feedback(c, q, lang, first, slip_names(c) if c.slips else {}, exam)
        hidden = {"expected": None, "carried": None} if exam else {}
        cells.append(WordedCell(**{**_values(c, CellResult), **hidden}, label=tr(q.label, lang), feedback=feedback,
                                slip=slip))
    givens = [WordedGiven(**_values(g, GivenResult), label=tr(ws.quantities[g.quantity].label, lang))
              for g in report.givens]
    return WordedReport(**{**base, "lang": lang, "cells": cells, "givens": givens,
                           "notes": [n[lang] for n in report.notes]},
                        titles={t.name: tr(t.title, lang) for t in ws.tables}, graded=report, exam=exam)


def grade_in_words(filled, marking: Marking = Marking(), lang: str | None = None) -> WordedReport:
    """Grade and word at once (the report a view prints; tests read its feedback)."""
    return explain(grade(filled, marking), lang)


def status_name(status: str, lang: str) -> str:
    return word(f"status.{status}", lang)


def habit_text(habit: str, precision, lang: str) -> str:
    """A rounding habit ("truncated", "rounded-short:2"...) in words, for a sheet of `precision`."""
    name, _, r = habit.partition(":")
    return word(f"habit.{name}", lang, r=r, n=precision.decimals)


def _values(result, cls) -> dict:
    return {f.name: getattr(result, f.name) for f in fields(cls)}


def _feedback(c: CellResult, q, lang: str, first: CellResult | None, names: dict[str, str], exam: bool = False) \
        -> tuple[str, str | None]:
    """The feedback sentence of a cell and the slip it names; for an exam, the sentence without the key's or
    the carried value (words "exam.*" in place of those "feedback.*" that hold one)."""
    group = "exam" if exam and f"exam.{c.reason}" in WORDS else "feedback"
    args = {"expected": show(c.expected, q.precision), "formula": tr(q.formula, lang), "because": c.because}
    if c.reason in ("rounding", "rounding-again"):
        habit = habit_text(c.habit, q.precision, lang)
        return word(f"{group}.{c.reason}", lang, **{**args, "habit": habit,
                                                      "because": f"{first.sheet}!{first.cell}"}), habit
    if c.reason == "nan":
        return word(f"{group}.nan", lang, problem=NotANumber(*c.problem).text(lang), **args), None
    if c.reason == "incorrect-carried":
        args["carried"] = show(c.carried, q.precision)
    text = word(f"{group}.{c.reason}", lang, **args)
    if not c.slips:
        return text, None
    name = names[c.slips[0]]
    if len(c.slips) > 1 and names[c.slips[1]] != name:  # two ids may share a name in some language
        name += word("feedback.or", lang, other=names[c.slips[1]])
    return text.rstrip("。; ") + word("feedback.slip", lang, slip=name), names[c.slips[0]]
