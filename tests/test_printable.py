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
    rows = list(csv.DictReader((tmp_path / "worksheets" / "class-list.csv").read_text(encoding="utf-8-sig")
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
