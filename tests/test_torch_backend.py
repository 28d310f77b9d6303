"""`matchbox train --backend torch`: PyTorch trains the engine's own network from the engine's own initial weights,
and an epoch agrees with the engine's; torchrun's processes (DistributedDataParallel over gloo) equal one process
with the whole batch; and without PyTorch every torch path says so in one line.

Tolerances: in float64 the two backends agree to rounding (1e-10 on losses and weights after an epoch; measured
~1e-15); in float32, which the command line uses, to 1e-5 (measured ~1e-7).
"""
from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from matchbox.cli import main
from matchbox.errors import MatchboxError
from matchbox.training.data import load_digits
from matchbox.training.models import load
from matchbox.training.sequences import load_sequences
from matchbox.training.torch_train import Processes, choose_device, train_torch
from matchbox.training.train import evaluate, train

# the refusals and the missing-PyTorch messages are tested without PyTorch too; training needs it
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")

REPO = Path(__file__).resolve().parents[1]
TORCHRUN = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(autouse=True)
def one_process(monkeypatch):
    """The tests run as one process even if pytest itself was started by torchrun."""
    for name in TORCHRUN:
        monkeypatch.delenv(name, raising=False)


def assert_same_run(engine, torch_run, tolerance):
    """Two (net, history) runs agree: every epoch's figures and every trained weight."""
    (net_a, history_a), (net_b, history_b) = engine, torch_run
    assert len(history_a) == len(history_b)
    for a, b in zip(history_a, history_b):
        assert b.train_loss == pytest.approx(a.train_loss, abs=tolerance)
        assert b.test_loss == pytest.approx(a.test_loss, abs=tolerance)
        for right_a, right_b in ((a.train_accuracy, b.train_accuracy), (a.test_accuracy, b.test_accuracy)):
            assert (right_a is None) == (right_b is None)
            if right_a is not None:
                assert abs(right_b - right_a) < 1.5 / 359  # at most one image more or less (none in float64)
    assert set(net_a.params) == set(net_b.params)
    for name in net_a.params:
        np.testing.assert_allclose(net_b.params[name], net_a.params[name], atol=tolerance, rtol=0, err_msg=name)


@needs_torch
@pytest.mark.parametrize("model, dataset, settings", [
    ("mlp", "digits", {}),
    ("cnn", "digits", {"hidden": [30]}),
    ("gru", "digit rows", {"hidden": [16], "batch_size": 50}),      # classify, clipped gradients
    ("lstm", "sine", {"hidden": [8], "batch_size": 20}),            # regress (MSE), clipped gradients
])
def test_first_epoch_agrees_with_the_engine_in_float64(digits, model, dataset, settings):
    data = {"digits": digits, "digit rows": load_sequences("digits"), "sine": load_sequences("sine")}[dataset]
    engine = train(model, data, epochs=1, dtype=np.float64, **settings)
    by_torch = train_torch(model, data, epochs=1, dtype=np.float64, device="cpu", **settings)
    assert by_torch[0].recipe == engine[0].recipe
    assert_same_run(engine, by_torch, 1e-10)
    # the history means what the engine's means: the test figures are the engine's evaluation of the weights
    test_loss, test_accuracy = evaluate(by_torch[0], data)
    assert by_torch[1][-1].test_loss == pytest.approx(test_loss, abs=1e-10)
    assert by_torch[1][-1].test_accuracy == test_accuracy


@needs_torch
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_with_the_cosine_schedule_and_shifts_agrees(digits, optimizer):
    """Two epochs: the optimizer's state carries over, η changes every step, the shifts draw from the order's
    random stream."""
    settings = dict(epochs=2, batch_size=200, optimizer=optimizer, schedule="cosine", shift=1, hidden=[32],
                    dtype=np.float64)
    assert_same_run(train("mlp", digits, **settings), train_torch("mlp", digits, device="cpu", **settings), 1e-10)


@needs_torch
def test_the_command_line_trains_with_torch_and_saves_an_engine_model(digits, tmp_path):
    r = subprocess.run([sys.executable, "-m", "matchbox", "train", "cnn", "--backend", "torch", "--device", "cpu",
                        "--epochs", "1", "--hidden", "20", "--json", "-o", tmp_path],
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (summary["backend"], summary["device"], summary["processes"]) == ("torch", "cpu", 1)
    net, history = train("cnn", digits, epochs=1, hidden=[20])  # the engine, float32 as the command line
    epoch = summary["history"][0]
    assert epoch["train_loss"] == pytest.approx(history[0].train_loss, abs=1e-5)
    assert summary["test_loss"] == pytest.approx(history[0].test_loss, abs=1e-5)
    assert summary["test_accuracy"] == pytest.approx(history[0].test_accuracy, abs=1.5 / 359)
    saved = load(summary["model_file"])  # the engine reads the model PyTorch trained
    assert saved.recipe == net.recipe
    for name in net.params:
        np.testing.assert_allclose(saved.params[name], net.params[name], atol=1e-5, rtol=0, err_msg=name)
    assert evaluate(saved, digits)[1] == pytest.approx(summary["test_accuracy"], abs=1.5 / 359)
    assert Path(summary["plot_file"]).stat().st_size > 0


def torchrun(processes: int, *args, out: Path):
    """`torchrun --standalone --nproc_per_node N -m matchbox train ...` (torch's own launcher module, so the
    test needs no torchrun on PATH), on this machine's loopback."""
    env = {k: v for k, v in os.environ.items() if k not in TORCHRUN}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "-m", "matchbox", "train", "--backend", "torch", "--device", "cpu", "--json", "-o", str(out), *args]
    r = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)  # one JSON object: rank 0 alone printed


@needs_torch
def test_two_processes_train_as_one_with_the_double_batch(digits, tmp_path):
    summary = torchrun(2, "--epochs", "1", "--batch-size", "50", "--shift", "1", out=tmp_path)
    assert (summary["processes"], summary["batch_size"]) == (2, 50)
    net, history = train_torch("mlp", digits, epochs=1, batch_size=100, shift=1, device="cpu")
    assert summary["history"][0]["train_loss"] == pytest.approx(history[0].train_loss, abs=1e-5)
    assert summary["history"][0]["train_accuracy"] == pytest.approx(history[0].train_accuracy, abs=1.5 / 1438)
    assert summary["test_loss"] == pytest.approx(history[0].test_loss, abs=1e-5)
    saved = load(summary["model_file"])
    for name in net.params:
        np.testing.assert_allclose(saved.params[name], net.params[name], atol=1e-5, rtol=0, err_msg=name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp-digits.npz", "mlp-digits.png"]


def test_shares_of_a_global_batch_cover_it_once(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.setenv("LOCAL_RANK", "0")
    for n in (1, 2, 7, 300):
        parts = []
        for rank in range(3):
            monkeypatch.setenv("RANK", str(rank))
            parts.append(Processes(None, "cpu").share(n))  # the shares need no torch
        assert parts[0][0] == 0 and parts[-1][1] == n
        assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))  # consecutive, no gap, no overlap
        assert max(b - a for a, b in parts) - min(b - a for a, b in parts) <= 1


# --- refusals, each in one line ------------------------------------------------------------------------------

def run(*args):
    result = CliRunner().invoke(main, ["train", *map(str, args)])
    lines = result.output.strip().splitlines()
    return result.exit_code, lines


def test_without_pytorch_every_torch_path_says_so_in_one_line(monkeypatch, digits, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails as if it were not installed
    code, lines = run("--backend", "torch", "--epochs", "1", "-o", tmp_path)
    assert code == 2 and len(lines) == 1 and "needs PyTorch: pip install" in lines[0]
    for call in (lambda: choose_device("cpu"), lambda: train_torch("mlp", digits, epochs=1)):
        with pytest.raises(MatchboxError, match="needs PyTorch"):
            call()
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, message", [
    (("gan", "--backend", "torch"), "the gan trains on the engine only"),
    (("autoencoder", "--backend", "torch"), "the autoencoder trains on the engine only"),
    (("--device", "cpu"), "use it with --backend torch"),
])
def test_refusals(args, message, tmp_path):
    code, lines = run(*args, "-o", tmp_path)
    assert code == 2 and len(lines) == 1 and message in lines[0]


def test_several_processes_without_the_torch_backend_are_refused(monkeypatch, tmp_path):
    for name, value in (("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    code, lines = run("--epochs", "1", "-o", tmp_path)
    assert code == 2 and len(lines) == 1 and "--backend torch" in lines[0]


@needs_torch
def test_a_missing_gpu_is_named(tmp_path):
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code, lines = run("--backend", "torch", "--device", "cuda", "-o", tmp_path)
    assert code == 2 and len(lines) == 1 and "no CUDA GPU" in lines[0]
    assert choose_device("auto") in ("cpu", "mps")
