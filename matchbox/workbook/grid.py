"""A learner's sheet read once into a dictionary of its non-empty cells, and the texts compared with the plan's.

Every search of `locate` and `tables` looks texts up in this dictionary, so finding costs about what reading
costs.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..words import both
from ..worksheet.graph import tr
from .layout import Placed

def norm(value: Any) -> str:
    """A cell's text as labels and headings are compared: numbers as written, whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Grid:
    """A sheet's non-empty cells, read once, with an index of their texts."""

    def __init__(self, sheet):
        self.name: str = sheet.title
        self.values: dict[tuple[int, int], Any] = {}
        self.texts: dict[str, list[tuple[int, int]]] = defaultdict(list)
        # the cells the file holds (openpyxl's own dictionary): never a scan of a sheet's whole used range,
        # which a single far-away cell would make huge
        for (r, c), cell in sorted(getattr(sheet, "_cells", {}).items()):
            value = cell.value
            if value is None:
                continue
            self.values[r, c] = value
            text = norm(value)
            if text:
                self.texts[text].append((r, c))
        self.rows = sorted({r for r, _ in self.values})  # the rows that hold something
        self.max_row = self.rows[-1] if self.rows else 0

    def get(self, row: int, col: int) -> Any:
        return self.values.get((row, col))


def note(code: str, key: str | None = None, **args) -> dict:
    """A reader's note in both languages: {"code", "en", "ja"}, its sentence matchbox/words' "found." + (key or
    code)."""
    return {"code": code, **both(f"found.{key or code}", **args)}


def plan_text(p: Placed, lang: str) -> str:
    """What the writer put in a label, heading or title cell, as compared with the learner's."""
    if isinstance(p.content, (int, float)) and not isinstance(p.content, bool):
        return norm(p.content)
    return norm(tr(p.content, lang)) if p.content is not None else ""
