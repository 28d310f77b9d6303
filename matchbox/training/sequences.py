"""Sequence datasets for the recurrent networks, as `Dataset`s (data.py) whose "images" are sequences (N, T, D):

    sine     a noisy sine wave, sin(2πt/100) + noise, cut into windows of 25 values; the target is the next
             value (regression). 詳解ディープラーニング's first recurrent example.
    adding   the adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015): L steps of two
             channels, a value uniform in [0, 1] and a 0/1 marker with exactly two 1s; the target is the sum of
             the two marked values (regression). Always predicting 1 scores MSE 1/6 ≈ 0.167: a network below
             that has learned to remember what it saw many steps ago.
    mnist    MNIST read row by row: 28 steps of 28 pixels, one class per image (data.py's loader).
    digits   scikit-learn's 8×8 digits the same way: 8 steps of 8 pixels, a tiny fast variant.

Every split is fixed (its own seed, whatever the training seed), so runs compare.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import MatchboxError
from .data import Dataset, load_digits, load_mnist

SEQUENCE_DATASETS = ("sine", "adding", "mnist", "digits")
SINE_PERIOD, SINE_WINDOW, SINE_NOISE = 100, 25, 0.05
ADDING_BASELINE = 1 / 6  # the MSE of always answering 1: Var(u1 + u2) = 2 · 1/12


@dataclass
class Wave:
    """The whole noisy series the sine windows were cut from, the clean wave under it, and where the test
    windows' targets start in it (the test windows are the last ones, so the test part continues the wave)."""
    t: np.ndarray
    noisy: np.ndarray
    clean: np.ndarray
    test_start: int
    window: int


def load_sequences(name: str, *, length: int = 50, data_dir=None, download: bool = False) -> Dataset:
    """One of SEQUENCE_DATASETS as a Dataset of sequences (N, T, D); `length` is the adding problem's L."""
    if name == "sine":
        return sine_wave()
    if name == "adding":
        return adding_problem(length)
    if name in ("mnist", "digits"):
        return rows_of(load_mnist(data_dir, download) if name == "mnist" else load_digits())
    raise MatchboxError(f"unknown dataset {name!r}: use one of {', '.join(SEQUENCE_DATASETS)}")


def rows_of(images: Dataset) -> Dataset:
    """Images (N, 1, H, W) read row by row: sequences of H steps of W pixels (still uint8, scaled per batch)."""
    def rows(x):
        return x.reshape(len(x), *x.shape[-2:])
    return replace(images, x_train=rows(images.x_train), x_test=rows(images.x_test))


def sine_wave(periods: int = 4, period: int = SINE_PERIOD, window: int = SINE_WINDOW, noise: float = SINE_NOISE,
              test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """sin(2πt/period) + uniform noise in [−noise, noise] for t = 0 … periods·period, cut into every window of
    `window` values followed by the next one. The last quarter of the windows are the test split: the model
    is tested on the part of the wave that comes after what it trained on."""
    t = np.arange(periods * period + 1)
    clean = np.sin(2 * np.pi * t / period)
    noisy = clean + np.random.default_rng(seed).uniform(-noise, noise, len(t))
    windows = np.lib.stride_tricks.sliding_window_view(noisy[:-1], window)[:, :, None]
    targets = noisy[window:]
    n_test = round(len(targets) * test_fraction)
    cut = len(targets) - n_test
    data = Dataset("sine", windows[:cut].astype(np.float32), targets[:cut].astype(np.float32),
                   windows[cut:].astype(np.float32), targets[cut:].astype(np.float32), scale=1.0,
                   source=f"sin(2πt/{period}) + U(−{noise:g}, {noise:g}), windows of {window}", classes=0,
                   wave=Wave(t, noisy, clean, window + cut, window))
    return data


def adding_sequences(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n sequences (n, length, 2) of the adding problem and their targets (n,). The two markers fall one in
    each half of the sequence (as Hochreiter & Schmidhuber place them), so the first is often far back."""
    if length < 2:
        raise MatchboxError(f"the adding problem needs a length of at least 2, not {length}")
    x = np.zeros((n, length, 2), np.float32)
    x[:, :, 0] = rng.uniform(0, 1, (n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    rows = np.arange(n)
    x[rows, first, 1] = x[rows, second, 1] = 1
    target = x[rows, first, 0] + x[rows, second, 0]
    return x, target.astype(np.float32)


def adding_problem(length: int = 50, n_train: int = 10_000, n_test: int = 1_000, seed: int = 0) -> Dataset:
    """The adding problem at sequence length `length`: fixed train and test sets drawn from `seed`."""
    train_rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence([seed, length]).spawn(2))
    x_train, t_train = adding_sequences(n_train, length, train_rng)
    x_test, t_test = adding_sequences(n_test, length, test_rng)
    return Dataset("adding", x_train, t_train, x_test, t_test, scale=1.0,
                   source=f"adding problem, length {length}", classes=0)


def baseline_mse(data: Dataset) -> float:
    """The test MSE of a model that learned nothing: always 1 on the adding problem (the sum's mean, 1/6 in
    expectation), always the mean value on the sine wave (its variance)."""
    t = data.t_test.astype(np.float64)
    return float(np.mean((t - 1) ** 2) if data.name == "adding" else np.var(t))


def continue_sine(net, data: Dataset, path, model: str, lang: str = "en") -> dict:
    """The sine model run over the test part two ways, one step ahead from the true windows and in a closed
    loop from the last window before it; draws both against the wave and gives their MSEs and the picture."""
    from ..words import word
    from .plots import wave as draw_wave
    w = data.wave
    one_step = net.predict(data.x_test)[:, 0]
    closed = net.continue_wave(w.noisy[w.test_start - w.window:w.test_start], len(data.t_test))
    truth = data.t_test.astype(np.float64)
    closed_mse = float(np.mean((closed - truth) ** 2))
    picture = draw_wave(w, one_step, closed, path, word("plot.wave-title", lang, model=model, mse=closed_mse), lang)
    return {"closed_loop_mse": closed_mse, "closed_loop_mse_clean": float(np.mean(
        (closed - w.clean[w.test_start:w.test_start + len(closed)]) ** 2)), "wave_plot_file": str(picture)}
