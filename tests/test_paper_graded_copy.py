"""`check scan.pdf --annotate`: the graded copy of a learner's scanned pages, each answer outlined in its
status's colour at the boxes layout.py puts it in, its note beside the page in the sheet's language; the scan
itself never touched. The scans are MNIST digits written into the printed boxes and photographed
(tests/paper_scans.py)."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")  # matchbox[paper]; before paper_scans, which draws photos with OpenCV
pdfium = pytest.importorskip("pypdfium2")

from conftest import run_cli  # noqa: E402
from paper_scans import answer_images, learner_numbers, pdf_of_images, photographed, write_numbers  # noqa: E402

from matchbox.kinds import sampled  # noqa: E402
from matchbox.paper import layout as L  # noqa: E402

DPI = 150


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def photos(variant, lang, numbers, folder, seed):
    rng = np.random.default_rng(seed)
    pages = L.answer_pages(variant, lang)
    images = answer_images(variant, lang, folder, whole=False)
    return [photographed(write_numbers(image, page, numbers, rng), seed=seed * 10 + i)
            for i, (image, page) in enumerate(zip(images, pages))]


def with_mistakes(variant, names: list[str]) -> dict:
    """The key, with 1 added to the answers `names` (each then wrong, and the next steps carried or wrong)."""
    numbers = learner_numbers(variant)
    return {n: v + 1 if n in names else v for n, v in numbers.items()}


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    """An English perceptron sheet with three answers wrong, a Japanese sigmoid-neuron sheet with one, each
    photographed into a PDF of its own; and both in one PDF."""
    folder = tmp_path_factory.mktemp("scans")
    en = sampled("matchbox", 3)
    en_pages = photos(en, "en", with_mistakes(en, [q.name for q in en.worksheet.answers[2:5]]), folder, 1)
    ja = sampled("neuron", 2)
    ja_pages = photos(ja, "ja", with_mistakes(ja, [ja.worksheet.answers[0].name]), folder, 2)
    return {"en": pdf_of_images(en_pages, folder / "en.pdf"), "ja": pdf_of_images(ja_pages, folder / "ja.pdf"),
            "both": pdf_of_images(en_pages + ja_pages, folder / "both.pdf")}


def rasterised(pdf) -> list[np.ndarray]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [page.render(scale=DPI / 72, rev_byteorder=True).to_numpy()[..., :3].copy() for page in document]
    finally:
        document.close()


def text_of(pdf) -> str:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def outline_colour(image: np.ndarray, field: L.Field) -> np.ndarray:
    """The median colour along the middle half of the line drawn under `field`'s boxes (its outline's bottom
    edge), where graded_copy.py draws it: the scanned page at SCALE, the outline PAD mm round the boxes."""
    from matchbox.paper.graded_copy import PAD, SCALE
    x, y, w, h = field.rect
    px = DPI / 25.4 * SCALE
    row = int(round((y + h + PAD) * px))
    cols = np.arange(int((x + w / 4) * px), int((x + 3 * w / 4) * px))
    return np.median(image[row, cols].astype(int), axis=0)


def hue(rgb: np.ndarray) -> str:
    r, g, b = rgb
    if g > r + 60 and g > b + 40:
        return "green"
    if r > g + 80 and r > b + 80:
        return "red"
    return "other"


def graded_of(pdf):
    from matchbox.paper.grade import grade_file
    [result] = grade_file(pdf)
    return result


@pytest.fixture(scope="module")
def copied(scans, tmp_path_factory):
    """lang -> (the scan, its digest before, `check scan --annotate FOLDER`'s run, the copy it names)."""
    out = tmp_path_factory.mktemp("copies")
    runs = {}
    for lang in ("en", "ja"):
        before = digest(scans[lang])
        runs[lang] = (scans[lang], before, run_cli("check", scans[lang], "--annotate", out),
                      out / f"{scans[lang].stem}-graded.pdf")
    return runs


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_scan_gets_a_graded_copy_of_its_own_pages(copied, lang):
    scan, before, r, copy = copied[lang]
    assert r.returncode == 1, r.stderr  # the mistakes
    assert f"→ {copy}" in r.stdout
    assert digest(scan) == before

    result = graded_of(scan)
    pages = L.answer_pages(result.sheet.variant, lang)
    images = rasterised(copy)
    assert len(images) == len(result.sheet.pages) == len(pages)
    status = {c.quantity: c.status for c in result.report.cells}
    seen = {"correct": 0, "incorrect": 0}
    for page, image in zip(pages, images):
        assert image.shape[1] > image.shape[0]  # landscape: the page, and its notes beside it
        for f in page.fields:
            if status[f.name] in seen:
                colour = hue(outline_colour(image, f))
                assert colour == {"correct": "green", "incorrect": "red"}[status[f.name]], (f.name, colour)
                seen[status[f.name]] += 1
    assert seen["correct"] >= 3 and seen["incorrect"] >= 1, seen

    from matchbox.views.feedback import explain
    text = " ".join(text_of(copy).split())
    wrong = [c for c in explain(result.report).cells if c.status == "incorrect"]
    for c in wrong:  # the workbook copy's note, in the sheet's language, beside the page
        assert " ".join(c.feedback.split())[:12] in text, c.feedback
    assert ("正しくは" in text) == (lang == "ja") and ("expected" in text) == (lang == "en")


def test_japanese_notes_are_set_in_an_upright_japanese_font(copied):
    from pypdf import PdfReader
    fonts = set()
    for page in PdfReader(copied["ja"][3]).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("IPAexGothic" in f for f in fonts), fonts
    assert not any("Italic" in f or "Oblique" in f for f in fonts), fonts


def test_several_sheets_a_copy_each_and_nothing_overwritten(scans, tmp_path):
    both = scans["both"]
    r = run_cli("check", both, "--annotate", tmp_path / "one.pdf")
    assert r.returncode == 2 and "folder" in r.stderr and not (tmp_path / "one.pdf").exists()
    out = tmp_path / "copies"
    r = run_cli("check", both, "--annotate", out, "--json")
    data = r.stdout
    assert sorted(p.name for p in out.iterdir()) == ["both-1-graded.pdf", "both-2-graded.pdf"]
    assert str(out / "both-1-graded.pdf") in data and [len(rasterised(p)) for p in sorted(out.iterdir())] == [2, 2]
    again = run_cli("check", both, "--annotate", out)  # the copies exist: kept unless --force
    assert again.returncode == 2 and "--force" in again.stderr
    scan = scans["en"]
    before = digest(scan)
    r = run_cli("check", scan, "--annotate", scan, "--force")  # never over a scan being checked
    assert r.returncode == 2 and "scan being checked" in r.stderr and digest(scan) == before


def test_an_exam_copy_names_no_key_value(scans, tmp_path):
    out = tmp_path / "exam.pdf"
    r = run_cli("check", scans["en"], "--annotate", out, "--exam")
    assert r.returncode == 1, r.stderr
    text = text_of(out)
    assert "incorrect" in text and "expected" not in text and "key:" not in text


def test_gradescope_stays_for_workbooks(scans, tmp_path):
    r = run_cli("check", scans["en"], "--gradescope", tmp_path / "results.json")
    assert r.returncode == 2 and "--gradescope is for workbooks" in r.stderr


@pytest.mark.parametrize("count", [3, 40, 90])
def test_notes_never_overlap_and_stay_on_the_page(count):
    """Few notes stand at their fields' heights; many are set smaller, then in columns, then in short; none
    covers another."""
    from matchbox.paper.graded_copy import COLUMN_W, COLUMN_X, Note, laid_out
    notes = [Note(i + 1, "incorrect", f"trial {i}: new weight w₁' = {i}: expected 2; w₁' = w₁ + η·d·x₁",
                  "⚠ read as “8”: could not read with confidence — please check" if i % 3 == 0 else "",
                  40 + i * 150 / count) for i in range(count)]
    size, placed = laid_out(notes, 30.0, 204.0)
    line = 1.3 * size
    assert [n.number for n, *_ in placed] == list(range(1, count + 1))
    for (a, xa, ya, la), (b, xb, yb, lb) in zip(placed, placed[1:]):
        if xa == xb:
            assert ya + len(la) * line <= yb + 1e-6, (a.number, b.number)
    for n, x, y, lines in placed:
        assert COLUMN_X <= x < COLUMN_X + COLUMN_W and 30.0 <= y and y + len(lines) * line <= 204.0 + 1e-6
    if count == 3:  # room enough: each at its field's height, in the largest size
        assert len({x for _, x, _, _ in placed}) == 1 and size == 3.0
        assert all(abs(y + line / 2 - n.target) < 1e-6 for n, _, y, _ in placed)


def test_a_graded_copy_among_the_scans_is_not_read_as_one(copied):
    """The copy shows the learner's straightened pages, markers and QR code covered: fed back to `check`, no
    page of it is taken for an answer page (it would be graded a second time)."""
    from matchbox.paper.locate import pages_of_file
    scan, _, run, copy = copied["en"]
    assert len(pages_of_file(scan)) == 2  # the scan's two pages are found; the copy's are not
    problems: list[str] = []
    assert pages_of_file(copy, problems) == []
    assert problems == [f"image {i}: no answer page (no corner marker) found" for i in (1, 2)]
    r = run_cli("check", copy)
    assert r.returncode == 2 and "no corner marker" in r.stderr


def test_pages_not_read_are_said_in_the_language_of_the_sheets(copied, tmp_path):
    """`check` of a Japanese scan beside a copy (no answer page in it): the copy's lines are in Japanese."""
    _, _, _, copy = copied["ja"]
    scan = copied["ja"][0]
    r = run_cli("check", scan, copy)
    assert r.returncode == 2
    lines = [line for line in r.stderr.splitlines() if copy.name in line]
    assert lines == [f"matchbox: {copy.name}: 画像 {i}: 解答ページが見つかりません(四隅のマーカーがありません)"
                     for i in (1, 2)], r.stderr


def test_a_file_with_no_sheet_is_said_in_the_systems_language(copied):
    """No sheet read at all (a graded copy alone): the system's language says it, as `generate` chooses one."""
    import os
    import subprocess
    import sys
    _, _, _, copy = copied["en"]
    for lang, line in (("ja_JP.UTF-8", "画像 1: 解答ページが見つかりません(四隅のマーカーがありません)"),
                       ("C.UTF-8", "image 1: no answer page (no corner marker) found")):
        env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")} | {"LANG": lang}
        r = subprocess.run([sys.executable, "-m", "matchbox", "check", str(copy)], capture_output=True, text=True,
                           timeout=120, env=env)
        assert r.returncode == 2 and f"matchbox: {copy.name}: {line}" in r.stderr.splitlines(), r.stderr
