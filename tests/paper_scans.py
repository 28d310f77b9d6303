"""A learner's printed answer pages, filled in by hand and photographed: the honest simulation of `check
scan.pdf`. The pages are the PDF `generate --format pdf --for-scanning` writes (only its answer pages
rasterised), the numbers are written into the printed boxes with MNIST TEST digits (tests/paper_handwriting.py)
and a drawn minus, in one pencil per page, then the page is photographed (tests/paper_photo.py).

The numbers a learner writes come from the package itself (the answer key, or a classic slip of the
worksheet's catalogue carried forward through the learner's own later steps): the point is reading and
grading, not the maths.
"""
from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from paper_handwriting import _digit_ink, _minus_ink, _plus_ink, digit_image
from paper_photo import photograph

from matchbox.paper import layout as L


def answer_images(variant, lang: str, folder: Path, dpi: int = 200, whole: bool = True) -> list[np.ndarray]:
    """The answer pages of `variant` as printed, rasterised at `dpi` (grayscale uint8, one per page). `whole`:
    the PDF `generate --for-scanning` writes (the learner's sheet, then the answer pages), of which only the
    answer pages are rasterised; else the answer pages alone (faster, the same pages)."""
    import pypdfium2 as pdfium
    count = len(L.answer_pages(variant, lang))
    if whole:
        from matchbox.paper.sheet import write_scanning_pdf
        data = write_scanning_pdf(variant, lang, folder / f"{variant.id}-{lang}.pdf").read_bytes()
    else:
        import weasyprint

        from matchbox.paper.sheet import answer_pages_html
        from matchbox.printable.pool import fonts
        data = weasyprint.HTML(string=answer_pages_html(variant, lang)).write_pdf(font_config=fonts())
    document = pdfium.PdfDocument(data)
    try:
        first = len(document) - count
        return [document[i].render(scale=dpi / 72, grayscale=True).to_numpy().copy()
                for i in range(first, len(document))]
    finally:
        document.close()


def written(value: float, f: L.Field, rng: np.random.Generator) -> list[str | None] | None:
    """What a learner writes into each box of `f` for `value` (None: left empty), or None when the number
    does not fit the field (too many integer digits, a minus and no sign box). Integer digits right-aligned
    before the printed point (0.25: a 0 in the units box), decimals after it; trailing zeros now and then left
    out (0.5 written as "5" in four decimal boxes)."""
    decimals = f.decimals
    ints = len(f.digits) - decimals
    text = f"{abs(value):.{decimals}f}"
    whole, _, fraction = text.partition(".")
    negative = value < 0 and float(text) != 0
    if len(whole) > ints or (negative and f.sign is None):
        return None
    if fraction and rng.random() < 0.5:
        fraction = fraction.rstrip("0")
    digits = [None] * (ints - len(whole)) + list(whole) + list(fraction) + [None] * (decimals - len(fraction))
    return ([("-" if negative else None)] if f.sign else []) + digits


def as_read(value: float, f: L.Field) -> float:
    """The number the boxes hold once `value` is written with the field's decimals."""
    return float(f"{value:.{f.decimals}f}") + 0.0


def learner_numbers(variant, slip: str | None = None, rng: np.random.Generator | None = None) -> dict | None:
    """A learner's numbers, as written into the fields: the key (`slip` None), or with the worksheet's first
    named slip of answer `slip` made there and carried forward (each later step worked from the learner's
    own numbers as written). None when a number would not fit its boxes, or the slip changes nothing."""
    from matchbox.worksheet.graph import Step
    from matchbox.worksheet.slips import Catalogue, Rounded
    ws = variant.worksheet
    fields = {f.name: f for p in L.answer_pages(variant, "en") for f in p.fields}
    key = ws.answer_key()
    values = {q.name: q.value for q in ws.givens}
    catalogue = Catalogue(ws) if slip else None
    for q in ws.answers:
        if q.name == slip:
            # a slip worked from the numbers written so far (not one that reads a later answer)
            slips = [s for s in catalogue.of(q.name) if not isinstance(s, Rounded)
                     and set(Step(s.fn or q.step.fn, q.step.args if s.args is None else s.args).deps()) <= set(values)]
            if not slips:
                return None
            value = slips[0].value(q.step, {**key, **values})
        elif slip is None:
            value = key[q.name]
        else:
            value = ws.evaluate(q.name, values)
        if not math.isfinite(value):
            return None
        values[q.name] = as_read(q.precision.rounded(value), fields[q.name])
        if q.name == slip and q.precision.agrees(values[q.name], key[q.name]):
            return None
        if written(values[q.name], fields[q.name], np.random.default_rng(0)) is None:
            return None
    return {q.name: values[q.name] for q in ws.answers}


def write_numbers(image: np.ndarray, page: L.Page, numbers: dict, rng: np.random.Generator,
                  marks: dict | None = None, record: dict | None = None) -> np.ndarray:
    """`image` (a rasterised answer page, the whole A4 page) with `numbers` (quantity -> value) written into
    their fields' boxes in pencil: MNIST test digits, a drawn minus; one pencil darkness per page, each
    character its own size, place, slant and stroke thickness. `marks` (quantity -> a character per box,
    None for nothing) writes exactly that instead of a number: a "+" in a sign box, say. `record` (a dict)
    receives what was written in each field's boxes."""
    out = image.astype(np.float64)
    k = image.shape[1] / L.PAGE_W  # pixels per millimetre
    pencil = rng.uniform(0.45, 0.9)
    marks = marks or {}
    for f in page.fields:
        if f.name in marks:
            chars = marks[f.name]
        elif f.name in numbers:
            chars = written(numbers[f.name], f, rng)
            if chars is None:
                raise ValueError(f"{numbers[f.name]} does not fit the boxes of {f.name}")
        else:
            continue
        if record is not None:
            record[f.name] = chars
        for box, char in zip(f.boxes, chars):
            if char is not None:
                write_char(out, box, char, k, pencil, rng)
    return np.clip(out, 0, 255).astype(np.uint8)


def write_char(page: np.ndarray, box: L.Box, char: str, k: float, pencil: float, rng: np.random.Generator):
    """One character in pencil in the middle of `box` (a page of float grey levels, k pixels a mm)."""
    size = int(round(min(box.w, box.h) * k))
    if char in "+-":
        ink = (_minus_ink if char == "-" else _plus_ink)(size, rng)
    else:
        ink = _digit_ink(digit_image(int(char), rng), size, rng)
    top = int(round((box.y + box.h / 2) * k - size / 2))
    left = int(round((box.x + box.w / 2) * k - size / 2))
    page[top:top + size, left:left + size] *= 1 - ink * pencil * rng.uniform(0.85, 1.0)


def photo_settings(seed: int) -> dict:
    """How `photographed` takes the picture for `seed`: up to ±5° turned, some perspective, blur, JPEG 50–90,
    uneven light, sensor noise."""
    rng = np.random.default_rng(seed)
    return {"rotate": rng.uniform(-5, 5), "perspective": rng.uniform(0.0, 0.03), "blur": rng.uniform(0.3, 1.2),
            "jpeg": int(rng.integers(50, 91)), "lighting": rng.uniform(0.1, 0.4), "noise": rng.uniform(1, 4)}


def photographed(image: np.ndarray, seed: int, upside_down: bool = False) -> np.ndarray:
    """A phone's photo of the page, taken as `photo_settings(seed)` says."""
    return photograph(image, seed=seed, upside_down=upside_down, margin=0.05, **photo_settings(seed))


def pdf_of_images(images: list[np.ndarray], path: Path, dpi: int = 200) -> Path:
    """The photos as one PDF, a page each (JPEG inside, as a phone's scanning app makes them), at `dpi` so that
    reading it back at the reader's 200 dpi gives the photos' own pixels."""
    from PIL import Image
    pages = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=92)
        pages.append(Image.open(io.BytesIO(buffer.getvalue())))
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return path


def jpeg_file(image: np.ndarray, path: Path, quality: int = 85) -> Path:
    from PIL import Image
    Image.fromarray(image).save(path, format="JPEG", quality=quality)
    return path
