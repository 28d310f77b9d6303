"""Finding a learner's cells by what labels them, not by where they were written.

A learner inserts a blank row between two epochs, a memo column inside the trial table, sorts the trials by
item, renames the Work sheet or fills a copy of it. Every cell is still found: a sheet by its tables, a
table by its title and column headings, a column by its heading and a row by its labels (the trial number,
the epoch, the item...). A row without labels of its own (or with labels another row shares) is found by
its order among the table's non-blank rows. What cannot be found is said in a note that names it, and its
cells are read as blank: never a cell of another row or column in its place.

Here: which sheet of the workbook is which sheet of the plan, and every cell of the plan where the learner's
copy has it. grid.py reads a sheet once; tables.py finds one table in it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbookError
from ..words import LANGS, quoted
from .grid import Grid, blank, norm, note, plan_text
from .layout import KEY_TITLE, META_SHEET, Layout, Placed
from .tables import Found, place_sheet, table_specs

@dataclass
class Located:
    plan: Layout  # the plan with every cell where the learner's copy has it, on the sheets graded
    notes: list[dict]  # {"code", "en", "ja"}: what had to be found elsewhere, or could not be found
    lost: set[str]  # the givens and answers whose cell was not found (read as blank)
    refs: list[Placed]  # the reference cells found, where they are


def grids_of(wb) -> dict[str, Grid]:
    """Every worksheet of the workbook but the stored parameters, read once."""
    return {ws.title: Grid(ws) for ws in wb.worksheets if ws.title != META_SHEET}


def is_key(grids: dict[str, Grid], title: str) -> bool:
    """An answer key written before keys said so in their stored data: its title ends with the key's mark."""
    title = norm(title)
    marks = tuple(norm(f" — {mark}") for mark in KEY_TITLE.values())
    return bool(title) and any(text.startswith(title) and text.endswith(marks)
                               for g in grids.values() for text in g.texts)


def locate(grids: dict[str, Grid], plan: Layout, lang: str) -> Located:
    """Each sheet of the plan in the workbook: the sheet of that name, or whichever sheet holds its tables
    (the one with the most answers filled in when several do); then every cell found in it."""
    notes: list[dict] = []
    chosen: dict[str, str] = {}
    placements: dict[str, dict[str, Found]] = {}
    matching: set[str] = set()
    order = list(grids)
    for sheet in plan.sheets:
        specs = table_specs(plan, sheet, lang)
        answers = [p for p in plan.cells if p.sheet == sheet and p.role == "answer"]
        candidates = []
        for name, g in grids.items():
            if name in chosen.values():
                continue
            placed = place_sheet(g, specs, lang)
            if placed is None:
                continue
            found, sheet_notes = placed
            titles = sum(f.title_row is not None for f in found.values())
            if 2 * titles < len(found) and name != sheet:
                continue  # headings alone, without the tables' titles, are not the sheet
            filled = 0
            for p in answers:
                f = found[p.table]
                if p.row in f.rows and p.col in f.cols and not blank(g.get(f.rows[p.row], f.cols[p.col])):
                    filled += 1
            candidates.append(((filled, titles, name == sheet, -order.index(name)), name, found, sheet_notes))
        if not candidates:
            if sheet in grids:
                raise WorkbookError(f"the table headings on sheet '{sheet}' were changed or removed, so the "
                                    "answer cells cannot be found; use a fresh copy of the workbook")
            raise WorkbookError(f"the sheet '{sheet}' is missing (renamed or deleted?)")
        candidates.sort(key=lambda c: c[0], reverse=True)
        _, name, found, sheet_notes = candidates[0]
        chosen[sheet], placements[sheet] = name, found
        matching.update(c[1] for c in candidates)
        if len(candidates) > 1:
            names = sorted((c[1] for c in candidates), key=order.index)
            notes.append(note("sheet-copies", names=_quoted(names), sheet=sheet, name=name))
        elif name != sheet:
            notes.append(note("sheet-renamed", sheet=sheet, name=name))
        notes += sheet_notes
    ignored = [n for n in order if n not in matching]
    if ignored:
        notes.append(note("sheet-ignored", "sheets-ignored" if len(ignored) > 1 else None,
                          names=_quoted(ignored)))
    return _relaid(plan, grids, chosen, placements, notes, lang)


def _quoted(names: list[str]) -> dict[str, str]:
    return {lg: quoted(names, lg) for lg in LANGS}


def _relaid(plan: Layout, grids: dict[str, Grid], chosen: dict[str, str],
            placements: dict[str, dict[str, Found]], notes: list[dict], lang: str) -> Located:
    """The plan with each cell moved to where it was found, on the sheet graded."""
    out = Layout(tuple(chosen[s] for s in plan.sheets),
                 freeze={chosen.get(k, k): v for k, v in plan.freeze.items()},
                 title_rows={chosen.get(k, k): v for k, v in plan.title_rows.items()},
                 widths={chosen.get(k, k): v for k, v in plan.widths.items()})
    lost: set[str] = set()
    refs: list[Placed] = []
    # Cells outside the tables (the learner's name, the strip of givens above the Work sheet's tables) are
    # found by the label beside or above them; the rest move with the sheet's first table.
    anchors = {(p.sheet, p.row, p.col): p for p in plan.cells if p.table is None and p.role == "label"}
    first = {sheet: next(iter(found.values())).shift if found else (0, 0) for sheet, found in placements.items()}
    for p in plan.cells:
        g = grids[chosen[p.sheet]]
        where: tuple[int, int] | None
        if p.table is not None:
            f = placements[p.sheet][p.table]
            dr, dc = f.shift
            fallback = (p.row + dr, p.col + dc)
            if p.role == "table-title" and f.title_row is not None:
                where = (f.title_row, f.cols.get(p.col, fallback[1]))
            elif p.role in ("table-title", "note", "header", "formula"):
                where = (fallback[0], f.cols.get(p.col, fallback[1]))
            elif p.row in f.rows and p.col in f.cols:
                where = (f.rows[p.row], f.cols[p.col])
            else:
                where = None
        else:
            dr, dc = first[p.sheet]
            where = fallback = (p.row + dr, p.col + dc)
            anchor = anchors.get((p.sheet, p.row - 1, p.col)) or anchors.get((p.sheet, p.row, p.col - 1))
            if p.role in ("ref", "name") and anchor is not None:
                at = _nearest(g, plan_text(anchor, lang), (anchor.row + dr, anchor.col + dc))
                where = (at[0] + p.row - anchor.row, at[1] + p.col - anchor.col) if at else None
                if where is None and p.role == "name":
                    where = fallback
        if where is None:
            if p.role == "ref":
                continue  # a copy not found is simply not reported
            if p.role in ("given", "answer"):
                lost.add(p.content.name)
            where = fallback
        placed = out.put(chosen[p.sheet], max(where[0], 1), max(where[1], 1), p.role, p.content, p.span, p.table)
        if p.role == "ref":
            refs.append(placed)
    return Located(out, notes, lost, refs)


def _nearest(g: Grid, text: str, near: tuple[int, int]) -> tuple[int, int] | None:
    spots = g.texts.get(text) if text else None
    if not spots:
        return None
    return min(spots, key=lambda rc: (abs(rc[0] - near[0]) + abs(rc[1] - near[1]), rc))
