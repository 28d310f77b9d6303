"""`conv`: the book's worked example, the engine's Convolution and Pooling layers and PyTorch agree with the
sheet; a slip in one output cell is carried into pooling; an off-by-one window and a flipped kernel are named."""
import numpy as np
import pytest

from matchbox.engine.layers import Convolution, Pooling
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.grading.grader import grade
from matchbox.workbook.reader import read_filled

from conftest import check_end_to_end, fill, make_workbooks

BOOK_IMAGE = [[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]]
BOOK_KERNEL = [[2, 0, 1], [0, 1, 2], [1, 0, 2]]


def conv_spec(**spec):
    return from_spec({"kind": "conv", "image": BOOK_IMAGE, "kernel": BOOK_KERNEL, **spec})


def grid(key, prefix, rows, cols):
    return [[key[f"{prefix}_{i + 1}_{j + 1}"] for j in range(cols)] for i in range(rows)]


def test_book_example():
    """ゼロから作るDeep Learning §7.2.3 (figures 7-4 and 7-5): [[15, 16], [6, 15]], and with bias 3
    [[18, 19], [9, 18]]; §7.3 max pooling of [[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]]
    is [[2, 3], [4, 2]]."""
    key = conv_spec().worksheet.key()
    assert (key["OH"], key["OW"]) == (2, 2)
    assert grid(key, "c1", 2, 2) == [[15, 16], [6, 15]]
    assert grid(conv_spec(bias=3).worksheet.key(), "c1", 2, 2) == [[18, 19], [9, 18]]
    # pooling a given map: a 1×1 kernel of 1 passes the image through unchanged
    pooled = from_spec({"kind": "conv", "image": [[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]],
                        "kernel": [[1]], "pool": {"size": 2}}).worksheet.key()
    assert grid(pooled, "max1", 2, 2) == [[2, 3], [4, 2]]
    assert grid(pooled, "avg1", 2, 2) == [[1, 1.5], [2.25, 1]]


def engine(params):
    x = np.array(params["image"], float)[None]
    W = np.array(params["kernels"], float)
    conv = Convolution(W, np.array(params["biases"], float), params["stride"], params["pad"])
    return x, conv.forward(x)[0]


@pytest.mark.parametrize("spec", [
    {"pad": 1, "bias": 3},
    {"stride": 2, "pad": 1},
    {"image": [[[1, 0, 2, 1, 0], [0, 1, 1, 2, 2], [2, 2, 0, 1, 0], [1, 0, 1, 0, 2], [0, 1, 2, 2, 1]],
               [[0, 1, 0, 2, 1], [2, 1, 0, 0, 1], [1, 1, 2, 0, 0], [0, 2, 1, 1, 0], [1, 0, 0, 1, 2]],
               [[2, 0, 1, 0, 1], [1, 2, 2, 1, 0], [0, 0, 1, 2, 1], [2, 1, 0, 0, 1], [1, 1, 1, 0, 0]]],
     "kernels": [[[[1, -1, 0], [0, 1, -1], [1, 0, 0]], [[0, 1, 1], [-1, 0, 1], [0, -1, 0]],
                  [[1, 0, -1], [1, 1, 0], [0, 0, 1]]],
                 [[[0, 0, 1], [1, -1, 0], [0, 1, 1]], [[1, 1, 0], [0, 0, -1], [1, 0, 0]],
                  [[-1, 0, 0], [0, 1, 1], [1, -1, 0]]]],
     "biases": [1, 0], "stride": 2, "pad": 1},  # three channels, two filters, as in CS231n's demo
])
def test_sheet_equals_the_engines_layers(spec):
    base = {"image": BOOK_IMAGE, "kernel": BOOK_KERNEL} if "image" not in spec else {}
    v = from_spec({"kind": "conv", **base, **spec})
    key, params = v.worksheet.key(), v.params
    x, out = engine(params)
    for f in range(out.shape[0]):
        assert grid(key, f"c{f + 1}", *out.shape[1:]) == out[f].tolist()
    assert (key["OH"], key["OW"]) == out.shape[1:]
    torch = pytest.importorskip("torch")
    t = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(np.array(params["kernels"], float)),
                                   torch.tensor(np.array(params["biases"], float)), stride=params["stride"],
                                   padding=params["pad"])
    np.testing.assert_allclose(t[0].numpy(), out, atol=1e-12)


def test_pooling_equals_the_engine():
    v = conv_spec(pad=1, pool={"size": 2, "stride": 2})
    key = v.worksheet.key()
    _, out = engine(v.params)
    for mode in ("max", "avg"):
        pooled = Pooling(2, 2, 2, mode=mode).forward(out[None])[0, 0]
        np.testing.assert_allclose(grid(key, f"{mode}1", 2, 2), pooled, atol=1e-12)


@pytest.mark.parametrize("seed", range(1, 9))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("conv", seed)
    key = v.worksheet.key()
    assert 2 <= key["OH"] <= 4 and 2 <= key["OW"] <= 4
    assert all(float(x).is_integer() and 0 <= x <= 3 for row in v.params["image"][0] for x in row)
    assert from_meta(v.meta()).worksheet.key() == key


def test_variants_are_distinct():
    assert len({v.digest for v in variants("conv", 1, 5)}) == 5


@pytest.mark.parametrize("spec,message", [
    ({"image": [[1, 2], [3]], "kernel": [[1]]}, "'image'.*rectangular"),
    ({"image": BOOK_IMAGE}, "'kernel'.*required"),
    ({"image": BOOK_IMAGE, "kernel": [[1] * 5] * 5}, "larger than the padded image"),
    ({"image": BOOK_IMAGE, "kernel": [[[1]], [[1]]]}, "channel"),
    ({"image": BOOK_IMAGE, "kernel": [[1]], "pool": {"modes": ["median"]}}, "pool.modes"),
    ({"image": BOOK_IMAGE, "kernel": [[1]], "stride": 0}, "stride"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "conv", **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end_slip_carried_into_pooling(tmp_path, lang):
    v = conv_spec(pad=1, pool={"size": 2})
    report = check_end_to_end(tmp_path, v, lang, slip="c1_1_1", decimals=2)
    status = {c.quantity: c.status for c in report.cells}
    assert status["avg1_1_1"] == "carried"


@pytest.mark.parametrize("slip,cell", [("conv-off-by-one", lambda key: key["c1_1_2"]),
                                       # the window [[1, 2, 3], [0, 1, 2], [3, 0, 1]] under the kernel turned
                                       # half round, [[2, 0, 1], [2, 1, 0], [1, 0, 2]]
                                       ("kernel-flipped", lambda key: 1 * 2 + 2 * 0 + 3 * 1 + 0 * 2 + 1 * 1
                                        + 2 * 0 + 3 * 1 + 0 * 0 + 1 * 2)])
def test_classic_slips_are_named(tmp_path, slip, cell):
    v = conv_spec()
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="en")
    key = v.worksheet.key()
    values = {q.name: key[q.name] for q in v.worksheet.answers}
    values["c1_1_1"] = cell(key)
    report = grade(read_filled(fill(learner, v, "en", values, tmp_path / "slip.xlsx")))
    first = next(c for c in report.cells if c.quantity == "c1_1_1")
    assert first.status == "incorrect" and first.slip_id == slip, first
