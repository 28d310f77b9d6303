"""Printable sheets: the worksheet graph rendered by a jinja2 template to HTML, and HTML to PDF.

The sheet shows what the workbook shows, in the same order: the givens printed, a box for every number the
learner computes, the formula of each column under its heading. The key is the same sheet with every box
filled. HTML needs nothing but a browser (print it to A4); PDF is drawn by WeasyPrint with the fonts the system
has (Debian's fonts-ipaexfont-gothic renders Japanese).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import MatchboxError
from ..views.table import table_model, templates_dir
from ..words import LANGS, section, word
from ..worksheet.calculator import needs_calculator
from ..worksheet.graph import tr
from . import figures

# the sheet's words: matchbox/words' "print." group, and the ones it shares with the workbook
WORDS = {lang: {**section("print", lang), "variant": word("variant", lang), "name": word("name", lang),
                "key": word("key-title", lang), "answer": word("answer-box", lang)} for lang in LANGS}


WIDE = 12, 120  # a table of more columns, or wider (the workbook's widths summed), does not fit A4 upright


def landscape(tables: list[dict]) -> bool:
    """Print the whole sheet landscape when one of its tables needs it (no page turned for one table)."""
    return any(len(t["headers"]) > WIDE[0] or sum(t["widths"]) > WIDE[1] for t in tables)


def title_parts(title: str) -> list[str]:
    """The title cut where a line may break: after a colon or a space (each part is kept whole, so a Japanese
    title never leaves 「値」 alone on the next line)."""
    return [p for p in re.split(r"(?<=[:：])\s*|\s+(?=\S)", title) if p]


def unbroken(text: str):
    """`text` that breaks between its words only, never inside one (「チョ/コ」): each word in a nowrap span."""
    from markupsafe import Markup, escape
    return Markup(" ").join(Markup('<span class="nb">%s</span>') % escape(w) for w in text.split(" ")) if text else text


def css_string(text) -> str:
    """`text` for the inside of a CSS string in the page's <style> (the page header): HTML entities are not
    read there, so an apostrophe ("O'Brien", "A network's") is a CSS escape, as are quotes, backslashes and
    anything that could close the style element."""
    from markupsafe import Markup
    return Markup("".join(c if c.isalnum() or c in " -_.,:;()[]/+=#" or ord(c) > 127 else f"\\{ord(c):x} "
                          for c in str(text)))


def render_html(variant, lang: str, key: bool = False, learner: str | None = None, url: str | None = None) -> str:
    """The sheet (or its key) as HTML; `url`, the checking page's address, is printed with its QR code."""
    import jinja2
    from markupsafe import Markup

    from ..grading.numbers import show
    from .qr import qr_svg
    ws = variant.worksheet
    values = ws.answer_key()

    def fill(role: str, name: str) -> dict:
        # answers and earlier answers shown again are filled in the key only (a faint box otherwise)
        shown = role == "given" or key
        return {"kind": role, "text": show(values[name], ws.quantities[name].precision) if shown else ""}
    tables = table_model(ws, lang, fill)
    for t in tables:  # boxes the learner copies from earlier answers: the sheet says so under the table
        t["copied"] = any(c["kind"] == "ref" for row in t["rows"] for c in row)
        t["formulas"] = [unbroken(f) for f in t["formulas"]]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["css"] = css_string
    return marked(env.get_template("sheet.html.j2").render(
        lang=lang, words=WORDS[lang], title=tr(ws.title, lang), variant=variant.id, learner=learner or "",
        key=key, title_parts=title_parts(tr(ws.title, lang)),
        landscape=landscape(tables), instructions=tr(ws.instructions, lang),
        calculator=needs_calculator(ws), answers=len(ws.answers),
        precision=tr(ws.precision_note, lang), tables=tables,
        figures=figures.of(variant, lang, key), url=url, qr=Markup(qr_svg(url)) if url else None))


# a letter with combining marks (x̂, m̂, v̂, x̄): the Japanese fonts set the mark beside the letter ("x^")
MARKED = re.compile(r"[A-Za-zα-ω][\u0300-\u036f]+")


def marked(page: str) -> str:
    """The page with each letter that carries a combining mark set in a Latin font that places the mark over
    it (in the body's HTML text only: the head's title and page-header strings stay plain, and an SVG figure's
    text takes no HTML span)."""
    head, sep, body = page.partition("<body")
    parts = re.split(r"(<svg\b.*?</svg>)", body, flags=re.S)
    return head + sep + "".join(part if part.startswith("<svg") else
                                MARKED.sub(lambda m: f'<span class="mark">{m.group(0)}</span>', part)
                                for part in parts)


def write_html(variant, lang: str, path: Path, key: bool = False, learner: str | None = None,
               url: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(variant, lang, key, learner, url), encoding="utf-8")
    return path


def weasyprint_module():
    """WeasyPrint, or the one-line reason PDFs cannot be drawn here."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise MatchboxError(f"PDF output needs WeasyPrint and Pango ({e}); use --format html and print "
                            "from a browser") from None
    return weasyprint


def pdf_from_html(html: str, path: Path, font_config=None) -> Path:
    """`font_config`: one WeasyPrint FontConfiguration kept for many sheets (Pango's fonts stay loaded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    weasyprint_module().HTML(string=html, base_url=str(templates_dir())).write_pdf(path, font_config=font_config)
    return path


def write_pdf(variant, lang: str, path: Path, key: bool = False, learner: str | None = None,
              url: str | None = None) -> Path:
    weasyprint_module()
    return pdf_from_html(render_html(variant, lang, key, learner, url), path)
