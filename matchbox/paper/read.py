"""From scans and photos to the numbers learners wrote: every answer page of a file (or a folder of them)
found, the pages put together into learners' sheets, and every comb field read box by box.

Each box is cut straight from the ORIGINAL image through the page's homography (one resampling, at
PX_PER_MM), a little inside its printed outline, and read by digits.Reader. A field read with less than the
reader's confidence keeps its best reading but is marked for a person to look at (`confident` False); its
crops are kept for that review.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MatchboxError, Said, said
from . import layout as L

PX_PER_MM = 10.0  # a 7 × 9 mm box becomes about 66 × 86 pixels: more than the reader's 28 × 28 needs
INSET = 0.25  # mm cut off each side of a box: most of its printed outline (0.35 mm, centred on the edge)
IMAGES = (".pdf", ".jpg", ".jpeg", ".png")


@dataclass
class FieldReading:
    """One quantity's comb field as read."""
    name: str  # the quantity
    label: str  # its label in the sheet's language
    page: int  # the answer page it is printed on
    value: float | None  # the number read (the best reading, even when not confident); None: left empty
    text: str  # what stands in the boxes ("-0.25"; "" when empty; "_" for an empty box between digits)
    confidence: float  # the least confidence of its boxes
    confident: bool
    problems: list[str] = field(default_factory=list)  # why it is not confident (in English, for the log)
    crops: list = field(default_factory=list, repr=False)  # the boxes' images, sign box first (for review)
    boxes: list = field(default_factory=list)  # each box as read, sign box first: a digit, "-", "+", "?" or ""


@dataclass
class PaperSheet:
    """One learner's answer pages: the variant printed on them, the pages found and where (file, image), each
    field read. `missing` lists the answer pages of the variant not found (their fields: blank, not confident)."""
    file: Path  # the file the sheet's first page came from (the folder's, for a folder)
    variant: object
    lang: str
    number: int  # 1, 2, ... within the file or folder, in the order the sheets' first pages came
    pages: dict[int, tuple[str, int]] = field(default_factory=dict)  # page -> (file name, image in it)
    fields: dict[str, FieldReading] = field(default_factory=dict)
    missing: list[int] = field(default_factory=list)
    seconds: float = 0.0  # time spent reading its fields

    @property
    def review(self) -> list[FieldReading]:
        return [f for f in self.fields.values() if not f.confident]


def image_files(path: Path) -> list[Path]:
    """The scans to read: the file itself, or a folder's PDF, JPEG and PNG files (not hidden), sorted."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    return sorted((p for p in path.rglob("*") if p.suffix.lower() in IMAGES and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts)),
                  key=lambda p: p.relative_to(path).as_posix())


def is_paper(path: Path) -> bool:
    """Is `path` a scan to read (a PDF, JPEG or PNG file, or a folder holding some and no workbook)?"""
    path = Path(path)
    if path.is_dir():
        return any(True for _ in image_files(path)) and not any(
            p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods") for p in path.rglob("*") if p.is_file())
    return path.suffix.lower() in IMAGES


def read_file(path: Path, reader=None, problems: list | None = None, px_per_mm: float = PX_PER_MM) \
        -> list[PaperSheet]:
    """Every learner's sheet in a scanned PDF, a photo (JPEG, PNG) or a folder of them. Pages of one variant
    (and language) make one sheet until a page number comes again: then it is the next learner's. An image
    without a readable page is skipped, its reason appended to `problems` when a list is given ("name: image
    3: ..."); a file that is no scan raises a one-line MatchboxError."""
    import time

    from . import locate
    from .digits import Reader
    path = Path(path)
    files = image_files(path)
    if not files:
        raise MatchboxError(f"{path.name}: no scans (.pdf, .jpg, .png files) in this folder")
    reader = reader or Reader()
    sheets: list[PaperSheet] = []
    layouts: dict = {}
    for file in files:
        found_problems: list[str] = []
        for found in locate.pages_of_file(file, found_problems):
            start = time.perf_counter()
            lang = found.lang or "en"
            sheet = sheet_for(sheets, found, lang, file)
            lid = (found.variant.id, lang)
            if lid not in layouts:
                layouts[lid] = L.answer_pages(found.variant, lang)
            page = layouts[lid][found.page - 1]
            sheet.pages[found.page] = (file.name, found.source)
            sheet.fields.update(read_page(reader, found, page, px_per_mm))
            sheet.seconds += time.perf_counter() - start
        if problems is not None:
            problems += [Said(f"{file.name}: {p}", f"{file.name}: {said(p, 'ja')}") for p in found_problems]
    for sheet in sheets:
        pages = layouts[sheet.variant.id, sheet.lang]
        sheet.missing = [p.number for p in pages if p.number not in sheet.pages]
        for p in pages:  # a page not found: its fields are graded blank, and flagged (they may well be written)
            for f in p.fields:
                sheet.fields.setdefault(f.name, FieldReading(f.name, f.label, p.number, None, "", 0.0, False,
                                                             ["its page was not found"]))
        order = [f.name for p in pages for f in p.fields]
        sheet.fields = {n: sheet.fields[n] for n in order}
    return sheets


def sheet_for(sheets: list[PaperSheet], found, lang: str, file: Path) -> PaperSheet:
    """The sheet a page found belongs to: the first of its variant and language still without that page
    number, else a new one (two learners with the same variant in one pile are told apart by this only)."""
    for sheet in sheets:
        if sheet.variant.id == found.variant.id and sheet.lang == lang and found.page not in sheet.pages:
            return sheet
    sheets.append(PaperSheet(file, found.variant, lang, len(sheets) + 1))
    return sheets[-1]


def box_crops(found, f: L.Field, px_per_mm: float) -> list:
    """The field's boxes cut from the original image, straightened: one warp of the field's strip, then a
    slice per box, each `INSET` mm inside its printed outline."""
    from .locate import warped
    x0, y0, w, h = f.rect
    strip = warped(found.image, found.homography, (x0, y0, w, h), px_per_mm)
    crops = []
    for b in f.boxes:
        left, right = round((b.x - x0 + INSET) * px_per_mm), round((b.x - x0 + b.w - INSET) * px_per_mm)
        top, bottom = round((b.y - y0 + INSET) * px_per_mm), round((b.y - y0 + b.h - INSET) * px_per_mm)
        crops.append(strip[top:bottom, left:right])
    return crops


def read_page(reader, found, page: L.Page, px_per_mm: float) -> dict[str, FieldReading]:
    """Every field of a page found. Its digit boxes go through the network in one batch: a call costs about
    as much as forty boxes, and a page has a hundred fields."""
    crops = {f.name: box_crops(found, f, px_per_mm) for f in page.fields}
    boxes = [c for f in page.fields for c in (crops[f.name][1:] if f.sign else crops[f.name])]
    batch = batched_reader()(reader, boxes)
    out = {}
    for f in page.fields:
        sign, digits = (crops[f.name][0], crops[f.name][1:]) if f.sign else (None, crops[f.name])
        read = batch.read_field(sign, digits, f.decimals)
        boxes = ([read.sign] if f.sign else []) + ["" if r.empty else str(r.digit) for r in read.reads]
        out[f.name] = FieldReading(f.name, f.label, f.page, read.number, read.text, read.confidence,
                                   read.confident, list(read.problems), crops[f.name], boxes)
    return out


def batched_reader():
    """digits.Reader whose boxes were all read beforehand, in one batch: read_field (the reader's own rules
    for a field: sign, gaps, confidence) looks each box's reading up instead of running the network again."""
    from .digits import Reader

    class Batched(Reader):
        def __init__(self, reader, crops: list):
            self.__dict__.update(reader.__dict__)
            self.known = {id(c): r for c, r in zip(crops, reader.read(crops))} if crops else {}

        def read(self, crops) -> list:
            return [self.known[id(c)] for c in crops]
    return Batched
