"""Where everything goes on the answer pages printed to be read back: corner markers, the page's QR code and
one comb field (a row of boxes, one digit each) per answer quantity, in millimetres on an A4 page.

The geometry depends on the variant only, never on the language: each slot is made wide enough for its
labels in every language, so a page found in a photo is straightened and cut into boxes without knowing the
language it was printed in. Only the label texts follow `lang`. The fields keep the printed sheet's structure:
its tables in the same order, each table row a line (wrapped when long) under the table's title, each field
under its column's heading.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

from ..views.table import cell_role
from ..words import LANGS
from ..worksheet.graph import Q, tr
from .markers import MARKER_BITS, Marker

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait
MARKER_SIZE, MARKER_INSET = 15.0, 8.0  # ArUco squares (6 × 2.5 mm cells), this far from the paper's edges
QR_SIZE = 36.0  # the QR code with its quiet zone, left of the top-right marker
QR_X, QR_Y = PAGE_W - MARKER_INSET - MARKER_SIZE - 3.0 - QR_SIZE, MARKER_INSET
AREA_X0, AREA_X1 = 12.0, PAGE_W - 12.0  # where the fields go
AREA_Y0, AREA_Y1 = 55.0, PAGE_H - MARKER_INSET - MARKER_SIZE - 4.0
BOX_W, BOX_H, BOX_GAP = 7.0, 9.0, 1.0  # a comb box: a digit written large; a gap keeps each box's crop clean
SIGN_GAP, POINT_W = 2.0, 3.0  # space after the sign box; space of the printed decimal point
HEADER_H, LINE_H, SECTION_H = 3.5, 15.0, 7.0  # a field's heading above its boxes; one line; a table's title
ROW_W, SLOT_GAP = 20.0, 4.0  # the row labels' column at the left; space between two fields
LABEL_SIZE, ROW_SIZE, SECTION_SIZE = 2.6, 3.0, 3.6  # font sizes (mm)
MAX_INT_DIGITS, MAX_DECIMALS = 6, 6

def corner_markers(page: Page | None = None) -> list[Marker]:
    """The four markers, the same on every page: ids 0, 1, 2, 3 at the top-left, top-right, bottom-right and
    bottom-left, inside the margin every printer keeps."""
    near, far = MARKER_INSET, PAGE_W - MARKER_INSET - MARKER_SIZE
    low = PAGE_H - MARKER_INSET - MARKER_SIZE
    spots = [(near, near), (far, near), (far, low), (near, low)]
    return [Marker(i, x, y, MARKER_SIZE, MARKER_BITS[i]) for i, (x, y) in enumerate(spots)]


@dataclass(frozen=True)
class Box:
    x: float  # mm from the page's top-left corner to the box's
    y: float
    w: float
    h: float
    role: str  # "sign" | "digit"
    index: int  # 0, 1, ... left to right within the field
    place: int | None  # a digit's power of ten (1 tens, 0 units, -1 tenths...); None for the sign box


@dataclass
class Field:
    """One answer quantity's boxes."""
    name: str  # the quantity's name in the worksheet
    label: str  # its label in `lang`, as the workbook and the checking page name it
    header: str  # the column heading printed above the boxes
    row: str  # the table row's label printed at the left of its line
    section: str  # the table's title
    page: int
    boxes: list[Box]
    point: tuple[float, float] | None  # centre of the printed decimal point; None without decimals
    label_at: tuple[float, float] = (0.0, 0.0)  # where the heading's text starts (its baseline)

    @property
    def sign(self) -> Box | None:
        return next((b for b in self.boxes if b.role == "sign"), None)

    @property
    def digits(self) -> list[Box]:
        return [b for b in self.boxes if b.role == "digit"]

    @property
    def decimals(self) -> int:
        return sum(1 for b in self.digits if b.place < 0)

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """x, y, w, h around the boxes."""
        x0, y0 = self.boxes[0].x, self.boxes[0].y
        return x0, y0, self.boxes[-1].x + self.boxes[-1].w - x0, BOX_H


@dataclass
class Text:
    """A text printed on a page: a table's title ("section") or a row's label ("row")."""
    x: float
    y: float  # baseline
    text: str
    role: str


@dataclass
class Page:
    number: int  # 1-based
    of: int  # how many answer pages the variant has
    fields: list[Field] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    width: float = PAGE_W
    height: float = PAGE_H

    @property
    def qr(self) -> tuple[float, float, float]:
        """x, y and size of the QR code (its quiet zone included)."""
        return QR_X, QR_Y, QR_SIZE


def text_width(text: str, size: float) -> float:
    """About how wide `text` prints at `size` mm in the sheet's fonts: a CJK glyph is square, the rest about
    0.58 of it (an estimate that errs wide, so neighbours never touch)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.58 for c in text) * size


@dataclass
class Comb:
    """A field's shape: sign box or not, integer digit boxes, decimal boxes."""
    sign: bool
    ints: int
    decimals: int

    @property
    def width(self) -> float:
        digits = self.ints + self.decimals
        return ((BOX_W + SIGN_GAP) if self.sign else 0) + digits * (BOX_W + BOX_GAP) - BOX_GAP + \
            (POINT_W if self.decimals else 0)


def decimals_needed(value: float) -> int:
    """The decimal places an exact value needs (0.5 -> 1, 3 -> 0)."""
    for d in range(MAX_DECIMALS + 1):
        if abs(value - round(value, d)) < 1e-9:
            return d
    return MAX_DECIMALS


def int_digits(value: float) -> int:
    return len(str(int(abs(value)))) if math.isfinite(value) else 1


def can_go_negative(ws, name: str, key: dict, rng) -> bool:
    """Whether a learner may have to write `name` negative: its key is, or its step gives a negative number
    on earlier answers a learner may carry (the key's, each moved at random; the givens stay as printed).
    A sigmoid's output or a squared error never needs the sign box; a weight that a slip moved does."""
    if key[name] < 0:
        return True
    q = ws.quantities[name]
    carried = [d for d in q.step.deps() if not ws.quantities[d].is_given]
    for _ in range(24 if carried else 0):
        values = dict(key)
        for d in carried:
            values[d] = key[d] + rng.normal() * max(1.0, abs(key[d]))
        try:
            if q.step(values) < -1e-9:
                return True
        except Exception:  # a step undefined on such numbers (a log of a negative) says nothing here
            continue
    return False


def same_kind(ws) -> list[list[str]]:
    """The answers grouped by what they are: a table's column holds one kind of number (a weight, an output)
    when its labels end alike ("trial 3: new weight w₁'"); a table whose rows are kinds (softmax: e^a, sum,
    probability) gives a group to each label ending of the column."""
    groups: dict[tuple, list[str]] = {}
    for table in ws.tables:
        for row in table.rows:
            for col, cell in enumerate(row):
                if isinstance(cell, Q) and not ws.quantities[cell.name].is_given:
                    ending = tr(ws.quantities[cell.name].label, "en").rsplit(": ", 1)[-1]
                    groups.setdefault((table.name, col, ending), []).append(cell.name)
    return list(groups.values())


def combs(ws) -> dict[str, Comb]:
    """Every answer's comb. Numbers of one kind (same_kind) share one shape: a sign box when any of them
    may be negative (can_go_negative); integer boxes for the largest key's integer part and one spare; as
    many decimal boxes as the sheet asks (an exact quantity: as many as its key needs, none for integers)."""
    import warnings

    import numpy as np
    rng = np.random.default_rng(0)  # the same layout on every run
    keys = [ws.answer_key(), ws.key()]
    out: dict[str, Comb] = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for names in same_kind(ws):
            values = [k[n] for k in keys for n in names if math.isfinite(k[n])]
            negative = any(v < 0 for v in values) or any(can_go_negative(ws, n, keys[0], rng) for n in names)
            ints = min(MAX_INT_DIGITS, max([int_digits(v) for v in values], default=1) + 1)
            for n in names:
                p = ws.quantities[n].precision
                decimals = max([decimals_needed(v) for v in values], default=0) if p.exact else p.decimals
                out[n] = Comb(negative, ints, min(decimals, MAX_DECIMALS))
    return out


def row_label(ws, table, row, lang: str) -> str:
    """The row's name as the sheet prints it: its first text cell, after its column's heading when that is
    a single word ("trial 3"), else alone ("A")."""
    for col, cell in enumerate(row):
        role, text = cell_role(ws, cell, lang)
        if role == "text" and text:
            header = tr(table.columns[col].header, lang) if col < len(table.columns) else ""
            return f"{header} {text}" if header and len(header) <= 8 and text[:1].isdigit() else text
    return ""


@dataclass
class Slot:
    name: str
    header: dict  # lang -> text
    comb: Comb
    width: float


def table_lines(ws, table, shapes: dict[str, Comb]) -> list[tuple[dict, list[Slot]]]:
    """The table's rows that hold answers: (row label per language, the row's slots in column order)."""
    lines = []
    for row in table.rows:
        slots = []
        for col, cell in enumerate(row):
            if isinstance(cell, Q) and not ws.quantities[cell.name].is_given:
                q = ws.quantities[cell.name]
                header = {lang: (tr(table.columns[col].header, lang) if col < len(table.columns) else "")
                          or tr(q.label, lang) for lang in LANGS}
                wide = max(text_width(h, LABEL_SIZE) for h in header.values())
                if shapes[cell.name].sign:  # "±" stands over the sign box, the heading over the digits
                    wide += BOX_W + SIGN_GAP
                slots.append(Slot(cell.name, header, shapes[cell.name], max(shapes[cell.name].width, wide)))
        if slots:
            lines.append(({lang: row_label(ws, table, row, lang) for lang in LANGS}, slots))
    return lines


def row_width(rows: list[tuple[dict, list[Slot]]]) -> float:
    """The row labels' column of a table: as wide as its longest label in any language (sums and formulas
    name some tables' rows), between ROW_W and half the page."""
    widest = max(text_width(text, ROW_SIZE) for label, _ in rows for text in label.values())
    return min(max(ROW_W, widest + 3.0), (AREA_X1 - AREA_X0) / 2)


def wrap(slots: list[Slot], row_w: float) -> list[list[Slot]]:
    """Slots in lines that fit beside the row labels' column."""
    room = AREA_X1 - AREA_X0 - row_w
    lines: list[list[Slot]] = [[]]
    used = 0.0
    for s in slots:
        if lines[-1] and used + SLOT_GAP + s.width > room:
            lines.append([])
            used = 0.0
        used += (SLOT_GAP if lines[-1] else 0) + s.width
        lines[-1].append(s)
    return lines


def place_comb(x: float, y: float, comb: Comb) -> tuple[list[Box], tuple[float, float] | None]:
    boxes, point, i = [], None, 0
    if comb.sign:
        boxes.append(Box(x, y, BOX_W, BOX_H, "sign", 0, None))
        x += BOX_W + SIGN_GAP
        i = 1
    for k in range(comb.ints + comb.decimals):
        place = comb.ints - 1 - k
        if place == -1:  # the printed point, between the units and the tenths
            point = (x - BOX_GAP + POINT_W / 2, y + BOX_H - 1.0)
            x += POINT_W
        boxes.append(Box(x, y, BOX_W, BOX_H, "digit", i, place))
        x += BOX_W + BOX_GAP
        i += 1
    return boxes, point


def answer_pages(variant, lang: str) -> list[Page]:
    """The answer pages of `variant` with their labels in `lang` (the same geometry in every language)."""
    ws = variant.worksheet
    shapes = combs(ws)
    labels = {q.name: tr(q.label, lang) for q in ws.answers}
    pages = [Page(1, 0)]
    y = AREA_Y0

    def new_page() -> float:
        pages.append(Page(len(pages) + 1, 0))
        return AREA_Y0

    for table in ws.tables:
        rows = table_lines(ws, table, shapes)
        if not rows:
            continue
        title = {lang_: tr(table.title, lang_) for lang_ in LANGS}
        first, row_w = True, row_width(rows)
        for label, slots in rows:
            lines = wrap(slots, row_w)
            block = len(lines) * LINE_H
            heading = SECTION_H if first or y == AREA_Y0 else 0.0
            if y + heading + min(block, LINE_H) > AREA_Y1 or (block <= 3 * LINE_H and y + heading + block > AREA_Y1):
                y, heading = new_page(), SECTION_H  # a short row stays whole; a table goes on under its title
            page = pages[-1]
            if heading:
                page.texts.append(Text(AREA_X0, y + SECTION_SIZE + 1.0, title[lang] if first else
                                       f"{title[lang]} {CONTINUED[lang]}", "section"))
                y += heading
                first = False
            page.texts.append(Text(AREA_X0, y + HEADER_H + BOX_H / 2 + ROW_SIZE / 3, label[lang], "row"))
            for k, line in enumerate(lines):
                if y + LINE_H > AREA_Y1:
                    y = new_page()
                    page = pages[-1]
                x = AREA_X0 + row_w
                for s in line:
                    boxes, point = place_comb(x, y + HEADER_H, s.comb)
                    text_x = boxes[1].x if s.comb.sign else boxes[0].x
                    page.fields.append(Field(s.name, labels[s.name], s.header[lang], label[lang],
                                             title[lang], page.number, boxes, point, (text_x, y + HEADER_H - 0.8)))
                    x += s.width + SLOT_GAP
                y += LINE_H
    for p in pages:
        p.of = len(pages)
    return pages


CONTINUED = {"en": "(continued)", "ja": "(続き)"}
