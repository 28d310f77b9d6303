"""Printable sheets: the worksheet graph rendered by a jinja2 template to HTML, and HTML to PDF.

The sheet shows what the workbook shows, in the same order: the givens printed, a box for every number the
learner computes, the formula of each column under its heading. The key is the same sheet with every box
filled. HTML needs nothing but a browser (print it to A4); PDF is drawn by WeasyPrint with the fonts the system
has (Debian's fonts-ipaexfont-gothic renders Japanese).
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import MatchboxError
from ..exercises.graph import Q, Ref, tr
from . import figures

WORDS = {
    "en": {"variant": "variant", "name": "name", "key": "ANSWER KEY", "page": "page", "given": "given",
           "answer": "your answer", "figure": "Figures"},
    "ja": {"variant": "問題番号", "name": "名前", "key": "模範解答", "page": "ページ", "given": "与えられた値",
           "answer": "解答欄", "figure": "図"},
}


def templates_dir() -> Path:
    """templates/ beside the package in a checkout; installed copies under <prefix>/share/matchbox."""
    for candidate in (Path(__file__).resolve().parents[2] / "templates",
                      Path(sys.prefix) / "share" / "matchbox" / "templates"):
        if (candidate / "sheet.html.j2").is_file():
            return candidate
    raise MatchboxError("the printable templates are missing (reinstall matchbox)")


def cell_role(ws, cell, lang: str) -> tuple[str, str]:
    """What a cell of a sheet's table is: ("given" | "answer" | "ref", its quantity's name) — a ref being an
    earlier answer shown again — or ("text", what it says)."""
    from ..grading.numbers import show
    if isinstance(cell, (Q, Ref)):
        if ws.quantities[cell.name].is_given:
            return "given", cell.name
        return ("ref" if isinstance(cell, Ref) else "answer"), cell.name
    if isinstance(cell, (int, float)):
        return "text", show(cell)
    return "text", tr(cell, lang)


def _cell(ws, key, cell, show_key: bool, lang: str) -> dict:
    from ..grading.numbers import show
    role, what = cell_role(ws, cell, lang)
    if role == "text":
        return {"kind": "text", "text": what}
    value = show(key[what], ws.quantities[what].precision)
    # answers and earlier answers shown again are filled in the key only (a faint box otherwise)
    return {"kind": role, "text": value if role == "given" or show_key else ""}


def render_html(variant, lang: str, key: bool = False, learner: str | None = None) -> str:
    import jinja2
    ws = variant.worksheet
    values = ws.answer_key()
    tables = [{"title": tr(t.title, lang), "note": tr(t.note, lang),
               "headers": [tr(c.header, lang) for c in t.columns],
               "formulas": [tr(c.formula, lang) for c in t.columns],
               "widths": [c.width for c in t.columns],
               "rows": [[_cell(ws, values, c, key, lang) for c in row] for row in t.rows]}
              for t in ws.tables]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    return env.get_template("sheet.html.j2").render(
        lang=lang, words=WORDS[lang], title=tr(ws.title, lang), variant=variant.id, learner=learner or "",
        key=key, instructions=tr(ws.instructions, lang), precision=tr(ws.precision_note, lang), tables=tables,
        figures=figures.of(variant, lang, key))


def write_html(variant, lang: str, path: Path, key: bool = False, learner: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(variant, lang, key, learner), encoding="utf-8")
    return path


def write_pdf(variant, lang: str, path: Path, key: bool = False, learner: str | None = None) -> Path:
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise MatchboxError(f"PDF output needs WeasyPrint and Pango ({e}); use --format html and print "
                            "from a browser") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    html = weasyprint.HTML(string=render_html(variant, lang, key, learner), base_url=str(templates_dir()))
    html.write_pdf(path)
    return path
