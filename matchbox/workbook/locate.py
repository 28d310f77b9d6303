"""Finding a learner's cells by what labels them, not by where they were written.

A learner inserts a blank row between two epochs, a memo column inside the trial table, sorts the trials by
item, renames the Work sheet or fills a copy of it. Every cell is still found: a sheet by its tables, a
table by its title and column headings, a column by its heading and a row by its labels (the trial number,
the epoch, the item...). A row without labels of its own (or with labels another row shares) is found by
its order among the table's non-blank rows. What cannot be found is said in a note that names it, and its
cells are read as blank: never a cell of another row or column in its place.

This module reads a sheet once into a dictionary of its non-empty cells; every search then looks texts up
in that dictionary, so finding costs about what reading costs.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from itertools import islice
from dataclasses import dataclass, field
from typing import Any

from ..errors import WorkbookError
from ..exercises.graph import tr
from .layout import KEY_TITLE, META_SHEET, Layout, Placed, column_letter

MATCH = 0.6  # share of a table's title and headings that must be found for the table to count as found
TITLE_SLACK = 3  # rows a learner may have inserted between a table's title and its headings
LABEL_SLACK = 4  # columns searched for a label column that has no heading


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


def note(code: str, en: str, ja: str) -> dict:
    return {"code": code, "en": en, "ja": ja}


def _quoted(names: list[str], lang: str) -> str:
    if lang == "ja":
        return "と".join(f"「{n}」" for n in names)
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def plan_text(p: Placed, lang: str) -> str:
    """What the writer put in a label, heading or title cell, as compared with the learner's."""
    if isinstance(p.content, (int, float)) and not isinstance(p.content, bool):
        return norm(p.content)
    return norm(tr(p.content, lang)) if p.content is not None else ""


# --- a table of the plan, and where it is in a learner's sheet ---------------------------------------------

@dataclass
class _Spec:
    name: str
    title: Placed | None = None
    header_row: int = 0
    headers: dict[int, str] = field(default_factory=dict)  # plan column -> heading ('' for none)
    formulas: dict[int, str] = field(default_factory=dict)  # plan column -> the formula under its heading
    rows: dict[int, list[Placed]] = field(default_factory=dict)  # plan row -> its cells, left to right
    titles: dict[str, str] = field(default_factory=dict)  # the title in each language, for notes
    headings: dict[int, dict[str, str]] = field(default_factory=dict)  # plan column -> heading in each language


@dataclass
class _Found:
    title_row: int | None
    header_row: int
    cols: dict[int, int]  # plan column -> the learner's column (missing: not found)
    shift: tuple[int, int]  # how far the table moved as a whole (rows, columns)
    rows: dict[int, int] = field(default_factory=dict)  # plan row -> the learner's row (missing: not found)
    top: int = 0  # the table's first row (its title's)
    data_start: int = 0  # its first row after the headings (and the formulas under them)


def _specs(plan: Layout, sheet: str, lang: str) -> list[_Spec]:
    specs: dict[str, _Spec] = {}
    for p in plan.cells:
        if p.sheet != sheet or not p.table:
            continue
        s = specs.setdefault(p.table, _Spec(p.table))
        if p.role == "table-title":
            s.title = p
            s.titles = {lg: plan_text(p, lg) for lg in ("en", "ja")}
        elif p.role == "note":
            continue
        elif p.role == "header":
            s.header_row = p.row
            s.headers[p.col] = plan_text(p, lang)
            s.headings[p.col] = {lg: plan_text(p, lg) for lg in ("en", "ja")}
        elif p.role == "formula":
            s.formulas[p.col] = plan_text(p, lang)
        else:
            s.rows.setdefault(p.row, []).append(p)
    for s in specs.values():
        s.titles = s.titles or {"en": s.name, "ja": s.name}
    return list(specs.values())


def _find_table(g: Grid, s: _Spec, lang: str, expect_dr: int) -> _Found | None:
    """The table's heading row in the learner's sheet (the row holding most of its headings, under its
    title), and the column of each heading in it."""
    wanted = Counter(text for text in s.headers.values() if text)
    title = plan_text(s.title, lang) if s.title else ""
    marks = sum(wanted.values()) + (1 if title else 0)
    gap = s.header_row - s.title.row if s.title else 1
    found_in: dict[int, Counter] = defaultdict(Counter)
    for text in wanted:
        for r, _ in g.texts.get(text, ()):
            found_in[r][text] += 1
    title_at = g.texts.get(title, []) if title else []
    title_rows = {r for r, _ in title_at}
    if not wanted:  # a table without headings (none has one today): found by its title alone
        spot = min(title_at, key=lambda rc: abs(rc[0] - (s.title.row + expect_dr)), default=None)
        if spot is None:
            return None
        return _Found(spot[0], spot[0] + gap, {c: c + spot[1] - s.title.col for c in s.headers},
                      (spot[0] - s.title.row, spot[1] - s.title.col), top=spot[0],
                      data_start=spot[0] + gap + (2 if s.formulas else 1))
    best = None
    for r, found in found_in.items():
        score = sum(min(n, wanted[text]) for text, n in found.items())
        titled = [t for t in range(r - gap - TITLE_SLACK, r - gap + 1) if t in title_rows]
        rank = (score + bool(titled), -abs(r - (s.header_row + expect_dr)), -r)
        if best is None or rank > best[0]:
            best = (rank, r, titled)
    if best is None or best[0][0] < MATCH * marks:
        return None
    _, h, titled = best
    free = defaultdict(list)
    for text in wanted:
        free[text] = sorted(c for r, c in g.texts.get(text, ()) if r == h)
    cols = {}
    for c in sorted(s.headers):
        text = s.headers[c]
        if text and free[text]:
            cols[c] = free[text].pop(0)
    first = min(cols)
    shift = (h - s.header_row, cols[first] - first)
    title_row = max(titled) if titled else None
    data_start = h + 1
    if s.formulas:  # the formulas under the headings: their row, even with a row inserted above it
        formulas = {c: t for c, t in s.formulas.items() if t and c in cols}
        rank = {r: sum(norm(g.get(r, cols[c])) == t for c, t in formulas.items())
                for r in range(h + 1, h + 2 + TITLE_SLACK)}
        best_row = max(rank, key=lambda r: (rank[r], -r))
        data_start = (best_row if rank[best_row] else h + 1) + 1
    return _Found(title_row, h, cols, shift, top=title_row if title_row is not None else h - gap,
                  data_start=data_start)


def _labels(s: _Spec, lang: str) -> dict[int, dict[int, str]]:
    """Plan row -> {plan column: label text} (labels with text only)."""
    out = {}
    for r, cells in s.rows.items():
        out[r] = {p.col: t for p in cells if p.role == "label" and (t := plan_text(p, lang))}
    return out


def _infer_columns(g: Grid, s: _Spec, f: _Found, labels: dict[int, dict[int, str]], notes: list[dict]) -> None:
    """Columns whose heading was not found: a label column without a heading is found by its labels; any
    other, by its place between the headings found on either side of it, when both agree. Said in a note."""
    used = set(f.cols.values())
    matched = dict(f.cols)
    for c in sorted(s.headers):
        if c in matched:
            continue
        left = max((k for k in matched if k < c), default=None)
        right = min((k for k in matched if k > c), default=None)
        guesses = set()
        if left is not None:
            guesses.add(matched[left] + (c - left))
        if right is not None:
            guesses.add(matched[right] - (right - c))
        texts = {row[c] for row in labels.values() if c in row}
        heading = s.headers[c]
        col = None
        if texts:  # a column of labels: the column nearby that holds them
            lo = matched[left] + 1 if left is not None else max(1, min(guesses) - LABEL_SLACK)
            hi = matched[right] - 1 if right is not None else max(guesses) + LABEL_SLACK
            hits = Counter(cc for t in texts for r, cc in g.texts.get(t, ())
                           if r > f.header_row and lo <= cc <= hi and cc not in used)
            if hits:
                top = max(hits.values())
                col = min((cc for cc, n in hits.items() if n == top),
                          key=lambda cc: min(abs(cc - x) for x in guesses))
        elif len(guesses) == 1 and (x := next(iter(guesses))) >= 1 and x not in used:
            col = x
        if col is None:
            if any(p.col == c for cells in s.rows.values() for p in cells):
                en = s.headings[c]["en"] or f"column {c}"
                ja = s.headings[c]["ja"] or f"{c}列目"
                notes.append(note("column-missing",
                                  f"{s.titles['en']}: the column '{en}' was not found (its heading was changed or "
                                  "deleted?); its cells are counted as blank.",
                                  f"「{s.titles['ja']}」の表に「{ja}」の列が見つかりません(見出しが書き換えられたか、"
                                  "削除されたようです)。この列のセルは未記入として扱いました。"))
            continue
        f.cols[c] = col
        used.add(col)
        if heading:
            letter = column_letter(col)
            notes.append(note("column-by-place",
                              f"{s.titles['en']}: the heading '{s.headings[c]['en']}' was not found; its column "
                              f"was taken from its place in the table (column {letter}).",
                              f"「{s.titles['ja']}」の表に見出し「{s.headings[c]['ja']}」が見つからないため、表の中の位置から"
                              f"{letter}列をこの列として読みました。"))


def _row_name(s: _Spec, plan_row: int, order: int) -> dict[str, str]:
    """How a note names a row: by its labels with their headings ("trial 5, epoch 2, item B"), else by its
    place in the table ("row 3")."""
    labels = [p for p in s.rows[plan_row] if p.role == "label" and plan_text(p, "en")]
    if not labels:
        return {"en": f"row {order}", "ja": f"{order}行目"}
    out = {}
    for lg, sep in (("en", ", "), ("ja", "、")):
        parts = []
        for p in labels:
            text, heading = plan_text(p, lg), s.headings[p.col][lg] if p.col in s.headings else ""
            parts.append(f"{heading} {text}" if heading and heading != text else text)
        out[lg] = sep.join(parts)
    return out


def _match_rows(g: Grid, s: _Spec, f: _Found, end: int, labels: dict[int, dict[int, str]],
                notes: list[dict]) -> None:
    """Each plan row's row in the learner's sheet: by its labels where they are its own, else by order."""
    start = f.data_start
    region = range(start, max(end, start + 1))
    present = [r for r in g.rows if start <= r < end]
    signatures = Counter(tuple(sorted(row.items())) for row in labels.values())
    unique = {r: row for r, row in labels.items()
              if row and signatures[tuple(sorted(row.items()))] == 1 and all(c in f.cols for c in row)}
    mapped_cols = sorted(set(f.cols.values()))

    def filled(r: int) -> int:
        return sum(not blank(g.get(r, c)) for c in mapped_cols)

    # which plan row each of the learner's rows is, by its labels (the most specific match wins)
    by_first: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pr, row in unique.items():
        c, text = min(row.items())
        by_first[c, text].append(pr)
    first_cols = sorted({c for c, _ in by_first})
    seen: dict[int, list[int]] = defaultdict(list)
    claimed = set()
    for r in present:
        if not any((r, c) in g.values for c in mapped_cols):
            continue
        best, tie = None, False
        for c in first_cols:
            for pr in by_first.get((c, norm(g.get(r, f.cols[c]))), ()):
                row = unique[pr]
                if all(norm(g.get(r, f.cols[cc])) == t for cc, t in row.items()):
                    if best is None or len(row) > len(unique[best]):
                        best, tie = pr, False
                    elif len(row) == len(unique[best]):
                        tie = True
        if best is not None and not tie:
            seen[best].append(r)
            claimed.add(r)
    order = {pr: k for k, pr in enumerate(sorted(s.rows), start=1)}
    in_order = [r for r in present if filled(r)]
    for pr in sorted(unique):
        rows = seen.get(pr, [])
        name = _row_name(s, pr, order[pr])
        if not rows and order[pr] <= len(in_order):
            # a row whose labels were emptied (cleared by hand, or lost under a merged cell), in this row's
            # place among the non-blank rows: read as this row, and said
            r = in_order[order[pr] - 1]
            if r not in claimed and all(blank(g.get(r, f.cols[c])) for c in unique[pr]):
                f.rows[pr] = r
                claimed.add(r)
                notes.append(note("row-by-place",
                                  f"{s.titles['en']}: the row '{name['en']}' was not found by its labels; row {r}, "
                                  "whose labels are empty, stands in its place and was graded as that row.",
                                  f"「{s.titles['ja']}」の表に「{name['ja']}」の行がラベルでは見つかりません。その"
                                  f"位置にあるラベルが空の{r}行目を、この行として採点しました。"))
                continue
        if not rows:
            notes.append(note("row-missing",
                              f"{s.titles['en']}: the row '{name['en']}' was not found (deleted, or its labels "
                              "changed?); its cells are counted as blank.",
                              f"「{s.titles['ja']}」の表に「{name['ja']}」の行が見つかりません(削除されたか、"
                              "ラベルが書き換えられたようです)。この行のセルは未記入として扱いました。"))
            continue
        chosen = max(rows, key=lambda r: (filled(r), -r))
        f.rows[pr] = chosen
        if len(rows) > 1:
            notes.append(note("row-repeated",
                              f"{s.titles['en']}: the row '{name['en']}' appears {len(rows)} times; the one in row "
                              f"{chosen}, which has the most filled in, was graded.",
                              f"「{s.titles['ja']}」の表に「{name['ja']}」の行が{len(rows)}つあります。記入が"
                              f"いちばん多い{chosen}行目を採点しました。"))
    rest = [pr for pr in sorted(s.rows) if pr not in unique]
    if not rest:
        return
    nonblank = [r for r in present if r not in claimed and filled(r)]
    # Order among the non-blank rows; where fewer rows are filled than the table has (a sheet not yet
    # filled in), the rows as they come.
    pool = nonblank if len(nonblank) >= len(rest) else islice((r for r in region if r not in claimed), len(rest))
    for pr, r in zip(rest, pool):
        f.rows[pr] = r


def _place_sheet(g: Grid, specs: list[_Spec], lang: str):
    """Where each table of a plan sheet is in the learner's sheet `g`, or None when some table is not there."""
    notes: list[dict] = []
    found: dict[str, _Found] = {}
    expect = 0
    for s in specs:
        f = _find_table(g, s, lang, expect)
        if f is None:
            return None
        found[s.name] = f
        expect = f.shift[0]
    for s in specs:
        f = found[s.name]
        labels = _labels(s, lang)
        _infer_columns(g, s, f, labels, notes)
        below = [other.top for other in found.values() if other.top > f.header_row]
        end = min(below) if below else max(g.max_row + 1, f.data_start + len(s.rows))
        _match_rows(g, s, f, end, labels, notes)
    return found, notes


# --- the whole workbook ----------------------------------------------------------------------------------

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
    placements: dict[str, dict[str, _Found]] = {}
    matching: set[str] = set()
    order = list(grids)
    for sheet in plan.sheets:
        specs = _specs(plan, sheet, lang)
        answers = [p for p in plan.cells if p.sheet == sheet and p.role == "answer"]
        candidates = []
        for name, g in grids.items():
            if name in chosen.values():
                continue
            placed = _place_sheet(g, specs, lang)
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
            notes.append(note(
                "sheet-copies",
                f"The sheets {_quoted(names, 'en')} all hold the tables of the sheet '{sheet}'; '{name}', which "
                "has the most answers filled in, was graded.",
                f"シート{_quoted(names, 'ja')}には、どれも「{sheet}」シートの表があります。記入された答えが"
                f"いちばん多い「{name}」を採点しました。"))
        elif name != sheet:
            notes.append(note(
                "sheet-renamed",
                f"There is no sheet named '{sheet}'; the sheet '{name}', which holds its tables, was graded in "
                "its place.",
                f"「{sheet}」という名前のシートがないため、同じ表がある「{name}」シートを採点しました。"))
        notes += sheet_notes
    ignored = [n for n in order if n not in matching]
    if ignored:
        several = len(ignored) > 1
        notes.append(note(
            "sheet-ignored",
            f"The sheet{'s' if several else ''} {_quoted(ignored, 'en')} {'are' if several else 'is'} not part "
            f"of the exercise and {'were' if several else 'was'} not graded.",
            f"シート{_quoted(ignored, 'ja')}は課題のシートではないため、採点していません。"))
    return _relaid(plan, grids, chosen, placements, notes, lang)


def _relaid(plan: Layout, grids: dict[str, Grid], chosen: dict[str, str],
            placements: dict[str, dict[str, _Found]], notes: list[dict], lang: str) -> Located:
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
