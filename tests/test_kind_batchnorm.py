"""`batchnorm`: the sheet's forward and backward pass agree with torch.nn.BatchNorm1d in training mode (float64),
with the engine's layers.BatchNormalization and with central differences; the named slips (variance over
N − 1, ε forgotten, the square root forgotten, the backward's mean terms forgotten, the division by
√(σ² + ε) forgotten) are named in English and Japanese; a slip is carried forward.

No published worked numbers were reproduced: the textbooks (ゼロから作るDeep Learning §6.3, Ioffe & Szegedy
2015) give the formulas only, so PyTorch is the independent check."""
import numpy as np
import pytest

from matchbox.engine import normalization as N
from matchbox.engine.layers import BatchNormalization
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.kinds.batchnorm import SLIPS
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import read_filled

from conftest import answers_of, check_end_to_end, fill, make_workbooks, numerical

SPEC = {"inputs": [[1, 0], [0, 3], [5, 1], [2, 4]], "gamma": [1.5, 2], "beta": [2, 0.5],
        "upstream": [[2, 3], [1, 3], [0, -2], [2, -2]]}


def variant(**spec):
    return from_spec({"kind": "batchnorm", **(spec or SPEC)})


def grid(key, stem, n, d):
    return np.array([[key[f"f{j}_{stem}{i}"] for j in range(1, d + 1)] for i in range(1, n + 1)])


def per_feature(key, stem, d):
    return np.array([key[f"f{j}_{stem}"] for j in range(1, d + 1)])


@pytest.mark.parametrize("spec", [SPEC, {"inputs": [3, 5, 4], "gamma": 0.5, "beta": -1, "upstream": [1, -2, 0.5],
                                         "epsilon": 1e-5, "decimals": 8},
                                  {"inputs": [[0, 2, 1], [4, 1, 1], [2, 7, -3]], "gamma": [1, 2, -1],
                                   "beta": [0, 0, 3], "upstream": [[1, 0, 2], [-1, 2, 1], [0.5, 1, -1]],
                                   "epsilon": 0.1}])
def test_sheet_equals_torch_batchnorm1d_in_training(spec):
    torch = pytest.importorskip("torch")
    key = variant(**spec).worksheet.key()
    x = np.array(spec["inputs"], float).reshape(len(spec["inputs"]), -1)
    n, d = x.shape
    dy = np.array(spec["upstream"], float).reshape(n, d)
    bn = torch.nn.BatchNorm1d(d, eps=spec.get("epsilon", 0.01), affine=True).double().train()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(np.broadcast_to(spec["gamma"], d).copy()))
        bn.bias.copy_(torch.tensor(np.broadcast_to(spec["beta"], d).copy()))
    tx = torch.tensor(x, requires_grad=True)
    y = bn(tx)
    y.backward(torch.tensor(dy))
    assert grid(key, "y", n, d) == pytest.approx(y.detach().numpy(), abs=1e-12)
    assert grid(key, "dx", n, d) == pytest.approx(tx.grad.numpy(), abs=1e-12)
    assert per_feature(key, "dgamma", d) == pytest.approx(bn.weight.grad.numpy(), abs=1e-12)
    assert per_feature(key, "dbeta", d) == pytest.approx(bn.bias.grad.numpy(), abs=1e-12)
    # the sheet's variance is the biased one torch normalises with (its running_var keeps the unbiased one)
    assert per_feature(key, "var", d) == pytest.approx(x.var(axis=0), abs=1e-12)


def test_engine_steps_are_the_layers_formulas():
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    layer = BatchNormalization(gamma.copy(), beta.copy(), eps=0.01)
    y, xhat, std = N.forward(x, gamma, beta, 0.01)
    assert y == pytest.approx(layer.forward(x, train=True), abs=1e-13)
    dx, dgamma, dbeta = N.backward(dy, xhat, gamma, std)
    assert dx == pytest.approx(layer.backward(dy), abs=1e-13)
    assert dgamma == pytest.approx(layer.grads["gamma"], abs=1e-13)
    assert dbeta == pytest.approx(layer.grads["beta"], abs=1e-13)
    # and one feature's column, as the sheet's steps take it, gives that feature's numbers
    mu = N.batch_mean(x[:, 1])
    assert N.batch_variance(N.deviation(x[:, 1], mu)) == pytest.approx(x[:, 1].var(), abs=1e-15)


def test_backward_quantities_are_the_central_differences():
    """L = Σ ∂L/∂y·y: its numerical gradients in x, γ and β are the sheet's ∂L/∂x, ∂L/∂γ, ∂L/∂β."""
    key = variant().worksheet.key()
    x, dy = np.array(SPEC["inputs"], float), np.array(SPEC["upstream"], float)
    gamma, beta = np.array(SPEC["gamma"], float), np.array(SPEC["beta"], float)

    def loss():
        return float(np.sum(dy * N.forward(x, gamma, beta, 0.01)[0]))

    assert grid(key, "dx", 4, 2) == pytest.approx(numerical(loss, x), abs=1e-6)
    assert per_feature(key, "dgamma", 2) == pytest.approx(numerical(loss, gamma), abs=1e-6)
    assert per_feature(key, "dbeta", 2) == pytest.approx(numerical(loss, beta), abs=1e-6)
    # and the mean terms: ∂L/∂x̂ summed over the batch, as the chain through μ and σ² needs
    assert key["f1_m1"] == pytest.approx(np.mean(dy[:, 0] * gamma[0]), abs=1e-12)


def test_the_hand_numbers():
    """Feature 1 by plain arithmetic: x = 1, 0, 5, 2; μ = 2, σ² = (1 + 4 + 9 + 0)/4 = 3.5."""
    key = variant().worksheet.key()
    assert key["f1_mu"] == 2 and key["f1_var"] == 3.5
    assert key["f1_std"] == pytest.approx(3.51 ** 0.5, abs=1e-15)
    assert key["f1_xh3"] == pytest.approx(3 / 3.51 ** 0.5, abs=1e-15)
    assert key["f1_y3"] == pytest.approx(1.5 * 3 / 3.51 ** 0.5 + 2, abs=1e-15)
    assert key["f1_dbeta"] == 5 and key["f2_dbeta"] == 2
    assert sum(key[f"f1_dx{i}"] for i in range(1, 5)) == pytest.approx(0, abs=1e-12)


def typed(tmp_path, v, name, wrong, lang):
    folder = tmp_path / lang
    folder.mkdir(exist_ok=True)
    _, learner, _ = make_workbooks(folder, variant=v, lang=lang)
    values = {**answers_of(v), name: round(wrong, 4)}
    return grade(read_filled(fill(learner, v, lang, values, folder / "slip.xlsx")))


@pytest.mark.parametrize("slip", ["unbiased", "epsilon", "sqrt", "means", "std"])
def test_named_slips_in_english_and_japanese(tmp_path, slip):
    v = variant()
    key = v.worksheet.key()
    dev = [1 - 2, 0 - 2, 5 - 2, 2 - 2]  # feature 1, μ = 2
    var, std = 3.5, (3.5 + 0.01) ** 0.5
    dxh, xh = key["f1_dxh2"], key["f1_xh2"]  # ∂L/∂x̂ = 1 · 1.5 of sample 2
    name, wrong, slip_id = {
        "unbiased": ("f1_var", sum(e * e for e in dev) / 3, "bn-unbiased-variance"),
        "epsilon": ("f1_std", var ** 0.5, "bn-epsilon-forgotten"),
        "sqrt": ("f1_std", var + 0.01, "bn-sqrt-forgotten"),
        "means": ("f1_dx2", dxh / std, "bn-means-forgotten"),
        "std": ("f1_dx2", dxh - key["f1_m1"] - xh * key["f1_m2"], "bn-std-forgotten"),
    }[slip]
    assert dxh == 1.5
    assert abs(round(wrong, 4) - key[name]) > 1e-3, "the slip must show on this cell"
    for lang in ("en", "ja"):
        cell = next(c for c in typed(tmp_path, v, name, wrong, lang).cells if c.quantity == name)
        assert cell.status == "incorrect" and cell.slip_id == slip_id, (lang, cell.feedback)
        assert cell.slip == SLIPS[slip][lang] and SLIPS[slip][lang] in cell.feedback


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("slip", ["f1_var", "f2_m2"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang, slip):
    """σ² wrong: √(σ² + ε), x̂, y and the whole backward pass follow it; m₂ wrong: ∂L/∂x follows it."""
    report = check_end_to_end(tmp_path, variant(), lang, slip=slip)
    status = {c.quantity: c.status for c in report.cells}
    assert status["f1_dx1" if slip == "f1_var" else "f2_dx2"] == "carried"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_seeded_variant_end_to_end(tmp_path, lang):
    check_end_to_end(tmp_path, sampled("batchnorm", 3), lang, slip="f1_mu")


@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("batchnorm", seed)
    p, key = v.params, v.worksheet.key()
    n, d = len(p["inputs"]), len(p["inputs"][0])
    assert 3 <= n <= 4 and 1 <= d <= 2 and p["epsilon"] == 0.01 and p["decimals"] == 4
    assert all(float(a).is_integer() for row in p["inputs"] + p["upstream"] for a in row)
    assert all(float(10 * g).is_integer() for g in p["gamma"] + p["beta"])
    for j in range(1, d + 1):
        assert round(key[f"f{j}_mu"], 1) == pytest.approx(key[f"f{j}_mu"], abs=1e-12)
        assert 0.5 <= key[f"f{j}_var"] <= 9
        assert abs(key[f"f{j}_std"] - key[f"f{j}_var"] ** 0.5) > 1e-4  # ε forgotten shows at 4 decimals
    assert from_meta(v.meta()).worksheet.key() == key


def test_variants_are_distinct():
    assert len({v.digest for v in variants("batchnorm", 1, 6)}) == 6


def test_forward_only_and_single_numbers():
    v = variant(inputs=[2, 4, 9], gamma=2, backward=False)
    assert v.params["inputs"] == [[2], [4], [9]] and v.params["gamma"] == [2] and v.params["beta"] == [0]
    ws = v.worksheet
    assert [t.name for t in ws.tables] == ["settings", "batch", "forward1"]
    assert ws.key()["f1_mu"] == 5 and ws.key()["f1_y3"] == pytest.approx(2 * 4 / (26 / 3 + 0.01) ** 0.5)


@pytest.mark.parametrize("spec", [SPEC, {"inputs": [1, 4, 2], "upstream": [1, 0, -1]}])
def test_the_sheet_reads_in_the_order_it_is_computed(spec):
    ws = variant(**spec).worksheet
    for lang in ("en", "ja"):
        home = layout(ws, lang).home
        for q in ws.answers:
            for dep in q.step.deps():
                if not ws.quantities[dep].is_given:
                    assert (home[dep].sheet, home[dep].row, home[dep].col) < \
                        (home[q.name].sheet, home[q.name].row, home[q.name].col), (q.name, dep)


@pytest.mark.parametrize("spec,message", [
    ({"upstream": [1, 2]}, "'inputs': is required"),
    ({"inputs": [1, 1, 1], "upstream": [1, 2, 3]}, "'inputs': feature 1 is the same in every sample"),
    ({"inputs": [1], "upstream": [1]}, "'inputs': expected 2 to 8 samples"),
    ({"inputs": [[1, 2], [3]], "upstream": [[1, 2], [3, 4]]}, "'inputs': sample 2 has 1 numbers"),
    ({"inputs": [[1, 2, 3, 4]] * 2, "upstream": [[1, 2, 3, 4]] * 2}, "'inputs': expected 1 to 3 features"),
    ({"inputs": [1, 2, 3]}, "'upstream': is required"),
    ({"inputs": [1, 2, 3], "upstream": [1, 2]}, "'upstream': expected 3 samples"),
    ({"inputs": [1, 2, 3], "upstream": [1, "a", 2]}, "'upstream\\[1\\]\\[0\\]'"),
    ({"inputs": [1, 2, 3], "upstream": [1, 2, 3], "gamma": [1, 2]}, "'gamma': expected 1 numbers"),
    ({"inputs": [1, 2, 3], "upstream": [1, 2, 3], "epsilon": -0.1}, "'epsilon': must be at least 0"),
    ({"inputs": [1, 2, 3], "upstream": [1, 2, 3], "backward": False}, "'upstream': the upstream gradient"),
    ({"inputs": [1, 2, 3], "upstream": [1, 2, 3], "eps": 0.1}, "'eps': unknown key"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "batchnorm", **spec})
