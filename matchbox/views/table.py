"""One model of a sheet's tables for every page that shows them, rendered by one jinja macro
(templates/table.html.j2): the printable sheet fills it with the key's numbers or empty boxes, the checking page
with the learner's numbers and their marks. Only what goes into a cell differs, so the two cannot drift apart.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from ..errors import MatchboxError
from ..grading.numbers import show
from ..worksheet.graph import Q, Ref, tr


def templates_dir() -> Path:
    """templates/ beside the package in a checkout; installed copies under <prefix>/share/matchbox."""
    for candidate in (Path(__file__).resolve().parents[2] / "templates",
                      Path(sys.prefix) / "share" / "matchbox" / "templates"):
        if (candidate / "sheet.html.j2").is_file():
            return candidate
    raise MatchboxError("the printable templates are missing (reinstall matchbox)")


def cell_role(ws, cell, lang: str) -> tuple[str, str]:
    """What a cell of a sheet's table is: ("given" | "answer" | "ref", its quantity's name) — a ref being an
    earlier answer shown again — or ("text", what it says)."""
    if isinstance(cell, (Q, Ref)):
        if ws.quantities[cell.name].is_given:
            return "given", cell.name
        return ("ref" if isinstance(cell, Ref) else "answer"), cell.name
    if isinstance(cell, (int, float)):
        return "text", show(cell)
    return "text", tr(cell, lang)


def table_model(ws, lang: str, fill: Callable[[str, str], dict]) -> list[dict]:
    """Every table of the worksheet: title, note, headings, formulas, widths and rows of cells; `fill(role,
    name)` says what a given, answer or ref cell shows ({"kind", "text"} and, on the checking page, "mark",
    "note", "title"); text cells show their text."""
    def cell(content) -> dict:
        role, what = cell_role(ws, content, lang)
        return {"kind": "text", "text": what} if role == "text" else fill(role, what)
    return [{"title": tr(t.title, lang), "note": tr(t.note, lang),
             "headers": [tr(c.header, lang) for c in t.columns],
             "formulas": [tr(c.formula, lang) for c in t.columns],
             "widths": [c.width for c in t.columns],
             "rows": [[cell(c) for c in row] for row in t.rows]}
            for t in ws.tables]
