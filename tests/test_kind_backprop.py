"""The `backprop` kind: a two-layer network, one backpropagation step at a time."""
import json
import re

import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.worksheet.graph import Q
from matchbox.grading.grader import grade
from matchbox.workbook.reader import read_filled

from conftest import answers_of, check_end_to_end, depends_on, fill, make_workbooks, own_values, run_cli

# Matt Mazur, "A Step by Step Backpropagation Example" (2015), a 2-2-2 network. He numbers the weights unit by
# unit: w1, w2 lead into h1 and w3, w4 into h2 (from i1 and i2), w5, w6 into o1 and w7, w8 into o2 (from h1
# and h2). In our matrices, x @ W, hidden_weights[i][j] joins input i to hidden unit j, so
# hidden_weights = [[w1, w3], [w2, w4]] and output_weights = [[w5, w7], [w6, w8]].
MAZUR = {"kind": "backprop", "shape": [2, 2, 2], "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
         "hidden_weights": [[0.15, 0.25], [0.20, 0.30]], "output_weights": [[0.40, 0.50], [0.45, 0.55]],
         "biases": "per_layer", "hidden_bias": 0.35, "output_bias": 0.60, "learn_biases": False,
         "learning_rate": 0.5, "decimals": 9, "weight_names": "numbered"}
# His published numbers, as printed (some to 8 or 9 decimals), by our quantity names.
MAZUR_PUBLISHED = {
    "u1_1": "0.3775",  # net_h1
    "h1_1": "0.593269992", "h1_2": "0.596884378",  # out_h1, out_h2
    "z1_1": "1.105905967",  # net_o1
    "y1_1": "0.75136507", "y1_2": "0.772928465",  # out_o1, out_o2
    "E1": "0.298371109",  # E_total
    "dy1_1": "0.74136507",  # ∂E_total/∂out_o1
    "gz1_1": "0.186815602",  # ∂out_o1/∂net_o1
    "do1_1": "0.138498562",  # δ_o1
    "gv1_1_1": "0.082167041",  # ∂E_total/∂w5
    "v1_1_1": "0.35891648", "v1_2_1": "0.408666186", "v1_1_2": "0.511301270", "v1_2_2": "0.561370121",  # w5⁺..w8⁺
    "sh1_1": "0.036350306",  # ∂E_total/∂out_h1
    "gu1_1": "0.241300709",  # ∂out_h1/∂net_h1
    "gw1_1_1": "0.000438568",  # ∂E_total/∂w1
    "w1_1_1": "0.149780716", "w1_2_1": "0.19956143", "w1_1_2": "0.24975114", "w1_2_2": "0.29950229",  # w1⁺..w4⁺
}


def mazur():
    return from_spec(MAZUR)


def test_mazur_step_by_step():
    key = mazur().worksheet.key()
    for name, published in MAZUR_PUBLISHED.items():
        digits = len(published.split(".")[1])
        assert round(key[name], digits) == pytest.approx(float(published), abs=1e-12), name
    assert round(key["E1"], 9) == 0.298371109


def test_mazur_error_after_the_update():
    """Mazur writes that after the first round the error is 0.291027924. A forward pass with the very weights
    he publishes (w1⁺ = 0.149780716 ... w8⁺ = 0.561370121) gives 0.291027774, and so does the sheet."""
    key = mazur().worksheet.key()
    assert round(key["Ea1"], 9) == 0.291027774
    x = np.array([0.05, 0.10])
    w = np.array([[0.149780716, 0.24975114], [0.19956143, 0.29950229]])
    v = np.array([[0.35891648, 0.511301270], [0.408666186, 0.561370121]])
    y = F.sigmoid(F.sigmoid(x @ w + 0.35) @ v + 0.60)
    assert round(F.squared_error(y, [0.01, 0.99]), 9) == 0.291027774


def slipped_with_new_output_weights(ws) -> dict:
    """A learner who takes the new output weights (v') into the hidden deltas, then carries on."""
    key = ws.key()
    slipped = {f"sh1_{j}": sum(key[f"do1_{k}"] * key[f"v1_{j}_{k}"] for k in (1, 2)) for j in (1, 2)}
    own = dict(key)
    names = list(ws.quantities)
    for name in names[names.index("sh1_1"):]:
        own[name] = slipped[name] if name in slipped else ws.evaluate(name, own)
    return own


def test_mazurs_published_error_is_the_classic_slip(tmp_path):
    """... and 0.291027924 is what comes out when the hidden deltas use the NEW output weights. The check
    marks exactly those two cells and carries everything after them."""
    v = mazur()
    ws = v.worksheet
    own = slipped_with_new_output_weights(ws)
    assert round(own["Ea1"], 9) == 0.291027924
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="en")
    report = grade(read_filled(fill(learner, v, "en", {q.name: own[q.name] for q in ws.answers},
                                    tmp_path / "slip.xlsx")))
    status = {c.quantity: c.status for c in report.cells}
    assert [n for n, s in status.items() if s == "incorrect"] == ["sh1_1", "sh1_2"]
    named = {c.quantity: c.slip_id for c in report.cells if c.status == "incorrect"}
    assert set(named.values()) <= {"new-weight-used", "new-weight-in-sum"} and None not in named.values()
    assert status["dh1_1"] == status["w1_1_1"] == status["Ea1"] == "carried"
    assert status["v1_1_1"] == "correct"
    assert report.score == report.max_score - 2


def test_mazur_sheet_names_weights_as_he_does():
    ws = mazur().worksheet
    weights = next(t for t in ws.tables if t.name == "weights")
    rows = {row[0]: (row[1], row[2], row[3].name) for row in weights.rows}
    assert rows["w₁"] == ("x₁", "h₁", "w0_1_1") and rows["w₂"] == ("x₂", "h₁", "w0_2_1")
    assert rows["w₃"] == ("x₁", "h₂", "w0_1_2") and rows["w₅"] == ("h₁", "o₁", "v0_1_1")
    assert rows["w₆"] == ("h₂", "o₁", "v0_2_1") and rows["w₈"] == ("h₂", "o₂", "v0_2_2")
    assert rows["b₁"][2] == "b0" and rows["b₂"][2] == "c0"
    assert ws.quantities["gv1_1_1"].label["en"] == "step 1: gradient ∂E/∂w₅"
    assert ws.quantities["sh1_1"].formula == "Σ = δ(o₁)·w₅ + δ(o₂)·w₇"  # the weights out of h₁


def test_learned_shared_biases_take_the_sum_of_the_layers_deltas():
    key = from_spec({**MAZUR, "learn_biases": True}).worksheet.key()
    assert key["gb1"] == pytest.approx(key["dh1_1"] + key["dh1_2"], abs=1e-15)
    assert key["gc1"] == pytest.approx(key["do1_1"] + key["do1_2"], abs=1e-15)
    assert key["b1"] == pytest.approx(0.35 - 0.5 * key["gb1"], abs=1e-15)
    assert round(key["Ea1"], 9) == 0.285750887  # lower than with the biases held fixed


def test_relu_and_identity_by_hand():
    """1-1-1: x = 1, w = 0.5, b = 0, ReLU; v = 2, c = 0, identity output; t = 0, η = 0.1.
    h = 0.5, y = 1, E = ½; δo = y − t = 1, ∂E/∂v = δo·h = 0.5; Σ = δo·v = 2, f' = 1, δh = 2, ∂E/∂w = 2.
    New: w = 0.3, b = −0.2, v = 1.95, c = −0.1. After: h = 0.1, y = 0.1·1.95 − 0.1 = 0.095, E = 0.0045125."""
    key = from_spec({"kind": "backprop", "hidden": "relu", "output": "identity", "hidden_weights": [[0.5]],
                     "output_weights": [[2]], "inputs": [1], "targets": [0], "learning_rate": 0.1}).worksheet.key()
    expected = {"u1_1": 0.5, "h1_1": 0.5, "z1_1": 1, "y1_1": 1, "E1": 0.5, "do1_1": 1, "gv1_1_1": 0.5,
                "sh1_1": 2, "gu1_1": 1, "dh1_1": 2, "gw1_1_1": 2, "w1_1_1": 0.3, "b1_1": -0.2, "v1_1_1": 1.95,
                "c1_1": -0.1, "ha1_1": 0.1, "ya1_1": 0.095, "Ea1": 0.0045125}
    assert {n: key[n] for n in expected} == pytest.approx(expected, abs=1e-15)
    assert "dy1_1" not in key and "gz1_1" not in key  # an identity output's delta is y − t itself


def test_several_steps_start_where_the_last_one_ended():
    v = from_spec({**MAZUR, "steps": 3})
    key = v.worksheet.key()
    assert round(key["E2"], 9) == 0.291027774  # step 2 starts from the weights step 1 left
    assert key["E1"] > key["E2"] > key["E3"] > key["Ea1"]
    assert key["u2_1"] == pytest.approx(0.05 * key["w1_1_1"] + 0.10 * key["w1_2_1"] + 0.35, abs=1e-15)
    tables = [t.name for t in v.worksheet.tables]
    assert tables[3:] == [f"{part}{tag}" for tag in ("1", "2", "3") for part in ("fh", "fo", "e", "bo", "bh", "up")] \
        + ["fha1", "foa1", "ea1"]


# --- the engine's training step gives the same numbers -------------------------------------------------------

ENGINE_CASES = [  # shape, hidden, output, biases, learn_biases, samples, steps
    ([2, 2, 1], "sigmoid", "sigmoid", "per_unit", True, 2, 4),
    ([2, 2, 2], "sigmoid", "sigmoid", "per_layer", False, 1, 2),
    ([2, 2, 2], "sigmoid", "sigmoid", "per_layer", True, 2, 3),
    ([2, 3, 1], "tanh", "identity", "per_unit", True, 1, 3),
    ([3, 2, 2], "relu", "sigmoid", "none", False, 2, 2),
    ([1, 2, 3], "tanh", "tanh", "per_unit", False, 1, 2),
]


def engine_case(shape, hidden, output, biases, learn, n_samples, steps):
    rng = np.random.default_rng(sum(shape) + steps)
    n, h, k = shape
    spec = {"kind": "backprop", "shape": shape, "hidden": hidden, "output": output, "biases": biases,
            "hidden_weights": rng.uniform(-1, 1, (n, h)).round(2).tolist(),
            "output_weights": rng.uniform(-1, 1, (h, k)).round(2).tolist(),
            "samples": [{"inputs": rng.uniform(-1, 1, n).round(2).tolist(),
                         "targets": rng.uniform(0.1, 0.9, k).round(2).tolist()} for _ in range(n_samples)],
            "learning_rate": 0.8, "steps": steps, "decimals": 12}
    if biases == "per_unit":
        spec |= {"hidden_bias": rng.uniform(-1, 1, h).round(2).tolist(),
                 "output_bias": rng.uniform(-1, 1, k).round(2).tolist(), "learn_biases": learn}
    elif biases == "per_layer":
        spec |= {"hidden_bias": 0.3, "output_bias": -0.2, "learn_biases": learn}
    return from_spec(spec)


def sheet_weights(v, step):
    """The weights and biases after `step` as arrays shaped like the engine's (x @ W + b)."""
    p, key = v.params, v.worksheet.key()
    n, h, k = p["shape"]
    w = np.array([[key[f"w{step}_{i + 1}_{j + 1}"] if step else p["hidden_weights"][i][j] for j in range(h)]
                  for i in range(n)])
    vv = np.array([[key[f"v{step}_{j + 1}_{m + 1}"] if step else p["output_weights"][j][m] for m in range(k)]
                   for j in range(h)])
    if p["biases"] == "none":
        return w, vv, np.zeros(h), np.zeros(k)
    if not p["learn_biases"] or step == 0:
        b, c = p["hidden_bias"], p["output_bias"]
    elif p["biases"] == "per_layer":
        b, c = key[f"b{step}"], key[f"c{step}"]
    else:
        b = [key[f"b{step}_{j + 1}"] for j in range(h)]
        c = [key[f"c{step}_{m + 1}"] for m in range(k)]
    return w, vv, np.broadcast_to(np.array(b, float), (h,)).copy(), np.broadcast_to(np.array(c, float), (k,)).copy()


def sample_arrays(v, step):
    """The input row and target row that step `step` (1-based) presents."""
    p = v.params
    smp = next(s for s in p["samples"] if s["name"] == p["trials"][step - 1])
    return np.array([smp["inputs"]], float), np.array([smp["targets"]], float)


@pytest.mark.parametrize("case", ENGINE_CASES, ids=lambda c: "-".join(map(str, c[0])) + f"-{c[1]}-{c[3]}")
def test_sheet_is_the_engines_training(case):
    """Affine → activation → Affine → activation with the squared error's gradient y − t and
    optimizers.SGD give every step's E, the final weights and the error after the update, in float64."""
    layers = pytest.importorskip("matchbox.engine.layers")
    optimizers = pytest.importorskip("matchbox.engine.optimizers")
    v = engine_case(*case)
    p, key = v.params, v.worksheet.key()
    learn, shared = p["learn_biases"], p["biases"] == "per_layer"
    activation = {"sigmoid": layers.Sigmoid, "tanh": layers.Tanh, "relu": layers.Relu}
    w, vv, b, c = sheet_weights(v, 0)
    first, second = layers.Affine(w, b), layers.Affine(vv, c)
    net = [first, activation[p["hidden"]](), second] + ([activation[p["output"]]()] if p["output"] != "identity" else [])
    sgd = optimizers.SGD(lr=p["learning_rate"])

    def forward(x):
        for layer in net:
            x = layer.forward(x)
        return x

    for step in range(1, len(p["trials"]) + 1):
        x, t = sample_arrays(v, step)
        y = forward(x)
        assert F.squared_error(y, t) == pytest.approx(key[f"E{step}"], abs=1e-12)
        dout = y - t  # ∂E/∂y for E = ½Σ(t − y)²
        for layer in reversed(net):
            dout = layer.backward(dout)
        params = {"W1": first.params["W"], "W2": second.params["W"]}
        grads = {"W1": first.grads["W"], "W2": second.grads["W"]}
        if learn and not shared:
            params |= {"b1": first.params["b"], "b2": second.params["b"]}
            grads |= {"b1": first.grads["b"], "b2": second.grads["b"]}
        if learn and shared:  # one bias per layer: its gradient is the sum over the layer's units
            shared_b = {"b1": first.params["b"][:1].copy(), "b2": second.params["b"][:1].copy()}
            sgd.update(shared_b, {"b1": first.grads["b"].sum(keepdims=True),
                                  "b2": second.grads["b"].sum(keepdims=True)})
        sgd.update(params, grads)
        if learn and shared:
            first.params["b"][:] = shared_b["b1"]
            second.params["b"][:] = shared_b["b2"]
        w, vv, b, c = sheet_weights(v, step)
        assert first.params["W"] == pytest.approx(w, abs=1e-12)
        assert second.params["W"] == pytest.approx(vv, abs=1e-12)
        assert first.params["b"] == pytest.approx(b, abs=1e-12)
        assert second.params["b"] == pytest.approx(c, abs=1e-12)
    for s, smp in enumerate(p["samples"], start=1):
        y = forward(np.array([smp["inputs"]], float))
        assert F.squared_error(y, smp["targets"]) == pytest.approx(key[f"Ea{s}"], abs=1e-12)


@pytest.mark.parametrize("case", ENGINE_CASES, ids=lambda c: "-".join(map(str, c[0])) + f"-{c[1]}-{c[3]}")
def test_sheet_is_torch_autograd(case):
    torch = pytest.importorskip("torch")
    v = engine_case(*case)
    p, key = v.params, v.worksheet.key()
    learn, shared = p["learn_biases"], p["biases"] == "per_layer"
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z}
    f, g = act[p["hidden"]], act[p["output"]]
    w, vv, b, c = (torch.tensor(a, dtype=torch.float64) for a in sheet_weights(v, 0))
    if shared:  # one parameter per layer, broadcast over its units
        b, c = b[:1].clone(), c[:1].clone()
    trained = [w, vv] + ([b, c] if learn else [])
    for t in trained:
        t.requires_grad_(True)

    def error(x, t):
        y = g(f(torch.tensor(x) @ w + b) @ vv + c)
        return 0.5 * ((torch.tensor(t) - y) ** 2).sum()

    for step in range(1, len(p["trials"]) + 1):
        x, t = sample_arrays(v, step)
        e = error(x[0], t[0])
        assert e.item() == pytest.approx(key[f"E{step}"], abs=1e-12)
        e.backward()
        with torch.no_grad():
            for param in trained:
                param -= p["learning_rate"] * param.grad
                param.grad = None
    sw, sv, sb, sc = sheet_weights(v, len(p["trials"]))
    assert w.detach().numpy() == pytest.approx(sw, abs=1e-12)
    assert vv.detach().numpy() == pytest.approx(sv, abs=1e-12)
    assert np.broadcast_to(b.detach().numpy(), sb.shape) == pytest.approx(sb, abs=1e-12)
    assert np.broadcast_to(c.detach().numpy(), sc.shape) == pytest.approx(sc, abs=1e-12)
    for s, smp in enumerate(p["samples"], start=1):
        assert error(np.array(smp["inputs"]), np.array(smp["targets"])).item() == pytest.approx(key[f"Ea{s}"],
                                                                                                abs=1e-12)


# --- seeded variants -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(1, 13))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("backprop", seed)
    p = v.params
    assert p["shape"] == [2, 2, 1] and p["hidden"] == p["output"] == "sigmoid" and p["decimals"] == 4
    assert p["biases"] == "per_unit" and p["learn_biases"] and p["learning_rate"] in (0.5, 1)
    weights = sum(p["hidden_weights"] + p["output_weights"], [])
    assert all(round(w, 1) == w and 0 < abs(w) <= 1 for w in weights)
    assert all(round(b, 1) == b and abs(b) <= 0.5 for b in p["hidden_bias"] + p["output_bias"])
    (smp,) = p["samples"]
    assert smp["inputs"] in ([0, 1], [1, 0], [1, 1]) and smp["targets"] == [smp["inputs"][0] ^ smp["inputs"][1]]
    key = v.worksheet.key()
    assert all(abs(key[f"dh1_{j}"]) >= 0.005 for j in (1, 2))  # the hidden deltas show at 4 decimals
    assert key["Ea1"] < key["E1"] - 0.001
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == p and again.worksheet.key() == key


@pytest.mark.parametrize("case", ENGINE_CASES, ids=lambda c: "-".join(map(str, c[0])) + f"-{c[1]}-{c[3]}")
def test_stored_parameters_rebuild_the_sheet(case):
    """What a workbook stores (canonical parameters) normalises to itself, for every option."""
    v = engine_case(*case)
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == v.params and again.worksheet.key() == v.worksheet.key()


def test_variants_are_distinct_and_pinned():
    """A seed must give the same workbook in every future version: a change here breaks handed-out sheets."""
    assert len({v.digest for v in variants("backprop", 1, 5)}) == 5
    v = sampled("backprop", 3)
    assert v.params["hidden_weights"] == [[-0.7, -0.4], [0.4, -0.7]] and v.params["output_weights"] == [[-0.9], [0.5]]
    assert v.digest == "bf691ae7d7ad3813"


# --- spec errors name the key ----------------------------------------------------------------------------------

GOOD = {"hidden_weights": [[0.1, 0.2], [0.3, 0.4]], "output_weights": [[0.5], [0.6]], "inputs": [1, 0],
        "targets": [1]}


@pytest.mark.parametrize("change,message", [
    ({"hidden_weights": None}, "spec key 'hidden_weights': is required"),
    ({"hidden_weights": [[0.1, 0.2], [0.3]]}, "spec key 'hidden_weights[1]': expected 2 numbers (one per hidden unit)"),
    ({"shape": [3, 2, 1]}, "spec key 'hidden_weights': expected 3 rows (one per input"),
    ({"output_weights": [[0.5, 0.1]], "shape": [2, 2, 2]}, "spec key 'output_weights': expected 2 rows"),
    ({"hidden_weights": [[0.1, "x"], [0.3, 0.4]]}, "spec key 'hidden_weights[0][1]': expected a number"),
    ({"shape": [2, 7, 1]}, "spec key 'shape[1]': 1 to 6 hidden units, got 7"),
    ({"hidden_weights": 0.5}, "spec key 'hidden_weights': expected a list of rows"),
    ({"inputs": [1, 0, 1]}, "spec key 'inputs': expected 2 numbers"),
    ({"targets": [1, 0]}, "spec key 'targets': expected 1 numbers"),
    ({"hidden": "softmax"}, "spec key 'hidden': must be one of"),
    ({"output": "relu"}, "spec key 'output': must be one of"),
    ({"biases": "shared"}, "spec key 'biases': must be one of"),
    ({"biases": "none", "hidden_bias": [0.1, 0.2]}, "spec key 'hidden_bias': the network has no biases"),
    ({"biases": "none", "learn_biases": True}, "spec key 'learn_biases': the network has no biases to learn"),
    ({"biases": "per_layer", "hidden_bias": [0.1, 0.2]}, "spec key 'hidden_bias': expected a number"),
    ({"hidden_bias": [0.1]}, "spec key 'hidden_bias': expected 2 numbers"),
    ({"weight_names": "mazur"}, "spec key 'weight_names': must be one of"),
    ({"steps": 21}, "spec key 'steps': must be at most 20"),
    ({"decimals": 0}, "spec key 'decimals': must be at least 1"),
    ({"learning_rate": 0}, "spec key 'learning_rate': must be greater than 0"),
    ({"hidden_wieghts": 1}, "spec key 'hidden_wieghts': unknown key"),
    ({"samples": [{"inputs": [1, 0], "targets": [1]}]}, "spec key 'inputs': give either [[samples]]"),
])
def test_bad_spec_names_the_key(change, message):
    spec = {"kind": "backprop", **GOOD, **change}
    spec = {k: v for k, v in spec.items() if v is not None}
    with pytest.raises(SpecError, match=re.escape(message)):
        from_spec(spec)


def test_a_single_bias_number_starts_every_unit():
    p = from_spec({"kind": "backprop", **GOOD, "hidden_bias": 0.2}).params
    assert p["hidden_bias"] == [0.2, 0.2] and p["output_bias"] == [0]


# --- end to end: generate, fill, check -------------------------------------------------------------------------



@pytest.mark.parametrize("lang", ["en", "ja"])
def test_key_values_get_full_marks(tmp_path, lang):
    v, learner, _ = make_workbooks(tmp_path, "backprop", 5, lang)
    values = {n: round(x, 4) for n, x in answers_of(v).items()}
    r = run_cli("check", fill(learner, v, lang, values, tmp_path / "filled.xlsx"), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["score"] == out["max_score"] == len(v.worksheet.answers) and out["kind"] == "backprop"
    assert {c["status"] for c in out["cells"]} == {"correct"}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_one_slip_costs_one_cell(tmp_path, lang):
    v, learner, _ = make_workbooks(tmp_path, "backprop", 5, lang)
    ws = v.worksheet
    own = own_values(ws, slip="u1_2")
    report = grade(read_filled(fill(learner, v, lang, own, tmp_path / "slip.xlsx")))
    status = {c.quantity: c.status for c in report.cells}
    assert status["u1_2"] == "incorrect"
    key = ws.answer_key()  # the key as the sheet asks (rounded at each step): a value that agrees is correct
    later = depends_on(ws, "u1_2")
    unrounded = ws.key()  # agreeing with either key is correct, not carried
    assert all(status[n] == "carried" for n in later
               if abs(own[n] - key[n]) > 0.5e-4 and abs(own[n] - unrounded[n]) > 0.5e-4)
    assert all(status[n] == "correct" for n in status if n not in later | {"u1_2"})
    assert sum(s == "carried" for s in status.values()) >= 10
    assert report.score == report.max_score - 1


@pytest.mark.parametrize("seed", [2, 5, 8])
def test_rounding_as_told_never_costs_a_mark(tmp_path, seed):
    v, learner, _ = make_workbooks(tmp_path, "backprop", seed, "en")
    own = own_values(v.worksheet, decimals=4)
    report = grade(read_filled(fill(learner, v, "en", own, tmp_path / "rounded.xlsx")))
    assert report.score == report.max_score, [c for c in report.cells if c.status not in ("correct", "carried")]


def test_mazur_rounded_to_nine_decimals_gets_full_marks(tmp_path):
    v = from_spec({**MAZUR, "steps": 2})
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang="ja")
    own = own_values(v.worksheet, decimals=9)
    report = grade(read_filled(fill(learner, v, "ja", own, tmp_path / "mazur.xlsx")))
    assert report.score == report.max_score
    assert next(c for c in report.cells if c.quantity == "sh1_1").section == "bh1"


def test_every_answer_sits_in_a_table():
    """Nothing to compute is left off the sheet, and nothing is shown twice as an answer cell."""
    spec = {k: v for k, v in MAZUR.items() if k not in ("inputs", "targets")}
    ws = from_spec({**spec, "learn_biases": True, "steps": 2,
                    "samples": [{"inputs": [0.05, 0.1], "targets": [0.01, 0.99]},
                                {"inputs": [1, 0], "targets": [1, 0]}]}).worksheet
    placed = [c.name for t in ws.tables for row in t.rows for c in row if isinstance(c, Q)]
    assert sorted(placed) == sorted(ws.quantities) and len(placed) == len(set(placed))


# --- an autoencoder step: the targets are the inputs --------------------------------------------------------

AE = {"kind": "backprop", "autoencoder": True, "shape": [2, 1, 2], "hidden": "tanh", "output": "identity",
      "inputs": [1.0, 0.5], "hidden_weights": [[0.6], [-0.4]], "output_weights": [[0.8, 0.3]],
      "hidden_bias": [0.1], "output_bias": [0.2, 0.1], "learning_rate": 0.5}

AE_CASES = [  # hidden, output, biases, samples, steps
    ("tanh", "identity", "per_unit", 1, 1),
    ("sigmoid", "identity", "per_unit", 2, 3),
    ("sigmoid", "sigmoid", "per_layer", 1, 2),
    ("tanh", "tanh", "none", 2, 2),
]


def ae_case(hidden, output, biases, n_samples, steps):
    rng = np.random.default_rng(7 * steps + n_samples)
    spec = {"kind": "backprop", "autoencoder": True, "hidden": hidden, "output": output, "biases": biases,
            "hidden_weights": rng.uniform(-1, 1, (2, 1)).round(2).tolist(),
            "output_weights": rng.uniform(-1, 1, (1, 2)).round(2).tolist(),
            "samples": [{"inputs": rng.uniform(0.1, 0.9, 2).round(2).tolist()} for _ in range(n_samples)],
            "learning_rate": 0.7, "steps": steps, "decimals": 12}
    if biases == "per_unit":
        spec |= {"hidden_bias": [0.1], "output_bias": [-0.2, 0.3]}
    elif biases == "per_layer":
        spec |= {"hidden_bias": 0.1, "output_bias": -0.2}
    return from_spec(spec)


def ae_forward(torch, p, w, v, b, c, x):
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z}
    return act[p["output"]](act[p["hidden"]](x @ w + b) @ v + c)


@pytest.mark.parametrize("case", AE_CASES, ids=lambda c: "-".join(map(str, c)))
def test_autoencoder_is_torch_autograd_of_the_reconstruction_error(case):
    """Every step: E = ½‖x − y‖², every gradient and every updated weight as torch (float64) computes them
    with the input itself as the target; the error after the update too."""
    torch = pytest.importorskip("torch")
    v = ae_case(*case)
    p, key = v.params, v.worksheet.key()
    assert p["shape"] == [2, 1, 2] and all("targets" not in s for s in p["samples"])
    biases = p["biases"] != "none"
    w, vv, b, c = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in sheet_weights(v, 0))
    if p["biases"] == "per_layer":
        b, c = (t.detach()[:1].clone().requires_grad_(True) for t in (b, c))
    trained = [w, vv] + ([b, c] if biases else [])
    for step in range(1, len(p["trials"]) + 1):
        smp = next(s for s in p["samples"] if s["name"] == p["trials"][step - 1])
        x = torch.tensor(smp["inputs"], dtype=torch.float64)  # the input, and the target
        e = 0.5 * ((x - ae_forward(torch, p, w, vv, b, c, x)) ** 2).sum()
        assert e.item() == pytest.approx(key[f"E{step}"], abs=1e-12)
        e.backward()
        assert w.grad.numpy() == pytest.approx(np.array([[key[f"gw{step}_{i}_1"]] for i in (1, 2)]), abs=1e-12)
        assert vv.grad.numpy() == pytest.approx(np.array([[key[f"gv{step}_1_{k}"] for k in (1, 2)]]), abs=1e-12)
        if p["biases"] == "per_unit":
            assert b.grad.item() == pytest.approx(key[f"dh{step}_1"], abs=1e-12)
            assert c.grad.numpy() == pytest.approx([key[f"do{step}_{k}"] for k in (1, 2)], abs=1e-12)
        elif p["biases"] == "per_layer":
            assert b.grad.item() == pytest.approx(key[f"gb{step}"], abs=1e-12)
            assert c.grad.item() == pytest.approx(key[f"gc{step}"], abs=1e-12)
        with torch.no_grad():
            for param in trained:
                param -= p["learning_rate"] * param.grad
                param.grad = None
        sw, sv, sb, sc = sheet_weights(v, step)
        assert w.detach().numpy() == pytest.approx(sw, abs=1e-12)
        assert vv.detach().numpy() == pytest.approx(sv, abs=1e-12)
        assert np.broadcast_to(b.detach().numpy(), sb.shape) == pytest.approx(sb, abs=1e-12)
        assert np.broadcast_to(c.detach().numpy(), sc.shape) == pytest.approx(sc, abs=1e-12)
    with torch.no_grad():
        for s, smp in enumerate(p["samples"], start=1):
            x = torch.tensor(smp["inputs"], dtype=torch.float64)
            e = 0.5 * ((x - ae_forward(torch, p, w, vv, b, c, x)) ** 2).sum()
            assert e.item() == pytest.approx(key[f"Ea{s}"], abs=1e-12)


def test_autoencoder_gradients_are_central_differences():
    """∂E/∂θ of E(θ) = ½‖x − g(f(xW + b)V + c)‖² by central differences, for every weight and bias."""
    v = from_spec({**AE, "decimals": 12})
    key = v.worksheet.key()
    x = np.array(AE["inputs"])
    theta0 = np.array([0.6, -0.4, 0.1, 0.8, 0.3, 0.2, 0.1])  # w₁₁ w₂₁ b₁ v₁₁ v₁₂ c₁ c₂

    def error(t):
        h = np.tanh(x[0] * t[0] + x[1] * t[1] + t[2])
        y = np.array([h * t[3] + t[5], h * t[4] + t[6]])
        return 0.5 * ((x - y) ** 2).sum()

    eps = 1e-6
    numeric = [(error(theta0 + eps * e) - error(theta0 - eps * e)) / (2 * eps) for e in np.eye(7)]
    sheet = [key["gw1_1_1"], key["gw1_2_1"], key["dh1_1"], key["gv1_1_1"], key["gv1_1_2"], key["do1_1"],
             key["do1_2"]]
    assert sheet == pytest.approx(numeric, abs=1e-8)
    assert key["E1"] == pytest.approx(error(theta0), abs=1e-15)
    new = theta0 - 0.5 * np.array(sheet)
    assert [key[n] for n in ("w1_1_1", "w1_2_1", "b1_1", "v1_1_1", "v1_1_2", "c1_1", "c1_2")] == \
        pytest.approx(new.tolist(), abs=1e-12)
    assert key["Ea1"] == pytest.approx(error(new), abs=1e-12)


def test_autoencoder_readme_numbers():
    """The README's example: E = 0.1267 before the update and 0.0013 after, as the sheet asks (4 decimals)."""
    key = from_spec(AE).worksheet.answer_key()
    assert (key["h1_1"], key["y1_1"], key["y1_2"], key["E1"]) == (0.4621, 0.5697, 0.2386, 0.1267)
    assert (key["do1_1"], key["do1_2"], key["dh1_1"]) == (-0.4303, -0.2614, -0.3325)
    assert (key["w1_1_1"], key["v1_1_1"], key["Ea1"]) == (0.7663, 0.8994, 0.0013)


def test_autoencoder_targets_are_the_inputs():
    v = from_spec({**AE, "decimals": 12})
    ws, key = v.worksheet, v.worksheet.key()
    assert not any(n.startswith("t") for n in ws.quantities)  # no targets of their own
    fo = next(t for t in ws.tables if t.name == "fo1")
    assert [row[-1].name for row in fo.rows] == ["x1_1", "x1_2"]  # the target column shows the inputs again
    bo = next(t for t in ws.tables if t.name == "bo1")
    assert [row[2].name for row in bo.rows] == ["x1_1", "x1_2"]
    assert set(ws.quantities["E1"].step.deps()) >= {"x1_1", "x1_2"}
    for k in (1, 2):
        assert key[f"do1_{k}"] == pytest.approx(key[f"y1_{k}"] - AE["inputs"][k - 1], abs=1e-15)
    assert ws.quantities["E1"].formula == "E = ½[(x₁ − y₁)² + (x₂ − y₂)²]"
    assert ws.quantities["do1_1"].formula == "δ = y₁ − x₁"
    assert ws.quantities["E1"].label == {"en": "step 1: reconstruction error E", "ja": "ステップ1: 再構成誤差 E"}
    assert ws.quantities["h1_1"].label["ja"] == "ステップ1: h₁ の符号 h₁"
    assert ws.quantities["y1_2"].label["en"] == "step 1: o₂: reconstruction y₂"
    assert "自己符号化器(オートエンコーダ)" in ws.instructions["ja"] and "t = x" in ws.instructions["en"]
    assert "再構成誤差" in ws.instructions["ja"] and "reconstruction error" in ws.instructions["en"]
    assert ws.title == {"en": "An autoencoder step: backpropagation with the input as its own target",
                        "ja": "自己符号化器(オートエンコーダ)の学習: 入力そのものを教師信号とする誤差逆伝播法"}


def test_autoencoder_output_is_identity_by_default_and_rebuilds():
    spec = {k: v for k, v in AE.items() if k != "output"}
    v = from_spec(spec)
    assert v.params["output"] == "identity" and v.params["autoencoder"] is True
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == v.params and again.worksheet.key() == v.worksheet.key()
    assert "autoencoder" not in from_spec({"kind": "backprop", **GOOD}).params  # other specs keep their params


def test_autoencoder_replay_starts_from_the_sheet():
    from matchbox.kinds import backprop
    v = from_spec({**AE, "decimals": 12})
    out = backprop.replay(v, 5, None)
    assert out.summary["first_error"] == pytest.approx(v.worksheet.key()["E1"], abs=1e-12)
    assert out.summary["last_error"] < out.summary["first_error"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_autoencoder_end_to_end(tmp_path, lang):
    check_end_to_end(tmp_path, from_spec({**AE, "steps": 2}), lang, slip="h1_1")


@pytest.mark.parametrize("change,message", [
    ({"targets": [1.0, 0.5]}, "spec key 'targets': an autoencoder's targets are its inputs"),
    ({"inputs": None, "samples": [{"inputs": [1, 0], "targets": [1, 0]}]},
     "spec key 'samples[0].targets': an autoencoder's targets are its inputs"),
    ({"inputs": None, "samples": [{"inputs": [1, 0]}], "targets": [1, 0]},
     "spec key 'targets': an autoencoder's targets are its inputs"),
    ({"shape": [2, 1, 1], "output_weights": [[0.8]], "output_bias": [0.2]},
     ("spec key 'shape': an autoencoder (autoencoder = true) reconstructs its inputs: it needs as many output "
      "units as inputs (2), got 1")),
    ({"shape": None, "output_weights": [[0.8, 0.3, 0.1]], "output_bias": 0},
     "spec key 'output_weights': an autoencoder (autoencoder = true) reconstructs its inputs"),
    ({"autoencoder": "yes"}, "spec key 'autoencoder': expected true or false"),
])
def test_bad_autoencoder_spec_names_the_key(change, message):
    spec = {k: v for k, v in {**AE, **change}.items() if v is not None}
    with pytest.raises(SpecError, match=re.escape(message)):
        from_spec(spec)
