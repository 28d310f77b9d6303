"""`matchbox train gan`: the two players' gradients agree with finite differences, the measures of quality
count what they say, and the command writes its pictures and JSON. No MNIST CNN is trained here: a tiny
dataset and a tiny judge stand in for them."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import numerical, run_cli
from matchbox.cli import main
from matchbox.engine.layers import SigmoidWithLoss, Tanh
from matchbox.engine.network import cnn
from matchbox.training import gan as G
from matchbox.training.data import Dataset
from matchbox.words import WORDS


def tiny_players(pack=1):
    rng = np.random.default_rng(3)
    g = G.mlp_stack([3, 5, 4], Tanh(), rng, dtype=np.float64)
    d = G.mlp_stack([4 * pack, 6, 1], None, rng, dtype=np.float64)
    return g, d


@pytest.mark.parametrize("pack", [1, 2])
def test_the_generators_gradient_flows_back_through_the_discriminator(pack):
    """∂/∂θ_G of the non-saturating loss −ln σ(D(G(z))), by backward through D then G, against central
    differences, with `pack` samples side by side in D's input."""
    g, d = tiny_players(pack)
    z = np.random.default_rng(4).standard_normal((4, 3))
    loss = SigmoidWithLoss()

    def f():
        return loss.forward(d.forward(g.forward(z).reshape(4 // pack, -1)), 1.0)

    fake = g.forward(z)
    loss.forward(d.forward(fake.reshape(4 // pack, -1)), 1.0)
    g.backward(d.backward(loss.backward()).reshape(fake.shape))
    analytic = {k: v.copy() for k, v in g.grads.items()}
    for name, value in g.params.items():
        np.testing.assert_allclose(analytic[name], numerical(f, value), rtol=1e-5, atol=1e-8, err_msg=name)


def test_the_discriminator_may_skip_its_input_gradient():
    g, d = tiny_players()
    x = np.random.default_rng(5).standard_normal((3, 4))
    d.forward(x)
    full = d.backward(np.ones((3, 1)))
    grads = {k: v.copy() for k, v in d.grads.items()}
    d.forward(x)
    assert d.backward(np.ones((3, 1)), input_grad=False) is None and full.shape == x.shape
    for k, v in d.grads.items():
        np.testing.assert_allclose(v, grads[k])


def test_a_step_moves_both_players_and_reports_what_d_believes():
    rng = np.random.default_rng(0)
    gan = G.build_gan("ring", rng, hidden=[16], lr=1e-3)
    before = {k: v.copy() for k, v in {**gan.G.params, **gan.D.params}.items()}
    d_loss, g_loss, d_real, d_fake = gan.step(G.ring_samples(64, rng), rng)
    assert d_loss > 0 and g_loss > 0 and 0 < d_fake < 1 and 0 < d_real < 1
    assert all(not np.array_equal(v, before[k]) for k, v in {**gan.G.params, **gan.D.params}.items())


def test_the_ring_modes_are_counted_within_two_standard_deviations():
    rng = np.random.default_rng(1)
    assert G.modes(G.ring_samples(1000, rng))["modes_covered"] == 8
    one = G.modes(np.tile(G.ring_centres()[:1], (1000, 1)))
    assert one["modes_covered"] == 1 and one["high_quality_share"] == 1.0
    # 3σ off every centre: near the ring, yet no mode counts
    assert G.modes(G.ring_centres() * (1 + 3 * G.RING_STD / G.RING_RADIUS))["modes_covered"] == 0


class FakeJudge:
    """Scores that make class i%10 certain for the first half of the samples and leave the rest undecided."""
    dtype, input_shape = np.float32, (1, 28, 28)

    def predict(self, x):
        scores = np.zeros((len(x), 10), np.float32)
        scores[np.arange(len(x) // 2), np.arange(len(x) // 2) % 10] = 20
        return scores


def test_the_judge_reports_confidence_and_classes():
    verdict = G.judge(FakeJudge(), np.zeros((200, 784), np.float32))
    assert verdict["confident_share"] == 0.5
    assert verdict["class_shares"][0] == pytest.approx(0.55)  # 10 certain zeros and 100 undecided (argmax 0)
    assert verdict["classes_covered"] == 10


def test_to_pixels_maps_tanh_range_to_ink():
    assert G.to_pixels(np.array([[-1.0, 1.0, 0.0] + [-1.0] * 781])).ravel()[:3].tolist() == [0, 255, 128]


def tiny_mnist(n=120):
    rng = np.random.default_rng(2)
    x = (rng.random((n, 1, 28, 28)) * 255).astype(np.uint8)
    return Dataset("mnist", x, np.arange(n, dtype=np.uint8) % 10, x[:40], np.arange(40, dtype=np.uint8) % 10,
                   scale=255.0, source="tiny")


@pytest.fixture
def tiny_data(monkeypatch):
    from matchbox.training import data
    monkeypatch.setattr(data, "load_dataset", lambda name, data_dir=None, download=False: tiny_mnist())


def test_the_mnist_gan_writes_its_pictures_and_json(tmp_path, tiny_data):
    judge = cnn(filters=2, hidden=8, rng=np.random.default_rng(0))
    judge.save(tmp_path / "cnn-mnist.npz")
    result = CliRunner().invoke(main, ["train", "gan", "--epochs", "2", "--hidden", "16", "--batch-size", "40",
                                       "-o", str(tmp_path), "--json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dataset"] == "mnist" and summary["generator"].startswith("64–16–784")
    assert len(summary["history"]) == 2 and {"d_loss", "g_loss", "confident_share"} <= set(summary["history"][0])
    assert 0 <= summary["confident_share"] <= 1 and 0 <= summary["classes_covered"] <= 10
    assert len(summary["class_shares"]) == 10 and summary["judge_trained_now"] is False
    for key in ("plot_file", "losses_file", "epochs_file", "animation_file"):
        assert (tmp_path / summary[key].split("/")[-1]).stat().st_size > 1000, key
    from PIL import Image
    assert Image.open(summary["animation_file"]).n_frames == 2


def test_without_a_judge_one_is_trained_and_kept(tmp_path, tiny_data):
    result = CliRunner().invoke(main, ["train", "gan", "--epochs", "1", "--hidden", "8", "-o", str(tmp_path),
                                       "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "no judge at" in result.output and "judge saved" in result.output
    assert (tmp_path / "cnn-mnist.npz").is_file() and "the judge classifies" in result.output
    again = CliRunner().invoke(main, ["train", "gan", "--epochs", "1", "--hidden", "8", "-o", str(tmp_path),
                                      "--lang", "ja"])
    assert again.exit_code == 0 and "判定役:" in again.output and "判定役は" in again.output


def test_a_judge_that_does_not_read_mnist_digits_is_refused(tmp_path, tiny_data):
    from matchbox.engine.network import mlp
    mlp([64, 10, 10]).save(tmp_path / "digits.npz")
    result = CliRunner().invoke(main, ["train", "gan", "--judge", str(tmp_path / "digits.npz"), "-o", str(tmp_path),
                                       "--lang", "en"])
    assert result.exit_code != 0 and "28×28" in result.output


def test_the_ring_trains_from_the_command_line(tmp_path):
    run = run_cli("train", "gan", "--dataset", "ring", "--epochs", "2", "-o", tmp_path, "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["dataset"] == "ring" and 0 <= summary["modes_covered"] <= 8
    assert [e["epoch"] for e in summary["history"]] == [1, 2] and "modes_covered" in summary["history"][-1]
    assert all((tmp_path / f"gan-ring{s}").is_file() for s in (".png", "-losses.png", "-epochs.png", "-epochs.gif"))


@pytest.mark.parametrize("args,message", [(["--dataset", "digits"], "mnist"), (["--hidden", "0"], "--hidden"),
                                          (["--code", "4"], "--code")])
def test_the_gan_refuses_what_does_not_fit_in_one_line(tmp_path, args, message):
    run = run_cli("train", "gan", *args, "-o", tmp_path, "--lang", "en")
    assert run.returncode != 0 and message in run.stderr and "Traceback" not in run.stderr


def test_every_gan_word_is_in_both_languages():
    keys = [k for k in WORDS if k.startswith("gan.")]
    assert len(keys) > 30
    for k in keys:
        assert WORDS[k]["en"] and WORDS[k]["ja"] and WORDS[k]["en"] != WORDS[k]["ja"], k
