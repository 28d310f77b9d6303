"""Answer pages printed to be read back (matchbox/paper): their layout, their QR codes, and finding them again
in scans and photos of the printed PDF."""
from __future__ import annotations

import io
import random

import numpy as np
import pytest

from matchbox.errors import MatchboxError
from matchbox.kinds import KINDS, drawn, sampled
from matchbox.paper import layout as L
from matchbox.paper.markers import (
    MARKER_BITS,
    page_code,
    parse_page_code,
    read_page_code,
)

cv2 = pytest.importorskip("cv2")
pdfium = pytest.importorskip("pypdfium2")

SCANNED = ["matchbox", "neuron", "backprop", "softmax", "lstm"]


def pdf_of(variant, lang: str, key: bool = False) -> bytes:
    """The answer pages alone, drawn by WeasyPrint as `generate --for-scanning` draws them."""
    import weasyprint

    from matchbox.paper.sheet import answer_pages_html
    from matchbox.printable.pool import fonts
    return weasyprint.HTML(string=answer_pages_html(variant, lang, key=key)).write_pdf(font_config=fonts())


def raster(pdf: bytes, dpi: int) -> list[np.ndarray]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=dpi / 72, grayscale=True).to_numpy().copy() for page in document]


@pytest.fixture(scope="module")
def pdfs():
    cache = {}

    def get(kind, lang, seed=1):
        if (kind, lang, seed) not in cache:
            cache[kind, lang, seed] = pdf_of(sampled(kind, seed), lang)
        return cache[kind, lang, seed]
    return get


def edge_offsets(warp: np.ndarray, page: L.Page, k: float) -> list[float]:
    """For every box edge of the page, how far (mm) the darkest line near it is from where layout.py puts
    it: looked for across the edge, ±0.7 mm (the next box is 1 mm away), at the edge's middle."""
    offsets = []
    reach = int(round(0.7 * k))
    for f in page.fields:
        for b in f.boxes:
            for (x, y, across) in ((b.x + b.w / 2, b.y, "y"), (b.x + b.w / 2, b.y + b.h, "y"),
                                   (b.x, b.y + b.h / 2, "x"), (b.x + b.w, b.y + b.h / 2, "x")):
                px, py = int(round(x * k)), int(round(y * k))
                if across == "y":
                    profile = warp[py - reach:py + reach + 1, px - 2:px + 3].mean(axis=1)
                else:
                    profile = warp[py - 2:py + 3, px - reach:px + reach + 1].mean(axis=0)
                assert profile.min() < 140, f"no box edge near {f.name} box {b.index} ({x:.1f}, {y:.1f}) mm"
                offsets.append(abs(int(np.argmin(profile)) - reach) / k)
    return offsets


def assert_boxes_in_place(found, tolerance_mm: float, k: float = 8.0):
    warp = found.warp(px_per_mm=k)
    assert warp.shape == (round(297 * k), round(210 * k))
    page = found.layout()
    offsets = edge_offsets(warp, page, k)
    assert max(offsets) <= tolerance_mm, f"a box edge {max(offsets):.2f} mm from where the layout puts it"
    for f in page.fields:  # the blank boxes are blank inside
        for b in f.boxes:
            inside = warp[int((b.y + 2) * k):int((b.y + b.h - 2) * k), int((b.x + 1.5) * k):int((b.x + b.w - 1.5) * k)]
            assert inside.mean() > 150, f"{f.name}: box {b.index} is not empty inside"


def test_the_printed_markers_are_opencvs_dictionary():
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for marker_id, rows in MARKER_BITS.items():
        drawn_marker = cv2.aruco.generateImageMarker(dictionary, marker_id, 6)  # one pixel a cell
        inner = drawn_marker[1:5, 1:5] > 127
        assert ["".join("1" if v else "0" for v in row) for row in inner] == list(rows)
        assert not drawn_marker[0].any() and not drawn_marker[:, 0].any()  # the black border the SVG draws


def overlaps(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_one_field_per_answer_inside_the_page(kind):
    v = sampled(kind, 1)
    ws = v.worksheet
    pages = {lang: L.answer_pages(v, lang) for lang in ("en", "ja")}
    fields = [f for p in pages["en"] for f in p.fields]
    assert sorted(f.name for f in fields) == sorted(q.name for q in ws.answers)
    assert [p.number for p in pages["en"]] == list(range(1, len(pages["en"]) + 1))
    # the geometry is the language's no more than the paper's: a photo is read without knowing the language
    assert [[(f.name, f.boxes, f.point) for f in p.fields] for p in pages["en"]] == \
           [[(f.name, f.boxes, f.point) for f in p.fields] for p in pages["ja"]]
    key = ws.answer_key()
    printed = [(m.x, m.y, m.size, m.size) for m in L.corner_markers()] + [(L.QR_X, L.QR_Y, L.QR_SIZE, L.QR_SIZE)]
    for page in pages["en"]:
        rects = [f.rect for f in page.fields]
        for i, r in enumerate(rects):
            x, y, w, h = r
            assert L.AREA_X0 <= x and x + w <= L.AREA_X1 and L.AREA_Y0 <= y and y + h <= L.AREA_Y1
            assert not any(overlaps(r, other) for other in rects[i + 1:] + printed)
    for f in fields:
        q = ws.quantities[f.name]
        value = key[f.name]
        assert (f.sign is not None) >= (value < 0)  # a negative key always has its sign box
        assert len(f.digits) - f.decimals >= len(str(int(abs(value)))) + 1  # one spare integer box
        if not q.precision.exact:
            assert f.decimals == q.precision.decimals
        assert [b.index for b in f.boxes] == list(range(len(f.boxes)))
        assert all(abs(b.w - 7) < 1e-9 and abs(b.h - 9) < 1e-9 for b in f.boxes)
        assert (f.point is not None) == (f.decimals > 0)


@pytest.mark.parametrize("kind", list(KINDS))
def test_page_codes_round_trip_and_fit_a_small_qr(kind):
    import segno
    for seed in (1, 2, 3):
        v = sampled(kind, seed)
        code = page_code(v, 2, "ja")
        again, number = parse_page_code(code)
        assert number == 2 and again.id == v.id and again.params == v.params
        assert again.worksheet.answer_key() == v.worksheet.answer_key()
        assert read_page_code(code)[0]["lang"] == "ja"
        assert "answer" not in code.lower() and len(code) < 600
        qr = segno.make(code, error="m", boost_error=False)
        assert qr.error == "M" and qr.mode == "alphanumeric" and qr.version <= 12


def test_a_sealed_variant_keeps_its_seal_and_bad_codes_are_refused():
    v = drawn("matchbox", 2, secret="our class")
    again, number = parse_page_code(page_code(v, 1))
    assert again.id == v.id and again.sealed_by("our class") and not again.sealed_by("another")
    good = page_code(sampled("softmax", 1), 1)
    for bad in ("https://example.org", "MBX1:1:", good[:-6], good.replace("MBX1:1:", "MBX1:x:"), "MBX1:1:A"):
        with pytest.raises(MatchboxError):
            parse_page_code(bad)


@pytest.mark.parametrize("kind", SCANNED)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_scans_at_150_and_300_dpi_are_found_with_their_boxes_in_place(pdfs, kind, lang):
    from matchbox.paper.locate import find_pages
    pdf = pdfs(kind, lang)
    for dpi in (150, 300):
        images = raster(pdf, dpi)
        assert len(images) == len(L.answer_pages(sampled(kind, 1), lang))
        for number, image in enumerate(images, 1):
            [found] = find_pages(image)
            assert (found.variant.id, found.page, found.lang) == (f"{kind}-1", number, lang)
            assert sorted(found.markers) == [0, 1, 2, 3]
            if dpi == 150 or number == 1:  # each check a few seconds at most
                assert_boxes_in_place(found, tolerance_mm=0.3)


PHOTOS = {
    "turned left": dict(rotate=-5, perspective=0.02, blur=1.0, jpeg=60, lighting=0.4),
    "turned right": dict(rotate=5, perspective=0.03, blur=0.8, jpeg=60, lighting=0.3, noise=4),
    "upside down": dict(rotate=2, upside_down=True, perspective=0.02, blur=1.2, jpeg=60, lighting=0.5),
    "quarter turn": dict(rotate=90, perspective=0.01, jpeg=70),
}


@pytest.mark.parametrize("name", list(PHOTOS))
def test_photos_are_found_straightened(pdfs, name):
    from paper_photo import photograph

    from matchbox.paper.locate import find_pages
    kind, lang = ("backprop", "ja") if name == "upside down" else ("neuron", "en")
    image = raster(pdfs(kind, lang), 200)[0]
    photo = photograph(image, seed=len(name), **PHOTOS[name])
    [found] = find_pages(photo)
    assert (found.variant.id, found.page, found.lang) == (f"{kind}-1", 1, lang)
    assert_boxes_in_place(found, tolerance_mm=0.6)


def test_a_colour_photo_is_found_and_a_page_without_markers_is_not(pdfs):
    from paper_photo import photograph

    from matchbox.paper.locate import find_pages
    gray = raster(pdfs("softmax", "en"), 150)[0]
    colour = photograph(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), seed=3, rotate=3, jpeg=80)
    assert [f.page for f in find_pages(colour)] == [1]
    assert find_pages(np.full((800, 600), 255, np.uint8)) == []
    covered = gray.copy()
    h, w = covered.shape
    covered[: h // 2, w // 2:] = 255  # the QR code and a marker hidden: said, not guessed
    covered[h // 2:, : w // 2] = 255
    with pytest.raises(MatchboxError, match="corner markers"):
        find_pages(covered)


def test_a_shuffled_pdf_of_two_learners_is_found_page_by_page(pdfs, tmp_path):
    from pypdf import PdfReader, PdfWriter

    from matchbox.paper.locate import pages_of_file
    sources = [("neuron", 1, p) for p in (1, 2)] + [("neuron", 2, 1)]
    random.Random(4).shuffle(sources)
    writer = PdfWriter()
    for kind, seed, number in sources:
        writer.add_page(PdfReader(io.BytesIO(pdfs(kind, "en", seed))).pages[number - 1])
    path = tmp_path / "class-scan.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    problems = []
    found = pages_of_file(path, problems)
    assert problems == []
    assert [(f.variant.id, f.page) for f in found] == [(f"{k}-{s}", n) for k, s, n in sources]
    assert [f.source for f in found] == [1, 2, 3]


def test_pictures_and_bad_files(pdfs, tmp_path):
    from matchbox.paper.locate import pages_of_file
    image = raster(pdfs("softmax", "ja"), 150)[0]
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    (tmp_path / "photo.jpg").write_bytes(jpeg.tobytes())
    assert [(f.variant.id, f.page) for f in pages_of_file(tmp_path / "photo.jpg")] == [("softmax-1", 1)]
    ok, png = cv2.imencode(".png", image)
    (tmp_path / "cut.png").write_bytes(png.tobytes()[:200])
    (tmp_path / "notes.txt").write_text("not a scan")
    (tmp_path / "fake.pdf").write_bytes(b"%PDF-1.7\n garbage")
    # PNGs claiming 100 000² and 9 000² pixels: refused before a pixel is decoded
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    for side, name in ((100_000, "bomb.png"), (9_000, "big.png")):
        header = chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
        (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(100)))
                                      + chunk(b"IEND", b""))
    for name, message in (("cut.png", "damaged"), ("notes.txt", "not a PDF"), ("fake.pdf", "damaged"),
                          ("bomb.png", "too large"), ("big.png", "too large"),
                          ("missing.png", "cannot be read")):
        with pytest.raises(MatchboxError, match=message) as e:
            pages_of_file(tmp_path / name)
        assert "\n" not in str(e.value)


def test_the_key_pages_show_the_key_in_the_boxes():
    from matchbox.grading.numbers import show
    from matchbox.paper.sheet import boxed
    v = sampled("lstm", 1)
    key = v.worksheet.answer_key()
    for f in [f for p in L.answer_pages(v, "en") for f in p.fields]:
        chars = boxed(key[f.name], f)
        assert len(chars) == len(f.boxes)
        digits = chars[1:] if f.sign else chars
        written = (chars[0].replace("−", "-").strip() if f.sign else "") + \
            digits[:len(digits) - f.decimals].strip() + ("." + digits[len(digits) - f.decimals:] if f.decimals else "")
        assert float(written) == pytest.approx(float(show(key[f.name], v.worksheet.quantities[f.name].precision)))


def test_generate_for_scanning_puts_the_answer_pages_after_the_sheet(tmp_path):
    from click.testing import CliRunner
    from pypdf import PdfReader

    from matchbox.cli import main as cli
    from matchbox.paper.locate import pages_of_file
    run = CliRunner().invoke(cli, ["generate", "softmax", "--seed", "2", "--format", "pdf", "--for-scanning",
                                   "--lang", "ja", "-o", str(tmp_path)])
    assert run.exit_code == 0, run.output
    sheet = tmp_path / "worksheets" / "softmax-2-ja.pdf"
    answer_pages = len(L.answer_pages(sampled("softmax", 2), "ja"))
    plain = CliRunner().invoke(cli, ["generate", "softmax", "--seed", "2", "--format", "pdf", "--lang", "ja",
                                     "-o", str(tmp_path / "plain")])
    assert plain.exit_code == 0, plain.output
    sheet_pages = len(PdfReader(tmp_path / "plain" / "worksheets" / "softmax-2-ja.pdf").pages)
    assert len(PdfReader(sheet).pages) == sheet_pages + answer_pages
    problems = []
    found = pages_of_file(sheet, problems)
    assert [(f.variant.id, f.page, f.lang) for f in found] == [("softmax-2", 1, "ja")]
    assert len(problems) == sheet_pages  # the question pages have no markers
    refused = CliRunner().invoke(cli, ["generate", "softmax", "--format", "xlsx", "--for-scanning",
                                       "-o", str(tmp_path)])
    assert refused.exit_code == 2 and "--format pdf" in refused.output
