"""Printable sheets and the workshop pack: real PDFs (rendered to PNG, text read back), HTML for browsers,
`--format` and `--roster`, and a committed pack that matches the generator."""
import csv
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from matchbox.cli.pack import PACK_SEED
from matchbox.kinds import KINDS, sampled
from matchbox.worksheet.graph import tr
from matchbox.printable import render_html, write_pdf

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def poppler():
    for tool in ("pdftoppm", "pdftotext"):
        assert shutil.which(tool), "poppler-utils is needed (CI installs it)"


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_pngs(pdf: Path, out: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(out / pdf.stem)], check=True)
    return sorted(out.glob(f"{pdf.stem}*.png"))


def not_blank(png: Path) -> bool:
    """Some pixels are dark: the page has print on it."""
    import numpy as np
    from PIL import Image
    pixels = np.asarray(Image.open(png).convert("L"))
    return np.count_nonzero(pixels < 128) > 0.002 * pixels.size


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_pdf_of_every_kind(tmp_path, poppler, kind, lang):
    v = sampled(kind, 2)
    ws = v.worksheet
    sheet = write_pdf(v, lang, tmp_path / "sheet.pdf", learner="山田 花子" if lang == "ja" else "Ada Lovelace")
    key = write_pdf(v, lang, tmp_path / "key.pdf", key=True)
    pages = page_pngs(sheet, tmp_path)
    assert pages and all(not_blank(p) for p in pages)
    text = pdf_text(sheet)
    assert tr(ws.title, lang) in text and v.id in text
    assert ("山田 花子" if lang == "ja" else "Ada Lovelace") in text
    for table in ws.tables:  # every table's heading, in the sheet's language (Japanese glyphs included)
        assert tr(table.title, lang).split(":")[0] in text, table.title
    key_text = pdf_text(key)
    assert ("模範解答" if lang == "ja" else "ANSWER KEY") in key_text
    assert ("模範解答" if lang == "ja" else "ANSWER KEY") not in text
    if len(pages) > 1:
        assert re.search(rf"\b1\s*/\s*{len(pages)}\b", text)  # page numbers on long sheets


def test_the_key_fills_every_box():
    v = sampled("perceptron", 3)
    sheet, key = render_html(v, "en"), render_html(v, "en", key=True)
    answers = len(v.worksheet.answers)
    assert sheet.count('<td class="answer"></td>') == answers
    assert key.count('<td class="answer"></td>') == 0 and key.count('<td class="answer">') == answers


def test_html_needs_no_install():
    """Inline CSS and SVG only: nothing to fetch, a font list that falls back to what a browser has."""
    html = render_html(sampled("backprop", 1), "ja", key=True)
    assert "<link" not in html and "src=" not in html and "<svg" in html and "sans-serif" in html


def test_generate_formats_and_roster(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("name,email\n山田 花子,a@x\n=HYPERLINK(\"x\"),b@x\nBen,c@x\n", encoding="utf-8")
    r = run_cli("generate", "matchbox", "--roster", roster, "--format", "xlsx,pdf,html", "--lang", "ja",
                "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader((tmp_path / "class-lists" / "matchbox-class-list.csv").read_text(encoding="utf-8-sig")
                               .splitlines()))
    assert [row["learner"] for row in rows] == ["山田 花子", "'=HYPERLINK(\"x\")", "Ben"]
    assert len({row["variant"] for row in rows}) == 3  # one distinct variant per learner
    for row in rows:
        for fmt in ("xlsx", "pdf", "html"):
            assert Path(row[fmt]).exists() and Path(row[f"{fmt}_key"]).exists()
    assert "山田 花子" in pdf_text(Path(rows[0]["pdf"]))
    r = run_cli("check", rows[0]["xlsx"])
    assert "山田 花子" in r.stdout  # check says whose workbook it graded
    r = run_cli("generate", "matchbox", "--format", "docx")
    assert r.returncode == 2 and "--format" in r.stderr


def test_libreoffice_prints_each_workbook_one_page_wide(tmp_path, soffice):
    """LibreOffice's PDF export of each pack workbook (ja) is A4 and one page wide: the widest table's first
    and last column headings are printed on the same page."""
    from matchbox.workbook.layout import has_answers
    variants = [sampled(k, 1) for k in KINDS]
    files = [ROOT / "worksheets" / f"{v.id}-ja.xlsx" for v in variants]
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, files)],
                   check=True, capture_output=True, timeout=600)
    for v, f in zip(variants, files):
        pdf = tmp_path / (f.stem + ".pdf")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "(A4" in info, f.name
        widest = max((t for t in v.worksheet.tables if has_answers(v.worksheet, t)), key=lambda t: len(t.columns))
        first, last = tr(widest.columns[0].header, "ja"), tr(widest.columns[-1].header, "ja")
        pages = pdf_text(pdf).split("\f")
        assert any(first in page and last in page for page in pages), (f.name, first, last)


# --- the committed pack ---------------------------------------------------------------------------------------------

def sheet_values(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {name: [[c.value for c in row] for row in wb[name].iter_rows()] for name in wb.sheetnames}


def test_the_committed_pack_matches_the_generator(tmp_path):
    """Rebuild with `matchbox pack` and compare: the HTML exactly, the workbooks cell by cell, the PDFs by
    their text. If this fails, run `matchbox pack` and commit worksheets/ and answers/."""
    r = run_cli("pack", "-o", tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr
    # the pack's variants; the folders may also hold what a user generated beside them (the README's first
    # command writes matchbox-3 there), which is not the pack's to judge
    pack = tuple(f"{sampled(kind, PACK_SEED).id}-" for kind in KINDS)
    for folder in ("worksheets", "answers"):
        fresh = sorted(p.name for p in (tmp_path / folder).iterdir())
        committed = sorted(p.name for p in (ROOT / folder).iterdir() if p.name.startswith(pack))
        assert fresh == committed, "the pack's files differ: run `matchbox pack`"
        for name in fresh:
            new, old = tmp_path / folder / name, ROOT / folder / name
            if name.endswith(".html"):
                assert new.read_text(encoding="utf-8") == old.read_text(encoding="utf-8"), name
            elif name.endswith(".xlsx"):
                assert sheet_values(new) == sheet_values(old), name
            else:
                assert pdf_text(new) == pdf_text(old), name


# --- print-ready sheets (issue 14, item 8) ---------------------------------------------------------------------------

def laid_out(html: str):
    """Every box WeasyPrint lays out for `html`, with its computed style."""
    import weasyprint
    from matchbox.views.table import templates_dir
    doc = weasyprint.HTML(string=html, base_url=str(templates_dir())).render()

    def walk(box):
        yield box
        for child in getattr(box, "children", []):
            yield from walk(child)
    return doc, [b for page in doc.pages for b in walk(page._page_box)]


def test_japanese_is_never_slanted():
    """IPAexGothic has no italic: no Japanese text box is set italic (a synthetic oblique); English keeps it."""
    from weasyprint.formatting_structure.boxes import TextBox
    _, boxes = laid_out(render_html(sampled("matchbox", 1), "ja"))
    texts = [b for b in boxes if isinstance(b, TextBox)]
    assert texts and not [b.text for b in texts if b.style["font_style"] != "normal"]
    _, boxes = laid_out(render_html(sampled("matchbox", 1), "en"))
    assert any(b.style["font_style"] == "italic" for b in boxes if isinstance(b, TextBox))


def test_titles_and_headings_break_only_between_words():
    """「…しきい/値」 never: a title's phrase and a heading's word stay on one line."""
    from weasyprint.formatting_structure.boxes import LineBox
    from matchbox.printable import title_parts
    assert title_parts("数えるニューロン: 重み1本としきい値") == ["数えるニューロン:", "重み1本としきい値"]
    html = render_html(sampled("matchbox", 1), "ja")
    assert '<span class="nb">チョコ</span>' in html
    _, boxes = laid_out(html)
    lines = ["".join(t.text for t in line.descendants() if hasattr(t, "text")) for line in boxes
             if isinstance(line, LineBox)]
    for word in ("重み1本としきい値", "試行", "エポック", "チョコ", "教師信号"):
        if word in html:
            assert not any(line.endswith(word[:k]) for line in lines for k in range(1, len(word))
                           if word[k:] and any(l2.startswith(word[k:]) for l2 in lines)), word


def test_small_tables_do_not_split_and_backprop_fits_three_pages(tmp_path, poppler):
    """counting's test table (4 rows) sits on one page; backprop's sheet is 3 pages, none nearly blank."""
    pdf = write_pdf(sampled("counting", 1), "ja", tmp_path / "c.pdf")
    pages = pdf_text(pdf).split("\f")
    test_title = "学習後の重みでテスト"
    holder = [p for p in pages if test_title in p]
    assert holder and all(f"\n{item}" in "\n" + holder[0] or item in holder[0] for item in "ABCD")
    pdf = write_pdf(sampled("backprop", 1), "ja", tmp_path / "b.pdf")
    pngs = page_pngs(pdf, tmp_path)
    assert len(pngs) <= 3 and all(not_blank(p) for p in pngs)


def test_copied_boxes_say_what_to_write():
    """The dashed boxes of earlier answers: an instruction under their table on the sheet (not in the key)."""
    from matchbox.words import word
    v = sampled("matchbox", 1)
    for lang in ("en", "ja"):
        sheet, key = render_html(v, lang), render_html(v, lang, key=True)
        assert sheet.count(word("print.ref-note", lang)) >= 1 and word("print.ref-note", lang) not in key


@pytest.mark.parametrize("kind", ["matchbox", "conv", "backprop"])
def test_figures_drawn(kind):
    html = render_html(sampled(kind, 1), "ja")
    if kind == "matchbox":  # the boxes of matchsticks: one per feature, a stick per unit of weight
        v = sampled(kind, 1)
        assert html.count('fill="#f6e7c8"') == len(v.params["features"])
        assert html.count('stroke="#d9b26f"') == sum(abs(w) for w in v.params["initial_weights"])
    if kind == "conv":  # the kernel's numbers in their own grid, never on the image's digits
        assert html.count('fill="#fdecec"') == 9 and "×" in html and "カーネル" in html
    if kind == "backprop":  # the biases are drawn, in the network's picture
        p = sampled(kind, 1).params
        svg = html[html.index("<svg"):html.index("</svg>")]
        for b in p["hidden_bias"] + p["output_bias"]:
            assert f">b={b:g}<" in svg


def test_roster_merged_pdf_and_named_files(tmp_path):
    from pypdf import PdfReader
    from matchbox.cli.sheets import file_stem
    assert file_stem("m-1", 'a/b:c*?"<>|\u3000d.', "ja") == "m-1-a_b_c_______d-ja"
    assert file_stem("m-1", "CON", "en").startswith("m-1-CON")
    roster = tmp_path / "class.csv"
    roster.write_text("name\n山田 花子\nBen\n", encoding="utf-8")
    r = run_cli("generate", "counting", "--roster", roster, "--format", "pdf", "--lang", "ja", "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "worksheets").glob("counting-*-山田_花子-ja.pdf"))) == 1
    merged = tmp_path / "worksheets" / "counting-class-ja.pdf"
    reader = PdfReader(merged)
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["Ben", "山田 花子"]  # by learner
    assert (tmp_path / "answers" / "counting-class-ja-key.pdf").exists()


def test_pdfs_drawn_in_processes_are_the_pdfs_drawn_alone(tmp_path, poppler):
    """`generate --jobs 2` (PDFs drawn in worker processes) writes what one process writes: every file, the
    PDFs page by page, the workbooks cell by cell, the merged class PDFs."""
    roster = tmp_path / "class.csv"
    roster.write_text("name\n山田 花子\nBen\n", encoding="utf-8")
    for jobs in ("1", "2"):
        r = run_cli("generate", "counting", "--roster", roster, "--format", "pdf,xlsx", "--lang", "ja",
                    "--secret", "s", "--jobs", jobs, "-o", tmp_path / jobs)
        assert r.returncode == 0, r.stderr
    for folder in ("worksheets", "answers"):
        names = sorted(p.name for p in (tmp_path / "1" / folder).iterdir())
        assert names == sorted(p.name for p in (tmp_path / "2" / folder).iterdir()) and len(names) >= 4
        for name in names:
            one, two = tmp_path / "1" / folder / name, tmp_path / "2" / folder / name
            if name.endswith(".pdf"):
                assert pdf_text(one).split("\f") == pdf_text(two).split("\f"), name
            else:
                assert sheet_values(one) == sheet_values(two), name


def svg_of(html: str) -> str:
    return html[html.index("<svg"):html.index("</svg>")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_backprop_weight_labels_sit_on_their_own_edge(seed):
    """A weight's label is on its edge and on no other: crossing edges keep their labels apart."""
    import numpy as np
    svg = svg_of(render_html(sampled("backprop", seed), "en"))
    edges = [np.array(m, float).reshape(2, 2) for m in
             re.findall(r'<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"', svg)]
    labels = re.findall(r'translate\(([-\d.]+),([-\d.]+)\).*?<text[^>]*>([^<]*)</text>', svg)
    n, h, k = sampled("backprop", seed).params["shape"]
    assert len(labels) == len(edges) == n * h + h * k

    def distance(p, edge):
        a, b = edge
        t = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0, 1)
        return np.linalg.norm(p - (a + t * (b - a)))
    for x, y, text in labels:
        near = sorted(distance(np.array([float(x), float(y)]), e) for e in edges)
        assert near[0] < 0.2 and near[1] > 6, text  # on one edge, clear of every other


def test_perceptron_grid_has_a_legend():
    """The point classes (filled, open) on the sheet; in the key also the epoch lines (thin, bold)."""
    from matchbox.kinds.perceptron import LINE_EPOCH, LINE_LAST, POINT_ONE, POINT_ZERO
    v = sampled("perceptron", 1)
    for lang in ("en", "ja"):
        sheet, key = render_html(v, lang), render_html(v, lang, key=True)
        for words in (POINT_ONE, POINT_ZERO):
            assert f">{tr(words, lang)}<" in sheet and f">{tr(words, lang)}<" in key
        for words in (LINE_EPOCH, LINE_LAST):
            assert f">{tr(words, lang)}<" in key and f">{tr(words, lang)}<" not in sheet


@pytest.mark.parametrize("kind", ["matchbox", "backprop", "perceptron", "conv"])
def test_a_caption_is_no_wider_than_its_picture(kind):
    from weasyprint.formatting_structure.boxes import BlockReplacedBox, InlineReplacedBox
    _, boxes = laid_out(render_html(sampled(kind, 1), "ja"))
    figures = [b for b in boxes if getattr(b, "element", None) is not None and b.element.get("class") == "figure"]
    assert figures
    for figure in figures:
        children = list(figure.element)
        inner = [b for b in boxes if getattr(b, "element", None) is not None and
                 any(b.element is c for c in children)]
        captions = [b for b in inner if b.element.get("class") == "caption"]
        pictures = [b for b in inner if isinstance(b, (BlockReplacedBox, InlineReplacedBox))]
        assert captions and pictures
        assert max(c.width for c in captions) <= max(p.width for p in pictures) + 0.5


def test_the_page_header_prints_apostrophes_and_quotes_as_typed(tmp_path, poppler):
    """The header is a CSS string, where HTML entities are not read: a title or a learner's name with an
    apostrophe or quotes is printed as typed, not as &#39; (and cannot close the style element)."""
    from matchbox.kinds import from_spec
    v = from_spec({"kind": "activations", "title": 'Ada\'s "first" sheet </style>'})
    text = pdf_text(write_pdf(v, "en", tmp_path / "sheet.pdf", learner="Dara O'Brien"))
    header = text.splitlines()[0]
    assert 'Ada\'s "first" sheet </style>' in header and "Dara O'Brien" in header, header
    assert "&#" not in text and "\\" not in text


def test_a_letter_with_a_hat_is_set_in_a_font_that_puts_the_hat_over_it():
    """x̂ (x and a combining circumflex): the Japanese fonts print "x^" beside each other, so the body sets such
    letters in a Latin font (the head's title and page header stay plain text)."""
    page = render_html(sampled("batchnorm", 1), "ja", key=True)
    head, body = page.split("<body", 1)
    assert '<span class="mark">x\u0302</span>' in body and ".mark {" in head
    assert '<span class="mark">' not in head
    assert "x\u0302" not in re.sub(r'<span class="mark">x\u0302</span>', "", body)  # every one of them


def test_a_figures_text_takes_no_html_span():
    """Inside an inline SVG a <span> is not text (WeasyPrint drops or misplaces it): marked letters there are
    left as they are."""
    from matchbox.printable import marked
    page = marked('<html><head></head><body><p>x\u0303</p><svg><text>x\u0303</text></svg></body></html>')
    assert '<p><span class="mark">x\u0303</span></p>' in page and "<svg><text>x\u0303</text></svg>" in page
