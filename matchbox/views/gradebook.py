"""A class's results as files other tools read: a CSV gradebook and Gradescope's autograder results.json.

Gradescope's format (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level `score`
and `tests`, each test with `name`, `score`, `max_score`, `status` ("passed" / "failed"), `output` and
`visibility`. One results.json describes one submission, so every workbook given to `check` counts as a
part of the same submission; each section of each workbook is one test. Both are views of grading
reports, their words in each workbook's language (the checking page's record: the page's).

A gradebook keeps one result per learner per exercise, the latest: the long form has a row per learner and
exercise, the wide form a row per learner and a column per exercise. The exercise is the kind and the variant's
name (the kind for built-in variants, the spec file's stem for an instructor's own), without the seed: a class
generated from a roster gives every learner a different seed of the same exercise, and they belong in one column.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from pathlib import Path

from ..grading.grader import Report
from ..roster import safe
from ..words import word
from .feedback import explain
from .terminal import cell_line, edited_line, headline, printable

COLUMNS = ["name", "file", "kind", "variant", "score", "max_score", "percent", "status", "slips", "error"]
LONG_COLUMNS = COLUMNS + ["checked_at"]  # what `check --gradebook` and the checking page's gradebook write


def same_name(name: str) -> str:
    """A name as compared with the roster: width, case and spacing do not matter (山田　花子 = 山田 花子)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def exercise(row: dict) -> str:
    """A gradebook row's exercise: its kind, and the variant's name when it is a spec's (`xor (perceptron)`)."""
    kind, variant = row.get("kind") or "", row.get("variant") or ""
    name = variant.rsplit("-", 1)[0] if "-" in variant else variant
    return kind if not name or name == kind else f"{name} ({kind})"


def learner_key(row: dict) -> str:
    """Whose row this is: the learner's name as the roster compares it, or the file for a nameless one."""
    return same_name(row["name"]) if row.get("name") else "\0" + (row.get("file") or "")


def latest(table: list[dict], saved: list[float] | None = None) -> list[dict]:
    """The latest row of each learner and exercise (the last one, or the one saved last when `saved` gives
    each row's time), in the order each pair first appears; a file that could not be graded has no exercise
    and keeps its own row."""
    kept: dict[tuple, tuple[float, dict]] = {}
    for i, row in enumerate(table):
        key = (learner_key(row), exercise(row)) if row.get("kind") else ("\0" + row.get("file", ""), i)
        when = saved[i] if saved is not None else i
        if key not in kept or when >= kept[key][0]:
            kept[key] = (when, row)
    return [row for _, row in kept.values()]


def exercises(table: list[dict]) -> list[str]:
    """The exercises of the graded rows, in order of first appearance."""
    return list(dict.fromkeys(exercise(r) for r in table if r.get("kind")))


def arranged(table: list[dict], order: list[str]) -> list[dict]:
    """The rows grouped by learner (in order of first appearance), each learner's exercises in `order`."""
    place = {e: i for i, e in enumerate(order)}
    by_learner: dict[str, list[dict]] = {}
    for row in table:
        by_learner.setdefault(learner_key(row), []).append(row)
    return [row for rows_ in by_learner.values()
            for row in sorted(rows_, key=lambda r: place.get(exercise(r), len(place)))]


def wide(table: list[dict], order: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """The wide form: a row per learner (in order of first appearance), a column per exercise (in `order`,
    else as they first appear) holding the percent (scores out of different maxima compare only as percents);
    empty where nothing was handed in. Files that could not be graded are left out: they have no exercise."""
    names = order if order is not None else exercises(table)
    learners: dict[str, dict] = {}
    for row in table:
        if not row.get("kind") and row.get("status") != "missing":
            continue
        name = row.get("name") or f"({row.get('file', '')})"
        out = learners.setdefault(learner_key(row), {"name": name, **{f"{e} %": "" for e in names}})
        if row.get("kind"):
            out[f"{exercise(row)} %"] = row.get("percent", "")
    return ["name", *(f"{e} %" for e in names)], list(learners.values())


def status(report: Report) -> str:
    if report.error:
        return "error"
    return "passed" if report.passed else "mistakes"


def rows(reports: list[Report], lang: str | None = None) -> list[dict]:
    """A gradebook row per report, its slips named in `lang` (default: each workbook's language)."""
    out = []
    for r in reports:
        slips = Counter(c.slip for c in explain(r, lang).cells if c.slip)
        out.append({
            "name": r.learner or "", "file": r.file, "kind": r.kind or "", "variant": r.variant or "",
            "score": r.score if not r.error else "", "max_score": r.max_score if not r.error else "",
            "percent": round(100 * r.score / r.max_score, 1) if r.max_score else "",
            "status": status(r), "slips": "; ".join(f"{s} ×{n}" if n > 1 else s for s, n in slips.items()),
            "error": r.error or "",
        })
    return out


def gradebook_csv(reports: list[Report], form: str = "long", checked_at: str = "",
                  saved: list[float] | None = None) -> str:
    """The latest result of each learner per exercise (the last report, or the last saved by `saved`), in the
    long or the wide form, the exercises in the order they were first handed in; UTF-8 with a byte-order mark
    so Excel shows Japanese names as written."""
    table = [{**r, "checked_at": checked_at} for r in rows(reports)]
    when = saved if saved is not None else list(range(len(table)))
    order = exercises([row for _, row in sorted(zip(when, table), key=lambda pair: pair[0])])
    table = latest(table, saved)
    if form == "wide":
        columns, table = wide(table, order)
        return rows_csv(table, columns)
    return rows_csv(arranged(table, order), LONG_COLUMNS)


def rows_csv(table: list[dict], columns: list[str]) -> str:
    """Gradebook rows as CSV text (keys not in `columns` left out), every text cell safe to open."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for row in table:
        writer.writerow({k: safe(v) for k, v in row.items()})
    return "\ufeff" + buffer.getvalue()


def gradescope(reports: list[Report]) -> dict:
    """Gradescope autograder results for the workbooks of one submission."""
    tests = []
    several = len(reports) > 1
    for r in map(explain, reports):
        prefix = f"{Path(r.file).name}: " if several else ""
        if r.error:
            tests.append({"name": f"{Path(r.file).name}: {word('gradescope.workbook', r.lang)}", "score": 0,
                          "max_score": 0, "status": "failed", "output": printable(r.error), "visibility": "visible"})
            continue
        for s in r.sections:
            lines = [cell_line(c) for c in r.cells if c.section == s["section"] and c.status != "correct"]
            tests.append({"name": prefix + s["title"], "score": s["score"], "max_score": s["max_score"],
                          "status": "passed" if s["score"] == s["max_score"] else "failed",
                          "output": "\n".join(lines) or word("gradescope.all", r.lang), "visibility": "visible"})
        if r.edited:
            tests.append({"name": prefix + word("gradescope.edited", r.lang), "status": "failed",
                          "output": "\n".join(edited_line(g, r.lang) for g in r.edited), "visibility": "visible"})
    graded = [r for r in reports if not r.error]
    return {
        "score": sum(r.score for r in graded),
        "max_score": sum(r.max_score for r in graded),  # for people; Gradescope sums the tests' max_score
        "output": "\n".join(headline(r) if not r.error else f"{printable(r.file)}: {printable(r.error)}"
                            for r in reports),
        "visibility": "visible",
        "tests": tests,
    }


def gradescope_json(reports: list[Report]) -> str:
    return json.dumps(gradescope(reports), ensure_ascii=False, indent=1)

