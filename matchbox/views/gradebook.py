"""A class's results as files other tools read: a CSV gradebook and Gradescope's autograder results.json.

Gradescope's format (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level `score`
and `tests`, each test with `name`, `score`, `max_score`, `status` ("passed" / "failed"), `output` and
`visibility`. One results.json describes one submission, so every workbook given to `check` counts as a
part of the same submission; each section of each workbook is one test. Both are views of grading
reports, their words in each workbook's language (the checking page's record: the page's).
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from ..grading.grader import Report
from ..roster import safe
from ..words import word
from .feedback import explain
from .terminal import cell_line, edited_line, headline, printable

COLUMNS = ["name", "file", "kind", "variant", "score", "max_score", "percent", "status", "slips", "error"]


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

