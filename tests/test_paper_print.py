"""Answer pages for scanning after a real print path: every kind's pages (one variant each, English and
Japanese in turn) imported by LibreOffice Draw and exported to PDF again (a re-rendering of every path and
glyph, as printing from LibreOffice does), rasterised by poppler at 150 dpi, then found by locate.py: the four
corner markers and the QR code on every page, naming the right variant, page and language, and the page's
millimetres where layout.py put them.

One kind's file is the whole PDF `generate --for-scanning` writes (the learner's sheet, then the answer pages);
the others are the answer pages alone (the same pages, drawn by the same code, less to convert)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")  # matchbox[paper]

from matchbox.kinds import KINDS, sampled  # noqa: E402
from matchbox.paper import layout as L  # noqa: E402

DPI = 150
WHOLE = "matchbox"  # the kind printed as the whole scanning PDF
DRAW = "LibreOffice Draw's PDF import (apt-get install libreoffice-draw-nogui)"


def missing(what: str):
    """A laptop without the program skips; CI, which installs it, fails (a test skipped in CI does not exist)."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not installed")


def draw_installed(soffice: str) -> bool:
    """Is Draw there? Its registry part sits beside the other modules' (Calc alone cannot open a PDF)."""
    program = Path(os.path.realpath(soffice)).parent
    return (program.parent / "share" / ".registry" / "draw.xcd").exists()


def sheets(folder: Path) -> dict[str, tuple]:
    """Each kind's PDF in `folder`: kind -> (variant, lang, path)."""
    import weasyprint

    from matchbox.paper.sheet import answer_pages_html, write_scanning_pdf
    from matchbox.printable.pool import fonts
    out = {}
    for i, kind in enumerate(KINDS):
        variant, lang = sampled(kind, 1), ("en", "ja")[i % 2]
        path = folder / f"{kind}.pdf"
        if kind == WHOLE:
            write_scanning_pdf(variant, lang, path)
        else:
            path.write_bytes(weasyprint.HTML(string=answer_pages_html(variant, lang)).write_pdf(font_config=fonts()))
        out[kind] = (variant, lang, path)
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """kind -> (variant, lang, the answer pages as LibreOffice printed them, rasterised: grayscale arrays)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        missing("LibreOffice (soffice)")
    if not draw_installed(soffice):
        missing(DRAW)
    if shutil.which("pdftoppm") is None:
        missing("poppler's pdftoppm (apt-get install poppler-utils)")
    folder = tmp_path_factory.mktemp("print")
    made = sheets(folder)
    out = folder / "printed"
    # one LibreOffice for every file: it starts once (the slow part), then converts each in turn
    subprocess.run([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                    "--infilter=draw_pdf_import", "--convert-to", "pdf:draw_pdf_Export", "--outdir", str(out),
                    *(str(path) for _, _, path in made.values())], check=True, capture_output=True, timeout=600)
    from pypdf import PdfReader
    pages = {}
    for kind, (variant, lang, path) in made.items():
        again = out / path.name
        assert again.exists(), f"LibreOffice did not print {path.name}: is {DRAW} there?"
        assert "LibreOffice" in (PdfReader(again).metadata.producer or "")  # printed anew, not copied
        count = len(L.answer_pages(variant, lang))
        prefix = folder / "raster" / kind
        prefix.parent.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(again), str(prefix)], check=True, timeout=300)
        images = sorted(prefix.parent.glob(f"{kind}-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        assert len(images) >= count
        pages[kind] = (variant, lang, [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in images[-count:]])
    return pages


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_printed_page_is_found_and_named(printed, kind):
    from matchbox.paper.locate import find_pages
    variant, lang, images = printed[kind]
    px_per_mm = DPI / 25.4
    for number, image in enumerate(images, 1):
        height, width = image.shape  # A4 portrait (pdftoppm rounds a size up)
        assert abs(height - L.PAGE_H * px_per_mm) <= 1 and abs(width - L.PAGE_W * px_per_mm) <= 1
        [found] = find_pages(image)
        assert sorted(found.markers) == [0, 1, 2, 3]
        assert (found.variant.id, found.page, found.lang) == (variant.id, number, lang)
        # the page was neither moved nor scaled on its way through LibreOffice: every box's corner where
        # layout.py puts it, to a third of a millimetre
        corners = np.array([(b.x + dx, b.y + dy) for f in found.layout().fields for b in f.boxes
                            for dx, dy in ((0, 0), (b.w, b.h))])
        seen = np.array([found.to_image(x, y) for x, y in corners])
        assert np.abs(seen - corners * px_per_mm).max() < px_per_mm / 3
