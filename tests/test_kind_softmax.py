"""`softmax`: published numbers, the engine's SoftmaxWithLoss and PyTorch agree with the sheet; a slip is
carried forward; the base-10 log is named."""
import numpy as np
import pytest

from matchbox.engine.layers import SoftmaxWithLoss
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.workbook.layout import layout

from conftest import answers_of, check_end_to_end, fill, make_workbooks


def key_of(spec: dict) -> dict:
    return from_spec({"kind": "softmax", **spec}).worksheet.key()


def test_book_softmax():
    """ゼロから作るDeep Learning §3.5: softmax([0.3, 2.9, 4.0]) = [0.01821127, 0.24519181, 0.73659691]."""
    key = key_of({"scores": [0.3, 2.9, 4.0], "target": 2, "decimals": 8})
    assert key["max"] == 4.0
    assert [key[f"y{i}"] for i in (1, 2, 3)] == pytest.approx([0.01821127, 0.24519181, 0.73659691], abs=5e-9)
    assert key["E"] == pytest.approx(-np.log(0.73659691), abs=1e-8)
    assert [key[f"g{i}"] for i in (1, 2, 3)] == pytest.approx([0.01821127, 0.24519181, 0.73659691 - 1], abs=5e-9)


def test_book_cross_entropy():
    """ゼロから作るDeep Learning §4.2.2: y = [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0], t = 2 gives
    0.510825457 (with the book's δ = 1e-7 inside the log); with t = 7, 2.302584092994546."""
    y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    assert key_of({"outputs": y, "target": 2, "log_epsilon": 1e-7, "decimals": 9})["E"] == \
        pytest.approx(0.510825457, abs=5e-10)
    assert key_of({"outputs": y, "teacher": [0, 0, 0, 0, 0, 0, 0, 1, 0, 0], "log_epsilon": 1e-7,
                   "decimals": 9})["E"] == pytest.approx(2.302584092994546, abs=1e-12)


def test_book_cross_entropy_without_delta():
    """The same y without δ: the zeros of the other classes do not matter, E = −ln 0.6 exactly, and the
    gradient is y − t."""
    y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    key = key_of({"outputs": y, "target": 2, "decimals": 12})
    assert key["E"] == pytest.approx(0.5108256237659907, abs=1e-15)
    assert [key[f"g{i}"] for i in range(1, 11)] == pytest.approx(np.subtract(y, np.eye(10)[2]).tolist(), abs=1e-15)


def test_the_error_is_the_correct_class_term_alone():
    """−Σ tₖ ln yₖ with a one-hot t is −ln y of the correct class: the step reads that y only, so a slip in
    another class's y leaves E right."""
    ws = from_spec({"kind": "softmax", "scores": [1, 2, 0], "target": 1}).worksheet
    assert ws.quantities["E"].step.deps() == ["y2", "t2"]
    values = {**ws.key(), "y1": 0.5}
    assert ws.evaluate("E", values) == pytest.approx(-np.log(ws.key()["y2"]), abs=1e-15)
    assert "−ln y₁" in ws.quantities["E"].formula


def test_max_shift_keeps_huge_scores_finite():
    """softmax([1010, 1000, 990]): e^1010 overflows, the shifted sheet does not (the book's example)."""
    key = key_of({"scores": [1010, 1000, 990], "target": 0, "decimals": 8})
    assert key["y1"] == pytest.approx(9.99954600e-01, abs=1e-8) and key["e1"] == 1.0


@pytest.mark.parametrize("scores,target", [([1, 2, 3], 0), ([0.5, -1, 2, 0], 3), ([2, 2], 1),
                                           ([0.3, 2.9, 4.0], 2), (list(range(10)), 4)])
def test_sheet_equals_the_engines_layer(scores, target):
    key = key_of({"scores": scores, "target": target, "decimals": 12})
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([scores], float), np.array([target]))
    n = len(scores)
    assert [key[f"y{i + 1}"] for i in range(n)] == pytest.approx(layer.y[0].tolist(), abs=1e-12)
    assert key["E"] == pytest.approx(loss, abs=1e-12)
    assert [key[f"g{i + 1}"] for i in range(n)] == pytest.approx(layer.backward()[0].tolist(), abs=1e-12)


def test_batch_mean_equals_the_layer_and_torch():
    samples = [{"scores": [1, 2, 0], "target": 1}, {"scores": [0.5, 0, -1], "target": 2}]
    key = key_of({"samples": samples, "decimals": 12})
    x, t = np.array([s["scores"] for s in samples], float), np.array([1, 2])
    assert key["mean_E"] == pytest.approx(SoftmaxWithLoss().forward(x, t), abs=1e-12)
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction="sum")
    loss.backward()
    assert key["s1_E"] + key["s2_E"] == pytest.approx(loss.item(), abs=1e-12)
    # per sample, the sheet's y − t is the gradient of that sample's loss
    assert [key[f"s2_g{i}"] for i in (1, 2, 3)] == pytest.approx(tx.grad[1].tolist(), abs=1e-12)


@pytest.mark.parametrize("seed", range(1, 9))
def test_seeded_variants(seed):
    v = sampled("softmax", seed)
    scores = v.params["samples"][0]["scores"]
    assert all(float(s).is_integer() and -2 <= s <= 3 for s in scores) and len(set(scores)) > 1
    assert from_meta(v.meta()).worksheet.key() == v.worksheet.key()


def test_variants_are_distinct():
    assert len({v.digest for v in variants("softmax", 1, 5)}) == 5


@pytest.mark.parametrize("spec,message", [
    ({"scores": [1, 2], "outputs": [0.5, 0.5], "target": 0}, "not both"),
    ({"scores": [1], "target": 0}, "expected 2 to 10 numbers"),
    ({"scores": [1, 2], "target": 2}, "target"),
    ({"scores": [1, 2], "teacher": [1, 1]}, "one-hot"),
    ({"scores": [1, 2], "target": 0, "teacher": [1, 0]}, "not both"),
    ({"outputs": [0.5, 1.5], "target": 0}, "between 0 and 1"),
    ({"scores": [1, 2], "target": 0, "decimal": 3}, "decimal"),
    ({"outputs": [0.5, 0.5, 0], "target": 2}, "'outputs': the correct class 2 has y = 0.*log_epsilon"),
    ({"outputs": [0.5, 0.2], "target": 0}, "add up to 0.7"),
    ({"scores": [30, 0], "target": 1}, "'scores': the correct class 1 gets y = 9.4e-14, 0 when rounded to 4"),
    ({"scores": [1000, 0], "target": 1}, "'scores': the correct class 1 gets y = 0, and E"),
    ({"samples": [{"scores": [1, 2], "target": 0}, {"scores": [1, 1e9], "target": 0}]}, "'samples\\[1\\].scores'"),
    ({"samples": [{"scores": [1, 2], "target": 0}, {"outputs": [0.5, 0.5], "target": 0}]}, "'samples': .*every"),
    ({"samples": [{"scores": [1, 2], "target": 0}, {"scores": [1, 2, 3], "target": 0}]}, "same number of classes"),
    ({"scores": [1, 2], "target": 0, "log_epsilon": -1}, "log_epsilon"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "softmax", **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("slip", ["s1_e1", "s2_y1"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang, slip):
    """An exponential wrong (the sum, every y, E, the gradients and the mean follow it), or the correct
    class's y wrong (E, its gradient and the mean follow it)."""
    v = from_spec({"kind": "softmax", "samples": [{"scores": [1, 2, 0], "target": 1},
                                                   {"scores": [0, -1, 1], "target": 0}]})
    report = check_end_to_end(tmp_path, v, lang, slip=slip)
    assert {c.quantity: c.status for c in report.cells}["mean_E"] == "carried"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_seeded_variant_end_to_end(tmp_path, lang):
    check_end_to_end(tmp_path, sampled("softmax", 3), lang, slip="max")


def test_book_example_end_to_end(tmp_path):
    """The book's y given as outputs, with its δ: the key rounded to 9 decimals gets full marks; the book's
    number without δ (−ln 0.6 = 0.510825624) is one cell wrong."""
    from matchbox.grading.grader import grade
    from matchbox.workbook.reader import read_filled
    v = from_spec({"kind": "softmax", "outputs": [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0],
                   "target": 2, "log_epsilon": 1e-7, "decimals": 9})
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="en")
    values = {n: round(x, 9) for n, x in answers_of(v).items()}
    assert values["E"] == 0.510825457
    report = grade(read_filled(fill(learner, v, "en", values, tmp_path / "key.xlsx")))
    assert report.score == report.max_score == 11
    report = grade(read_filled(fill(learner, v, "en", {**values, "E": 0.510825624}, tmp_path / "no-delta.xlsx")))
    assert [c.quantity for c in report.cells if c.status != "correct"] == ["E"]


@pytest.mark.parametrize("spec", [{"scores": [1, 2, 0, -1], "target": 3},
                                  {"samples": [{"scores": [1, 2], "target": 0}, {"scores": [0, 1], "target": 1}]},
                                  {"outputs": [0.2, 0.8], "target": 1}])
def test_the_sheet_reads_in_the_order_it_is_computed(spec):
    """Left to right, top to bottom, every answer comes after the answers it is computed from."""
    ws = from_spec({"kind": "softmax", **spec}).worksheet
    for lang in ("en", "ja"):
        home = layout(ws, lang).home
        for q in ws.answers:
            for d in q.step.deps():
                if not ws.quantities[d].is_given:
                    assert (home[d].sheet, home[d].row, home[d].col) < (home[q.name].sheet, home[q.name].row,
                                                                         home[q.name].col), (q.name, d)


def test_base10_log_is_named(tmp_path):
    v = from_spec({"kind": "softmax", "scores": [1, 2, 0], "target": 1})
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="ja")
    key = v.worksheet.key()
    values = {q.name: round(key[q.name], 4) for q in v.worksheet.answers}
    values["E"] = round(-np.log10(values["y2"]), 4)
    from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
    from matchbox.workbook.reader import read_filled
    report = grade(read_filled(fill(learner, v, "ja", values, tmp_path / "log10.xlsx")))
    cell = next(c for c in report.cells if c.quantity == "E")
    assert cell.status == "incorrect" and cell.slip_id == "base10-log"
    assert "常用対数" in cell.feedback
