"""Recurrent networks trained on sequences: the datasets, the SequenceNetwork, and `matchbox train rnn|lstm|gru`."""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import numerical, run_cli

from matchbox.training.data import load_digits
from matchbox.training.models import build, load
from matchbox.training.recurrent import sequence_network
from matchbox.training.sequences import (
    ADDING_BASELINE,
    adding_problem,
    baseline_mse,
    load_sequences,
    rows_of,
    sine_wave,
)
from matchbox.training.train import evaluate, train


@pytest.fixture(scope="module")
def sine():
    return sine_wave()


# --- the datasets -------------------------------------------------------------------------------------------

def test_the_sine_windows_are_25_values_and_their_target_is_the_next(sine):
    w = sine.wave
    assert sine.x_train.shape[1:] == sine.x_test.shape[1:] == (25, 1) and sine.task == "regress"
    assert len(sine.t_train) + len(sine.t_test) == len(w.noisy) - 25
    assert np.allclose(sine.x_train[7, :, 0], w.noisy[7:32]) and np.isclose(sine.t_train[7], w.noisy[32])
    # the test windows come after the training ones: their first target is where the test part starts
    assert np.isclose(sine.t_test[0], w.noisy[w.test_start]) and np.allclose(sine.x_test[0, :, 0],
                                                                             w.noisy[w.test_start - 25:w.test_start])
    assert np.abs(w.noisy - w.clean).max() <= 0.05 and np.allclose(w.clean, np.sin(2 * np.pi * w.t / 100))
    assert np.array_equal(sine_wave().x_train, sine.x_train)  # a fixed split


@pytest.mark.parametrize("length", [10, 51, 100])
def test_the_adding_problem_marks_two_values_and_asks_their_sum(length):
    data = adding_problem(length, n_train=300, n_test=50)
    assert data.x_train.shape == (300, length, 2) and data.x_test.shape == (50, length, 2)
    x, t = data.x_train, data.t_train
    values, marks = x[:, :, 0], x[:, :, 1]
    assert values.min() >= 0 and values.max() <= 1 and set(np.unique(marks)) == {0, 1}
    assert (marks.sum(axis=1) == 2).all()
    assert (marks[:, :length // 2].sum(axis=1) == 1).all()  # one marker in each half
    assert np.allclose(t, (values * marks).sum(axis=1))
    assert np.array_equal(adding_problem(length, n_train=300, n_test=50).x_train, x)  # fixed by its seed


def test_the_adding_baseline_is_a_sixth():
    data = adding_problem(20, n_train=10, n_test=20000)
    assert abs(baseline_mse(data) - ADDING_BASELINE) < 0.01 and abs(ADDING_BASELINE - 0.1667) < 1e-4


def test_images_read_row_by_row():
    digits = load_sequences("digits")
    assert digits.x_train.shape[1:] == (8, 8) and digits.task == "classify"
    images = load_digits()
    assert np.array_equal(digits.x_train[5], images.x_train[5, 0])
    x, _ = next(digits.batches("test", 4))
    assert x.shape == (4, 8, 8) and x.max() <= 1
    mnist = rows_of(images.__class__("mnist", np.zeros((3, 1, 28, 28), np.uint8), np.zeros(3, np.uint8),
                                     np.zeros((2, 1, 28, 28), np.uint8), np.zeros(2, np.uint8), 255.0))
    assert mnist.x_train.shape == (3, 28, 28) and mnist.image_shape == (28, 28)


# --- the network ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("task", ["classify", "regress"])
@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_the_sequence_networks_gradient_matches_central_differences(model, task):
    rng = np.random.default_rng(5)
    outputs = 3 if task == "classify" else 1
    net = sequence_network(model, 2, 3, outputs, task, clip=None, dtype="float64", rng=rng)
    for p in net.params.values():  # no zero biases: every path of the gradient carries something
        p += 0.3 * rng.standard_normal(p.shape)
    x = rng.standard_normal((4, 5, 2))
    t = np.array([0, 2, 1, 1]) if task == "classify" else rng.standard_normal(4)
    net.gradient(x, t)
    grads = {name: g.copy() for name, g in net.grads.items()}
    assert set(grads) == set(net.params)
    for name, param in net.params.items():
        numeric = numerical(lambda: net.loss(x, t, train=True), param)
        assert np.allclose(grads[name], numeric, rtol=1e-5, atol=1e-8), name


def test_gradients_are_clipped_to_the_norm():
    rng = np.random.default_rng(2)
    net = sequence_network("rnn", 2, 4, 1, "regress", clip=0.01, dtype="float64", rng=rng)
    net.gradient(rng.standard_normal((6, 7, 2)), 10 * rng.standard_normal(6))
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in net.grads.values()))
    assert net.grad_norm > 0.01 and norm == pytest.approx(0.01, rel=1e-3)


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_a_saved_sequence_model_loads_and_predicts_identically(tmp_path, model):
    net = build(model, (6, 3), 0, hidden=[5], rng=np.random.default_rng(1), clip=0.5)
    x = np.random.default_rng(2).standard_normal((4, 6, 3)).astype(np.float32)
    again = load(net.save(tmp_path / f"{model}.npz"))
    assert type(again) is type(net) and again.recipe == net.recipe and again.clip == 0.5
    assert np.array_equal(again.predict(x), net.predict(x)) and again.task == "regress"
    classifier = build(model, (6, 3), 4, hidden=[5], rng=np.random.default_rng(1))
    assert np.array_equal(load(classifier.save(tmp_path / "c.npz")).predict(x), classifier.predict(x))


# --- training -------------------------------------------------------------------------------------------------

def test_the_lstm_learns_the_sine_wave_in_a_second(sine):
    net, history = train("lstm", sine, epochs=15, batch_size=10, hidden=[20], seed=1)
    variance = float(np.var(sine.t_test))
    assert history[-1].test_loss < variance / 100 and history[-1].test_accuracy is None
    assert "test_accuracy" not in history[-1].to_json()
    closed = net.continue_wave(sine.x_test[0, :, 0], 20)
    assert np.mean((closed - sine.t_test[:20]) ** 2) < variance / 20  # closed loop: still the wave


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_the_gated_networks_solve_the_adding_problem_at_length_10(model):
    data = adding_problem(10, n_train=2000, n_test=300)
    _, history = train(model, data, epochs=3, batch_size=25, hidden=[32], seed=1, lr=0.003)
    assert history[-1].test_loss < ADDING_BASELINE / 4


def test_the_lstm_reads_the_digits_row_by_row():
    data = load_sequences("digits")
    net, history = train("lstm", data, epochs=6, batch_size=50, hidden=[32], seed=1, lr=0.005)
    assert history[-1].test_accuracy >= 0.85
    assert evaluate(net, data)[1] == history[-1].test_accuracy


# --- the command -------------------------------------------------------------------------------------------------

def test_matchbox_train_lstm_on_the_sine_wave_end_to_end(tmp_path):
    r = run_cli("train", "gru", "--epochs", "4", "-o", tmp_path, "--json", "--lang", "ja")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["model"] == "gru" and summary["dataset"] == "sine" and summary["task"] == "regress"
    assert summary["clip"] == 1.0 and summary["hidden"] == 20 and summary["batch_size"] == 10
    assert [e["epoch"] for e in summary["history"]] == [1, 2, 3, 4]
    assert set(summary["history"][0]) == {"epoch", "train_loss", "test_loss", "seconds"}
    assert summary["test_mse"] == summary["test_loss"] < summary["baseline_mse"]
    for name in ("gru-sine.npz", "gru-sine.png", "gru-sine-wave.png"):
        assert (tmp_path / name).read_bytes()[:4] in (b"PK\x03\x04", b"\x89PNG"), name
    assert summary["wave_plot_file"] == str(tmp_path / "gru-sine-wave.png") and "closed_loop_mse" in summary
    net = load(tmp_path / "gru-sine.npz")
    assert evaluate(net, sine_wave())[0] == pytest.approx(summary["test_loss"], rel=1e-6)
    assert r.stderr == ""


def test_matchbox_train_rnn_on_the_adding_problem_and_the_digits(tmp_path):
    r = run_cli("train", "lstm", "--dataset", "adding", "--length", "10", "--epochs", "1", "--hidden", "8",
                "--clip", "0", "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("lstm on adding-10 (10,000 training") and lines[1].startswith("epoch 1/1  train MSE")
    assert "a constant answer scores 0.1" in r.stdout and (tmp_path / "lstm-adding-10.npz").is_file()
    r = run_cli("train", "rnn", "--dataset", "digits", "--epochs", "2", "--json", "-o", tmp_path)
    summary = json.loads(r.stdout)
    assert summary["task"] == "classify" and 0 < summary["test_accuracy"] <= 1
    assert "test_accuracy" in summary["history"][-1] and (tmp_path / "rnn-digits.png").is_file()


@pytest.mark.parametrize("args, message", [
    (["mlp", "--clip", "1"], "--clip is for the recurrent models"),
    (["cnn", "--length", "20"], "--length is for the recurrent models"),
    (["--dataset", "sine"], "the sine dataset is a sequence"),
    (["lstm", "--shift", "1"], "--shift is for mlp and cnn"),
    (["gru", "--activation", "tanh"], "--activation is for mlp and cnn"),
    (["rnn", "--length", "20"], "--length is the adding problem's"),
    (["lstm", "--hidden", "10,10"], "one --hidden size"),
])
def test_options_that_do_not_fit_are_refused_in_one_line(tmp_path, args, message):
    r = run_cli("train", *args, "-o", tmp_path)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not list(tmp_path.iterdir())
