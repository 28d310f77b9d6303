"""Where every part of a worksheet goes in a workbook.

The writer and the reader both ask this module, so a cell a learner fills is found exactly where it was
written. It computes positions only; it does not touch openpyxl.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..worksheet.calculator import needs_calculator
from ..worksheet.graph import Q, Ref, Table, Worksheet, tr
from ..words import LANGS, both, word

SHEETS = {lang: (word("sheet.exercise", lang), word("sheet.work", lang)) for lang in LANGS}
META_SHEET = "matchbox"
KEY_TITLE = both("key-title")  # the key's title ends with " — " and this
LEGEND = {"given": both("sheet.given"), "answer": both("answer-box"), "name": both("name"),
          "variant": both("variant")}


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Placed:
    sheet: str
    row: int
    col: int
    role: str  # title, text, note, count, table-title, header, formula, label, given, answer, ref, name
    content: Any = None
    span: int = 1  # columns merged to the right
    table: str | None = None  # the table the cell belongs to, if any

    @property
    def cell(self) -> str:
        return f"{column_letter(self.col)}{self.row}"


@dataclass
class Layout:
    sheets: tuple[str, str]
    cells: list[Placed] = field(default_factory=list)
    home: dict[str, Placed] = field(default_factory=dict)  # each given and answer, where it is entered
    freeze: dict[str, str] = field(default_factory=dict)
    title_rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # header rows repeated in print
    widths: dict[str, dict[int, float]] = field(default_factory=dict)
    last: dict[str, tuple[int, int]] = field(default_factory=dict)  # last used row and column

    def put(self, sheet: str, row: int, col: int, role: str, content: Any = None, span: int = 1,
            table: str | None = None) -> Placed:
        p = Placed(sheet, row, col, role, content, span, table)
        self.cells.append(p)
        if role in ("given", "answer"):
            self.home[content.name] = p
        r, c = self.last.get(sheet, (0, 0))
        self.last[sheet] = (max(r, row), max(c, col + span - 1))
        return p

    def tables(self, sheet: str) -> list[str]:
        """The names of the tables on a sheet, top to bottom."""
        return list(dict.fromkeys(p.table for p in self.cells if p.sheet == sheet and p.table))

    def width(self, sheet: str, col: int, width: float) -> None:
        w = self.widths.setdefault(sheet, {})
        w[col] = max(w.get(col, 0), width)


def has_answers(ws: Worksheet, table: Table) -> bool:
    return any(isinstance(c, Q) and not ws.quantities[c.name].is_given for row in table.rows for c in row)


def layout(ws: Worksheet, lang: str) -> Layout:
    first, work = SHEETS[lang]
    out = Layout((first, work))
    given_cols = max([len(t.columns) for t in ws.tables if not has_answers(ws, t)] + [6])
    work_cols = max([len(t.columns) for t in ws.tables if has_answers(ws, t)] + [6])

    # The exercise sheet: what to read first. Title, name, instructions, legend, then the givens.
    out.put(first, 1, 1, "title", ws.title, span=given_cols)
    out.put(first, 2, 1, "label", LEGEND["variant"])
    out.put(first, 2, 2, "variant")
    out.put(first, 2, 4, "label", LEGEND["name"])
    out.put(first, 2, 5, "name", span=2)
    out.put(first, 3, 1, "text", ws.instructions, span=given_cols)
    note = ws.precision_note
    if needs_calculator(ws):  # as the printed sheet says, under its instructions
        note = {lg: word("print.calculator", lg) + ("" if lg == "ja" else " ") + tr(note, lg) for lg in LANGS}
    out.put(first, 4, 1, "note", note, span=given_cols)
    out.put(first, 5, 1, "given-sample", LEGEND["given"])
    out.put(first, 5, 2, "answer-sample", LEGEND["answer"])
    out.put(first, 5, 3, "count", both("print.count", n=len(ws.answers)), span=given_cols - 2)
    row = 7
    for table in ws.tables:
        if not has_answers(ws, table):
            row = _table(out, ws, first, row, table) + 1

    # The work sheet: a strip of the givens used in every row, then the tables to fill in.
    out.put(work, 1, 1, "title", ws.title, span=work_cols)
    col = 1
    for table in ws.tables:
        if table.role == "settings":
            for label, value in table.rows:
                if isinstance(value, Q):
                    out.put(work, 2, col, "label", label)
                    out.put(work, 3, col, "ref", Ref(value.name))
                    out.width(work, col, 12)
                    col += 1
    row = 5
    for table in ws.tables:
        if has_answers(ws, table):
            start = row
            row = _table(out, ws, work, row, table) + 1
            if work not in out.freeze:  # the first table's header stays in view and on every page
                header = start + 1 + (1 if table.note else 0)
                last = header + (1 if has_formulas(table) else 0)
                out.freeze[work] = f"A{last + 1}"
                out.title_rows[work] = (header, last)
    return out


def has_formulas(table: Table) -> bool:
    return any(c.formula for c in table.columns)


def _table(out: Layout, ws: Worksheet, sheet: str, row: int, table: Table) -> int:
    """Place one table from `row`; returns the first row after it."""
    out.put(sheet, row, 1, "table-title", table.title, span=len(table.columns), table=table.name)
    row += 1
    if table.note:
        out.put(sheet, row, 1, "note", table.note, span=len(table.columns), table=table.name)
        row += 1
    formulas = has_formulas(table)
    for c, column in enumerate(table.columns, start=1):
        out.put(sheet, row, c, "header", column.header, table=table.name)
        if formulas:  # the formula of each column sits under its heading
            out.put(sheet, row + 1, c, "formula", column.formula, table=table.name)
        out.width(sheet, c, column.width)
    row += 2 if formulas else 1
    for cells in table.rows:
        for c, content in enumerate(cells, start=1):
            if isinstance(content, Q):
                role = "given" if ws.quantities[content.name].is_given else "answer"
            elif isinstance(content, Ref):
                role = "ref"
            else:
                role = "label"
            out.put(sheet, row, c, role, content, table=table.name)
        row += 1
    return row
