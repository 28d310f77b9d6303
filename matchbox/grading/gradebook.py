"""A class's results as files other tools read: a CSV gradebook and Gradescope's autograder results.json.

Gradescope's format (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level `score`
and `tests`, each test with `name`, `score`, `max_score`, `status` ("passed" / "failed"), `output` and
`visibility`. One results.json describes one submission, so every workbook given to `check` counts as a
part of the same submission; each section of each workbook is one test.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from pathlib import Path

from ..report import cell_line, edited_line, headline, printable
from .grader import Report

COLUMNS = ["name", "file", "kind", "variant", "score", "max_score", "percent", "status", "slips", "error"]
# A spreadsheet opening the CSV would run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe(value):
    """A text cell that a spreadsheet shows as text: a leading formula character gets a quote before it
    (full-width ones too, which some spreadsheets read as their ASCII twins)."""
    if isinstance(value, str) and value and unicodedata.normalize("NFKC", value[0])[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def status(report: Report) -> str:
    if report.error:
        return "error"
    return "passed" if report.passed else "mistakes"


def rows(reports: list[Report]) -> list[dict]:
    out = []
    for r in reports:
        slips = Counter(c.slip for c in r.cells if c.slip)
        out.append({
            "name": r.learner or "", "file": r.file, "kind": r.kind or "", "variant": r.variant or "",
            "score": r.score if not r.error else "", "max_score": r.max_score if not r.error else "",
            "percent": round(100 * r.score / r.max_score, 1) if r.max_score else "",
            "status": status(r), "slips": "; ".join(f"{s} ×{n}" if n > 1 else s for s, n in slips.items()),
            "error": r.error or "",
        })
    return out


def gradebook_csv(reports: list[Report]) -> str:
    """One row per workbook, UTF-8 with a byte-order mark so Excel shows Japanese names as written."""
    return rows_csv(rows(reports), COLUMNS)


def rows_csv(table: list[dict], columns: list[str]) -> str:
    """Gradebook rows as CSV text (keys not in `columns` left out), every text cell safe to open."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for row in table:
        writer.writerow({k: safe(v) for k, v in row.items()})
    return "\ufeff" + buffer.getvalue()


GRADESCOPE_WORDS = {"en": {"all": "all correct", "edited": "given numbers unchanged", "workbook": "workbook"},
                    "ja": {"all": "すべて正解", "edited": "与えられた値の書き換えなし", "workbook": "ワークブック"}}


def gradescope(reports: list[Report]) -> dict:
    """Gradescope autograder results for the workbooks of one submission."""
    tests = []
    several = len(reports) > 1
    for r in reports:
        words = GRADESCOPE_WORDS[r.lang]
        prefix = f"{Path(r.file).name}: " if several else ""
        if r.error:
            tests.append({"name": f"{Path(r.file).name}: {words['workbook']}", "score": 0, "max_score": 0,
                          "status": "failed", "output": printable(r.error), "visibility": "visible"})
            continue
        for s in r.sections:
            lines = [cell_line(c) for c in r.cells if c.section == s["section"] and c.status != "correct"]
            tests.append({"name": prefix + s["title"], "score": s["score"], "max_score": s["max_score"],
                          "status": "passed" if s["score"] == s["max_score"] else "failed",
                          "output": "\n".join(lines) or words["all"], "visibility": "visible"})
        if r.edited:
            tests.append({"name": prefix + words["edited"], "status": "failed",
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

