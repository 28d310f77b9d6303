"""`dropout`: the sheet's inverted dropout is the engine's layers.Dropout and PyTorch's, its backward is the
derivative (central differences), and the comparison table is the expectation argument of Srivastava et al.,
"Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 15 (2014) §2 (at test time the
original form scales by the probability of keeping, 1 − p); the original row is the Dropout class of
ゼロから作るDeep Learning §6.4.3 (training x * mask, test x * (1.0 - dropout_ratio)), re-typed here.

Every slipped number is computed here by plain arithmetic, never by the slip's own code."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from matchbox.engine import regularization as R
from matchbox.engine.layers import Dropout
from matchbox.errors import SpecError
from matchbox.kinds import dropout as K
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.reader import read_filled

from conftest import answers_of, check_end_to_end, fill, make_workbooks, numerical

SPEC = {"kind": "dropout", "ratio": 0.25,
        "inputs": [1.2, 0.6, 2.0, 1.5], "mask": [1, 0, 1, 0], "upstream": [0.3, -0.6, 0.9, 0.3],
        "next_inputs": [0.8, 1.4, 0.5, 2.2], "next_mask": [0, 1, 1, 0], "next_upstream": [0.6, -0.3, 0.3, 0.9]}


class GivenMask:
    """An rng for layers.Dropout whose draw keeps exactly the neurons of `mask` (random() < 1 − p keeps)."""

    def __init__(self, mask):
        self.mask = np.asarray(mask, float)

    def random(self, shape):
        return np.where(self.mask == 1, 0.0, 1.0).reshape(shape)


def batch(params, b):
    pre = "" if b == 1 else "next_"
    return (np.array(params[pre + "inputs"], float), np.array(params[pre + "mask"], float),
            np.array(params[pre + "upstream"], float))


def column(key, name, n):
    return np.array([key[f"{name}_{i}"] for i in range(1, n + 1)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engines_dropout_layer_is_the_sheet(seed):
    v = sampled("dropout", seed)
    p, key = v.params, v.worksheet.key()
    for b in (1, 2):
        x, m, g = batch(p, b)
        layer = Dropout(p["ratio"], rng=GivenMask(m))
        y = layer.forward(x[None, :])[0]
        assert y == pytest.approx(column(key, f"y{b}", len(x)), abs=1e-12)
        assert y == pytest.approx(R.inverted_dropout(x, m, p["ratio"]), abs=1e-12)
        dx = layer.backward(g[None, :])[0]
        assert dx == pytest.approx(column(key, f"d{b}", len(x)), abs=1e-12)
        assert dx == pytest.approx(R.inverted_dropout_backward(g, m, p["ratio"]), abs=1e-12)
    x = batch(p, 1)[0]
    assert Dropout(p["ratio"]).forward(x[None, :], train=False)[0] == pytest.approx(column(key, "t", len(x)))


def test_torch_agrees():
    """The key against x·m/(1 − p) in float64 and its autograd; torch's own dropout is that formula on the mask
    it draws, and is the identity at evaluation."""
    torch = pytest.importorskip("torch")
    v = from_spec(SPEC)
    p, key = v.params, v.worksheet.key()
    for b in (1, 2):
        x, m, g = (torch.tensor(a, dtype=torch.float64) for a in batch(p, b))
        x.requires_grad_(True)
        y = x * m / (1 - p["ratio"])
        (y * g).sum().backward()
        assert y.detach().numpy() == pytest.approx(column(key, f"y{b}", 4), abs=1e-12)
        assert x.grad.numpy() == pytest.approx(column(key, f"d{b}", 4), abs=1e-12)
    x = torch.tensor(p["inputs"], dtype=torch.float64)
    assert torch.nn.functional.dropout(x, p["ratio"], training=False).numpy() == pytest.approx(column(key, "t", 4))
    torch.manual_seed(0)
    big = torch.rand(2000, dtype=torch.float64) + 0.5
    out = torch.nn.functional.dropout(big, p["ratio"], training=True)
    drawn = (out != 0).double().numpy()
    assert 0 < drawn.sum() < len(drawn)
    assert out.numpy() == pytest.approx(R.inverted_dropout(big.numpy(), drawn, p["ratio"]), abs=1e-12)


def test_backward_by_central_differences():
    v = from_spec(SPEC)
    p, key = v.params, v.worksheet.key()
    for b in (1, 2):
        x, m, g = batch(p, b)
        grad = numerical(lambda: float(np.sum(g * R.inverted_dropout(x, m, p["ratio"]))), x)
        assert grad == pytest.approx(column(key, f"d{b}", 4), abs=1e-8)


def test_the_worked_numbers_by_hand():
    """p = 0.25: a kept neuron is scaled by 1/0.75 = 4/3; 1.2 → 1.6, 2.0 → 2.6667, ∂L/∂y 0.9 → 1.2."""
    key = from_spec(SPEC).worksheet.answer_key()
    assert [key[f"y1_{i}"] for i in range(1, 5)] == [1.6, 0.0, 2.6667, 0.0]
    assert [key[f"d1_{i}"] for i in range(1, 5)] == [0.4, 0.0, 1.2, 0.0]
    assert [key[f"d2_{i}"] for i in range(1, 5)] == [0.0, -0.4, 0.4, 0.0]
    assert [key[f"t_{i}"] for i in range(1, 5)] == [1.2, 0.6, 2.0, 1.5]
    assert (key["inv_E"], key["orig_y"], key["orig_E"], key["orig_t"]) == (1.2, 1.2, 0.9, 0.9)


class ZeroKaraDropout:
    """ゼロから作るDeep Learning §6.4.3, re-typed: the original (non-inverted) form."""

    def __init__(self, dropout_ratio, mask):
        self.dropout_ratio, self.mask = dropout_ratio, np.asarray(mask, bool)

    def forward(self, x, train_flg=True):
        return x * self.mask if train_flg else x * (1.0 - self.dropout_ratio)


@pytest.mark.parametrize("spec", [SPEC, {**SPEC, "ratio": 0.5, "neuron": 3}, "seed"])
def test_both_forms_agree_in_expectation_with_their_test_output(spec):
    """Srivastava et al. 2014 §2: E over the mask (kept with probability 1 − p) of the training output is the
    test-time output, for the original form and for the inverted one."""
    v = sampled("dropout", 4) if spec == "seed" else from_spec(spec)
    p, key = v.params, v.worksheet.key()
    k, ratio = p["neuron"], p["ratio"]
    x = p["inputs"][k - 1]
    book = ZeroKaraDropout(ratio, [1])
    assert key["orig_y"] == pytest.approx(book.forward(np.array([x]))[0])
    assert key["orig_t"] == pytest.approx(book.forward(np.array([x]), train_flg=False)[0])
    for kept, expectation, test in ((key[f"y1_{k}"], key["inv_E"], key[f"t_{k}"]),
                                    (key["orig_y"], key["orig_E"], key["orig_t"])):
        by_cases = (1 - ratio) * kept + ratio * 0.0
        assert expectation == pytest.approx(by_cases) and expectation == pytest.approx(test)
    # and over every mask of the whole vector, weighted by its probability: E[y] = x, the test-time output
    xs = np.array(p["inputs"], float)
    mean = sum(np.prod([(1 - ratio) if b else ratio for b in bits]) * R.inverted_dropout(xs, bits, ratio)
               for bits in itertools.product([0, 1], repeat=len(xs)))
    assert mean == pytest.approx(column(key, "t", len(xs)))


# --- named slips, typed into real workbooks --------------------------------------------------------------

def slipped(tmp_path, variant, name, wrong, text):
    ws = variant.worksheet
    q = ws.quantities[name]
    typed = round(wrong, q.precision.decimals)
    assert not q.precision.agrees(typed, ws.key()[name]), "the slip must show on this cell"
    for lang in ("en", "ja"):
        folder = tmp_path / f"{name}-{lang}"
        folder.mkdir()
        _, learner, _ = make_workbooks(folder, variant=variant, lang=lang)
        values = {**answers_of(variant), name: typed}
        report = grade(read_filled(fill(learner, variant, lang, values, folder / "slip.xlsx")))
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect", (lang, cell.status, cell.feedback)
        assert cell.slip == text[lang] and text[lang] in cell.feedback, (lang, cell.feedback)
        assert report.score == report.max_score - 1


X, M, G = SPEC["inputs"], SPEC["mask"], SPEC["upstream"]
X2, M2, G2 = SPEC["next_inputs"], SPEC["next_mask"], SPEC["next_upstream"]
P = SPEC["ratio"]


@pytest.mark.parametrize("name, wrong, text", [
    ("y1_1", X[0] * M[0], K.SCALE_FORGOTTEN),  # 1.2 instead of 1.6
    ("y1_3", X[2] * M[2], K.SCALE_FORGOTTEN),
    ("d1_3", G[2] * M[2], K.BACK_SCALE_FORGOTTEN),  # 0.9 instead of 1.2
    ("d1_2", G[1] * M2[1] / (1 - P), K.OTHER_MASK),  # m′ = 1 where m = 0: −0.8 instead of 0
    ("d2_1", G2[0] * M[0] / (1 - P), K.OTHER_MASK),  # m = 1 where m′ = 0: 0.8 instead of 0
    ("d2_2", G2[1] * M[1] / (1 - P), K.OTHER_MASK),  # m = 0 where m′ = 1: 0 instead of −0.4
    ("t_1", X[0] / (1 - P), K.TEST_SCALED),
    ("t_3", X[2] * (1 - P), K.TEST_SHRUNK),
    ("inv_E", X[0] / (1 - P), K.KEEP_FORGOTTEN),
    ("orig_y", X[0] / (1 - P), K.ORIGINAL_SCALED),
    ("orig_E", X[0], K.KEEP_FORGOTTEN),
    ("orig_t", X[0], K.ORIGINAL_NOT_SCALED),
])
def test_named_slips(tmp_path, name, wrong, text):
    slipped(tmp_path, from_spec(SPEC), name, wrong, text)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang):
    v = sampled("dropout", 1)
    report = check_end_to_end(tmp_path, v, lang, slip=f"y1_{v.params['neuron']}")
    assert {c.quantity: c.status for c in report.cells}["inv_E"] == "carried"


@pytest.mark.parametrize("seed", range(1, 21))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("dropout", seed)
    p = v.params
    assert p["ratio"] in K.RATIOS and p["second_batch"] and 4 <= len(p["inputs"]) <= 5
    for pre in ("", "next_"):
        assert all(round(a, 1) == a and a != 0 for a in p[pre + "inputs"] + p[pre + "upstream"])
        assert 0 in p[pre + "mask"] and 1 in p[pre + "mask"]
    assert p["mask"] != p["next_mask"] and p["mask"][p["neuron"] - 1] == 1
    assert len(v.worksheet.answers) <= 35
    again = from_meta(v.meta())
    assert again.params == p and again.worksheet.key() == v.worksheet.key()


def test_variants_are_distinct():
    assert len({v.digest for v in variants("dropout", 1, 6)}) == 6


def test_one_mini_batch():
    v = from_spec({**{k: x for k, x in SPEC.items() if not k.startswith("next_")}, "second_batch": False})
    assert len(v.worksheet.answers) == 4 + 4 + 4 + 4
    assert "y2_1" not in v.worksheet.quantities


@pytest.mark.parametrize("spec, key", [({"ratio": 1}, "ratio"), ({"ratio": 0}, "ratio"),
                                       ({"mask": [1, 2, 0, 1]}, "mask"), ({"mask": [0, 0, 0, 0]}, "mask"),
                                       ({"upstream": [0.1, 0.2, 0.3]}, "upstream"),
                                       ({"next_mask": [1, 0]}, "next_mask"),
                                       ({"neuron": 2}, "neuron"), ({"neuron": 9}, "neuron"),
                                       ({"second_batch": False}, "next_inputs"),
                                       ({"inputs": [1.0] * 9, "mask": [1] * 9, "upstream": [1.0] * 9}, "inputs"),
                                       ({"drop_ratio": 0.5}, "drop_ratio")])
def test_bad_spec_names_the_key(spec, key):
    with pytest.raises(SpecError, match=f"'{key}'"):
        from_spec({**SPEC, **spec})
