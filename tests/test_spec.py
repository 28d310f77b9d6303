"""Spec files: the README's examples work, and mistakes get a message that names the key."""
import re
from pathlib import Path

import pytest

from matchbox.errors import SpecError
from matchbox.kinds import from_spec

from conftest import answers_of, fill, run_cli

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_specs():
    return re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_documents_every_kind():
    kinds = {re.search(r'kind = "(\w+)"', s).group(1) for s in readme_specs()}
    from matchbox.kinds import KINDS
    assert kinds == set(KINDS)


@pytest.mark.parametrize("n", range(len(readme_specs())))
def test_readme_spec_examples_generate_and_check(tmp_path, n):
    spec = tmp_path / "my.toml"
    spec.write_text(readme_specs()[n], encoding="utf-8")
    r = run_cli("generate", "--spec", spec, "--lang", "en,ja", "-o", tmp_path, "--json")
    assert r.returncode == 0, r.stderr
    v = from_spec(spec)
    assert v.id == "my-1"
    for lang in ("en", "ja"):
        learner = tmp_path / "worksheets" / f"my-1-{lang}.xlsx"
        filled = fill(learner, v, lang, answers_of(v), tmp_path / f"filled-{lang}.xlsx")
        r = run_cli("check", filled)
        assert r.returncode == 0, r.stdout + r.stderr
    r = run_cli("solve", "--spec", spec)
    assert r.returncode == 0 and "1" in r.stdout


def test_matchbox_spec_by_hand():
    """A spec reproduces a hand-computed run: A=(1,0) t=1, B=(0,1) t=0, C=(1,1) t=1; w=(0,0); θ=1 learned."""
    v = from_spec({"kind": "matchbox", "features": ["a", "b"], "threshold": 1, "learn_threshold": True,
                   "items": [{"name": "A", "inputs": [1, 0], "teacher": 1},
                             {"name": "B", "inputs": [0, 1], "teacher": 0},
                             {"name": "C", "inputs": [1, 1], "teacher": 1}]})
    key = v.worksheet.key()
    assert [key[f"u{k}"] for k in (1, 2, 3)] == [0, 0, 0]
    assert [key[f"y{k}"] for k in (1, 2, 3)] == [0, 1, 0]
    assert [key[f"d{k}"] for k in (1, 2, 3)] == [1, -1, 1]
    assert [(key[f"w{k}_0"], key[f"w{k}_1"], key[f"theta{k}"]) for k in (1, 2, 3)] == [(1, 0, 0), (1, -1, 1), (2, 0, 0)]
    # With w = (2, 0), θ = 0: A gives 2 ≥ 0, B gives 0 ≥ 0 (a tie fires under ≥: still wrong), C gives 2 ≥ 0.
    assert [key[f"test_u{i}"] for i in range(3)] == [2, 0, 2]
    assert [key[f"test_y{i}"] for i in range(3)] == [1, 1, 1]


def test_perceptron_and_by_hand():
    """AND from zero weights, η = 0.1, fire on u ≥ 0: worked through on paper."""
    v = from_spec({"kind": "perceptron", "target": "AND", "epochs": 2})
    key = v.worksheet.key()
    weights = [tuple(key[f"w{k}_{j}"] for j in range(3)) for k in range(1, 9)]
    assert weights == [(-0.1, 0, 0), (-0.1, 0, 0), (-0.1, 0, 0), (0, 0.1, 0.1),
                       (-0.1, 0.1, 0.1), (-0.2, 0.1, 0), (-0.2, 0.1, 0), (-0.1, 0.2, 0.1)]
    assert [key["errors1"], key["errors2"]] == [2, 3]
    assert key["slope"] == pytest.approx(-2.0) and key["intercept"] == pytest.approx(1.0)


def test_counting_by_hand():
    """θ = 10, w = 1, η = 1: bags of 3 (light) and 6 (heavy) send the weight 1 → 7 → 4 → 4."""
    v = from_spec({"kind": "counting", "initial_weight": 1, "epochs": 2,
                   "samples": [{"count": 3, "teacher": 0}, {"count": 6, "teacher": 1}]})
    key = v.worksheet.key()
    assert [key[f"u{k}"] for k in range(1, 5)] == [3, 6, 21, 24]
    assert [key[f"w{k}_0"] for k in range(1, 5)] == [1, 7, 4, 4]
    assert key["boundary"] == 2.5


def test_bipolar_outputs_by_hand():
    """Outputs −1/1 (y = 1 if u ≥ 0, else −1), AND with zero weights, η = 0.1: a miss moves a weight by 0.2."""
    v = from_spec({"kind": "perceptron", "target": "AND", "outputs": [-1, 1], "epochs": 1})
    key = v.worksheet.key()
    assert [key[f"y{k}"] for k in range(1, 5)] == [1, -1, -1, -1]
    assert [key[f"d{k}"] for k in range(1, 5)] == [-2, 0, 0, 2]
    assert [tuple(key[f"w{k}_{j}"] for j in range(3)) for k in (1, 4)] == [(-0.2, 0, 0), (0, 0.2, 0.2)]


def test_xor_never_settles():
    v = from_spec({"kind": "perceptron", "target": "XOR", "learning_rate": 0.5, "epochs": 6})
    key = v.worksheet.key()
    assert all(key[f"errors{e}"] > 0 for e in range(1, 7))


@pytest.mark.parametrize("spec,message", [
    ({"kind": "nope"}, "spec key 'kind'"),
    ({"kind": "matchbox", "features": ["a", "b"], "items": [{"inputs": [1]}]}, "spec key 'items[0].inputs': expected 2 numbers"),
    ({"kind": "matchbox", "features": ["a"], "items": [{"inputs": [1]}]}, "spec key 'items[0].teacher': is required"),
    ({"kind": "matchbox", "features": ["a"], "items": [{"inputs": [1], "teacher": 1}], "rule": "=>"}, "spec key 'rule'"),
    ({"kind": "matchbox", "features": ["a"], "items": [{"inputs": [1], "teacher": 1}], "order": ["Z"]}, "'Z' is not an item"),
    ({"kind": "matchbox", "features": ["a"], "items": [{"inputs": [1], "teacher": 1}], "learning_rat": 1}, "spec key 'learning_rat': unknown key"),
    ({"kind": "matchbox", "features": ["a"], "teacher_rule": {"prices": [100], "budget": 50},
      "items": [{"inputs": [1], "teacher": 0}]}, "spec key 'items[0].teacher': is 0, but teacher_rule says 1"),
    ({"kind": "counting", "samples": [{"count": "three", "teacher": 0}]}, "spec key 'samples[0].count': expected a number"),
    ({"kind": "counting", "samples": [{"count": 3, "teacher": 2}]},
     "spec key 'samples[0].teacher': must be at most 1"),
    ({"kind": "perceptron", "target": "XNOR"}, "spec key 'target'"),
    ({"kind": "perceptron", "learning_rate": 0}, "spec key 'learning_rate': must be greater than 0"),
    ({"kind": "perceptron", "initial_weights": [0, 0]}, "spec key 'initial_weights': expected 3 numbers"),
    ({"kind": "perceptron", "outputs": [0, 2]}, "spec key 'outputs': must be [0, 1] or [-1, 1]"),
    ({"kind": "matchbox", "features": ["a"], "outputs": [-1, 1], "items": [{"inputs": [1], "teacher": 0}]},
     "spec key 'items[0].teacher': must be -1 or 1"),
])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        from_spec(spec)


def test_bad_spec_file_is_one_line(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('kind = "matchbox"\nfeatures = ["a"]\n[[items]]\ninputs = [1, 2]\nteacher = 1\n')
    r = run_cli("generate", "--spec", spec, "-o", tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "spec key 'items[0].inputs': expected 1 numbers, got 2" in r.stderr
    spec.write_text("kind = [")
    r = run_cli("generate", "--spec", spec, "-o", tmp_path)
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("generate", "--spec", tmp_path / "missing.toml", "-o", tmp_path)
    assert r.returncode == 2 and "no such spec file" in r.stderr
