"""`descent`: the book's numerical gradients, the engine's gradient descent, and a slip carried forward."""
import numpy as np
import pytest

from matchbox.engine import surfaces as S
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants

from conftest import check_end_to_end


def test_book_numerical_gradient():
    """ゼロから作るDeep Learning §4.4: the numerical gradient of x₀² + x₁² at (3, 4) is (6, 8), at (0, 2)
    (0, 4), at (3, 0) (6, 0); gradient descent from (−3, 4) with η = 0.1 for 100 steps ends near
    (−6.1e−10, 8.1e−10)."""
    f = lambda x: S.value(x, [1, 1], [0, 0])  # noqa: E731
    for point, grad in [((3, 4), (6, 8)), ((0, 2), (0, 4)), ((3, 0), (6, 0))]:
        np.testing.assert_allclose(S.numerical_gradient(f, point, 1e-4), grad, atol=1e-6)
        key = from_spec({"kind": "descent", "start": list(point), "steps": 1, "h": 1e-4,
                         "decimals": 8}).worksheet.key()
        assert (key["n0_1"], key["n1_1"]) == pytest.approx(grad, abs=1e-6)
        assert (key["g0_1"], key["g1_1"]) == grad
    key = from_spec({"kind": "descent", "start": [-3, 4], "steps": 10, "decimals": 12}).worksheet.key()
    x = np.array([-3.0, 4.0]) * 0.8 ** 10  # each step multiplies by 1 − 2η = 0.8
    assert (key["x0_10"], key["x1_10"]) == pytest.approx(tuple(x), abs=1e-12)
    # the book's 100 steps, by the engine's SGD on the sheet's gradient: the published end point
    from matchbox.engine.optimizers import SGD
    params, opt = {"x": np.array([-3.0, 4.0])}, SGD(0.1)
    for _ in range(100):
        opt.update(params, {"x": S.gradient(params["x"], [1, 1], [0, 0])})
    assert params["x"].tolist() == pytest.approx([-6.1e-10, 8.1e-10], rel=0.01)


@pytest.mark.parametrize("a,c,start,lr", [([1, 1], [0, 0], [-3, 4], 0.1), ([0.05, 1], [0, 0], [-7, 2], 0.9),
                                          ([2], [1], [3], 0.1)])
def test_sheet_equals_the_engines_sgd(a, c, start, lr):
    from matchbox.engine.optimizers import SGD
    key = from_spec({"kind": "descent", "coefficients": a, "center": c, "start": start, "learning_rate": lr,
                     "steps": 4, "decimals": 12}).worksheet.key()
    params, opt = {"x": np.array(start, float)}, SGD(lr)
    for k in range(1, 5):
        opt.update(params, {"x": S.gradient(params["x"], a, c)})
        assert [key[f"x{i}_{k}"] for i in range(len(a))] == pytest.approx(params["x"].tolist(), abs=1e-12)
        assert key[f"f_{k}"] == pytest.approx(S.value(params["x"], a, c), abs=1e-12)
    torch = pytest.importorskip("torch")
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    (torch.tensor(a, dtype=torch.float64) * (x - torch.tensor(c, dtype=torch.float64)) ** 2).sum().backward()
    assert [key[f"g{i}_1"] for i in range(len(a))] == pytest.approx(x.grad.tolist(), abs=1e-12)


@pytest.mark.parametrize("seed", range(1, 7))
def test_seeded_variants(seed):
    v = sampled("descent", seed)
    assert v.params["h"] == 0.1 and v.params["steps"] == 3
    assert from_meta(v.meta()).worksheet.key() == v.worksheet.key()


def test_variants_are_distinct():
    assert len({v.digest for v in variants("descent", 1, 5)}) == 5


@pytest.mark.parametrize("spec,message", [({"start": [1, 2, 3]}, "'start'"), ({"coefficients": [1, -1]}, "positive"),
                                          ({"h": 0}, "'h'"), ({"steps": 11}, "'steps'"),
                                          ({"function": "x**2"}, "function")])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "descent", **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang):
    check_end_to_end(tmp_path, sampled("descent", 2), lang, slip="g0_1")


def test_dividing_by_h_is_named(tmp_path):
    from matchbox.grading.grader import grade
    from matchbox.workbook.reader import read_filled
    from conftest import fill, make_workbooks
    v = sampled("descent", 2)
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="en")
    key = v.worksheet.key()
    values = {q.name: round(key[q.name], 4) for q in v.worksheet.answers}
    values["n0_1"] = round((values["fp0_1"] - values["fm0_1"]) / 0.1, 4)
    report = grade(read_filled(fill(learner, v, "en", values, tmp_path / "h.xlsx")))
    cell = next(c for c in report.cells if c.quantity == "n0_1")
    assert cell.status == "incorrect" and cell.slip_id == "one-h"
