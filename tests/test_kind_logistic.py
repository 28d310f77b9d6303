"""The `logistic` kind: a sigmoid neuron on the binary cross-entropy, beside the same start on the squared error.

Published numbers: "Logistic Regression: Gradient Descent Example" (a lecture handout shared on Scribd,
document 827701831): one feature, w = 0.2, b = 0.1, α = 0.1; x = 0.5, y = 1: z = 0.2, ŷ ≈ 0.5498; x = 2.0,
y = 1: z = 0.5, ŷ ≈ 0.6225, BCE ≈ 0.4741; x = 3.0, y = 0: z = 0.7, ŷ ≈ 0.6682 (its BCE, printed 1.1015, is
−ln(1 − 0.6682) = 1.1032: the handout's own slip, which the sheet does not copy). And the
derivation every course gives (Ng's deeplearning.ai, "Logistic regression gradient descent"): dz = a − y.
Independent checks: PyTorch (float64) binary_cross_entropy and autograd, central differences for every
gradient, and the `neuron` kind's own numbers for the squared-error run."""
import json
import math
import re

import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.reader import read_filled

from conftest import answers_of, check_end_to_end, fill, make_workbooks, numerical

torch = pytest.importorskip("torch")


def sheet(spec: dict):
    return from_spec({"kind": "logistic", **spec})


def sigmoid(u):
    return 1 / (1 + math.exp(-u))


# --- published and by-hand numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("x,t,u,y,loss", [(0.5, 1, 0.2, 0.5498, None), (2.0, 1, 0.5, 0.6225, 0.4741),
                                          (3.0, 0, 0.7, 0.6682, 1.1032)])
def test_the_published_handout(x, t, u, y, loss):
    v = sheet({"inputs": [x], "teacher": t, "initial_weights": [0.2], "bias": 0.1, "learning_rate": 0.1,
               "steps": 1, "compare": False})
    key, exact = v.worksheet.answer_key(), v.worksheet.key()
    assert key["u1"] == u and key["y1"] == y
    if loss is not None:  # the handout takes the log of the unrounded ŷ
        assert round(exact["E1"], 4) == loss
    assert key["d1"] == pytest.approx(y - t, abs=1e-4)  # dz = a − y
    assert key["w1_1"] == pytest.approx(0.2 - 0.1 * (y - t) * x, abs=2e-4)


def test_one_step_by_hand():
    """w = b = 0, x = 1, t = 1, η = 1: u = 0, y = ½, E = ln 2, δ = −½, w' = b' = ½; the squared error's δ is
    (½ − 1)·½·½ = −⅛ (the `neuron` sheet's own worked step), so the ratio is 4 = 1/σ'(0)."""
    key = sheet({"inputs": [1], "teacher": 1, "learning_rate": 1, "steps": 1}).worksheet.key()
    assert [key["u1"], key["y1"], key["d1"], key["g1_1"], key["w1_1"], key["b1"]] == [0, 0.5, -0.5, -0.5, 0.5, 0.5]
    assert key["E1"] == pytest.approx(math.log(2), abs=1e-15)
    assert [key["sd1"], key["sw1_1"], key["sb1"], key["r1"]] == [-0.125, 0.125, 0.125, 4]
    assert key["a_u"] == 1 and key["sa_u"] == 0.25  # the final weights


# --- independent computations -----------------------------------------------------------------------------------

SAMPLES = [{"inputs": [0.5, -1.0], "teacher": 1}, {"inputs": [1.5, 0.25], "teacher": 0}]
START, BIAS, LR = [-0.8, 0.6], -0.3, 0.7


def long_run():
    v = sheet({"samples": SAMPLES, "initial_weights": START, "bias": BIAS, "learning_rate": LR, "epochs": 2,
               "decimals": 12})
    return v, v.worksheet.key()


def test_the_cross_entropy_run_is_torch_autograd():
    _, key = long_run()
    w = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(BIAS, dtype=torch.float64, requires_grad=True)
    for step in range(1, 5):
        smp = SAMPLES[(step - 1) % 2]
        y = torch.sigmoid(torch.tensor(smp["inputs"], dtype=torch.float64) @ w + b)
        loss = torch.nn.functional.binary_cross_entropy(y, torch.tensor(float(smp["teacher"]), dtype=torch.float64))
        assert loss.item() == pytest.approx(key[f"E{step}"], abs=1e-12)
        loss.backward()
        assert w.grad.tolist() == pytest.approx([key[f"g{step}_1"], key[f"g{step}_2"]], abs=1e-12)
        assert b.grad.item() == pytest.approx(key[f"d{step}"], abs=1e-12)  # ∂E/∂b = δ
        with torch.no_grad():
            w -= LR * w.grad
            b -= LR * b.grad
            w.grad = b.grad = None
        assert w.tolist() == pytest.approx([key[f"w{step}_1"], key[f"w{step}_2"]], abs=1e-12)
        assert b.item() == pytest.approx(key[f"b{step}"], abs=1e-12)


def test_the_engines_loss_is_torchs_on_a_batch():
    y, t = np.array([[0.2], [0.9], [0.6]]), np.array([[0.0], [1.0], [1.0]])
    peer = torch.nn.functional.binary_cross_entropy(torch.tensor(y), torch.tensor(t)).item()
    assert F.binary_cross_entropy(y, t) == pytest.approx(peer, abs=1e-15)
    assert F.binary_cross_entropy(1.0, 1) == 0 and F.binary_cross_entropy(0.0, 0) == 0  # 0·ln 0 adds 0


def loss_at(x, t, w, b, squared):
    y = sigmoid(float(np.dot(x, w)) + b)
    return 0.5 * (t - y) ** 2 if squared else -(t * math.log(y) + (1 - t) * math.log(1 - y))


@pytest.mark.parametrize("squared", [False, True])
def test_every_gradient_is_the_central_difference(squared):
    """Each step's ∂E/∂wᵢ and ∂E/∂b (= δ) against central differences at that step's weights before."""
    _, key = long_run()
    p = "s" if squared else ""
    w, b = np.array(START, dtype=float), np.array([BIAS])
    for step in range(1, 5):
        smp = SAMPLES[(step - 1) % 2]
        f = lambda: loss_at(smp["inputs"], smp["teacher"], w, b[0], squared)  # noqa: E731
        assert numerical(f, w).tolist() == pytest.approx([key[f"{p}g{step}_1"], key[f"{p}g{step}_2"]], abs=1e-8)
        assert numerical(f, b)[0] == pytest.approx(key[f"{p}d{step}"], abs=1e-8)
        w = np.array([key[f"{p}w{step}_1"], key[f"{p}w{step}_2"]])
        b = np.array([key[f"{p}b{step}"]])


def test_the_squared_error_run_is_the_neuron_sheet():
    """The same start on the `neuron` sheet: the same engine functions, the same numbers."""
    _, key = long_run()
    neuron = from_spec({"kind": "neuron", "samples": SAMPLES, "initial_weights": START, "bias": BIAS,
                        "learning_rate": LR, "epochs": 2, "decimals": 12}).worksheet.key()
    for step in range(1, 5):
        for name in ("u", "y", "d", "w", "b", "g"):
            names = [f"{name}{step}"] if name in "uydb" else [f"{name}{step}_1", f"{name}{step}_2"]
            for n in names:
                assert key["s" + n] == neuron[n], n
    assert key["sa1_y"] == neuron["ya1"] and key["sa2_y"] == neuron["ya2"]


def test_the_ratio_at_step_one_is_one_over_sigma_prime():
    for seed in (1, 2, 3):
        key = sampled("logistic", seed).worksheet.key()
        y = key["y1"]
        assert key["r1"] == pytest.approx(1 / (y * (1 - y)), rel=1e-12)
        assert abs(key["r1"]) > 8  # badly wrong: the squared error's δ is at least 8 times smaller


def test_the_engine_replays_both_runs_from_the_sheet():
    from matchbox.training.replay import replay
    v = sampled("logistic", 2)
    key, r = v.worksheet.key(), replay(v, 200)
    for series, pattern in (("y (CE)", "y{}"), ("y (SE)", "sy{}")):
        assert r.series[series][:3].tolist() == pytest.approx([key[pattern.format(k)] for k in (1, 2, 3)], abs=1e-12)
    t = v.params["samples"][0]["teacher"]
    assert abs(r.series["y (CE)"][-1] - t) < 0.05 < abs(r.series["y (SE)"][30] - t)


# --- seeded variants -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(1, 11))
def test_seeded_variants_start_badly_wrong_and_are_hand_friendly(seed):
    v = sampled("logistic", seed)
    p, key = v.params, v.worksheet.key()
    assert p["decimals"] == 4 and p["learning_rate"] in (0.5, 1) and p["compare"] and len(p["trials"]) == 3
    (smp,) = p["samples"]
    assert smp["teacher"] in (0, 1) and smp["inputs"][0] in (1, 2)
    for w in p["initial_weights"] + [p["bias"]]:
        assert round(w, 1) == w and -1.5 <= w <= 1.5
    t = smp["teacher"]
    assert 0.88 <= abs(key["y1"] - t) <= 0.95  # y from 0.05 to 0.12 for t = 1
    assert abs(key["a_y"] - t) < 0.5 < abs(key["sa_y"] - t)  # only the cross-entropy reaches the teacher's side
    assert all(abs(key[f"d{s}"]) > abs(key[f"sd{s}"]) >= 0.01 for s in (1, 2))
    assert len(v.worksheet.answers) == 46
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == p and again.worksheet.key() == key


def test_variants_are_distinct_and_pinned():
    assert len({v.digest for v in variants("logistic", 1, 8)}) == 8
    v = sampled("logistic", 1)
    assert v.params["initial_weights"] == [0.7] and v.params["bias"] == 1.2 and v.params["samples"][0]["teacher"] == 0


# --- spec errors name the key ------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec,message", [
    ({}, "spec key 'inputs': is required"),
    ({"inputs": [1]}, "spec key 'teacher': is required"),
    ({"inputs": [1], "teacher": 2}, "spec key 'teacher': must be at most 1"),
    ({"inputs": [1], "teacher": -1}, "spec key 'teacher': must be at least 0"),
    ({"inputs": [1, 2, 3, 4, 5], "teacher": 1}, "spec key 'inputs': expected 1 to 4 numbers"),
    ({"inputs": [1, 0], "teacher": 1, "initial_weights": [0.1]}, "spec key 'initial_weights': expected 2 numbers"),
    ({"samples": [{"inputs": [1, 0], "teacher": 1}, {"inputs": [1], "teacher": 0}]},
     "spec key 'samples[1].inputs': expected 2 numbers like the first sample"),
    ({"inputs": [1], "teacher": 1, "learning_rate": 0}, "spec key 'learning_rate': must be greater than 0"),
    ({"inputs": [1], "teacher": 1, "compare": "yes"}, "spec key 'compare': expected true or false"),
    ({"inputs": [1], "teacher": 1, "steps": 21}, "spec key 'steps': must be at most 20"),
    ({"inputs": [1], "teacher": 1, "decimals": 0}, "spec key 'decimals': must be at least 1"),
    ({"inputs": [1], "teacher": 1, "learn_bias": False}, "spec key 'learn_bias': unknown key"),
    ({"inputs": [1], "teacher": 1, "initial_weights": [-20], "decimals": 4},
     "spec key 'initial_weights': step 1's output y rounds to 0"),
    ({"inputs": [1], "teacher": 1, "initial_weights": [11]}, "spec key 'compare': the squared error's δ of step 1"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        sheet(spec)


# --- named slips, typed into real workbooks -----------------------------------------------------------------------

SIGMA_KEPT = {"en": "σ'(u) = y(1 − y) kept with the cross-entropy", "ja": "交差エントロピー誤差の δ に σ'(u) = y(1 − y) を掛けています"}
BASE10 = {"en": "base-10 log used instead of the natural log ln", "ja": "自然対数 ln ではなく常用対数 log₁₀ を使用"}
MINUS = {"en": "the minus sign in front of the bracket forgotten", "ja": "かっこの前のマイナスの付け忘れ"}
SIGN = {"en": "sign reversed (t − y instead of y − t)", "ja": "符号の取り違え (y − t ではなく t − y)"}
FORGOT = {"en": "σ'(u) = y(1 − y) forgotten", "ja": "σ'(u) = y(1 − y) の掛け忘れ"}


def slips_of(key, t):
    y = round(key["y1"], 4)  # the learner's own y, as typed: the slip is computed from it
    return [("d1", (y - t) * y * (1 - y), "sigma-grad-kept", SIGMA_KEPT),
            ("E1", -(t * math.log10(y) + (1 - t) * math.log10(1 - y)), "base10-log", BASE10),
            ("E1", t * math.log(y) + (1 - t) * math.log(1 - y), "minus-forgotten", MINUS),
            ("d1", t - y, "sign-reversed", SIGN),
            ("sd1", y - t, "sigma-grad-forgotten", FORGOT)]


@pytest.mark.parametrize("seed", [1, 7])  # t = 0 and t = 1
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_classic_slips_are_named(tmp_path, lang, seed):
    v, learner, _ = make_workbooks(tmp_path, "logistic", seed, lang)
    key, t = v.worksheet.key(), v.params["samples"][0]["teacher"]
    assert t == {1: 0, 7: 1}[seed]
    for i, (name, wrong, slip_id, words) in enumerate(slips_of(key, t)):
        typed = round(wrong, 4)
        assert abs(typed - key[name]) > 1e-4
        values = {**{n: round(x, 4) for n, x in answers_of(v).items()}, name: typed}
        report = grade(read_filled(fill(learner, v, lang, values, tmp_path / f"slip{i}.xlsx")))
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect" and cell.slip_id == slip_id, (slip_id, cell.feedback)
        assert words[lang] in cell.feedback, cell.feedback


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("slip", ["d1", "su2"])
def test_one_slip_costs_one_cell_and_later_cells_are_carried(tmp_path, lang, slip):
    check_end_to_end(tmp_path, sampled("logistic", 3), lang, slip)
