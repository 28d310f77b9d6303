"""One box read: a handwritten digit, a minus or nothing, from the crop of one comb box of a scanned sheet.

A crop is made to look like an MNIST image (LeCun et al.: the digit's bounding box scaled to 20 px, keeping its
shape, then placed in 28×28 so that its centre of mass is the centre), and a CNN of the engine's own layers
with two convolutions (`reader_cnn`), trained on MNIST's training set but its last HELD_OUT digits
(benchmarks/train_reader.py), reads it. Before that, what a photo adds is taken away:
- the paper's brightness is estimated around every pixel (a grey closing wider than any pencil stroke), so
  light falling unevenly and grey paper do not look like ink; ink is how much darker than its paper a pixel is;
- ink is what is darker than 45 % of the box's darkest writing, and at least MIN_CONTRAST darker than its paper;
- the printed box outline caught at the crop's edges is taken out first (rows or columns along an edge that
  are darker for most of its length), so dark printed lines do not set the scale for faint pencil; then pieces
  lying within the edge band, and specks of noise.
A box whose remaining ink covers less than EMPTY_INK of it is empty.

scipy (which scikit-learn, a core dependency, brings) does the image filtering; it is imported when needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MIN_CONTRAST = 0.12  # ink is at least 12 % darker than the paper around it (faint pencil is ~30 %)
EMPTY_INK = 0.006  # below this share of the box covered by ink, the box is empty
DOUBTFUL_INK = (0.003, 0.012)  # between these, empty or not is not sure: the box is flagged
EDGE_BAND = 0.12  # how far in from the crop's edge the box outline may show, as a share of the crop
MNIST_BOX, MNIST_SIZE = 20, 28


@dataclass
class Ink:
    """The ink of a crop: `darkness` (0..1, how much darker than the paper), `mask` (the pixels kept as
    writing, the outline and specks taken out), and the darkness of the writing's strokes (`level`)."""
    darkness: np.ndarray
    mask: np.ndarray
    level: float

    @property
    def share(self) -> float:
        return float(self.mask.mean()) if self.mask.size else 0.0


def find_ink(crop) -> Ink:
    """Separate the writing in a box's crop (grayscale, dark ink on light paper) from paper and outline."""
    from scipy import ndimage
    gray = np.asarray(crop, dtype=np.float32)
    if gray.ndim == 3:  # colour: the mean of the channels
        gray = gray.mean(axis=2)
    if gray.ndim != 2 or min(gray.shape) < 8:
        raise ValueError(f"a box crop is a 2-D image of at least 8×8 pixels, not {gray.shape}")
    side = min(gray.shape)
    # a light blur first: sensor noise and JPEG speckle are finer than any pencil line
    gray = ndimage.gaussian_filter(gray, max(0.7, side / 60))
    # the paper's brightness: a grey closing (the brightest pixel within a window wider than any stroke, then
    # the darkest of those) takes the writing away and keeps light that changes across the box; then smoothed
    window = max(5, round(side * 0.5)) | 1
    paper = ndimage.uniform_filter(ndimage.grey_closing(gray, size=window), size=window // 2 | 1)
    darkness = np.clip((paper - gray) / np.maximum(paper, 1.0), 0, 1)
    band = max(2, round(side * EDGE_BAND))
    # the outline first, so that dark printed lines do not set the scale for faint pencil
    outside = outline_pixels(darkness, band)
    inner = darkness[band:-band, band:-band][~outside[band:-band, band:-band]]
    level = float(np.percentile(inner, 99)) if inner.size else 0.0
    threshold = max(MIN_CONTRAST, 0.45 * level)
    if level < threshold:
        return Ink(darkness, np.zeros_like(darkness, dtype=bool), level)
    mask = (darkness > threshold) & ~outside
    mask = keep_writing(mask, band)
    if mask.any():
        level = float(np.percentile(darkness[mask], 75))
    return Ink(darkness, mask, level)


def outline_pixels(darkness: np.ndarray, band: int) -> np.ndarray:
    """The box outline: within `band` of an edge, the rows (or columns) along which the paper is darker (by
    half of MIN_CONTRAST) for most of the edge's length. Three neighbouring rows are looked at
    together, to catch a line a little askew; a digit's stroke crossing the row hardly changes it. Whatever
    lies between the edge and the line, and a blur's width inside it, is outside the box."""
    from scipy import ndimage
    lines = np.zeros(darkness.shape, dtype=bool)
    for turn in range(4):  # each edge in turn brought to the top
        turned = np.rot90(lines, turn)  # a view: writing into it marks `lines`
        near = ndimage.maximum_filter1d(np.rot90(darkness, turn)[:band + 1], size=3, axis=0)
        line_rows = np.flatnonzero((near > 0.5 * MIN_CONTRAST).mean(axis=1) > 0.6)
        if line_rows.size:
            turned[:line_rows.max() + 3] = True
    return lines


def keep_writing(mask: np.ndarray, band: int) -> np.ndarray:
    """Drop what is not writing: pieces lying within the edge band (outline remnants, a neighbour's stroke),
    specks of noise (less than 15 % of the box long) and pieces much smaller than the largest."""
    from scipy import ndimage
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        return mask
    index = np.arange(1, count + 1)
    areas = ndimage.sum_labels(mask, labels, index)
    boxes = ndimage.find_objects(labels)
    height, width = mask.shape
    keep = np.zeros(count + 1, dtype=bool)
    for i, (rows, cols) in enumerate(boxes):
        inside = rows.start < height - band and rows.stop > band and cols.start < width - band and cols.stop > band
        long = max(rows.stop - rows.start, cols.stop - cols.start) >= 0.15 * min(height, width)
        keep[i + 1] = inside and long and areas[i] >= max(3, 0.08 * areas.max())
    return keep[labels]


def ink(crop) -> float:
    """The share of the box covered by writing (0 for an empty box: paper, noise and outline only)."""
    return find_ink(crop).share


def is_empty(crop) -> bool:
    return ink(crop) < EMPTY_INK


def sign_mark(crop) -> str:
    """What a sign box holds: "" (nothing), "-" (a roughly horizontal stroke), "+" or "?" (something else)."""
    return mark_of(find_ink(crop))


def mark_of(found: Ink) -> str:
    if found.share < EMPTY_INK:
        return ""
    rows, cols = np.nonzero(found.mask)
    spread = np.cov(np.stack([rows, cols]).astype(np.float64)) + np.eye(2) / 12  # a pixel's own extent
    values, vectors = np.linalg.eigh(spread)
    elongation = np.sqrt(values[1] / values[0])
    slant = np.degrees(np.arctan2(abs(vectors[0, 1]), abs(vectors[1, 1])))  # 0° along the rows
    wide = (cols.max() - cols.min() + 1) >= 0.2 * found.mask.shape[1]
    if elongation >= 3 and slant <= 25 and wide:
        return "-"
    box = found.mask[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    # a cross: about as tall as wide, one row and one column of its bounding box mostly inked, the rest paper
    cross = box.mean(axis=1).max() >= 0.7 and box.mean(axis=0).max() >= 0.7 and box.mean() < 0.5
    if cross and 0.5 <= box.shape[0] / box.shape[1] <= 2:
        return "+"
    return "?"


def is_minus(crop) -> bool:
    return sign_mark(crop) == "-"


def area_resize(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out × n_in) matrix that resamples a row of n_in pixels to n_out by area: each output pixel is the
    mean of the input it covers (anti-aliased shrinking, as MNIST's digits were)."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    pixel = np.arange(n_in)
    overlap = np.clip(np.minimum(edges[1:, None], pixel + 1) - np.maximum(edges[:-1, None], pixel), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def to_mnist(strokes: np.ndarray) -> np.ndarray:
    """Writing (0..1, 0 = paper) cropped to its ink, scaled so its longer side is 20 px keeping its shape, and
    placed in 28×28 with its centre of mass at the centre."""
    out = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    rows, cols = np.nonzero(strokes > 0)
    if rows.size == 0:
        return out
    patch = strokes[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    height, width = patch.shape
    scale = MNIST_BOX / max(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    small = area_resize(height, new_h) @ patch @ area_resize(width, new_w).T
    small = np.clip(small / max(float(small.max()), 1e-6), 0, 1)  # the strongest stroke is full ink, as in MNIST
    total = small.sum()
    centre_r = (small.sum(axis=1) @ np.arange(new_h)) / total
    centre_c = (small.sum(axis=0) @ np.arange(new_w)) / total
    top = int(np.clip(round(MNIST_SIZE / 2 - 0.5 - centre_r), 0, MNIST_SIZE - new_h))
    left = int(np.clip(round(MNIST_SIZE / 2 - 0.5 - centre_c), 0, MNIST_SIZE - new_w))
    out[top:top + new_h, left:left + new_w] = small
    return out


def normalise(crop) -> np.ndarray:
    """A box's crop as an MNIST-like image: 28×28 float32 in [0, 1], ink 1 on paper 0 (all 0 if empty)."""
    return normalise_found(find_ink(crop))


def normalise_found(found: Ink) -> np.ndarray:
    if not found.mask.any():
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    from scipy import ndimage
    # the strokes with their soft edges: darkness relative to the writing's own, around the kept pixels only
    around = ndimage.binary_dilation(found.mask, structure=np.ones((3, 3)))
    strokes = np.clip(found.darkness / max(found.level, MIN_CONTRAST), 0, 1) * around
    strokes[strokes < 0.15] = 0
    return to_mnist(strokes.astype(np.float64))


# --- the reader --------------------------------------------------------------------------------------------

# The networks whose probabilities the reader averages: one. A second one trained alike from another seed
# (train_reader.py --seed 2) read the validation scans no better, with it or alone (train_reader.py says how).
READERS = (Path(__file__).with_name("reader.npz"),)
HELD_OUT = 5000  # the last MNIST training digits: kept out of the reader's training, its threshold is chosen on them
# Each image is read as it is and shifted by one pixel each way. Nine shifts (the diagonals too), ±10 % zooms or
# ±8° turns besides read within two of the 4,361 validation numbers of these (seed 1): not worth their time.
SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
# A digit is taken only when its probability is at least CONFIDENT. Chosen on scans written with the held-out
# MNIST TRAINING digits (benchmarks/paper_scans.py --digits validation --seed 1, 4,361 numbers, read again by
# benchmarks/paper_digits.py --crops), never on the test digits: the lowest threshold of the sweep leaving fewer
# than 1 in 1,000 confident numbers wrong (0.98: 1.25 ‰, 8.2 % of numbers flagged; 0.99: 0.78 ‰, 11.3 %).
# A second validation run (--seed 2 --sheets 150, 6,724 numbers): 0.33 ‰ wrong at 0.99, 10.5 % flagged.
CONFIDENT = 0.99


@dataclass
class Read:
    """One box as read: `digit` (None: the box is empty), the network's `confidence` in it (the largest of
    its probabilities, see `Reader.probabilities`; for an empty box 1, or 0.5 when its ink is near the empty
    threshold), the two likeliest digits
    with their probabilities, the normalised 28×28 image the network saw, and the share of the box inked."""
    digit: int | None
    confidence: float
    top2: tuple[tuple[int, float], tuple[int, float]] | None
    image: np.ndarray
    ink: float

    @property
    def empty(self) -> bool:
        return self.digit is None


@dataclass
class FieldRead:
    """A comb field as read. `text` is what stands on the paper ("-0.4593", ".5" when the integer boxes are
    left empty, an empty box between digits as "_"); `number` is its value (None when the field is empty;
    read past a "_" when there is one); `confidence` is the least of its boxes'; `confident` is False whenever
    a box was read below the reader's threshold or the field is not a well-formed number, and `problems` says
    why. Only a confident field's number should be graded without a person looking at it."""
    number: float | None
    text: str
    confidence: float
    confident: bool
    problems: list[str] = field(default_factory=list)
    sign: str = ""
    reads: list[Read] = field(default_factory=list)


def softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reader_cnn(input_shape=(1, MNIST_SIZE, MNIST_SIZE), filters=(16, 32), kernels=(5, 3), hidden: int = 128,
               classes: int = 10, dtype="float32", rng=None, **_):
    """The reader's network, of the engine's own layers: two rounds of Convolution (padded to keep the size)
    – ReLU – max Pooling 2×2, then Affine – ReLU – Affine. The second convolution sees strokes' pieces the
    first one found (ends, corners, crossings) side by side: what tells a 4 from a 9 or a 7 from a 1."""
    from ..engine.layers import Affine, Convolution, Pooling, Relu
    from ..engine.network import Network, weights
    rng = np.random.default_rng() if rng is None else rng
    dtype = np.dtype(dtype)
    channels, height, width = (int(n) for n in input_shape)
    layers = []
    for count, kernel in zip(filters, kernels):
        fan_in = channels * kernel * kernel
        layers += [Convolution(weights("he", (count, channels, kernel, kernel), fan_in, count, rng, dtype),
                               np.zeros(count, dtype), pad=kernel // 2), Relu(), Pooling(2, 2, stride=2)]
        channels, height, width = count, height // 2, width // 2
    flat = channels * height * width
    layers += [Affine(weights("he", (flat, hidden), flat, hidden, rng, dtype), np.zeros(hidden, dtype)), Relu(),
               Affine(weights("he", (hidden, classes), hidden, classes, rng, dtype), np.zeros(classes, dtype))]
    recipe = {"model": "reader-cnn", "input_shape": [int(n) for n in input_shape], "filters": list(filters),
              "kernels": list(kernels), "hidden": hidden, "classes": classes, "dtype": dtype.name}
    return Network(layers, tuple(recipe["input_shape"]), recipe)


def load_readers(paths) -> list:
    """The networks of a reader, all of them: one missing is said in one line (a mean of fewer networks
    would be another reader, its threshold chosen for none)."""
    from ..errors import MatchboxError
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise MatchboxError(f"{path}: no such file, and the reader needs all {len(paths)} of its networks",
                                ja=f"{path}: ファイルがありません。読み取りには {len(paths)} 個のネットワークがすべて必要です")
    return [load_reader(path) for path in paths]


def load_reader(path: Path):
    """A saved reader: the two-convolution reader_cnn, or any network `matchbox train` saves."""
    import json

    from ..errors import MatchboxError
    from ..training.models import load
    try:
        with np.load(path, allow_pickle=False) as saved:
            recipe = json.loads(str(saved["recipe"]))
            if recipe.get("model") != "reader-cnn":
                return load(path)  # the engine's own models
            net = reader_cnn(**recipe)
            stored = {name: saved[name] for name in saved.files if name != "recipe"}
    except (OSError, ValueError, KeyError, TypeError):
        return load(path)  # says in one line what is wrong with the file
    if set(stored) != set(net.params) or any(stored[n].shape != v.shape for n, v in net.params.items()):
        raise MatchboxError(f"{path}: its parameters do not fit its recipe")
    for name, value in net.params.items():
        value[...] = stored[name]
    return net


class Reader:
    """The digit CNN saved by the engine (READERS: matchbox/paper/reader.npz, unless `model` names another
    .npz, or a list of them whose probabilities are averaged) and the confidence below which a read is
    flagged for a person to look at."""

    def __init__(self, model: str | Path | list | tuple | None = None, threshold: float = CONFIDENT):
        from ..errors import MatchboxError
        paths = READERS if model is None else [model] if isinstance(model, (str, Path)) else list(model)
        self.nets = load_readers(paths)
        for path, net in zip(paths, self.nets):
            if getattr(net, "input_shape", None) != (1, MNIST_SIZE, MNIST_SIZE) or net.recipe.get("classes") != 10:
                raise MatchboxError(f"{path}: not a reader of digits (a network for 28×28 images, 10 classes)")
        self.threshold = threshold
        self.shifts = SHIFTS

    def read(self, crops) -> list[Read]:
        """Each box's crop read: empty, or a digit with the network's confidence in it."""
        found = [find_ink(crop) for crop in crops]
        images = [normalise_found(f) for f in found]
        inked = [i for i, f in enumerate(found) if f.share >= EMPTY_INK]
        probabilities = {}
        if inked:
            probabilities = dict(zip(inked, self.probabilities(np.stack([images[i] for i in inked]))))
        reads = []
        for i, (f, image) in enumerate(zip(found, images)):
            doubtful = DOUBTFUL_INK[0] <= f.share < DOUBTFUL_INK[1]
            if i not in probabilities:
                reads.append(Read(None, 0.5 if doubtful else 1.0, None, image, f.share))
                continue
            p = probabilities[i]
            first, second = np.argsort(p)[::-1][:2]
            confidence = min(float(p[first]), 0.5) if doubtful else float(p[first])
            top2 = ((int(first), float(p[first])), (int(second), float(p[second])))
            reads.append(Read(int(first), confidence, top2, image, f.share))
        return reads

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """P(digit) for normalised images (N×28×28): each network's softmax averaged over each image and its
        four shifts by one pixel (so that no answer hangs on exactly where the centre of mass fell), then
        the networks' averaged."""
        views = np.concatenate([np.roll(images, shift, axis=(1, 2)) for shift in self.shifts])[:, None]
        each = [softmax(np.concatenate([net.predict(views[i:i + 500].astype(net.dtype))
                                        for i in range(0, len(views), 500)]).astype(np.float64))
                for net in self.nets]
        return np.mean(each, axis=0).reshape(len(self.shifts), len(images), -1).mean(axis=0)

    def read_field(self, sign_crop, digit_crops, decimals: int) -> FieldRead:
        """A comb field: the sign box (None if the field has none), its digit boxes left to right, the last
        `decimals` of them after the printed decimal point."""
        if not 0 <= decimals <= len(digit_crops):
            raise ValueError(f"{decimals} decimals in a field of {len(digit_crops)} digit boxes")
        reads = self.read(digit_crops)
        sign_ink = None if sign_crop is None else find_ink(sign_crop)
        sign = "" if sign_ink is None else mark_of(sign_ink)
        problems = []
        if sign == "+":
            problems.append("a plus in the sign box")
        elif sign == "?":
            problems.append("the sign box holds something other than a minus")
        cut = len(reads) - decimals
        whole, whole_gap = digits_of(reads[:cut], empty_side="left")
        fraction, fraction_gap = digits_of(reads[cut:], empty_side="right")
        if whole_gap or fraction_gap:
            problems.append("an empty box between digits")
        # an empty box is sure unless its ink was near the threshold (then its confidence is 0.5)
        doubtful = [i for i, r in enumerate(reads) if r.confidence < (1.0 if r.empty else self.threshold)]
        if doubtful:
            problems.append(f"box{'es' if len(doubtful) > 1 else ''} {', '.join(str(i + 1) for i in doubtful)} "
                            f"read with confidence below {self.threshold:g}")
        if sign_ink is not None and DOUBTFUL_INK[0] <= sign_ink.share < DOUBTFUL_INK[1]:
            problems.append("the sign box is faintly marked")
        confidence = min((r.confidence for r in reads), default=1.0)
        minus = "-" if sign == "-" else ""
        if not whole and not fraction:
            if minus:
                problems.append("a minus and no digits")
            return FieldRead(None, minus, confidence, not problems, problems, sign, reads)
        text = minus + whole + ("." + fraction if fraction else "")
        number = float(minus + (whole or "0").replace("_", "") + "." + (fraction.replace("_", "") or "0"))
        return FieldRead(number, text, confidence, not problems, problems, sign, reads)


def digits_of(reads: list[Read], empty_side: str) -> tuple[str, bool]:
    """The digits of one side of the point, empty boxes allowed only on its outer side (before the integer
    part, after the decimals); an empty box among digits comes out as "_" and is reported."""
    text = "".join("_" if r.empty else str(r.digit) for r in reads)
    text = text.lstrip("_") if empty_side == "left" else text.rstrip("_")
    return text, "_" in text
