"""The `neuron` kind: one neuron trained by gradient descent on E = ½(t − y)²."""
import json
import math
import re

import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.workbook.reader import read_filled

from conftest import answers_of, depends_on, fill, make_workbooks, own_values, run_cli


def key_of(spec: dict) -> dict:
    return from_spec({"kind": "neuron", **spec}).worksheet.key()


def test_two_steps_by_hand():
    """w = (0, 0), b = 0, x = (1, 1), t = 1, η = 1. Step 1: u = 0, y = ½, E = ⅛, δ = (½ − 1)·½·½ = −⅛,
    so every weight and the bias become ⅛. Step 2: u = ⅛ + ⅛ + ⅛ = 0.375."""
    key = key_of({"inputs": [1, 1], "teacher": 1, "learning_rate": 1, "steps": 2})
    assert [key["u1"], key["y1"], key["E1"], key["d1"]] == [0, 0.5, 0.125, -0.125]
    assert [key["g1_1"], key["g1_2"], key["gb1"]] == [-0.125] * 3
    assert [key["w1_1"], key["w1_2"], key["b1"]] == [0.125] * 3
    assert key["u2"] == 0.375
    y2 = 1 / (1 + math.exp(-0.375))
    assert key["y2"] == pytest.approx(y2, abs=1e-15)
    assert key["d2"] == pytest.approx((y2 - 1) * y2 * (1 - y2), abs=1e-15)
    assert key["Ea1"] < key["E2"] < key["E1"]  # the after-table runs the weights step 2 left


def test_mazur_output_neuron():
    """Matt Mazur, "A Step by Step Backpropagation Example" (2015): the output neuron o₁ alone is a sigmoid
    neuron with inputs out_h1 = 0.593269992, out_h2 = 0.596884378, weights w5 = .40, w6 = .45, bias b2 = .60
    (not updated), target .01, η = .5. Published: net_o1 = 1.105905967, out_o1 = 0.75136507,
    E_o1 = 0.274811083, δ_o1 = 0.138498562, ∂E/∂w5 = 0.082167041, w5⁺ = 0.35891648, w6⁺ = 0.408666186."""
    key = key_of({"inputs": [0.593269992, 0.596884378], "teacher": 0.01, "initial_weights": [0.40, 0.45],
                  "bias": 0.60, "learn_bias": False, "learning_rate": 0.5, "decimals": 9})
    published = {"u1": 1.105905967, "y1": 0.75136507, "E1": 0.274811083, "d1": 0.138498562,
                 "g1_1": 0.082167041, "w1_1": 0.35891648, "w1_2": 0.408666186}
    for name, value in published.items():  # the inputs are published to 9 decimals, so agree to about 1e-9
        assert key[name] == pytest.approx(value, abs=2e-9), name
    assert "gb1" not in key and "b1" not in key  # a fixed bias has no gradient cell


def test_linear_neuron_is_the_delta_rule():
    """activation = "identity": y = u, δ = y − t, the Widrow–Hoff rule. x = (1, 2), w = (0.5, −0.5), t = 1,
    η = 0.1: u = −0.5, δ = −1.5, w' = (0.65, −0.2), b' = 0.15."""
    key = key_of({"activation": "identity", "inputs": [1, 2], "teacher": 1, "initial_weights": [0.5, -0.5],
                  "learning_rate": 0.1})
    assert [key["u1"], key["y1"], key["E1"], key["d1"]] == pytest.approx([-0.5, -0.5, 1.125, -1.5])
    assert [key["w1_1"], key["w1_2"], key["b1"]] == pytest.approx([0.65, -0.2, 0.15])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
def test_delta_is_the_derivative_of_the_error(activation):
    """δ·xᵢ agrees with the central difference of E(w) — an independent check of every gradient cell."""
    spec = {"activation": activation, "inputs": [0.7, -0.4], "teacher": 0.9, "initial_weights": [0.3, 0.8],
            "bias": 0.1, "decimals": 12}
    key = key_of(spec)
    f = F.ACTIVATIONS[activation][0]

    def error(w, b):
        return F.squared_error(f(F.affine_sum([0.7, -0.4], w, b)), 0.9)

    h = 1e-6
    for i in range(2):
        plus, minus = [0.3, 0.8], [0.3, 0.8]
        plus[i] += h
        minus[i] -= h
        assert key[f"g1_{i + 1}"] == pytest.approx(F.central_difference(error(plus, 0.1), error(minus, 0.1), h),
                                                   abs=1e-8)
    assert key["gb1"] == pytest.approx(F.central_difference(error([0.3, 0.8], 0.1 + h), error([0.3, 0.8], 0.1 - h), h),
                                       abs=1e-8)


def test_samples_presented_in_turn():
    spec = {"samples": [{"inputs": [1, 0], "teacher": 1}, {"name": "Q", "inputs": [0, 1], "teacher": 0}],
            "steps": 3}
    v = from_spec({"kind": "neuron", **spec})
    assert v.params["trials"] == ["A", "Q", "A"]
    key = v.worksheet.key()
    # step 2 presents Q = (0, 1): the gradient of w₁ is δ·0
    assert key["g2_1"] == 0 and key["g2_2"] == key["d2"] != 0
    # each step starts from the weights the step before left
    assert key["u3"] == pytest.approx(key["w2_1"] * 1 + key["w2_2"] * 0 + key["b2"], abs=1e-15)
    by_epochs = from_spec({"kind": "neuron", "samples": spec["samples"], "epochs": 2})
    assert by_epochs.params["trials"] == ["A", "Q"] * 2 and by_epochs.params["epochs"] == 2


# --- the engine's training step gives the same numbers -------------------------------------------------------

ENGINE_CASES = [
    ("sigmoid", True, 0.3), ("sigmoid", False, 0.2), ("tanh", True, -0.1), ("relu", True, 0.4),
    ("identity", True, 0.0),
]
SAMPLES = [{"inputs": [0.5, -1.0, 2.0], "teacher": 0.8}, {"inputs": [1.0, 0.25, -0.5], "teacher": 0.1}]
START = [0.2, -0.3, 0.1]


def sheet_run(activation, learn_bias, bias):
    v = from_spec({"kind": "neuron", "activation": activation, "samples": SAMPLES, "initial_weights": START,
                   "bias": bias, "learn_bias": learn_bias, "learning_rate": 0.7, "epochs": 3, "decimals": 12})
    key = v.worksheet.key()
    steps = len(v.params["trials"])
    weights = [key[f"w{steps}_{i + 1}"] for i in range(3)]
    final_bias = key[f"b{steps}"] if learn_bias else bias
    return key, steps, weights, final_bias


@pytest.mark.parametrize("activation,learn_bias,bias", ENGINE_CASES)
def test_sheet_is_the_engines_training(activation, learn_bias, bias):
    """Affine + activation layer, the squared error's gradient y − t, optimizers.SGD: step by step the
    same E and in the end the same weights as the sheet, in float64."""
    layers = pytest.importorskip("matchbox.engine.layers")
    optimizers = pytest.importorskip("matchbox.engine.optimizers")
    key, steps, weights, final_bias = sheet_run(activation, learn_bias, bias)
    affine = layers.Affine(np.array(START, dtype=float).reshape(3, 1), np.array([float(bias)]))
    act = {"sigmoid": layers.Sigmoid, "tanh": layers.Tanh, "relu": layers.Relu}.get(activation)
    net = [affine] + ([act()] if act else [])
    sgd = optimizers.SGD(lr=0.7)
    for step in range(steps):
        smp = SAMPLES[step % 2]
        y = np.array([smp["inputs"]], dtype=float)
        for layer in net:
            y = layer.forward(y)
        assert F.squared_error(y, smp["teacher"]) == pytest.approx(key[f"E{step + 1}"], abs=1e-12)
        dout = y - smp["teacher"]
        for layer in reversed(net):
            dout = layer.backward(dout)
        trained = {k: v for k, v in affine.params.items() if learn_bias or v.ndim == 2}
        sgd.update(trained, {k: affine.grads[k] for k in trained})
    assert affine.params["W"].ravel() == pytest.approx(weights, abs=1e-12)
    assert affine.params["b"] == pytest.approx([final_bias], abs=1e-12)


@pytest.mark.parametrize("activation,learn_bias,bias", ENGINE_CASES)
def test_sheet_is_torch_autograd(activation, learn_bias, bias):
    torch = pytest.importorskip("torch")
    key, steps, weights, final_bias = sheet_run(activation, learn_bias, bias)
    w = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(float(bias), dtype=torch.float64, requires_grad=learn_bias)
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda u: u}[activation]
    for step in range(steps):
        smp = SAMPLES[step % 2]
        y = act(torch.tensor(smp["inputs"], dtype=torch.float64) @ w + b)
        error = 0.5 * (smp["teacher"] - y) ** 2
        assert error.item() == pytest.approx(key[f"E{step + 1}"], abs=1e-12)
        error.backward()
        with torch.no_grad():
            for p in (w, b) if learn_bias else (w,):
                p -= 0.7 * p.grad
                p.grad = None
    assert w.tolist() == pytest.approx(weights, abs=1e-12)
    assert b.item() == pytest.approx(final_bias, abs=1e-12)


# --- seeded variants -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("neuron", seed)
    p = v.params
    assert p["decimals"] == 4 and p["activation"] == "sigmoid" and p["learning_rate"] in (0.5, 1)
    for w in p["initial_weights"] + [p["bias"]]:
        assert round(w, 1) == w and -1 <= w <= 1
    assert len(p["samples"]) == 2 and len(p["trials"]) in (2, 4)
    assert {s["teacher"] for s in p["samples"]} == {0, 1}
    assert all(x in (0, 1) for s in p["samples"] for x in s["inputs"])
    key = v.worksheet.key()
    assert all(abs(key[f"d{s}"]) >= 0.02 for s in range(1, len(p["trials"]) + 1))  # learning shows at 4 decimals
    x = np.array([s["inputs"] for s in p["samples"]], dtype=float)
    before = F.squared_error(F.sigmoid(x @ np.array(p["initial_weights"]) + p["bias"]),
                             [s["teacher"] for s in p["samples"]])
    assert key["Ea1"] + key["Ea2"] < before
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == p and again.worksheet.key() == key


@pytest.mark.parametrize("spec", [
    {"inputs": [1, 1], "teacher": 1, "steps": 3, "learn_bias": False},
    {"activation": "tanh", "samples": SAMPLES, "initial_weights": START, "epochs": 2, "decimals": 6},
    {"activation": "identity", "inputs": [1], "teacher": 0.5, "bias": 0.2, "trials": ["A", "A"]},
])
def test_stored_parameters_rebuild_the_sheet(spec):
    v = from_spec({"kind": "neuron", **spec})
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == v.params and again.worksheet.key() == v.worksheet.key()


def test_variants_are_distinct_and_pinned():
    """A seed must give the same workbook in every future version: a change here breaks handed-out sheets."""
    assert len({v.digest for v in variants("neuron", 1, 5)}) == 5
    v = sampled("neuron", 3)
    assert v.params["initial_weights"] == [0.4, -0.7] and v.params["bias"] == 0.4
    assert v.digest == "7f3143ddb3218a8c"


# --- spec errors name the key ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec,message", [
    ({}, "spec key 'inputs': is required"),
    ({"inputs": [1, 0]}, "spec key 'teacher': is required"),
    ({"inputs": [1, 0], "teacher": 1, "initial_weights": [0.1]}, "spec key 'initial_weights': expected 2 numbers"),
    ({"inputs": [], "teacher": 1}, "spec key 'inputs': expected 1 to 6 numbers"),
    ({"samples": [{"inputs": [1, 0], "teacher": 1}, {"inputs": [1], "teacher": 0}]},
     "spec key 'samples[1].inputs': expected 2 numbers like the first sample"),
    ({"samples": [{"inputs": [1], "teacher": 1, "teachr": 0}]}, "spec key 'samples[0].teachr': unknown key"),
    ({"inputs": [1], "teacher": 1, "samples": [{"inputs": [1], "teacher": 1}]}, "spec key 'inputs': give either"),
    ({"inputs": [1], "teacher": 1, "activation": "softmax"}, "spec key 'activation': must be one of"),
    ({"inputs": [1], "teacher": 1, "learning_rate": -1}, "spec key 'learning_rate': must be greater than 0"),
    ({"inputs": [1], "teacher": 1, "decimals": 13}, "spec key 'decimals': must be at most 12"),
    ({"inputs": [1], "teacher": 1, "steps": 2, "epochs": 2}, "spec key 'epochs': give either steps"),
    ({"inputs": [1], "teacher": 1, "steps": 51}, "spec key 'steps': must be at most 50"),
    ({"inputs": [1], "teacher": 1, "bias": "0.1"}, "spec key 'bias': expected a number"),
    ({"inputs": [1], "teacher": 1, "learn_bias": 1}, "spec key 'learn_bias': expected true or false"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        from_spec({"kind": "neuron", **spec})


# --- end to end: generate, fill, check -------------------------------------------------------------------------



@pytest.mark.parametrize("lang", ["en", "ja"])
def test_key_values_get_full_marks(tmp_path, lang):
    v, learner, _ = make_workbooks(tmp_path, "neuron", 5, lang)
    values = {n: round(x, 4) for n, x in answers_of(v).items()}
    filled = fill(learner, v, lang, values, tmp_path / "filled.xlsx")
    r = run_cli("check", filled, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["score"] == out["max_score"] == len(v.worksheet.answers) and out["kind"] == "neuron"
    assert {c["status"] for c in out["cells"]} == {"correct"}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_one_slip_costs_one_cell(tmp_path, lang):
    v, learner, _ = make_workbooks(tmp_path, "neuron", 5, lang)
    ws = v.worksheet
    own = own_values(ws, slip="u1")
    report = grade(read_filled(fill(learner, v, lang, own, tmp_path / "slip.xlsx")))
    status = {c.quantity: c.status for c in report.cells}
    assert status["u1"] == "incorrect"
    later = depends_on(ws, "u1")
    key = ws.key()
    assert all(status[n] == "carried" for n in later if abs(own[n] - key[n]) > 0.5e-4)
    assert sum(s == "carried" for s in status.values()) >= 10
    assert report.score == report.max_score - 1
    u1 = next(c for c in report.cells if c.quantity == "u1")
    assert "w₁x₁ + w₂x₂ + b" in u1.feedback


@pytest.mark.parametrize("slip,wrong", [("sign-reversed", lambda y, t: (t - y) * y * (1 - y)),
                                        ("sigma-grad-forgotten", lambda y, t: y - t)])
def test_the_classic_delta_slips_are_named(tmp_path, slip, wrong):
    v, learner, _ = make_workbooks(tmp_path, "neuron", 5, "en")
    ws = v.worksheet
    first = [s["name"] for s in v.params["samples"]].index(v.params["trials"][0]) + 1
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:  # δ of step 1 done the wrong way, everything else right from there on
        values[q.name] = wrong(values["y1"], values[f"t{first}"]) if q.name == "d1" else ws.evaluate(q.name, values)
    report = grade(read_filled(fill(learner, v, "en", {q.name: values[q.name] for q in ws.answers},
                                    tmp_path / "slip.xlsx")))
    d1 = next(c for c in report.cells if c.quantity == "d1")
    assert d1.status == "incorrect" and d1.slip_id == slip
    assert report.score == report.max_score - 1


@pytest.mark.parametrize("seed", [2, 5, 8])
def test_rounding_as_told_never_costs_a_mark(tmp_path, seed):
    v, learner, _ = make_workbooks(tmp_path, "neuron", seed, "en")
    own = own_values(v.worksheet, decimals=4)
    report = grade(read_filled(fill(learner, v, "en", own, tmp_path / "rounded.xlsx")))
    assert report.score == report.max_score, [c for c in report.cells if c.status not in ("correct", "carried")]
