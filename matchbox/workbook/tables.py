"""One table of the plan found in a learner's sheet: its heading row by its title and headings, each column by
its heading, each row by its labels (the trial number, the epoch, the item...) or, without labels of its own,
by its order among the table's non-blank rows."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice

from ..words import LANGS, both, word
from .grid import Grid, blank, norm, note, plan_text
from .layout import Layout, Placed, column_letter

MATCH = 0.6  # share of a table's title and headings that must be found for the table to count as found
TITLE_SLACK = 3  # rows a learner may have inserted between a table's title and its headings
LABEL_SLACK = 4  # columns searched for a label column that has no heading


@dataclass
class TableSpec:
    name: str
    title: Placed | None = None
    header_row: int = 0
    headers: dict[int, str] = field(default_factory=dict)  # plan column -> heading ('' for none)
    formulas: dict[int, str] = field(default_factory=dict)  # plan column -> the formula under its heading
    rows: dict[int, list[Placed]] = field(default_factory=dict)  # plan row -> its cells, left to right
    titles: dict[str, str] = field(default_factory=dict)  # the title in each language, for notes
    headings: dict[int, dict[str, str]] = field(default_factory=dict)  # plan column -> heading in each language


@dataclass
class Found:
    title_row: int | None
    header_row: int
    cols: dict[int, int]  # plan column -> the learner's column (missing: not found)
    shift: tuple[int, int]  # how far the table moved as a whole (rows, columns)
    rows: dict[int, int] = field(default_factory=dict)  # plan row -> the learner's row (missing: not found)
    top: int = 0  # the table's first row (its title's)
    data_start: int = 0  # its first row after the headings (and the formulas under them)


def table_specs(plan: Layout, sheet: str, lang: str) -> list[TableSpec]:
    specs: dict[str, TableSpec] = {}
    for p in plan.cells:
        if p.sheet != sheet or not p.table:
            continue
        s = specs.setdefault(p.table, TableSpec(p.table))
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


def _find_table(g: Grid, s: TableSpec, lang: str, expect_dr: int) -> Found | None:
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
        return Found(spot[0], spot[0] + gap, {c: c + spot[1] - s.title.col for c in s.headers},
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
    return Found(title_row, h, cols, shift, top=title_row if title_row is not None else h - gap,
                  data_start=data_start)


def _labels(s: TableSpec, lang: str) -> dict[int, dict[int, str]]:
    """Plan row -> {plan column: label text} (labels with text only)."""
    out = {}
    for r, cells in s.rows.items():
        out[r] = {p.col: t for p in cells if p.role == "label" and (t := plan_text(p, lang))}
    return out


def _infer_columns(g: Grid, s: TableSpec, f: Found, labels: dict[int, dict[int, str]], notes: list[dict]) -> None:
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
                column = {lg: s.headings[c][lg] or word("found.column-n", lg, n=c) for lg in LANGS}
                notes.append(note("column-missing", table=s.titles, column=column))
            continue
        f.cols[c] = col
        used.add(col)
        if heading:
            letter = column_letter(col)
            notes.append(note("column-by-place", table=s.titles, column=s.headings[c], letter=letter))


def _row_name(s: TableSpec, plan_row: int, order: int) -> dict[str, str]:
    """How a note names a row: by its labels with their headings ("trial 5, epoch 2, item B"), else by its
    place in the table ("row 3")."""
    labels = [p for p in s.rows[plan_row] if p.role == "label" and plan_text(p, "en")]
    if not labels:
        return both("found.row-n", n=order)
    out = {}
    for lg in LANGS:
        sep = word("found.comma", lg)
        parts = []
        for p in labels:
            text, heading = plan_text(p, lg), s.headings[p.col][lg] if p.col in s.headings else ""
            parts.append(f"{heading} {text}" if heading and heading != text else text)
        out[lg] = sep.join(parts)
    return out


def _match_rows(g: Grid, s: TableSpec, f: Found, end: int, labels: dict[int, dict[int, str]],
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
            # a row whose labels were emptied (cleared by hand, or lost under a merged cell), or worded otherwise
            # (a workbook made before a label was reworded), in this row's place among the non-blank rows and
            # labelled as no other row of the table: read as this row, and said
            r = in_order[order[pr] - 1]
            shown = {c: norm(g.get(r, f.cols[c])) for c in unique[pr]}
            if r not in claimed and not any(shown.get(c) == t for row in unique.values() for c, t in row.items()):
                f.rows[pr] = r
                claimed.add(r)
                emptied = all(not text for text in shown.values())
                notes.append(note("row-by-place" if emptied else "row-relabelled", table=s.titles, row=name, r=r,
                                  **({} if emptied else {"label": " ".join(t for t in shown.values() if t)})))
                continue
        if not rows:
            notes.append(note("row-missing", table=s.titles, row=name))
            continue
        chosen = max(rows, key=lambda r: (filled(r), -r))
        f.rows[pr] = chosen
        if len(rows) > 1:
            notes.append(note("row-repeated", table=s.titles, row=name, n=len(rows), r=chosen))
    rest = [pr for pr in sorted(s.rows) if pr not in unique]
    if not rest:
        return
    nonblank = [r for r in present if r not in claimed and filled(r)]
    # Order among the non-blank rows; where fewer rows are filled than the table has (a sheet not yet
    # filled in), the rows as they come.
    pool = nonblank if len(nonblank) >= len(rest) else islice((r for r in region if r not in claimed), len(rest))
    for pr, r in zip(rest, pool):
        f.rows[pr] = r


def place_sheet(g: Grid, specs: list[TableSpec], lang: str):
    """Where each table of a plan sheet is in the learner's sheet `g`, or None when some table is not there."""
    notes: list[dict] = []
    found: dict[str, Found] = {}
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
