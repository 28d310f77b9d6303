"""The graded copy of a sheet read from paper (`check scan.pdf --annotate`): a PDF of the learner's own pages,
each straightened from the scan, every answer outlined in its status's colour as the workbook's graded copy
colours its cells (green correct, amber carried, lilac simplified, blue a rounding note, red incorrect, grey
blank; an answer to check by eye is circled again, dashed amber), and the note the workbook's copy would give
it, in the sheet's language, in a column beside the page at the height of its box.

Each output page is A4 landscape: the scanned page at 1/√2 on the left, the notes on the right, so it prints
on any printer. The scans are only read; a copy is a new file, never over a scan being checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..errors import MatchboxError
from ..grading.files import refuse_overwrite, write_atomic
from ..grading.numbers import show
from ..views.feedback import explain, status_name
from ..views.terminal import printable
from ..words import word
from . import layout as L
from .grade import PaperResult
from .report import review_text
from .sheet import FONTS, lines_of
from .sheet import WORDS as PAGE_WORDS

# The outlines: the workbook copy's fills (views/annotate.py COLOURS), deepened to show as a line on paper
OUTLINE = {"correct": "#1a9641", "carried": "#e6a100", "simplified": "#8e5fb5", "rounding": "#2b7bd6",
           "incorrect": "#d7191c", "blank": "#8c8c8c"}
REVIEW = "#f08c00"  # the second, dashed outline of an answer to check by eye
CHECK_INK = "#9a5400"  # the words saying why to check an answer by eye
PX_PER_MM = 6.0  # the straightened page's pixels a millimetre (152 dpi: the handwriting stays legible)
JPEG_QUALITY = 80
OUT_W, OUT_H = 297.0, 210.0  # A4 landscape
SCALE = OUT_H / L.PAGE_H  # the scanned page, 210 × 297 mm, drawn 148.5 × 210 mm
COLUMN_X = L.PAGE_W * SCALE + 5.0
COLUMN_W = OUT_W - COLUMN_X - 6.0
# How the notes are set, tried in turn until they fit: (columns, font size in mm). One column (each note at
# its field's height) while its text is not too small, then two, then three narrower ones.
SETTINGS = ((1, 3.0), (1, 2.6), (1, 2.3), (1, 2.0), (2, 2.3), (2, 2.0), (2, 1.8), (3, 1.8), (3, 1.6))
PAD = 0.7  # mm between a field's boxes and its outline (page millimetres)
BADGE_R = 1.5  # the numbered disc beside a field that has a note


@dataclass
class Note:
    number: int
    status: str
    text: str
    check: str  # for an answer to check by eye: what was read and why to check it; else ""
    target: float  # the height (output mm) of its field's middle, where the note would rather stand
    short: str = ""  # the note when the page has too many to say in full: the label, number and status


def straightened_pages(path: Path) -> dict[tuple[int, int], bytes]:
    """Every answer page of a scan (a file or a folder of them), found again and straightened: (sheet number,
    page) -> a JPEG of the whole page, its pixels PX_PER_MM a millimetre. Pages are put into sheets as
    read.read_file puts them (the same order, the same rule), so the numbers match its sheets'."""
    from . import locate
    from .read import image_files, sheet_for
    cv2 = locate.cv2_module()
    sheets: list = []
    images: dict[tuple[int, int], bytes] = {}
    for file in image_files(Path(path)):
        for found in locate.pages_of_file(file, []):
            sheet = sheet_for(sheets, found, found.lang or "en", file)
            sheet.pages[found.page] = (file.name, found.source)
            ok, data = cv2.imencode(".jpg", found.warp(PX_PER_MM), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if ok:
                images[sheet.number, found.page] = data.tobytes()
            found.image = None  # one page's pixels at a time: a pile of scans can be long
    return images


def note_texts(result: PaperResult, c, lang: str) -> tuple[str, str, str]:
    """What the copy says of an answer: its label, the number read and the workbook copy's feedback; for one
    to check by eye, what was read and why (else ""); and all that in short (the label, number and status)."""
    value = "" if c.status == "blank" else \
        f" = {show(c.value) if isinstance(c.value, float) else printable(c.value)}"
    check = review_text(result, c.quantity, lang)
    if check:
        reading = result.sheet.fields[c.quantity]
        seen = printable(reading.text) if reading.text else word("paper.empty", lang)
        check = f"⚠ {word('paper.read', lang)} “{seen}”: {check}"
    short = f"{c.label}{value}: {status_name(c.status, lang)}" + (" ⚠" if check else "")
    return f"{c.label}{value}: {c.feedback}", check or "", short


def notes_of(result: PaperResult, report, page: L.Page) -> tuple[dict, list[Note]]:
    """The page's answers (field -> its graded cell) and a note, numbered down the page, for every answer
    that is not simply correct: the workbook's copy comments every cell but a correct one."""
    cells = {c.quantity: c for c in report.cells}
    shown = {f.name: cells[f.name] for f in page.fields if f.name in cells}
    notes: list[Note] = []
    for f in page.fields:
        c = shown.get(f.name)
        if c is None or (c.status == "correct" and f.name not in result.review):
            continue
        text, check, short = note_texts(result, c, report.lang)
        notes.append(Note(len(notes) + 1, c.status, text, check, (f.boxes[0].y + L.BOX_H / 2) * SCALE, short))
    return shown, notes


Placed = tuple  # (note, x, y of its top, its lines: (text, whether it is the part to check by eye))


def laid_out(notes: list[Note], top: float, bottom: float) -> tuple[float, list[Placed]]:
    """The notes' font size and places between `top` and `bottom` (the first of SETTINGS at which they fit):
    in one column, each as near its field's height as the notes above and below it let it be; in two or
    three, flowed down each in turn (the numbers lead to the fields); then each note in short. Should even
    that not do, the last column runs off the page: the outlines on the page still say every status."""
    tries = [(columns, size, False) for columns, size in SETTINGS] + [(*SETTINGS[-1], True)]  # last: short
    for columns, size, short in tries:
        width = (COLUMN_W - 3.0 * (columns - 1)) / columns
        line, gap = 1.3 * size, 0.6 * size
        wrapped = [[(t, False) for t in lines_of(n.short, width - 4.0, size)] if short else
                   [(t, False) for t in lines_of(n.text, width - 4.0, size)]
                   + [(t, True) for t in lines_of(n.check, width - 4.0, size)] for n in notes]
        heights = [max(len(w) * line, 2 * BADGE_R) for w in wrapped]
        spots = beside(notes, heights, gap, top, bottom, line) if columns == 1 else \
            flowed(heights, gap, top, bottom, columns, width)
        if spots is not None:
            return size, [(n, x, y, w) for n, (x, y), w in zip(notes, spots, wrapped)]
    spots = flowed(heights, gap, top, bottom, columns, width, overflow=True)
    return size, [(n, x, y, w) for n, (x, y), w in zip(notes, spots, wrapped)]


def beside(notes: list[Note], heights: list[float], gap: float, top: float, bottom: float, line: float) \
        -> list[tuple[float, float]] | None:
    """Each note's place in one column near its field's height, or None when they do not all fit."""
    tops, y = [], top
    for n, h in zip(notes, heights):  # down the page: no higher than its field, nor over the note above
        tops.append(max(n.target - line / 2, y))
        y = tops[-1] + h + gap
    limit = bottom
    for i in reversed(range(len(notes))):  # then up from the bottom, as far as the column must
        tops[i] = min(tops[i], limit - heights[i])
        limit = tops[i] - gap
    if tops and tops[0] < top - 1e-6:
        return None
    return [(COLUMN_X, t) for t in tops]


def flowed(heights: list[float], gap: float, top: float, bottom: float, columns: int, width: float,
           overflow: bool = False) -> list[tuple[float, float]] | None:
    """The notes one under another, column after column; None when they need more than `columns` (unless
    `overflow`: then the last column goes on down)."""
    spots, x, y, column = [], COLUMN_X, top, 1
    for h in heights:
        if y + h > bottom and y > top and not (overflow and column == columns):
            if column == columns:
                return None
            x, y, column = x + width + 3.0, top, column + 1
        spots.append((x, y))
        y += h + gap
    return spots


def svg_text(x: float, y: float, content: str, size: float, color: str = "#111", weight: str = "normal",
             anchor: str = "start") -> str:
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}" fill="{color}" font-weight="{weight}" '
            f'text-anchor="{anchor}">{escape(content)}</text>')


def badge(x: float, y: float, number: int, colour: str, r: float) -> str:
    return (f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" fill="{colour}" stroke="#fff" stroke-width="{r / 5:.2f}"/>'
            + svg_text(x, y + r * 0.45, str(number), r * (1.25 if number < 10 else 1.0), "#fff", "bold", "middle"))


def outlines(page: L.Page, shown: dict, notes: list[Note], review: dict) -> list[str]:
    """Each field outlined in its status's colour (page millimetres), a second dashed outline round one to
    check by eye, and the numbered disc of its note at its right."""
    numbers = {}
    noted = iter(notes)
    for f in page.fields:
        c = shown.get(f.name)
        if c is not None and (c.status != "correct" or f.name in review):
            numbers[f.name] = next(noted)
    parts = []
    for f in page.fields:
        c = shown.get(f.name)
        if c is None:
            continue
        x, y, w, h = f.rect
        parts.append(f'<rect x="{x - PAD:.2f}" y="{y - PAD:.2f}" width="{w + 2 * PAD:.2f}" height="{h + 2 * PAD:.2f}" '
                     f'fill="none" stroke="{OUTLINE[c.status]}" stroke-width="0.8" rx="0.6"/>')
        if f.name in review:
            out = PAD + 1.0
            parts.append(f'<rect x="{x - out:.2f}" y="{y - out:.2f}" width="{w + 2 * out:.2f}" '
                         f'height="{h + 2 * out:.2f}" fill="none" stroke="{REVIEW}" stroke-width="0.5" '
                         f'stroke-dasharray="1.2 0.8" rx="1"/>')
        if f.name in numbers:
            note = numbers[f.name]
            parts.append(badge(x + w + PAD + BADGE_R * 0.9, y + h / 2, note.number, OUTLINE[note.status], BADGE_R))
    return parts


def header(result: PaperResult, report, page: L.Page) -> tuple[list[str], float]:
    """The column's head: the copy's title and page, the scan and variant, the score, every status's colour
    with its count (the legend), and the reader's notes (a page not found). Returns its parts and its bottom."""
    lang = report.lang
    x, y = COLUMN_X, 10.0
    where = PAGE_WORDS[lang]["page"].format(n=page.number, of=page.of)
    parts = [svg_text(x, y, f"{word('copy.title', lang)} · {where}", 4.2, weight="bold")]
    y += 5.5
    parts.append(svg_text(x, y, f"{word('file', lang)}: {printable(Path(result.label).name)} · "
                                f"{word('variant', lang)} {result.sheet.variant.id}", 2.8, "#444"))
    y += 5.5
    parts.append(svg_text(x, y, f"{word('score', lang)}: {report.score} / {report.max_score}", 3.6, weight="bold"))
    y += 5.0
    counts = {s: sum(c.status == s for c in report.cells) for s in OUTLINE}
    legend = [(OUTLINE[s], f"{status_name(s, lang)} {n}", False) for s, n in counts.items() if n]
    if result.review:
        legend.append((REVIEW, word("paper.to-check", lang, n=len(result.review)), True))
    lx = x
    for colour, label, dashed in legend:
        width = L.text_width(label, 2.5) + 6.0
        if lx + width > OUT_W - 6.0:
            lx, y = x, y + 4.0
        dash = ' stroke-dasharray="0.9 0.6"' if dashed else ""
        parts.append(f'<rect x="{lx:.2f}" y="{y - 2.3:.2f}" width="3.2" height="2.6" fill="none" '
                     f'stroke="{colour}" stroke-width="0.6"{dash}/>')
        parts.append(svg_text(lx + 4.2, y, label, 2.5, "#333"))
        lx += width
    y += 4.0
    for note in report.notes:
        for line in lines_of(f"! {note}", COLUMN_W, 2.4):
            parts.append(svg_text(x, y, line, 2.4, "#a00"))
            y += 3.1
    parts.append(f'<line x1="{x:.2f}" y1="{y:.2f}" x2="{OUT_W - 6.0:.2f}" y2="{y:.2f}" stroke="#bbb" '
                 f'stroke-width="0.25"/>')
    return parts, y + 3.0


def covered(page: L.Page, lang: str) -> list[str]:
    """White over the page's corner markers and QR code (page millimetres), the copy's title where the code was:
    a copy dropped among the scans is then no answer page to read again, and cannot be graded as one."""
    spots = [(m.x, m.y, m.size) for m in L.corner_markers(page)] + [page.qr]
    parts = [f'<rect x="{x - 1:.2f}" y="{y - 1:.2f}" width="{size + 2:.2f}" height="{size + 2:.2f}" fill="#fff"/>'
             for x, y, size in spots]
    x, y, size = page.qr
    return parts + [svg_text(x + size / 2, y + size / 2 + 1.8, word("copy.title", lang), 5.0, "#888", "bold",
                             "middle")]


def page_svg(result: PaperResult, report, page: L.Page, image: bytes | None) -> str:
    """One page of the copy: the scanned page with its outlines, and the column of notes."""
    import base64
    shown, notes = notes_of(result, report, page)
    parts = [f'<rect x="0" y="0" width="{OUT_W}" height="{OUT_H}" fill="#fff"/>']
    if image is not None:  # (a page found once but not again would still get its outlines and notes)
        parts.append(f'<image x="0" y="0" width="{L.PAGE_W * SCALE:.3f}" height="{OUT_H}" preserveAspectRatio="none" '
                     f'href="data:image/jpeg;base64,{base64.b64encode(image).decode()}"/>')
    parts.append(f'<g transform="scale({SCALE:.6f})">' + "".join(covered(page, report.lang))
                 + "".join(outlines(page, shown, notes, result.review)) + "</g>")
    head, top = header(result, report, page)
    parts += head
    size, placed = laid_out(notes, top, OUT_H - 6.0)
    line = 1.3 * size
    for note, x, y, lines in placed:
        r = min(BADGE_R, 0.75 * line)
        parts.append(badge(x + r, y + r, note.number, OUTLINE[note.status], r))
        for k, (text, check) in enumerate(lines):
            ink = CHECK_INK if check else "#111"
            parts.append(svg_text(x + 4.0, y + 0.8 * size + k * line, text, size, ink))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="page" width="{OUT_W}mm" height="{OUT_H}mm" '
            f'viewBox="0 0 {OUT_W} {OUT_H}" font-family=\'{FONTS}\' font-style="normal">'
            + "".join(parts) + "</svg>")


def graded_copy_pdf(result: PaperResult, images: dict[int, bytes], exam: bool = False) -> bytes:
    """The copy's bytes: one page for each answer page of the sheet that was found (`images`: page -> its
    straightened JPEG), in page order."""
    from ..printable import weasyprint_module
    from ..printable.pool import fonts
    report = explain(result.report, exam=exam)
    pages = L.answer_pages(result.sheet.variant, result.sheet.lang)
    body = "\n".join(f'<div class="sheet">{page_svg(result, report, p, images.get(p.number))}</div>'
                     for p in pages if p.number in result.sheet.pages)
    html = (f'<!DOCTYPE html><html lang="{report.lang}"><head><meta charset="utf-8">'
            f"<title>{escape(word('copy.title', report.lang))}: {escape(Path(result.label).name)}</title>"
            '<style>@page { size: 297mm 210mm; margin: 0 } html, body { margin: 0; padding: 0 }'
            ' .sheet { width: 297mm; height: 210mm; overflow: hidden; break-after: page }'
            ' .sheet:last-child { break-after: auto } svg.page { display: block }</style></head>'
            f"<body>{body}</body></html>")
    return weasyprint_module().HTML(string=html).write_pdf(font_config=fonts())


def refuse_at_once(files: list[Path], out: Path) -> None:
    """What is wrong with OUT before any scan is read: a scan being checked, OUT.pdf for several scans, a
    folder for the copies inside a folder of scans (its copies would be read as scans next time)."""
    from .read import image_files
    if out.suffix.lower() == ".pdf" and (len(files) > 1 or any(f.is_dir() for f in files)):
        raise MatchboxError(f"--annotate {out}: for several scans give a folder for the graded copies")
    for path in files:
        if any(out.resolve() == scan.resolve() for scan in image_files(path)):
            raise MatchboxError(f"{out}: is a scan being checked; write the graded copy to a new file")
        if path.is_dir() and (out.resolve() == path.resolve() or path.resolve() in out.resolve().parents):
            raise MatchboxError(f"--annotate {out}: is in a folder of scans being checked (its copies would be read "
                                "as scans next time); choose another folder")


def copy_targets(graded: list[tuple[Path, list[PaperResult]]], out: Path, several: bool) -> dict[int, Path]:
    """Where each sheet's copy goes (by id of its result), named as `check --annotate` names a workbook's:
    one sheet, OUT itself when it ends in .pdf, else OUT/NAME-graded.pdf; several, OUT is a folder with
    NAME-graded.pdf for each scan (NAME-2-graded.pdf for its second learner's sheet...), -2, -3 on a clash."""
    sheets = [(path, r, len(results)) for path, results in graded for r in results]
    if len(sheets) == 1 and not several and out.suffix.lower() == ".pdf":
        return {id(sheets[0][1]): out}
    if out.suffix.lower() == ".pdf":
        raise MatchboxError(f"--annotate {out}: for several sheets give a folder for the graded copies")
    targets, taken = {}, set()
    for path, r, count in sheets:
        stem = path.name if path.is_dir() else path.stem
        name = f"{stem}-{r.sheet.number}" if count > 1 else stem
        target, n = out / f"{name}-graded.pdf", 2
        while target in taken:
            target, n = out / f"{name}-graded-{n}.pdf", n + 1
        taken.add(target)
        targets[id(r)] = target
    return targets


def write_graded_copies(graded: list[tuple[Path, list[PaperResult]]], out: Path, force: bool = False,
                        exam: bool = False, several: bool = False) -> tuple[dict[int, Path], dict[int, str]]:
    """Write every sheet's copy. Refuses (a MatchboxError, before anything is written) what refuse_at_once
    does, and a target that exists without `force`. Returns where each copy went and, for a copy that could
    not be written, why (both by id of the sheet's result)."""
    from .read import image_files
    refuse_at_once([path for path, _ in graded], out)
    targets = copy_targets(graded, out, several)
    scans = [f for path, _ in graded for f in image_files(path)]
    for target in targets.values():
        if any(target.resolve() == scan.resolve() for scan in scans):  # NAME-graded.pdf, a scan in the pile
            raise MatchboxError(f"{target}: is a scan being checked; write the graded copy to a new file")
        refuse_overwrite(target, scans, force)
    written: dict[int, Path] = {}
    failed: dict[int, str] = {}
    for path, results in graded:
        if not results:
            continue
        images = straightened_pages(path)
        for r in results:
            try:
                data = graded_copy_pdf(r, {p: images[r.sheet.number, p] for p in r.sheet.pages
                                           if (r.sheet.number, p) in images}, exam)
                written[id(r)] = write_atomic(targets[id(r)], data)
            except MatchboxError as e:
                failed[id(r)] = str(e)
    return written, failed
