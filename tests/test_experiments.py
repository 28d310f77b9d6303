"""`matchbox experiment` and `matchbox replay`: the workshop's experiments show what they claim, and a hand
exercise continued by the engine starts exactly where the sheet is."""
import json

import numpy as np
import pytest

from matchbox.training import experiments as X
from matchbox.training.data import load_digits
from matchbox.kinds import from_spec, sampled
from matchbox.training.replay import replay

from conftest import fill, make_workbooks, own_values, run_cli


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def accuracy(text: str) -> float:
    return float(text.rstrip(" %"))


def test_deep_sigmoid_networks_stall_where_relu_learns(digits):
    """10 epochs of SGD: five ReLU layers reach 92 %, five sigmoid layers 8 % (chance is 10 %)."""
    result = X.activations(digits, depths=(2, 5), epochs=10)
    rows = {row[0]: [accuracy(a) for a in row[1:]] for row in result.rows}
    assert rows["relu"][1] > 85 and rows["tanh"][1] > 85 and rows["sigmoid"][1] < 20
    assert rows["sigmoid"][0] > rows["sigmoid"][1]


def test_adam_and_momentum_outrun_plain_sgd(digits):
    result = X.optimizers(digits, epochs=3)
    loss = {row[0]: float(row[2]) for row in result.rows}
    assert loss["adam"] < loss["sgd"] and loss["momentum"] < loss["sgd"]


def test_small_initial_weights_make_activations_vanish():
    relu = {label: X.layer_activations("relu", how)[-1].std() for label, how in X.INITS.items()}
    sigmoid = {label: X.layer_activations("sigmoid", how)[-1].std() for label, how in X.INITS.items()}
    assert relu["small random (0.01)"] < 1e-3 < relu["Xavier"] < relu["He"]
    assert sigmoid["small random (0.01)"] < 0.05 < sigmoid["Xavier"]  # all near 0.5: every unit alike


def test_experiment_command_prints_a_table_and_draws(tmp_path):
    r = run_cli("experiment", "init", "--epochs", "1", "-o", tmp_path, "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # ゼロから作るDeep Learning §6.2.2's three starts, in its order; after one epoch the 5-layer ReLU net
    # learns nothing from weights of 0.01 (its layer-4 outputs are all but 0) and most from He's
    rows = {row[0]: row for row in out["rows"]}
    assert list(rows) == ["small random (0.01)", "Xavier", "He"]
    accuracy = {name: float(row[-1].rstrip(" %")) for name, row in rows.items()}
    assert accuracy["small random (0.01)"] < 20 < accuracy["He"]
    assert float(rows["small random (0.01)"][2]) < 1e-3 < float(rows["Xavier"][2]) < float(rows["He"][2])
    assert open(out["plot_file"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"


# --- replay ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["counting", "matchbox", "perceptron"])
def test_replayed_trials_start_with_the_sheets(kind):
    v = sampled(kind, 3)
    key, r = v.worksheet.key(), replay(v, 60)
    for j, (name, series) in enumerate(s for s in r.series.items() if not s[0].startswith("θ")):
        assert series[0] == key[f"w0_{j}"]
        assert series[1:r.sheet_steps + 1].tolist() == [key[f"w{k}_{j}"] for k in range(1, r.sheet_steps + 1)]
    assert r.summary["errors_with_final_weights"] == 0  # settled variants stay settled


@pytest.mark.parametrize("spec", [
    {"kind": "neuron", "samples": [{"inputs": [1, 0], "teacher": 1}, {"inputs": [0, 1], "teacher": 0}],
     "initial_weights": [0.2, -0.4], "bias": 0.1, "epochs": 2, "decimals": 12},
    {"kind": "backprop", "shape": [2, 2, 2], "biases": "per_layer", "learn_biases": False,
     "hidden_weights": [[0.15, 0.25], [0.20, 0.30]], "output_weights": [[0.40, 0.50], [0.45, 0.55]],
     "hidden_bias": 0.35, "output_bias": 0.60, "learning_rate": 0.5, "inputs": [0.05, 0.10],
     "targets": [0.01, 0.99], "steps": 2, "decimals": 12},  # Mazur's network, two steps
])
def test_the_engine_continues_the_sheets_network(spec):
    """The hand sheet's error at each step is the engine's layers' error at that step."""
    v = from_spec(spec)
    key, r = v.worksheet.key(), replay(v, 500)
    assert r.series["E"][:r.sheet_steps].tolist() == pytest.approx([key[f"E{k}"] for k in
                                                                    range(1, r.sheet_steps + 1)], abs=1e-12)
    assert r.series["E"][-1] < r.series["E"][0] / 10


def test_replayed_descent_starts_with_the_sheet():
    v = sampled("descent", 2)
    key, r = v.worksheet.key(), replay(v, 100)
    f = r.series["gradient descent"]
    assert f[:4].tolist() == pytest.approx([key[f"f_{k}"] for k in range(4)], abs=1e-12)
    assert f[-1] < 1e-6


def test_replay_of_a_filled_workbook_draws_the_learners_own_numbers(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "perceptron", 3, "ja")
    filled = fill(learner, v, "ja", own_values(v.worksheet), tmp_path / "filled.xlsx")
    before = filled.read_bytes()
    r = run_cli("replay", filled, "--steps", "100", "-o", tmp_path, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["variant"] == v.id and out["sheet_steps"] == len(v.params["trials"])
    assert open(out["plot_file"], "rb").read(4) == b"\x89PNG" and filled.read_bytes() == before


def test_replay_refuses_a_kind_that_does_not_learn():
    r = run_cli("replay", "softmax")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "replay continues" in r.stderr


def replay_axes(monkeypatch, tmp_path, r, lang="en"):
    """The axes `plot` draws for a replay, caught as it saves the figure."""
    from matchbox.training import plots
    from matchbox.training.replay import plot
    figures = []
    real = plots.save
    monkeypatch.setattr(plots, "save", lambda fig, *a, **k: figures.append(fig) or real(fig, *a, **k))
    plot(r, tmp_path / "replay.png", "", lang)
    fig = figures[0]
    fig.canvas.draw()
    return fig, fig.axes


@pytest.mark.parametrize("kind,seed", [("matchbox", 3), ("perceptron", 1), ("counting", 3)])
def test_a_replay_that_settles_is_drawn_up_to_shortly_after_it_settles(monkeypatch, tmp_path, kind, seed):
    """10,000 steps of a run that stops changing early: a plain step axis ending a little after the last
    change (and after the sheet's steps), whole-number ticks for whole-number weights, the legend beside."""
    r = replay(sampled(kind, seed), 10_000)
    fig, (ax, *_) = replay_axes(monkeypatch, tmp_path, r)
    weights = [v for name, v in r.series.items()]
    last_change = max(int(np.flatnonzero(np.diff(v))[-1]) + 1 + r.first_step for v in weights if np.any(np.diff(v)))
    lo, hi = ax.get_xlim()
    assert ax.get_xscale() == "linear" and lo == 0
    assert max(last_change, r.sheet_steps) < hi <= 2 * max(last_change, r.sheet_steps) + 3 < 10_000
    shown = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert all(float(t).is_integer() for t in shown)
    if all(np.array_equal(v, np.round(v)) for v in weights):  # matchsticks and weights are whole numbers
        ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)
    assert "10,000" in ax.get_xlabel()  # the flat rest is said, not drawn
    for axes in fig.axes:  # every legend stands beside its data, not over it
        legend, box = axes.get_legend().get_window_extent(), axes.get_window_extent()
        assert legend.x0 >= box.x1


def test_a_replay_still_moving_at_its_end_keeps_every_step(monkeypatch, tmp_path):
    v = sampled("backprop", 1)
    r = replay(v, 10_000)
    _, (ax,) = replay_axes(monkeypatch, tmp_path, r, "ja")
    assert ax.get_xscale() == "symlog" and ax.get_xlim()[1] >= r.first_step + len(r.series["E"]) - 1
