"""The sheet's key and the grader, held to independent learner twins (issue 20): counting, matchbox,
perceptron, gates, activations, forward, neuron, logistic, backprop and vanishing.

Each twin (tests/twins_first.py) works the exercise from its parameters with plain arithmetic, as a careful
learner does. Three checks per kind: the twin equals the key at the sheet's precision (the sheet, checked from
outside); the twin's numbers typed into a learner workbook get full marks from `matchbox check --json`; and one
slip, carried forward by the twin, costs exactly the slipped cell: the cells the slip changed are carried, the
others correct; on counting and matchbox, a d written as 0 also empties its update (simplified). The expected
statuses come from the README's rules applied to the twin's numbers, never from the grader. Built-in variants
(seeds 1 to 5, English and Japanese workbooks) and instructors' specs alike; every workbook goes through one
`check` run of a folder (the CLI is the slow part). They found three real bugs, all fixed: the key rounded an
exact half down (0.1644 − 0.5·0.2353 = 0.04675 was printed 0.0467: Precision.rounded read the binary float),
the grader took a carried result that equals a given (w₃' = 1 = η) for a copy of it, and it called a sum
simplified because an input that was 0 in both stopped mattering (matchbox-5's u5 = 0·1 + 0·0 + 1·1 = 1 where
the key has 0·1 + 1·0 + 2·1: the same work, carried).
"""
from __future__ import annotations

import json
import math

import pytest
from conftest import fill, make_workbooks, run_cli
from twins_first import twin

from matchbox.kinds import from_spec, sampled

KINDS = ("counting", "matchbox", "perceptron", "gates", "activations", "forward", "neuron", "logistic",
         "backprop", "vanishing")
KEY_SEEDS = range(1, 7)
CLI_SEEDS = {1: "en", 2: "ja", 3: "en", 4: "ja", 5: "en"}  # each graded in full and with a slip
# Instructors' specs reach what the built-in variants do not: shared or no biases, an autoencoder, tanh and
# ReLU neurons, a learned threshold without a bias input, the bias form of the gates, a batch of two...
SPECS = {
    "backprop-shared": {"kind": "backprop", "shape": [2, 2, 2], "hidden": "tanh", "output": "identity",
                        "biases": "per_layer", "hidden_weights": [[0.1, -0.2], [0.3, 0.4]],
                        "output_weights": [[0.5, -0.1], [0.2, 0.3]], "hidden_bias": 0.1, "output_bias": -0.2,
                        "samples": [{"inputs": [1, 0], "targets": [1, 0]}, {"inputs": [0, 1], "targets": [0, 1]}],
                        "steps": 2},
    "backprop-autoencoder": {"kind": "backprop", "autoencoder": True, "shape": [2, 1, 2], "hidden": "relu",
                             "hidden_weights": [[0.5], [0.3]], "output_weights": [[0.4, -0.6]], "biases": "none",
                             "inputs": [1, 0.5]},
    "neuron-tanh": {"kind": "neuron", "activation": "tanh", "inputs": [1, -1, 0.5], "teacher": 0.5,
                    "initial_weights": [0.2, -0.1, 0.3], "bias": 0.1, "steps": 3},
    "neuron-relu": {"kind": "neuron", "activation": "relu", "inputs": [1, 2], "teacher": 1,
                    "initial_weights": [0.2, 0.1], "bias": 0.3, "learn_bias": False, "steps": 2},
    "activations-corners": {"kind": "activations", "functions": ["identity", "relu", "step"], "points": [-1, 0, 2],
                            "step_rule": ">=", "softmax": [2, 2, 0, -1]},
    "vanishing-biases": {"kind": "vanishing", "input": 1, "weights": [1.5, -0.8, 1.2, 0.9, 1.1],
                         "biases": [0.1, -0.2, 0.3, 0.0, 0.2], "functions": ["sigmoid", "tanh"]},
    "perceptron-points": {"kind": "perceptron", "bias": False, "threshold": 0.5, "learn_threshold": True,
                          "learning_rate": 0.5, "initial_weights": [0.5, -0.5], "epochs": 3,
                          "points": [{"x": [1, 2], "teacher": 1}, {"x": [2, 0], "teacher": 0},
                                     {"x": [0, 1], "teacher": 0}]},
    "forward-batch": {"kind": "forward", "inputs": [[1, 0.5], [0, -1]], "hidden": "tanh", "output": "softmax",
                      "weights": [[[0.1, 0.2], [0.3, -0.4]], [[0.5, -0.5], [1, 0.2]]], "biases": [[0.1, 0], [0, 0.1]]},
    "logistic-two": {"kind": "logistic", "initial_weights": [0.1, -0.2], "bias": 0.3, "steps": 3,
                     "samples": [{"inputs": [1, 2], "teacher": 1}, {"inputs": [2, -1], "teacher": 0}]},
    "gates-bias": {"kind": "gates", "form": "bias", "rule": ">=",
                   "gates": [{"name": "NAND", "weights": [-0.5, -0.5], "bias": 0.7},
                             {"name": "OR", "weights": [0.5, 0.5], "bias": -0.2},
                             {"name": "AND", "weights": [0.5, 0.5], "bias": -0.7}]},
    "counting-strict": {"kind": "counting", "threshold": 10, "rule": ">", "learning_rate": 1, "initial_weight": 0,
                        "samples": [{"count": 3, "teacher": 0}, {"count": 6, "teacher": 1}], "epochs": 3},
}
# The variants where these twins found the key one unit off (an exact half rounded down, now fixed): kept as
# cases, so the fix stays proven
HALF_WAY = ["neuron-2", "neuron-3", "logistic-2", "logistic-5", "vanishing-2", "vanishing-4", "vanishing-5",
            "backprop-9", "forward-29"]


def variant_of(case: str):
    """A case is a built-in variant, KIND-SEED, or one of SPECS."""
    if case in SPECS:
        return from_spec(SPECS[case])
    kind, seed = case.rsplit("-", 1)
    return sampled(kind, int(seed))


def places(ws) -> dict:
    """The decimals each answer is written to (None: exact), as the sheet states them."""
    return {q.name: None if q.precision.exact else q.precision.decimals for q in ws.answers}


def learner(variant, slips: dict | None = None, keep_all: bool = False) -> dict:
    return twin(variant.kind, variant.params, places(variant.worksheet), slips, keep_all)


def tolerance(q) -> float:
    """Half the last digit the sheet asks for; float noise where the sheet is exact."""
    return 1e-9 if q.precision.exact else 0.5 * 10.0 ** -q.precision.decimals * (1 + 1e-9)


def same(a: float, b: float, within: float = 1e-9) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= within * max(1.0, abs(b))


KEY_CASES = list(dict.fromkeys([f"{kind}-{seed}" for kind in KINDS for seed in KEY_SEEDS] + HALF_WAY + [*SPECS]))
CLI_CASES = {f"{kind}-{seed}": lang for kind in KINDS for seed, lang in CLI_SEEDS.items()} \
    | {case: "ja" if i % 2 else "en" for i, case in enumerate(SPECS)}


@pytest.mark.parametrize("case", KEY_CASES)
def test_the_twin_writes_the_key(case):
    """Every answer of the sheet, worked independently, is the key's number at the sheet's precision; and
    with every decimal kept, the key's unrounded number."""
    variant = variant_of(case)
    ws = variant.worksheet
    mine, key = learner(variant), ws.answer_key()
    assert set(mine) == {q.name for q in ws.answers}
    assert {n: (mine[n], key[n]) for n in mine if not same(mine[n], key[n])} == {}
    full, unrounded = learner(variant, keep_all=True), ws.key()
    assert {n: (full[n], unrounded[n]) for n in full if not same(full[n], unrounded[n], 1e-7)} == {}


# ----- one slip, carried forward

def _first_layer_sum(variant, clean):
    """A first-layer sum written 0.5 too big, one that stays (or turns) positive, so a ReLU passes it on."""
    name = next(n for n in clean if n.startswith("A1_") and clean[n] > -0.4)
    return name, clean[name] + 0.5


def _nand_output(variant, clean):
    """The first layer's s₁ gate, its output at (1, 1) written the other way round (0 ↔ 1)."""
    names = [g["name"] for g in variant.params["gates"]]
    name = f"g{names.index(variant.params['composition']['s1'])}_y11"
    return name, 1 - clean[name]


def plus(name: str, by: float):
    return lambda variant, clean: (name, clean[name] + by)


def sign_reversed(name: str):
    return lambda variant, clean: (name, -clean[name])


# kind -> (the variant, its clean numbers) -> (the slipped cell, the wrong number written there): an early cell
# with many dependants, and a number that empties no later step (see the `simplified` test for one that does)
SLIPS = {"counting": plus("w1_0", 1), "matchbox": plus("w1_0", 1), "perceptron": plus("w1_0", 1),
         "gates": _nand_output, "activations": plus("sm_e1", 0.1), "forward": _first_layer_sum,
         "neuron": sign_reversed("d1"), "logistic": sign_reversed("d1"), "backprop": sign_reversed("do1_1"),
         "vanishing": plus("u1", 0.1)}


def expected_statuses(variant, clean: dict, slipped: dict, slip: str, emptied: set = frozenset()) -> dict:
    """The README's rules on the twin's numbers: the slip is incorrect; a cell the slip changed by more than
    the sheet's tolerance follows from the learner's own numbers, so it is carried, unless it agrees with the
    key with every decimal kept (correct) or the slip emptied its step (`emptied`: simplified); the rest are
    the key's numbers, correct."""
    full = learner(variant, keep_all=True)
    out = {}
    for q in variant.worksheet.answers:
        n, within = q.name, tolerance(q)
        if n == slip:
            out[n] = "incorrect"
        elif n in emptied:
            out[n] = "simplified"
        elif same(slipped[n], clean[n], within) or abs(slipped[n] - full[n]) <= within:
            out[n] = "correct"
        else:
            out[n] = "carried"  # changed by the slip: right from the learner's own earlier numbers
    return out


def emptied_update(variant, clean: dict):
    """counting and matchbox: the first trial whose d moves a weight, with d written as 0 (the update is
    forgotten). w' = w + η·d·x and θ' = θ − η·d then move nothing where the key's move: simplified."""
    p = variant.params
    items = p.get("items") or [{"name": s["name"], "inputs": [s["count"]]} for s in p["samples"]]
    k = next(k for k in range(1, len(p["trials"]) + 1) if clean[f"d{k}"] != 0 and clean[f"u{k}"] != 0)
    x = next(i["inputs"] for i in items if i["name"] == p["trials"][k - 1])
    emptied = {f"w{k}_{j}" for j, xj in enumerate(x) if xj != 0}
    if p.get("learn_threshold"):
        emptied.add(f"theta{k}")
    return f"d{k}", 0, emptied


def _typed(values: dict) -> dict:
    """What the learner types: the number, or "none" where their numbers leave none."""
    return {n: "none" if math.isnan(v) else v for n, v in values.items()}


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Every workbook of this file graded by one `matchbox check --json FOLDER`: file name -> report, and the
    expected statuses of each slipped workbook. Per case: the twin's numbers (case-full), one slip carried
    forward (case-slip) and, for counting and matchbox, an update the slip empties (case-emptied)."""
    folder, work = tmp_path_factory.mktemp("hand-in"), tmp_path_factory.mktemp("blank")
    expected = {}
    for case, lang in CLI_CASES.items():
        (work / case).mkdir()
        variant, blank, _ = make_workbooks(work / case, lang=lang, variant=variant_of(case))
        clean = learner(variant)
        fill(blank, variant, lang, _typed(clean), folder / f"{case}-full.xlsx")
        slips = [("slip", *SLIPS[variant.kind](variant, clean), set())]
        if variant.kind in ("counting", "matchbox"):
            slips.append(("emptied", *emptied_update(variant, clean)))
        for how, slip, wrong, emptied in slips:
            slipped = learner(variant, {slip: wrong})
            fill(blank, variant, lang, _typed(slipped), folder / f"{case}-{how}.xlsx")
            expected[f"{case}-{how}"] = expected_statuses(variant, clean, slipped, slip, emptied)
    r = run_cli("check", folder, "--json", timeout=600)
    assert r.returncode == 1, r.stderr[-2000:]  # the slipped workbooks have an incorrect cell
    reports = {_stem(rep["file"]): rep for rep in json.loads(r.stdout)}
    assert len(reports) == len(CLI_CASES) + len(expected)
    assert all(rep["error"] is None for rep in reports.values()), [rep["error"] for rep in reports.values()]
    return reports, expected


def _stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".xlsx")


@pytest.mark.parametrize("case", CLI_CASES)
def test_the_twins_numbers_get_full_marks(checked, case):
    reports, _ = checked
    report = reports[f"{case}-full"]
    statuses = {c["quantity"]: c["status"] for c in report["cells"]}
    assert report["kind"] == case.split("-")[0] and len(statuses) == report["max_score"] > 0
    assert report["score"] == report["max_score"], {n: s for n, s in statuses.items() if s != "correct"}
    assert set(statuses.values()) == {"correct"}  # a learner who rounds as told sees only ✓
    assert not [g for g in report["givens"] if g["status"] != "ok"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_one_slip_costs_one_cell(checked, case):
    reports, expected = checked
    report, want = reports[f"{case}-slip"], expected[f"{case}-slip"]
    got = {c["quantity"]: c["status"] for c in report["cells"]}
    assert sum(s == "carried" for s in want.values()) >= 2, "the slip should change later answers"
    assert {n: (got[n], s) for n, s in want.items() if got[n] != s} == {}
    assert report["score"] == report["max_score"] - 1


# The grader once took a carried number that equals a GIVEN input of its step for a copy of it (matchbox seed 1,
# d₂ written as 0: w₃' = w₃ + η·0·0 = 1 = η, real work marked simplified); now only an input the result still
# moves with counts as copied. One case the rules leave open: seed 5, d₄ written as 0, trial 5 has
# u = 0·1 + 0·0 + 1·1 = 1 (the key's 0·1 + 1·0 + 2·1 = 2): the result passes x₃ = 1 through (w₃ = 1) while x₂
# stops mattering (w₂ = 0; but x₂ = 0, so its term was 0 in the key too). The grader calls it simplified, the
# twin carried: a teacher would probably give the mark; left for the team to decide.
@pytest.mark.parametrize("case", [c for c in CLI_CASES if c.split("-")[0] in ("counting", "matchbox")])
def test_an_update_the_slip_emptied_earns_nothing(checked, case):
    """d written as 0 where the key's d moves the weights: w' = w is simplified (no mark), the rest carried."""
    reports, expected = checked
    report, want = reports[f"{case}-emptied"], expected[f"{case}-emptied"]
    got = {c["quantity"]: c["status"] for c in report["cells"]}
    simplified = sum(s == "simplified" for s in want.values())
    assert simplified >= 1
    assert {n: (got[n], s) for n, s in want.items() if got[n] != s} == {}
    assert report["score"] == report["max_score"] - 1 - simplified
