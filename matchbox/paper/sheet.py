"""The answer pages printed to be read back: each page one inline SVG of exactly 210 × 297 mm (its viewBox in
millimetres, the page's margin zero, so a millimetre of layout.py is a millimetre of paper), drawn from
layout.py's geometry: corner markers, the page's QR code, title, name and date lines, how to write the digits,
and the comb fields. `generate --format pdf --for-scanning` puts them after the learner's usual sheet.
"""
from __future__ import annotations

import re
from html import escape
from pathlib import Path

from ..printable import WORDS as SHEET_WORDS
from ..printable import title_parts
from ..worksheet.graph import tr
from . import layout as L
from .markers import page_code

FONTS = ('IPAexGothic, IPAGothic, "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", Meiryo, '
         '"Helvetica Neue", Arial, sans-serif')
INK, FAINT = "#111", "#555"

WORDS = {
    "en": {"answers": "answer sheet for scanning", "date": "date", "page": "page {n} of {of}",
           "how": "Write one digit per box, large and clear (e.g. {example}). For a negative number, write a minus "
                  "sign (−) in the ± box; otherwise leave it empty. Leave unused boxes on the left empty. Keep "
                  "the black corner squares and the code uncovered.",
           "example": "−0.25"},
    "ja": {"answers": "読み取り用解答用紙", "date": "日付", "page": "{n} / {of} ページ",
           "how": "数字は1つの枠に1つずつ、大きくはっきり書いてください(例: {example})。負の数のときは ± の枠に"
                  "マイナス(−)を書き、正の数のときは空けておいてください。左側の使わない枠は空けておいてください。"
                  "四隅の黒い四角とコードは隠さないでください。",
           "example": "−0.25"},
}


def text(x: float, y: float, content: str, size: float, anchor: str = "start", weight: str = "normal",
         color: str = INK, fit: float | None = None) -> str:
    """An SVG text at baseline (x, y) mm; `fit`: squeezed to that width when it would be wider."""
    squeeze = ""
    if fit and L.text_width(content, size) > fit:
        squeeze = f' textLength="{fit:.2f}" lengthAdjust="spacingAndGlyphs"'
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{color}"{squeeze}>{escape(content)}</text>')


def lines_of(content: str, width: float, size: float) -> list[str]:
    """`content` broken into lines of at most `width` mm: between words, or after Japanese punctuation (and
    inside a run of Japanese, which breaks anywhere, when a phrase is longer than a line)."""
    pieces = re.findall(r"[^\s、。]*[、。]|\S+\s*|\s+", content)
    lines, line = [], ""
    for piece in pieces:
        if line and L.text_width((line + piece).rstrip(), size) > width:
            lines.append(line.rstrip())
            line = ""
        while L.text_width(piece.rstrip(), size) > width:  # a phrase longer than a line
            cut = max(1, int(len(piece) * width / L.text_width(piece, size)))
            lines.append(piece[:cut])
            piece = piece[cut:]
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def marker_svg(m: L.Marker) -> str:
    cell = m.size / 6  # a black border of one cell round the 4 × 4 bits
    whites = "".join(f'<rect x="{m.x + (c + 1) * cell:.3f}" y="{m.y + (r + 1) * cell:.3f}" width="{cell:.3f}" '
                     f'height="{cell:.3f}" fill="#fff"/>'
                     for r, row in enumerate(m.bits) for c, bit in enumerate(row) if bit == "1")
    return f'<rect x="{m.x}" y="{m.y}" width="{m.size}" height="{m.size}" fill="#000"/>{whites}'


def qr_svg_at(code: str, x: float, y: float, size: float) -> str:
    """The page's QR code (drawn as the printable sheets draw theirs) as a nested SVG `size` mm wide."""
    from ..printable.qr import qr_svg
    inner = qr_svg(code).replace('class="qr" ', "")
    return inner.replace("<svg ", f'<svg x="{x}" y="{y}" width="{size}" height="{size}" ', 1)


def field_svg(f: L.Field, key_digits: str | None = None) -> list[str]:
    out = [text(f.label_at[0], f.label_at[1], f.header, L.LABEL_SIZE, color=FAINT)]
    sign = f.sign
    if sign:
        out.append(text(sign.x + sign.w / 2, f.label_at[1], "±", L.LABEL_SIZE, "middle", color=FAINT))
    for b in f.boxes:
        out.append(f'<rect x="{b.x:.2f}" y="{b.y:.2f}" width="{b.w}" height="{b.h}" fill="none" stroke="#222" '
                   f'stroke-width="0.35"/>')
    if f.point:
        out.append(f'<circle cx="{f.point[0]:.2f}" cy="{f.point[1]:.2f}" r="0.55" fill="{INK}"/>')
    if key_digits is not None:  # the key: the answer written in, one character a box
        for b, ch in zip(f.boxes, key_digits):
            if ch != " ":
                out.append(text(b.x + b.w / 2, b.y + b.h * 0.78, ch, 6.5, "middle", color="#b00"))
    return out


def boxed(value: float, f: L.Field) -> str:
    """The key's value as it goes into `f`'s boxes: one character a box, blanks where nothing is written."""
    digits = f.digits
    decimals = f.decimals
    ints = len(digits) - decimals
    body = f"{abs(value):.{decimals}f}".replace(".", "")
    body = body.rjust(len(digits))[-len(digits):] if len(body) <= len(digits) else body[:len(digits)]
    if ints and body[:ints].strip("0 ") == "" and ints > 1:  # no leading zeros but the units digit
        body = " " * (ints - 1) + body[ints - 1:]
    else:
        lead = len(body[:ints]) - len(body[:ints].lstrip("0 "))
        body = " " * lead + body[lead:]
    sign = ("−" if value < 0 and float(f"{abs(value):.{decimals}f}") != 0 else " ") if f.sign else ""
    return sign + body


def page_svg(variant, page: L.Page, lang: str, learner: str | None = None, key: bool = False) -> str:
    words, sheet_words = WORDS[lang], SHEET_WORDS[lang]
    ws = variant.worksheet
    parts = [marker_svg(m) for m in L.corner_markers(page)]
    qx, qy, qs = page.qr
    parts.append(qr_svg_at(page_code(variant, page.number, lang), qx, qy, qs))
    left = L.MARKER_INSET + L.MARKER_SIZE + 4
    room = qx - 3 - left
    title = " ".join(title_parts(tr(ws.title, lang)))
    y = L.MARKER_INSET + 5.5
    for line in lines_of(title, room, 5.0)[:2]:
        parts.append(text(left, y, line, 5.0, weight="bold"))
        y += 6.0
    sub = f"{words['answers']} · {sheet_words['variant']} {variant.id}"
    parts.append(text(left, y, sub, 3.2, color=FAINT, fit=room))
    y += 7.5
    who = f"{sheet_words['name']}"
    parts.append(text(left, y, who, 3.4))
    name_x = left + L.text_width(who, 3.4) + 2
    parts.append(f'<line x1="{name_x:.2f}" y1="{y + 0.8:.2f}" x2="{left + room * 0.62:.2f}" y2="{y + 0.8:.2f}" '
                 f'stroke="{INK}" stroke-width="0.3"/>')
    if learner:
        parts.append(text(name_x + 2, y - 0.6, learner, 3.8, fit=left + room * 0.62 - name_x - 3))
    date_x = left + room * 0.62 + 4
    parts.append(text(date_x, y, words["date"], 3.4))
    parts.append(f'<line x1="{date_x + L.text_width(words["date"], 3.4) + 2:.2f}" y1="{y + 0.8:.2f}" '
                 f'x2="{qx - 3:.2f}" y2="{y + 0.8:.2f}" stroke="{INK}" stroke-width="0.3"/>')
    y = max(y + 6.0, L.MARKER_INSET + L.MARKER_SIZE + 5.5)
    how = words["how"].format(example=words["example"])
    for line in lines_of(how, qx - 3 - L.AREA_X0, 2.9)[:4]:
        parts.append(text(L.AREA_X0, y, line, 2.9))
        y += 3.9
    for t in page.texts:
        if t.role == "section":
            parts.append(text(t.x, t.y, t.text, L.SECTION_SIZE, weight="bold", fit=L.AREA_X1 - t.x))
        else:
            parts.append(text(t.x, t.y, t.text, L.ROW_SIZE, fit=(L.AREA_X1 - L.AREA_X0) / 2 - 2))
    values = ws.answer_key() if key else {}
    for f in page.fields:
        parts.extend(field_svg(f, boxed(values[f.name], f) if key else None))
    parts.append(text(L.PAGE_W / 2, L.PAGE_H - L.MARKER_INSET - 4, words["page"].format(n=page.number, of=page.of),
                      3.0, "middle", color=FAINT))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="page" width="{L.PAGE_W}mm" height="{L.PAGE_H}mm" '
            f'viewBox="0 0 {L.PAGE_W} {L.PAGE_H}" font-family=\'{FONTS}\' font-style="normal">'
            + "".join(parts) + "</svg>")


def answer_pages_html(variant, lang: str, learner: str | None = None, key: bool = False) -> str:
    """Every answer page of `variant`, one A4 page each, as an HTML document WeasyPrint prints edge to edge."""
    pages = L.answer_pages(variant, lang)
    body = "\n".join(f'<div class="sheet">{page_svg(variant, p, lang, learner, key)}</div>' for p in pages)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(variant.id)}</title>'
            '<style>@page { size: A4; margin: 0 } html, body { margin: 0; padding: 0 }'
            ' .sheet { width: 210mm; height: 297mm; overflow: hidden; break-after: page }'
            ' .sheet:last-child { break-after: auto } svg.page { display: block }</style></head>'
            f"<body>{body}</body></html>")


def write_scanning_pdf(variant, lang: str, path: Path, key: bool = False, learner: str | None = None,
                       url: str | None = None) -> Path:
    """The learner's sheet as `generate --format pdf` draws it, followed by the answer pages for scanning
    (the key: the same, with the key's numbers written in the boxes)."""
    import io

    from pypdf import PdfReader, PdfWriter

    from ..printable import render_html, weasyprint_module
    from ..printable.pool import fonts
    from ..views.table import templates_dir
    weasyprint = weasyprint_module()
    writer = PdfWriter()
    for html in (render_html(variant, lang, key, learner, url), answer_pages_html(variant, lang, learner, key)):
        pdf = weasyprint.HTML(string=html, base_url=str(templates_dir())).write_pdf(font_config=fonts())
        writer.append(PdfReader(io.BytesIO(pdf)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        writer.write(out)
    return path
