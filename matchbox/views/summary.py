"""A class's results from its learners' reports: a one-page result per learner, and a projector view of the
class with no names in it.

Pure functions over a list of grading reports (from `check`'s batch or the checking page's record): who
handed in what, per exercise, per table and per cell the share of learners who got it wrong (incorrect or
simplified), and how many learners made each named slip. `matchbox report` and the page of `serve` at
/projector render them with templates/learner.html.j2 and templates/web/projector.html.j2.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..grading.grader import Report
from ..words import section, word
from ..worksheet.graph import tr
from .feedback import WordedReport, explain
from .table import table_model, templates_dir

WRONG = ("incorrect", "simplified")  # what the projector counts as wrong: no credit for a number written
HOT, WARM = 0.3, 0.0  # a cell's share of wrong from which it is shown red, amber (green below)


def same_name(name: str) -> str:
    """A name as compared between workbooks: width, case and spacing do not matter."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def learner_of(report: Report, root: Path | None = None) -> str:
    """Whose workbook this is: the name stored or typed in it; else the learner's own folder under `root`
    (a learning platform's export has one per learner); else the file's name."""
    if report.learner and report.learner.strip():
        return report.learner.strip()
    path = Path(report.file)
    if root is not None:
        try:
            rel = path.resolve().relative_to(root.resolve())
        except ValueError:
            rel = None
        if rel is not None and len(rel.parts) > 1:
            return rel.parts[0]
    return path.stem


def latest(reports: list[Report], who: Callable[[Report], str] = learner_of, by_kind: bool = False) \
        -> list[Report]:
    """One report per learner per exercise (kind and variant; with `by_kind`, per kind), the last given
    winning; reports that could not be graded are left out. Order: first appearance."""
    kept: dict[tuple, Report] = {}
    for r in reports:
        if r.error or r.exercise is None:
            continue
        key = (same_name(who(r)), r.kind) if by_kind else (same_name(who(r)), r.kind, r.variant)
        kept.pop(key, None)
        kept[key] = r
    return sorted(kept.values(), key=lambda r: reports.index(r))


def majority_lang(reports: list[Report], default: str = "en") -> str:
    langs = Counter(r.lang for r in reports if not r.error)
    return langs.most_common(1)[0][0] if langs else default


# --- the projector: the class with no names ----------------------------------------------------------------

@dataclass
class Share:
    """How many of `total` learners got something wrong."""
    wrong: int = 0
    total: int = 0

    @property
    def share(self) -> float:
        return self.wrong / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    @property
    def heat(self) -> str:
        """A class of the page's style sheet for this share: red, amber or green."""
        return "incorrect" if self.share >= HOT else "carried" if self.share > WARM else "correct"


@dataclass
class CellShare(Share):
    quantity: str = ""
    label: str = ""
    where: str = ""  # Sheet!A1 in the first workbook seen


@dataclass
class TableShare(Share):
    section: str = ""
    title: str = ""
    cells: list[CellShare] = field(default_factory=list)


@dataclass
class SlipCount:
    slip_id: str
    name: str  # the slip's name from the catalogue, in the summary's language
    learners: int
    total: int
    cells: int  # cells it explains, over the class

    def sentence(self, lang: str) -> str:
        return word("projector.slip", lang, n=self.learners, total=self.total, slip=self.name)


@dataclass
class ExerciseSummary(Share):
    kind: str = ""
    title: str = ""
    variants: list[str] = field(default_factory=list)
    mean_percent: float = 0.0
    tables: list[TableShare] = field(default_factory=list)
    slips: list[SlipCount] = field(default_factory=list)
    grid: list[dict] = field(default_factory=list)  # the sheet's tables, each answer cell its share (table_model)

    def worst_cells(self, n: int = 8) -> list[CellShare]:
        cells = [c for t in self.tables for c in t.cells if c.wrong]
        return sorted(cells, key=lambda c: -c.share)[:n]


@dataclass
class ClassSummary:
    lang: str
    learners: int
    workbooks: int
    unreadable: int
    exercises: list[ExerciseSummary]


def class_summary(reports: list[Report], lang: str | None = None,
                  who: Callable[[Report], str] = learner_of) -> ClassSummary:
    """The class's results with no names: per exercise (kind), per table and per answer cell the share of
    learners wrong, and the slips counted in learners. A learner counts once per exercise (their last
    workbook of that kind)."""
    lang = lang or majority_lang(reports)
    kept = latest(reports, who, by_kind=True)
    kinds: dict[str, list[WordedReport]] = {}
    for r in kept:
        kinds.setdefault(r.kind, []).append(explain(r, lang))
    return ClassSummary(lang, len({same_name(who(r)) for r in kept}), len(kept),
                        sum(1 for r in reports if r.error), [_exercise(rs, lang) for rs in kinds.values()])


def _exercise(reports: list[WordedReport], lang: str) -> ExerciseSummary:
    first = reports[0]
    ws = first.exercise.worksheet
    total = len(reports)
    tables: dict[str, TableShare] = {}
    cells: dict[str, CellShare] = {}
    slips: dict[str, list] = {}  # id -> [name, learners, cells]
    wrong_learners = 0
    for r in reports:
        wrong_tables = set()
        for c in r.cells:
            t = tables.setdefault(c.section, TableShare(section=c.section, title=r.titles.get(c.section, c.section)))
            cs = cells.get(c.quantity)
            if cs is None:
                cs = cells[c.quantity] = CellShare(quantity=c.quantity, label=c.label, where=f"{c.sheet}!{c.cell}")
                t.cells.append(cs)
            cs.total += 1
            if c.status in WRONG:
                cs.wrong += 1
                wrong_tables.add(c.section)
            if c.slip:
                entry = slips.setdefault(c.slip_id or c.slip, [c.slip, set(), 0])
                entry[1].add(id(r))
                entry[2] += 1
        for s in {c.section for c in r.cells}:
            tables[s].total += 1
            tables[s].wrong += s in wrong_tables
        wrong_learners += bool(wrong_tables)
    counted = sorted((SlipCount(k, name, len(learners), total, n) for k, (name, learners, n) in slips.items()),
                     key=lambda s: (-s.learners, -s.cells, s.name))
    ex = ExerciseSummary(wrong=wrong_learners, total=total, kind=first.kind, title=tr(ws.title, lang),
                         variants=sorted({r.variant for r in reports}),
                         mean_percent=round(100 * sum(r.score for r in reports)
                                            / max(1, sum(r.max_score for r in reports)), 1),
                         tables=list(tables.values()), slips=counted)
    ex.grid = _grid(ws, lang, cells, same_variant=len(ex.variants) == 1)
    return ex


def _grid(ws, lang: str, cells: dict[str, CellShare], same_variant: bool) -> list[dict]:
    """The sheet's tables as the learners had them, each answer cell showing the share wrong; the given
    numbers shown when the whole class had one variant."""
    from ..grading.numbers import show
    values = {q.name: q.value for q in ws.givens} if same_variant else {}

    def fill(role: str, name: str) -> dict:
        if role == "answer" and name in cells:
            c = cells[name]
            return {"kind": f"answer {c.heat}", "text": f"{c.percent}%", "title": f"{c.label}: {c.wrong}/{c.total}"}
        if role == "given":
            return {"kind": "given", "text": show(values[name], ws.quantities[name].precision) if name in values
                    else ""}
        return {"kind": "ref", "text": ""}
    # without the formula row: the projector shows where the class went wrong, the sheet shows how to work
    # (and only the tables with answers in them)
    return [{**t, "formulas": []} for t in table_model(ws, lang, fill)
            if any(c["kind"].startswith("answer") for row in t["rows"] for c in row)]


def summary_text(summary: ClassSummary, top: int = 5) -> str:
    """The projector view as a few lines for the terminal: per exercise the share wrong, the tables where
    most went wrong, and the commonest slips."""
    lang = summary.lang
    lines = [word("projector.headline", lang, learners=summary.learners, workbooks=summary.workbooks)]
    if summary.unreadable:
        lines.append(word("projector.unreadable", lang, n=summary.unreadable))
    for ex in summary.exercises:
        lines.append("")
        lines.append(word("projector.exercise_line", lang, title=ex.title, kind=ex.kind, wrong=ex.wrong,
                          total=ex.total, mean=ex.mean_percent))
        for t in sorted((t for t in ex.tables if t.wrong), key=lambda t: -t.share)[:top]:
            lines.append("  " + word("projector.table_line", lang, title=t.title, wrong=t.wrong, total=t.total,
                                     percent=t.percent))
        for c in ex.worst_cells(top):
            lines.append("  " + word("projector.cell_line", lang, label=c.label, wrong=c.wrong, total=c.total,
                                     percent=c.percent))
        for s in ex.slips[:top]:
            lines.append("  • " + s.sentence(lang))
    return "\n".join(lines)


# --- one learner's page ------------------------------------------------------------------------------------

@dataclass
class LearnerResult:
    name: str
    lang: str
    exercises: list[dict]  # title, kind, variant, file, score, max_score, percent, passed, slips, review

    @property
    def score(self) -> float:
        return sum(e["score"] for e in self.exercises)

    @property
    def max_score(self) -> int:
        return sum(e["max_score"] for e in self.exercises)


def learner_results(reports: list[Report], lang: str | None = None,
                    who: Callable[[Report], str] = learner_of) -> list[LearnerResult]:
    """Every learner's exercises (each graded workbook, the last of each kind and variant), in the order
    they come, in `lang` or the language of the learner's first workbook: score, the named slips (with how
    many cells each explains) and what to review (the tables where marks were lost, by title)."""
    people: dict[str, list[Report]] = {}
    names: dict[str, str] = {}
    for r in latest(reports, who):
        key = same_name(who(r))
        names.setdefault(key, who(r))
        people.setdefault(key, []).append(r)
    out = []
    for key, rs in people.items():
        chosen = lang or rs[0].lang
        out.append(LearnerResult(names[key], chosen, [exercise_result(r, chosen) for r in rs]))
    return out


def exercise_result(report: Report, lang: str) -> dict:
    w = explain(report, lang)
    slips = Counter(c.slip for c in w.cells if c.slip)
    review = [s["title"] for s in w.sections if s["score"] < s["max_score"]]
    return {"title": tr(w.exercise.worksheet.title, lang), "kind": w.kind, "variant": w.variant,
            "file": Path(w.file).name, "score": w.score, "max_score": w.max_score,
            "percent": round(100 * w.score / w.max_score, 1) if w.max_score else 0.0, "passed": w.passed,
            "slips": [{"name": s, "cells": n} for s, n in slips.most_common()], "review": review,
            "counts": {k: v for k, v in w.counts.items() if v}}


# --- rendering ---------------------------------------------------------------------------------------------

def _env():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader([templates_dir(), templates_dir() / "web"]),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def learner_html(result: LearnerResult) -> str:
    """One learner's page (A4, one page; printed by WeasyPrint or a browser)."""
    from ..views.feedback import status_name
    lang = result.lang
    return _env().get_template("learner.html.j2").render(
        lang=lang, words=section("learner", lang), r=result,
        status={s: status_name(s, lang) for s in ("correct", "carried", "simplified", "rounding", "incorrect",
                                                   "blank")})


def projector_context(summary: ClassSummary) -> dict:
    """What templates/web/projector.html.j2 needs besides the page's own words."""
    return {"summary": summary, "pwords": section("projector", summary.lang)}


def projector_html(summary: ClassSummary) -> str:
    """The projector view as one file: the checking page's style sheet inlined, nothing loaded."""
    css = (templates_dir() / "web" / "style.css").read_text(encoding="utf-8").replace("</", "<\\/")  # stays CSS
    return _env().get_template("projector.html.j2").render(lang=summary.lang, standalone=True, css=css,
                                                            **projector_context(summary))
