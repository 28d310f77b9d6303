"""Finding a printed answer page in a scan or a photo: its four ArUco corner markers give the homography from
the page's millimetres to the image's pixels (whatever the rotation, an upside-down page, skew or
perspective: each marker's id says which corner it is), and its QR code says which variant and page it is.

One page per image (a PDF: one page per PDF page, in any order, of any learners). OpenCV and pdfium are
optional: `pip install matchbox[paper]`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MatchboxError, Said
from . import layout as L
from .markers import page_code_lang, parse_page_code

INSTALL = "pip install matchbox[paper]"
MAX_FILE_BYTES = 200 * 2 ** 20
MAX_PIXELS = 80_000_000  # a photo of 50 megapixels is fine; a decompression bomb is not
MAX_PDF_PAGES = 500
PDF_DPI = 200


def cv2_module():
    try:
        import cv2
    except ImportError:
        raise MatchboxError(f"reading photos and scans of sheets needs OpenCV: {INSTALL}",
                            ja=f"写真やスキャンの読み取りには OpenCV が必要です: {INSTALL}") from None
    return cv2


@dataclass
class FoundPage:
    """An answer page found in an image."""
    variant: object  # the kinds.Variant its QR code names
    page: int  # its page number (1-based), as layout.answer_pages numbers them
    lang: str | None  # the language it was printed in, when its code says
    code: str  # the QR code's text
    homography: object  # 3 × 3 numpy array: page millimetres (x, y, 1) -> image pixels
    image: object = field(repr=False, default=None)  # the grayscale image it was found in
    markers: dict = field(default_factory=dict)  # marker id -> its 4 corners in the image (numpy 4 × 2)
    source: int = 1  # which image of a file (a PDF's page number), 1-based

    def warp(self, px_per_mm: float = 8.0):
        """The page straightened: a grayscale image of round(210 · k) × round(297 · k) pixels (k =
        px_per_mm), a millimetre of layout.py being k pixels from the page's top-left corner."""
        return warped(self.image, self.homography, (0.0, 0.0, L.PAGE_W, L.PAGE_H), px_per_mm)

    def to_image(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Where a point of the page (mm) is in the image (px)."""
        import numpy as np
        p = self.homography @ np.array([x_mm, y_mm, 1.0])
        return float(p[0] / p[2]), float(p[1] / p[2])

    def layout(self) -> L.Page:
        """This page's geometry (the same in every language; labels in the page's language)."""
        return L.answer_pages(self.variant, self.lang or "en")[self.page - 1]


def grayscale(image):
    """A 2-D uint8 image from a grayscale, BGR or BGRA one."""
    import numpy as np
    cv2 = cv2_module()
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if image.ndim != 2 or image.size == 0:
        raise MatchboxError("not an image: expected a grayscale or colour picture",
                            ja="画像ではありません。白黒またはカラーの画像を渡してください")
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    return image


def warped(image, homography, rect: tuple[float, float, float, float], px_per_mm: float):
    """The part `rect` (x, y, w, h in mm) of the page, straightened at `px_per_mm`."""
    import numpy as np
    cv2 = cv2_module()
    x, y, w, h = rect
    to_mm = np.array([[1 / px_per_mm, 0, x], [0, 1 / px_per_mm, y], [0, 0, 1]])
    size = (int(round(w * px_per_mm)), int(round(h * px_per_mm)))
    return cv2.warpPerspective(image, homography @ to_mm, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


def detect_markers(gray) -> dict:
    """The corner markers (ids 0-3) in the image: id -> their 4 corners (px), ArUco's order."""
    import numpy as np
    cv2 = cv2_module()
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), params)
    corners, ids, _ = detector.detectMarkers(gray)
    found: dict[int, np.ndarray] = {}
    for quad, marker_id in zip(corners, [] if ids is None else ids.ravel()):
        quad = quad.reshape(4, 2)
        if marker_id in range(4) and (marker_id not in found or area(quad) > area(found[marker_id])):
            found[int(marker_id)] = quad  # the largest, should a stray one be seen too
    return found


def area(quad) -> float:
    cv2 = cv2_module()
    return float(abs(cv2.contourArea(quad.astype("float32"))))


def page_homography(markers: dict):
    """Page mm -> image px, from every corner of the markers found (three are enough)."""
    import numpy as np
    cv2 = cv2_module()
    spots = {m.id: m for m in L.corner_markers()}
    page = np.array([c for i in sorted(markers) for c in spots[i].corners], dtype=np.float64)
    image = np.concatenate([markers[i] for i in sorted(markers)]).astype(np.float64)
    homography, _ = cv2.findHomography(page, image, 0)
    if homography is None:
        raise MatchboxError("the corner markers do not make a page (are they on one sheet?)",
                            ja="四隅のマーカーが1枚の用紙の形になりません (同じ用紙のマーカーですか?)")
    return homography


def read_qr(gray, homography) -> str | None:
    """The page's QR code: cut from where the layout puts it, straightened and enlarged (a scan at 150 dpi
    gives about 3 pixels a module, too few for OpenCV's reader as it is), read plain, binarised, sharpened,
    then with OpenCV's other detector; the whole image as a last resort."""
    import numpy as np
    cv2 = cv2_module()
    detector = cv2.QRCodeDetector()
    x, y, size = L.QR_X, L.QR_Y, L.QR_SIZE
    pad = 2.5  # less than the 3 mm to the top-right marker: a crop catching its edge often fails OpenCV
    for k in (10.0, 14.0, 7.0):
        crop = warped(gray, homography, (x - pad, y - pad, size + 2 * pad, size + 2 * pad), k)
        _, otsu = cv2.threshold(cv2.GaussianBlur(crop, (0, 0), k / 12), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        # a blurred photo's modules run into each other: an unsharp mask draws their edges back
        sharp = cv2.addWeighted(crop, 2.0, cv2.GaussianBlur(crop, (0, 0), k / 5), -1.0, 0)
        for candidate in (crop, otsu, sharp):
            text = decode(detector, candidate)
            if text:
                return text
    # OpenCV's other QR detector finds the code's corner squares as it finds ArUco markers: it reads some
    # sharp codes the first misses; a quiet zone of paper round the crop helps both
    other = cv2.QRCodeDetectorAruco() if hasattr(cv2, "QRCodeDetectorAruco") else detector
    for k in (10.0, 7.0, 12.0, 14.0, 18.0):
        crop = warped(gray, homography, (x - pad, y - pad, size + 2 * pad, size + 2 * pad), k)
        quiet = cv2.copyMakeBorder(crop, *[round(3 * k)] * 4, cv2.BORDER_CONSTANT,
                                   value=int(np.percentile(crop, 95)))
        text = decode(other, quiet) or decode(detector, quiet)
        if text:
            return text
    return decode(detector, gray)


def decode(detector, image) -> str | None:
    try:
        text, _, _ = detector.detectAndDecode(image)
    except Exception:  # OpenCV raises on some degenerate candidates; that image simply gives no code
        return None
    return text or None


def find_pages(image, source: int = 1) -> list[FoundPage]:
    """The answer page in `image` (a numpy grayscale, BGR or BGRA image: a scan or a photo): a list of one
    FoundPage, or empty when no corner marker is in it at all. A page whose markers are found but which
    cannot be read (too few markers, no readable QR code) raises a one-line MatchboxError saying why."""
    gray = grayscale(image)
    markers = detect_markers(gray)
    if not markers:
        return []
    if len(markers) < 3:
        raise MatchboxError(f"only {len(markers)} of the 4 corner markers are visible: photograph the whole page",
                            ja=f"四隅のマーカーが4つのうち{len(markers)}つしか写っていません。用紙全体を撮影してください")
    homography = page_homography(markers)
    code = read_qr(gray, homography)
    if code is None:
        raise MatchboxError("the page's QR code could not be read (keep it uncovered, sharp and well lit)",
                            ja="ページの QR コードを読み取れませんでした。隠さず、ピントを合わせ、明るい場所で撮影してください")
    variant, number = parse_page_code(code)
    pages = L.answer_pages(variant, "en")
    if not 1 <= number <= len(pages):
        raise MatchboxError(f"the QR code names page {number}, but {variant.id} has {len(pages)} answer pages",
                            ja=f"QR コードは{number}ページ目を示していますが、{variant.id} の解答用紙は{len(pages)}ページです")
    return [FoundPage(variant, number, page_code_lang(code), code, homography, gray, markers, source)]


def images_of_file(path: Path):
    """The images of a file, one by one: a PDF's pages rasterised at 200 dpi, or the one picture of a
    JPEG or PNG file. A one-line MatchboxError for what is neither, or too big."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise MatchboxError(f"{path.name}: too big to be a scan ({size >> 20} MB)",
                                ja=f"{path.name}: スキャンとしては大きすぎます ({size >> 20} MB)")
        data = path.read_bytes()
    except OSError as e:
        raise MatchboxError(f"{path.name}: cannot be read ({e.strerror or e})",
                            ja=f"{path.name}: 読み込めません ({e.strerror or e})") from None
    if data.startswith(b"%PDF-"):
        yield from pdf_images(data, path.name)
    elif data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        yield picture(data, path.name)
    else:
        raise MatchboxError(f"{path.name}: not a PDF, JPEG or PNG file",
                            ja=f"{path.name}: PDF・JPEG・PNG のいずれのファイルでもありません")


def picture(data: bytes, name: str):
    """A JPEG or PNG decoded to grayscale, its size checked from its header before any pixel is decoded."""
    import io

    import numpy as np
    from PIL import Image
    cv2 = cv2_module()
    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
    except Image.DecompressionBombError:
        raise MatchboxError(f"{name}: too large a picture", ja=f"{name}: 画像が大きすぎます") from None
    except Exception:
        raise MatchboxError(f"{name}: a damaged picture (it cannot be decoded)",
                            ja=f"{name}: 壊れた画像です (読み込めません)") from None
    if width * height > MAX_PIXELS:
        raise MatchboxError(f"{name}: too large a picture ({width} × {height} pixels)",
                            ja=f"{name}: 画像が大きすぎます ({width} × {height} ピクセル)")
    quiet = getattr(getattr(cv2, "utils", None), "logging", None)  # a damaged file is said once, in our words
    if quiet is not None:
        quiet.setLogLevel(quiet.LOG_LEVEL_ERROR)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise MatchboxError(f"{name}: a damaged picture (it cannot be decoded)",
                            ja=f"{name}: 壊れた画像です (読み込めません)")
    return image


def pdf_images(data: bytes, name: str):
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise MatchboxError(f"reading scanned PDFs needs pypdfium2: {INSTALL}",
                            ja=f"スキャンした PDF の読み取りには pypdfium2 が必要です: {INSTALL}") from None
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise MatchboxError(f"{name}: a damaged or encrypted PDF",
                            ja=f"{name}: 壊れているか暗号化された PDF です") from None
    try:
        if len(document) > MAX_PDF_PAGES:
            raise MatchboxError(f"{name}: {len(document)} pages, more than the {MAX_PDF_PAGES} read at once",
                                ja=f"{name}: {len(document)}ページあり、一度に読める{MAX_PDF_PAGES}ページを超えています")
        for page in document:
            width, height = page.get_size()  # points
            scale = PDF_DPI / 72
            if width * height * scale * scale > MAX_PIXELS:  # a poster, not a sheet: drawn smaller
                scale = (MAX_PIXELS / (width * height)) ** 0.5
            yield page.render(scale=scale, grayscale=True).to_numpy().copy()
    finally:
        document.close()


def pages_of_file(path: Path, problems: list | None = None) -> list[FoundPage]:
    """Every answer page in a scanned PDF, JPEG or PNG, in the file's order (FoundPage.source says which
    image each came from). An image in which no page can be read is skipped, its reason appended to
    `problems` ("page 3: ...") when a list is given; a file that is no image raises a MatchboxError."""
    found: list[FoundPage] = []
    for index, image in enumerate(images_of_file(path), 1):
        try:
            pages = find_pages(image, index)
        except MatchboxError as e:
            if problems is not None:
                problems.append(Said(f"image {index}: {e}", f"画像 {index}: {e.said('ja')}"))
            continue
        if not pages and problems is not None:
            problems.append(Said(f"image {index}: no answer page (no corner marker) found",
                                 f"画像 {index}: 解答ページが見つかりません(四隅のマーカーがありません)"))
        found.extend(pages)
    return found
