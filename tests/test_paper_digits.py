"""The paper reader reads one box: MNIST test digits (never trained on) drawn as scanned comb boxes by
tests/paper_handwriting.py, read by the CNN shipped in matchbox/paper/reader.npz. The big measurement is
benchmarks/paper_digits.py; these check a smaller seeded sample with a margin, in seconds."""
from __future__ import annotations

import json

import numpy as np
import pytest
from paper_handwriting import (
    mnist_test_digits,
    page_look,
    random_number,
    render_box,
    render_field,
)

from matchbox.paper import digits
from matchbox.paper.digits import Reader, ink, is_empty, is_minus, normalise, sign_mark


@pytest.fixture(scope="module")
def reader():
    return Reader()


def boxes(seed, count, content=None):
    rng = np.random.default_rng(seed)
    return [render_box(rng, int(rng.integers(28, 80)), content, look=page_look(rng)) for _ in range(count)]


def test_the_shipped_reader_is_the_engines_two_convolution_cnn():
    assert sum(path.stat().st_size for path in digits.READERS) <= 2_000_000  # it ships in the package
    nets = Reader().nets
    assert len(nets) == len(digits.READERS) >= 1
    for path, net in zip(digits.READERS, nets):
        with np.load(path, allow_pickle=False) as saved:
            recipe = json.loads(str(saved["recipe"]))
            assert all(saved[name].dtype == np.float32 for name in saved.files if name != "recipe")
        assert recipe["model"] == "reader-cnn" and recipe["input_shape"] == [1, 28, 28] and recipe["classes"] == 10
        assert net.describe() == ("Convolution – Relu – Pooling – " * 2) + "Affine – Relu – Affine"
        assert net.params["Convolution1.W"].shape == (recipe["filters"][0], 1, recipe["kernels"][0],
                                                      recipe["kernels"][0])
        assert net.params["Convolution2.W"].shape[:2] == tuple(reversed(recipe["filters"]))  # out × in


def by_hand(net, image: np.ndarray) -> np.ndarray:
    """One network's P(digit) for a normalised 28×28 image, written out: the softmax of its scores for the
    image and its shifts by one pixel (right, left, down, up), averaged."""
    views = [image, np.roll(image, 1, 0), np.roll(image, -1, 0), np.roll(image, 1, 1), np.roll(image, -1, 1)]
    scores = net.predict(np.stack(views)[:, None].astype(np.float32)).astype(np.float64)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).mean(axis=0)


def test_the_reader_reads_with_the_mean_of_its_networks_probabilities(tmp_path):
    """A reader of several networks (`--model a.npz,b.npz` in the benchmarks): a written box read with two
    small networks' probabilities averaged, each worked out by hand; the confidence of the read is the mean's
    largest, its digit the mean's likeliest. The shipped reader's probabilities are worked out the same way."""
    paths = [digits.reader_cnn(filters=(3, 4), kernels=(5, 3), hidden=6, rng=np.random.default_rng(seed))
             .save(tmp_path / f"net{seed}.npz") for seed in (0, 1)]
    crop = boxes(21, 1, "4")[0]
    image = normalise(crop)
    pair = Reader(paths)
    alone = [by_hand(digits.load_reader(path), image) for path in paths]
    mean = (alone[0] + alone[1]) / 2
    assert np.allclose(pair.probabilities(image[None])[0], mean, atol=1e-6)
    assert not np.allclose(alone[0], alone[1], atol=1e-3)  # the mean is not one of them
    read = pair.read([crop])[0]
    assert read.digit == int(np.argmax(mean)) and read.confidence == pytest.approx(mean.max(), abs=1e-6)
    shipped = Reader()
    assert np.allclose(shipped.probabilities(image[None])[0],
                       np.mean([by_hand(net, image) for net in shipped.nets], axis=0), atol=1e-6)


def test_a_network_of_the_reader_missing_is_said_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from matchbox.cli import main
    from matchbox.errors import MatchboxError
    here = digits.READERS[0]
    gone = tmp_path / "reader2.npz"
    with pytest.raises(MatchboxError, match="reader2.npz: no such file, and the reader needs all 2 of its networks"):
        Reader([here, gone])
    monkeypatch.setattr(digits, "READERS", (here, gone))  # a reader of two networks, one of them lost
    from PIL import Image
    Image.fromarray(np.full((50, 40), 200, np.uint8)).save(tmp_path / "photo.jpg")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "photo.jpg")])
    assert result.exit_code == 2 and result.output.strip().count("\n") == 0 and "reader2.npz" in result.output


def test_a_saved_reader_network_loads_back_the_same(tmp_path):
    net = digits.reader_cnn(filters=(3, 4), kernels=(5, 3), hidden=6, rng=np.random.default_rng(0))
    images = np.random.default_rng(1).random((5, 1, 28, 28)).astype(np.float32)
    again = digits.load_reader(net.save(tmp_path / "small.npz"))
    assert again.recipe == net.recipe and np.array_equal(again.predict(images), net.predict(images))
    assert net.predict(images).shape == (5, 10)
    np.savez(tmp_path / "bad.npz", recipe=np.array(json.dumps(net.recipe)), **{"Affine1.W": np.zeros(2)})
    from matchbox.errors import MatchboxError
    with pytest.raises(MatchboxError):
        Reader(tmp_path / "bad.npz")


def test_the_threshold_is_chosen_on_digits_the_reader_was_not_trained_on():
    from paper_handwriting import DIGITS, mnist_validation_digits, source, use_digits
    images, labels = mnist_validation_digits()
    test_images, _ = mnist_test_digits()
    assert len(images) == digits.HELD_OUT and set(labels) == set(range(10))
    assert not np.array_equal(images[:100], test_images[:100])
    assert source["digits"] == "test" and set(DIGITS) == {"test", "validation"}
    with pytest.raises(ValueError, match="not 'train'"):
        use_digits("train")


def test_normalise_makes_an_mnist_like_image():
    rng = np.random.default_rng(1)
    for label in range(10):
        image = normalise(render_box(rng, 60, str(label)))
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert image.min() >= 0 and image.max() == pytest.approx(1)
        rows, cols = np.nonzero(image > 0)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)  # the longer side scaled to 20 px
        mass = image.sum()
        centre = (image.sum(axis=1) @ np.arange(28) / mass, image.sum(axis=0) @ np.arange(28) / mass)
        assert np.allclose(centre, 13.5, atol=1.0)  # centred by its mass, as MNIST's digits are


def test_uneven_light_and_darker_paper_change_little(reader):
    rng = np.random.default_rng(2)
    rows, cols = np.mgrid[0:56, 0:56]
    for label in "0123456789":
        crop = render_box(rng, 56, label, look={**page_look(rng), "unevenness": 0})
        shaded = np.clip(crop * (0.55 + 0.4 * cols / 55) * (1 - 0.15 * rows / 55), 0, 255).astype(np.uint8)
        a, b = normalise(crop), normalise(shaded)
        assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.9
        assert abs(ink(crop) - ink(shaded)) < 0.3 * ink(crop)  # a third of the paper light is gone at one side
        same, shade = reader.read([crop, shaded])
        assert shade.digit == same.digit


def test_empty_boxes_read_empty_and_written_ones_do_not(reader):
    empty = boxes(3, 150)
    assert all(is_empty(crop) for crop in empty)
    assert all(read.empty and read.confidence == 1 for read in reader.read(empty))
    written = boxes(4, 150, "8") + boxes(5, 150, "1")
    assert not any(is_empty(crop) for crop in written)
    assert min(ink(crop) for crop in written) > 2 * digits.EMPTY_INK  # a wide margin, not a near miss


def test_a_minus_is_told_from_nothing_and_from_a_plus():
    minus = [sign_mark(crop) for crop in boxes(6, 200, "-")]
    assert minus.count("-") >= 196, {m: minus.count(m) for m in set(minus)}
    assert not any(is_minus(crop) for crop in boxes(7, 100))
    plus = [sign_mark(crop) for crop in boxes(8, 100, "+")]
    assert "-" not in plus and plus.count("+") >= 90, {m: plus.count(m) for m in set(plus)}
    assert sign_mark(render_box(np.random.default_rng(9), 50, "1")) == "?"  # something, but not a sign


def test_digits_read_confidently_are_right(reader):
    images, labels = mnist_test_digits()
    rng = np.random.default_rng(10)
    picks = rng.choice(len(labels), 400, replace=False)
    crops = [render_box(rng, int(rng.integers(28, 80)), str(labels[i]), images[i]) for i in picks]
    reads = reader.read(crops)
    truth = labels[picks]
    confident = np.array([r.confidence >= reader.threshold for r in reads])
    read = np.array([-1 if r.empty else r.digit for r in reads])
    assert confident.mean() >= 0.85  # benchmarks/paper_digits.py: 92.9 % of 10,000 boxes
    assert np.mean(read[confident] == truth[confident]) >= 0.99
    assert np.count_nonzero(read[confident] != truth[confident]) <= 2  # the benchmark: under 1 in 1000
    assert np.mean(read == truth) >= 0.97  # even the unconfident reads are mostly right
    for r in reads:
        (first, p1), (second, p2) = r.top2
        assert first == r.digit and p1 == r.confidence >= p2 and first != second


def test_whole_numbers_read_confidently_are_right(reader):
    rng = np.random.default_rng(11)
    right = confident = 0
    for _ in range(120):
        text = random_number(rng, 2, 4)
        field = reader.read_field(*render_field(text, 2, 4, rng), decimals=4)
        if field.confident:
            confident += 1
            right += field.number == pytest.approx(float(text), abs=1e-9)
        else:
            assert field.problems  # an unconfident field says why
    assert confident >= 0.6 * 120  # the benchmark: 72.7 % of 2,000 numbers (every box must be sure)
    assert right / confident >= 0.97


def test_a_field_says_what_stands_on_the_paper(reader):
    rng = np.random.default_rng(12)
    look = page_look(rng)
    sign, crops = render_field("-0.45", 2, 4, rng, size=56, look=look)
    field = reader.read_field(sign, crops, decimals=4)
    assert field.sign == "-" and [r.empty for r in field.reads] == [True, False, False, False, True, True]
    read = [str(r.digit) for r in field.reads[1:4]]
    assert field.text == f"-{read[0]}.{read[1]}{read[2]}" and field.number == float(field.text)
    assert field.confidence == min(r.confidence for r in field.reads)
    if field.confident:
        assert field.text == "-0.45"


def test_badly_formed_fields_are_never_confident(reader):
    rng = np.random.default_rng(13)
    look = page_look(rng)
    empty = render_box(rng, 50, None, look=look)
    three, five = render_box(rng, 50, "3", look=look), render_box(rng, 50, "5", look=look)
    gap = reader.read_field(None, [three, empty, five], decimals=0)
    assert not gap.confident and "an empty box between digits" in gap.problems and "_" in gap.text
    gap_after_point = reader.read_field(None, [three, empty, five], decimals=2)
    assert not gap_after_point.confident
    nothing = reader.read_field(empty, [empty, empty], decimals=1)
    assert nothing.number is None and nothing.text == "" and nothing.confident
    lone_minus = reader.read_field(render_box(rng, 50, "-", look=look), [empty, empty], decimals=1)
    assert lone_minus.number is None and not lone_minus.confident
    plus = reader.read_field(render_box(rng, 50, "+", look=look), [three], decimals=0)
    assert not plus.confident and plus.number is not None and plus.number > 0
    trailing = reader.read_field(None, [three, five, empty], decimals=2)
    assert trailing.text.count(".") == 1 and "_" not in trailing.text
    with pytest.raises(ValueError, match="3 decimals in a field of 2"):
        reader.read_field(None, [three, five], decimals=3)


def test_every_read_below_the_threshold_is_flagged():
    strict = Reader(threshold=1.01)  # no softmax reaches it: every written box is unconfident
    rng = np.random.default_rng(14)
    field = strict.read_field(*render_field("7.1", 1, 2, rng), decimals=2)
    assert not field.confident and any("confidence below" in p for p in field.problems)
    assert strict.read_field(None, boxes(15, 3), decimals=1).confident  # empty boxes need no network


def test_a_model_that_reads_no_digits_is_refused(tmp_path):
    from matchbox.engine.network import cnn, mlp
    from matchbox.errors import MatchboxError
    for name, net in (("mlp", mlp([784, 10, 10])), ("three", cnn((1, 28, 28), filters=2, hidden=4, classes=3))):
        path = net.save(tmp_path / f"{name}.npz")
        with pytest.raises(MatchboxError, match="not a reader of digits"):
            Reader(path)


def test_the_fields_of_a_page_not_found_are_flagged(tmp_path):
    """A page missing from the scan (not photographed, or its QR code unreadable): its answers are graded
    blank, and every one is flagged, as no one has read it."""
    pytest.importorskip("cv2")
    pytest.importorskip("pypdfium2")
    from paper_scans import (
        answer_images,
        jpeg_file,
        learner_numbers,
        photographed,
        write_numbers,
    )

    from matchbox.kinds import sampled
    from matchbox.paper import layout as L
    from matchbox.paper.read import read_file
    variant = sampled("matchbox", 4)
    pages = L.answer_pages(variant, "en")
    image = answer_images(variant, "en", tmp_path, whole=False)[0]
    photo = photographed(write_numbers(image, pages[0], learner_numbers(variant), np.random.default_rng(3)), seed=5)
    [sheet] = read_file(jpeg_file(photo, tmp_path / "page-1.jpg"))
    later = [f for f in sheet.fields.values() if f.page > 1]
    assert len(pages) >= 2 and sheet.missing == [p.number for p in pages[1:]] and later
    assert all(f.value is None and not f.confident and f.problems == ["its page was not found"] for f in later)
    assert any(f.confident and f.value is not None for f in sheet.fields.values() if f.page == 1)


def test_a_qr_code_the_first_detector_misses_is_read_by_the_other(tmp_path, monkeypatch):
    """OpenCV's QRCodeDetector misses some blurred codes that its ArUco-based detector reads: a page is then
    still found (here the first detector is made to miss every code)."""
    cv2 = pytest.importorskip("cv2")
    pytest.importorskip("pypdfium2")
    if not hasattr(cv2, "QRCodeDetectorAruco"):
        pytest.skip("this OpenCV has no QRCodeDetectorAruco")
    from paper_scans import answer_images

    from matchbox.kinds import sampled
    from matchbox.paper import locate
    variant = sampled("neuron", 2)
    image = answer_images(variant, "en", tmp_path, whole=False)[0]
    [page] = locate.find_pages(image)
    assert page.variant.id == variant.id and page.page == 1

    class Blind:
        def detectAndDecode(self, image):
            return "", None, None
    monkeypatch.setattr(cv2, "QRCodeDetector", Blind)
    assert locate.read_qr(page.image, page.homography) == page.code
