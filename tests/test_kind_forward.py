"""`forward`: the book's 3-layer network reproduced (ゼロから作るDeep Learning §3.4.2–3.4.3, init_network /
forward: A1 = [0.3, 0.7, 1.1], Z1 = [0.57444252, 0.66818777, 0.75026011], Y = [0.31682708, 0.69627909]);
PyTorch (nn.Linear, float64) and the engine's Affine and activation layers agree with the sheet for batches of
1 to 3 rows; the shapes are NumPy's; each named slip typed into a real workbook is named in English and
Japanese (the wrong numbers computed here by hand); a slip is carried forward; seeded variants are hand-friendly.

A forward sheet has no backward quantity, so there is nothing here for finite differences to check."""
import math

import numpy as np
import pytest

from matchbox.engine.layers import ACTIVATIONS as LAYERS, Affine
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.views.feedback import grade_in_words
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import read_filled

from conftest import answers_of, check_end_to_end, fill, make_workbooks

W1 = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]
W2 = [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]
W3 = [[0.1, 0.3], [0.2, 0.4]]
BOOK = {"inputs": [1.0, 0.5], "weights": [W1, W2, W3], "biases": [[0.1, 0.2, 0.3], [0.1, 0.2], [0.1, 0.2]]}


def forward(spec: dict):
    return from_spec({"kind": "forward", **spec})


def matrix(key: dict, name: str, rows: int, cols: int) -> np.ndarray:
    return np.array([[key[f"{name}_{i + 1}_{j + 1}"] for j in range(cols)] for i in range(rows)])


def test_the_books_network():
    """§3.4.2: A1 = [0.3, 0.7, 1.1], Z1 = sigmoid(A1) = [0.57444252, 0.66818777, 0.75026011]; §3.4.3: the
    output y = [0.31682708, 0.69627909], each to the book's 8 decimals."""
    key = forward({"decimals": 8}).worksheet.key()
    assert matrix(key, "A1", 1, 3)[0] == pytest.approx([0.3, 0.7, 1.1], abs=1e-12)
    assert matrix(key, "Z1", 1, 3)[0] == pytest.approx([0.57444252, 0.66818777, 0.75026011], abs=5e-9)
    assert matrix(key, "Y", 1, 2)[0] == pytest.approx([0.31682708, 0.69627909], abs=5e-9)
    assert [key[f"rows{l}"] for l in (1, 2, 3)] == [1, 1, 1] and [key[f"cols{l}"] for l in (1, 2, 3)] == [3, 2, 2]


def test_the_default_spec_is_the_book():
    assert forward({}).params == forward(BOOK).params
    p = forward({}).params
    assert p["hidden"] == "sigmoid" and p["output"] == "identity" and p["decimals"] == 4


def batch(rows: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(-1, 1, (rows, 2)), 1).tolist()


@pytest.mark.parametrize("rows", [1, 2, 3])
@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("output", ["identity", "softmax"])
def test_torch_and_the_engine_agree(rows, hidden, output):
    torch = pytest.importorskip("torch")
    x = batch(rows, rows)
    key = forward({**BOOK, "inputs": x, "hidden": hidden, "output": output, "decimals": 12}).worksheet.key()
    # PyTorch: nn.Linear keeps W as (out, in), so its weight is the book's W transposed
    t = torch.tensor(x, dtype=torch.float64)
    act = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[hidden]
    for l, (w, b) in enumerate(zip(BOOK["weights"], BOOK["biases"]), start=1):
        lin = torch.nn.Linear(len(w), len(w[0])).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w, dtype=torch.float64).T)
            lin.bias.copy_(torch.tensor(b, dtype=torch.float64))
        t = lin(t)
        assert matrix(key, f"A{l}", rows, len(b)) == pytest.approx(t.detach().numpy(), abs=1e-12)
        if l < 3:
            t = act(t)
            assert matrix(key, f"Z{l}", rows, len(b)) == pytest.approx(t.detach().numpy(), abs=1e-12)
    y = torch.softmax(t, dim=1) if output == "softmax" else t
    assert matrix(key, "Y", rows, 2) == pytest.approx(y.detach().numpy(), abs=1e-12)
    # the engine's layers, as training runs them
    a = np.array(x)
    for l, (w, b) in enumerate(zip(BOOK["weights"], BOOK["biases"]), start=1):
        a = Affine(np.array(w), np.array(b)).forward(a)
        assert a.shape == (key[f"rows{l}"], key[f"cols{l}"])  # the shape cells are NumPy's shape
        if l < 3:
            a = LAYERS[hidden]().forward(a)
    e = np.exp(a - a.max(axis=1, keepdims=True))  # the softmax written out in NumPy
    assert matrix(key, "Y", rows, 2) == pytest.approx(e / e.sum(axis=1, keepdims=True) if output == "softmax" else a,
                                                      abs=1e-12)


def test_a_two_layer_network_and_its_shapes():
    v = forward({"inputs": [[1, 2, 0], [0, 1, 1]], "weights": [[[1, 0], [0, 1], [1, 1]], [[1, -1, 2, 0], [0, 1, 1, 1]]],
                 "biases": [[0, 1], [1, 0, 0, 2]], "hidden": "relu"})
    key = v.worksheet.key()
    assert (key["rows1"], key["cols1"], key["rows2"], key["cols2"]) == (2, 2, 2, 4)
    z = np.maximum(np.array([[1, 2, 0], [0, 1, 1]]) @ np.array([[1, 0], [0, 1], [1, 1]]) + [0, 1], 0)
    y = z @ np.array([[1, -1, 2, 0], [0, 1, 1, 1]]) + [1, 0, 0, 2]
    assert matrix(key, "Y", 2, 4) == pytest.approx(y, abs=1e-12)


# --- the named slips, typed into a real workbook -------------------------------------------------------------

def named(tmp_path, v, name: str, wrong: float, en: str, ja: str):
    """The key everywhere but `name`, where the learner writes `wrong` (rounded as the sheet asks): that cell is
    incorrect and its slip named, in English and in Japanese."""
    ws = v.worksheet
    q = ws.quantities[name]
    typed = round(wrong, q.precision.decimals)
    assert not q.precision.agrees(typed, ws.key()[name]), "the slip must show on this cell"
    for lang in ("en", "ja"):
        folder = tmp_path / lang
        folder.mkdir(exist_ok=True)
        _, learner, _ = make_workbooks(folder, variant=v, lang=lang)
        report = grade_in_words(read_filled(fill(learner, v, lang, {**answers_of(v), name: typed}, folder / "s.xlsx")))
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect", (lang, cell.feedback)
        assert cell.slip and (en if lang == "en" else ja) in cell.slip and cell.slip in cell.feedback, cell.feedback
        assert sum(c.status != "correct" for c in report.cells) == 1


def sigmoid(u):
    return 1 / (1 + math.exp(-u))


def test_bias_forgotten_is_named(tmp_path):
    # A⁽¹⁾₁₁ = 1.0·0.1 + 0.5·0.2 + 0.1: without + B it is 0.2
    named(tmp_path, forward({}), "A1_1_1", 1.0 * 0.1 + 0.5 * 0.2, "bias B forgotten", "バイアス B の足し忘れ")


def test_w_transposed_is_named(tmp_path):
    """Layer 3 is square (2 × 2): Σₖ z W₁ₖ, row 1 of W⁽³⁾, instead of column 1."""
    v = forward({})
    key = v.worksheet.key()
    z1, z2 = key["Z2_1_1"], key["Z2_1_2"]
    assert key["A3_1_1"] == pytest.approx(z1 * 0.1 + z2 * 0.2 + 0.1, abs=1e-12)
    named(tmp_path, v, "A3_1_1", z1 * 0.1 + z2 * 0.3 + 0.1, "W transposed", "行と列の取り違え")
    # the non-square layers declare no such slip
    ws = v.worksheet
    assert all(s.id != "matrix-transposed" for n in ("A1_1_1", "A2_1_1") for s in ws.quantities[n].step.slips)


def test_output_activated_is_named(tmp_path):
    v = forward({})
    a = v.worksheet.key()["A3_1_2"]
    named(tmp_path, v, "Y_1_2", sigmoid(a), "applied to the output layer", "出力層にも隠れ層の活性化関数を適用")


def test_activation_skipped_is_named(tmp_path):
    # A⁽²⁾₁₁ from A⁽¹⁾ = [0.3, 0.7, 1.1] instead of Z⁽¹⁾
    named(tmp_path, forward({}), "A2_1_1", 0.3 * 0.1 + 0.7 * 0.2 + 1.1 * 0.3 + 0.1, "activation skipped",
          "活性化関数の適用忘れ")


# --- grading end to end --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_slip_is_carried_forward(tmp_path, lang):
    """A⁽¹⁾₁₂ wrong: Z⁽¹⁾₁₂, every later A and Z of that row and Y are carried; the other row stays correct."""
    v = forward({**BOOK, "inputs": [[1.0, 0.5], [-0.5, 0.2]]})
    report = check_end_to_end(tmp_path, v, lang, slip="A1_1_2")
    status = {c.quantity: c.status for c in report.cells}
    assert status["Y_1_1"] == "carried" and status["Y_2_1"] == "correct"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_seeded_variant_end_to_end(tmp_path, lang):
    v = sampled("forward", 3)
    check_end_to_end(tmp_path, v, lang, slip="A1_1_1")


def test_softmax_output_end_to_end(tmp_path):
    v = forward({**BOOK, "output": "softmax"})
    check_end_to_end(tmp_path, v, "ja", slip="A3_1_1")


def test_the_sheet_reads_in_the_order_it_is_computed():
    ws = forward({**BOOK, "inputs": [[1.0, 0.5], [0.2, -0.3]], "output": "softmax"}).worksheet
    for lang in ("en", "ja"):
        home = layout(ws, lang).home
        for q in ws.answers:
            for d in q.step.deps():
                if not ws.quantities[d].is_given:
                    assert (home[d].sheet, home[d].row, home[d].col) < (home[q.name].sheet, home[q.name].row,
                                                                         home[q.name].col), (q.name, d)


# --- seeded variants -----------------------------------------------------------------------------------------

def one_decimal(v) -> bool:
    return abs(v * 10 - round(v * 10)) < 1e-9


@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("forward", seed)
    p = v.params
    numbers = [x for row in p["inputs"] for x in row] + [w for m in p["weights"] for row in m for w in row] \
        + [b for bs in p["biases"] for b in bs]
    assert all(one_decimal(x) and abs(x) <= 1 for x in numbers)
    assert 1 <= len(p["inputs"]) <= 2 and len(p["weights"]) == 3 and p["decimals"] == 4
    assert len(v.worksheet.answers) <= 40
    key = v.worksheet.key()
    assert all(abs(key[q.name]) <= 4 for q in v.worksheet.answers if q.name.startswith("A"))
    if p["hidden"] == "relu":  # ReLU cuts somewhere, and never at exactly 0
        hidden = [key[q.name] for q in v.worksheet.answers if q.name[:2] in ("A1", "A2")]
        assert min(hidden) < 0 and all(abs(a) > 1e-9 for a in hidden)
    assert from_meta(v.meta()).worksheet.key() == key


def test_variants_are_distinct():
    assert len({v.digest for v in variants("forward", 1, 6)}) == 6


@pytest.mark.parametrize("spec,message", [
    ({"inputs": [[1, 2], [1]]}, "'inputs': expected a matrix"),
    ({"inputs": [[1, 2]] * 4}, "'inputs': a batch of 1 to 3 rows"),
    ({"inputs": [1, "a"]}, "'inputs': expected numbers"),
    ({"weights": [W1]}, "'weights': expected 2 or 3"),
    ({"weights": [W2, W2, W3], "biases": BOOK["biases"]}, r"'weights\[0\]': expected 2 rows"),
    ({"weights": [W1, W2, W3]}, "'biases': is required"),
    ({"weights": [W1, W2, W3], "biases": [[0.1, 0.2, 0.3], [0.1, 0.2]]}, "'biases': expected 3 lists"),
    ({"biases": [[0.1, 0.2], [0.1, 0.2], [0.1, 0.2]]}, r"'biases\[0\]': expected 3 numbers"),
    ({"hidden": "step"}, "'hidden': must be one of"),
    ({"output": "sigmoid"}, "'output': must be one of"),
    ({"decimals": 0}, "'decimals'"),
    ({"weight": W1}, "'weight': unknown key"),
    ({"inputs": [[1] * 4] * 3, "weights": [[[1] * 4] * 4] * 3, "biases": [[0] * 4] * 3,
      "output": "softmax"}, "'weights': 96 answer boxes"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        forward(spec)
