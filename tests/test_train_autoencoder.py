"""`matchbox train autoencoder`: the autoencoder's gradient, its training, the AUC and threshold it is judged
by, and the command end to end on the 8×8 digits."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import numerical, run_cli

from matchbox.errors import MatchboxError
from matchbox.training.autoencoder import (
    autoencoder,
    fit,
    pca_scores,
    roc_auc,
    roc_curve,
    split,
    threshold_at,
)
from matchbox.training.data import load_digits
from matchbox.training.models import load

ROOT = Path(__file__).resolve().parents[1]


def run_cli_in(folder: Path, *args):
    """`python -m matchbox ...` started in `folder` (this checkout's matchbox, whatever the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "matchbox", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=folder, env=env, check=False)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.mark.parametrize("loss", ["bce", "se"])
def test_the_gradient_is_the_central_difference(loss):
    rng = np.random.default_rng(3)
    net = autoencoder([6, 5, 3, 5, 6], loss, dtype="float64", rng=rng)
    x = rng.random((4, 6))
    net.gradient(x)
    grads = {k: v.copy() for k, v in net.grads.items()}
    assert set(grads) == set(net.params)
    for name, w in net.params.items():
        expected = numerical(lambda: net.loss(x), w)
        assert np.allclose(grads[name], expected, rtol=1e-5, atol=1e-8), name


def test_the_loss_falls_on_the_digits_and_the_auc_beats_chance(digits):
    s = split(digits, anomaly=7)
    net = autoencoder([64, 32, 8, 32, 64], "bce", image_shape=(1, 8, 8), rng=np.random.default_rng(0))
    history = fit(net, s, epochs=5, batch_size=50, optimizer="adam", lr=0.003, rng=np.random.default_rng(1))
    assert history[-1].train_loss < 0.8 * history[0].train_loss
    assert history[-1].test_loss < history[0].test_loss
    assert history[-1].auc > 0.7


def test_the_split_holds_one_digit_out_or_keeps_one_in(digits):
    held = split(digits, anomaly=3)
    assert len(held.x_train) == np.count_nonzero(digits.t_train != 3) and held.x_train.shape[1] == 64
    assert np.array_equal(held.anomalous, digits.t_test == 3) and held.anomalous_digits == [3]
    alone = split(digits, normal=1)
    assert len(alone.x_train) == np.count_nonzero(digits.t_train == 1)
    assert np.array_equal(alone.anomalous, digits.t_test != 1) and alone.normal_digits == [1]


def test_the_auc_is_sklearns_with_ties():
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(0)
    for n, m in ((30, 7), (200, 150), (5, 1)):
        normal = rng.integers(0, 10, n).astype(float)  # few values: many ties, across the groups too
        anomalous = rng.integers(3, 14, m).astype(float)
        expected = roc_auc_score(np.r_[np.zeros(n), np.ones(m)], np.r_[normal, anomalous])
        assert roc_auc(normal, anomalous) == pytest.approx(expected, abs=1e-12)
    assert roc_auc([1, 2], [3, 4]) == 1 and roc_auc([3, 4], [1, 2]) == 0 and roc_auc([1, 1], [1]) == 0.5
    with pytest.raises(MatchboxError):
        roc_auc([], [1.0])


def test_the_roc_curve_is_sklearns_and_its_area_is_the_auc():
    from sklearn.metrics import roc_curve as sk_roc
    rng = np.random.default_rng(1)
    normal, anomalous = rng.normal(0, 1, 80).round(1), rng.normal(1, 1, 40).round(1)
    fpr, tpr = roc_curve(normal, anomalous)
    sk_fpr, sk_tpr, _ = sk_roc(np.r_[np.zeros(80), np.ones(40)], np.r_[normal, anomalous],
                               drop_intermediate=False)
    assert np.allclose(fpr, sk_fpr) and np.allclose(tpr, sk_tpr)
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc(normal, anomalous))


def test_the_threshold_lets_through_at_most_the_false_positive_rate():
    normal = np.arange(100.0)
    threshold, fpr, tpr = threshold_at(normal, [50.0, 94.5, 96, 200], 0.05)
    assert threshold == 94 and fpr == 0.05 and tpr == 0.75
    threshold, fpr, _ = threshold_at(np.r_[np.zeros(90), np.ones(10)], [2.0], 0.05)  # ties at the top
    assert threshold == 1 and fpr == 0


def test_pca_reconstructs_better_with_more_components(digits):
    s = split(digits, normal=0)
    few, many = pca_scores(s, 2), pca_scores(s, 40)
    assert few.shape == (len(s.x_test),) and few.min() > 1e-3
    assert many.mean() < few.mean() and np.array_equal(many, pca_scores(s, 40))


def test_the_saved_model_reloads_and_reconstructs_the_same(tmp_path, digits):
    net = autoencoder([64, 16, 4, 16, 64], "se", image_shape=(1, 8, 8), rng=np.random.default_rng(2))
    s = split(digits, anomaly=7)
    fit(net, s, epochs=1, batch_size=100, optimizer="sgd", lr=0.1, rng=np.random.default_rng(0))
    again = load(net.save(tmp_path / "ae.npz"))
    x = s.floats(s.x_test[:20])
    assert again.recipe == net.recipe and again.loss_name == "se" and again.code_size == 4
    assert np.array_equal(again.predict(x), net.predict(x))
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(MatchboxError, match="not a model saved by matchbox"):
        load(tmp_path / "bad.npz")
    with pytest.raises(MatchboxError, match="must mirror"):
        autoencoder([64, 16, 4, 8, 64])


def test_the_command_on_the_digits(tmp_path):
    r = run_cli_in(tmp_path / "elsewhere", "train", "autoencoder", "--epochs", "4", "-o", tmp_path, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["anomaly"] == 0 and out["normal"] is None and out["architecture"] == "64–32–8–32–64"
    assert 0.5 < out["auc"] <= 1 and 0.5 < out["baseline_auc"] <= 1
    assert out["fpr"] <= 0.05 and 0 <= out["tpr"] <= 1 and out["threshold"] > 0
    assert [e["epoch"] for e in out["history"]] == [1, 2, 3, 4]
    assert set(out["history"][0]) == {"epoch", "train_loss", "test_loss", "auc", "seconds"}
    names = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert names == ["autoencoder-digits-anomaly0-reconstructions.png", "autoencoder-digits-anomaly0-roc.png",
                     "autoencoder-digits-anomaly0-scores.png", "autoencoder-digits-anomaly0.npz"]
    assert not list((tmp_path / "elsewhere").iterdir())
    net = load(out["model_file"])
    assert net.recipe == out["recipe"]


def test_the_command_with_one_normal_digit_in_japanese(tmp_path):
    r = run_cli("train", "autoencoder", "--normal", "1", "--epochs", "3", "--hidden", "16", "--code", "4",
                "--lang", "ja", "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "数字 1 を正常とします" in r.stdout and "主成分分析 (PCA)" in r.stdout and "偽陽性率 5 %" in r.stdout
    assert (tmp_path / "autoencoder-digits-normal1.npz").is_file()
    assert load(tmp_path / "autoencoder-digits-normal1.npz").recipe["sizes"] == [64, 16, 4, 16, 64]


@pytest.mark.parametrize("args, message", [
    (["--anomaly", "7", "--normal", "1"], "--anomaly and --normal do not go together"),
    (["--code", "64"], "--code 64 is not smaller than the 64 pixels"),
    (["--hidden", "a,b"], "--hidden 'a,b': give the encoder's hidden sizes"),
    (["--dataset", "sine"], "use --dataset digits or mnist, not sine"),
    (["--judge", "x.npz"], "--judge is for the gan, not autoencoder"),
])
def test_bad_options_are_refused_in_one_line(tmp_path, args, message):
    r = run_cli("train", "autoencoder", *args, "-o", tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and message in r.stderr
    assert not list(tmp_path.iterdir())


def test_other_models_refuse_the_autoencoders_options(tmp_path):
    r = run_cli("train", "mlp", "--anomaly", "3", "-o", tmp_path)
    assert r.returncode == 2 and "--anomaly is for the autoencoder" in r.stderr
