"""The pictures of `matchbox train autoencoder`: what it reconstructs, how its scores split normal from
anomalous images, and its ROC curve against PCA's. Words from words/anomaly.py, in the chosen language."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..words import word
from .plots import figure, save

ROWS = ("ae.row-input", "ae.row-reconstruction", "ae.row-difference")


def reconstruction_grid(groups, image_shape, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """`groups`: (label key, inputs, reconstructions, scores) for the normal and the anomalous images, flat
    in [0, 1]. Each group is three rows: the inputs, their reconstructions and |input − reconstruction|, the
    score (mean squared error per pixel) under each difference."""
    height, width = image_shape[-2:]
    columns = max(len(g[1]) for g in groups)
    fig = figure(1.0 * columns + 1.2, 1.05 * 3 * len(groups) + 0.4)
    subfigs = fig.subfigures(len(groups), 1)
    for sub, (key, inputs, recon, scores) in zip(np.atleast_1d(subfigs), groups):
        sub.suptitle(word(key, lang), fontsize=11)
        axes = sub.subplots(3, columns, squeeze=False)
        for c in range(columns):
            if c >= len(inputs):
                for r in range(3):
                    axes[r][c].axis("off")
                continue
            images = (inputs[c], recon[c], np.abs(inputs[c] - recon[c]))
            for r, image in enumerate(images):
                ax = axes[r][c]
                ax.imshow(image.reshape(height, width), cmap="gray_r" if r < 2 else "magma_r", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if c == 0:
                    ax.set_ylabel(word(ROWS[r], lang), fontsize=8)
            axes[2][c].set_xlabel(f"{scores[c]:.4f}", fontsize=7)
    return save(fig, path, title, lang)


def score_histograms(models, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """One panel per model: `models` is a list of (name, normal scores, anomalous scores, threshold, fpr, tpr).
    The two groups' histograms of the anomaly score share bins (log-spaced), each group's bars adding up to 100 %; the threshold a dashed line."""
    from matplotlib.ticker import NullFormatter
    fig = figure(5.2 * len(models), 3.9)
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    for ax, (name, normal, anomalous, threshold, fpr, tpr) in zip(axes, models):
        both = np.concatenate([normal, anomalous])
        low, high = max(both.min(), 1e-6), max(both.max(), 2e-6)
        bins = np.geomspace(low, high, 40)
        ax.hist(np.clip(normal, low, high), bins=bins, alpha=0.6, weights=np.full(len(normal), 100 / len(normal)),
                color="C0",
                label=word("ae.normal-count", lang, n=len(normal)))
        ax.hist(np.clip(anomalous, low, high), bins=bins, alpha=0.6,
                weights=np.full(len(anomalous), 100 / len(anomalous)), color="C3",
                label=word("ae.anomalous-count", lang, n=len(anomalous)))
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1.2,
                   label=word("ae.threshold-line", lang, threshold=threshold, fpr=100 * fpr, tpr=100 * tpr))
        ax.set(xscale="log", title=name, xlabel=word("ae.score-axis", lang), ylabel=word("ae.density-axis", lang))
        ax.xaxis.set_minor_formatter(NullFormatter())  # 2×10⁻², 3×10⁻²... crowd each other
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="best")
    return save(fig, path, title, lang)


def roc_and_curve(curves, history, loss_name: str, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """Left: the loss per epoch (train and test, normal images) and the test AUC per epoch. Right: the ROC
    curves, `curves` a list of (label, fpr array, tpr array, (fpr, tpr) at the threshold); `loss_name` the
    loss in words."""
    fig = figure(10.5, 4.2)
    loss, roc = fig.subplots(1, 2, width_ratios=(1.35, 1))
    epochs = [e.epoch for e in history]
    loss.plot(epochs, [e.train_loss for e in history], "o-", markersize=3, label=word("ae.train-loss", lang))
    loss.plot(epochs, [e.test_loss for e in history], "s--", markersize=3, label=word("ae.test-loss", lang))
    loss.set(xlabel=word("plot.epoch", lang), ylabel=word("ae.loss-axis", lang, loss=loss_name), title=word("ae.loss-title", lang))
    auc = loss.twinx()
    auc.plot(epochs, [e.auc for e in history], "-", color="C2", label=word("ae.auc-per-epoch", lang))
    auc.set_ylabel(word("ae.auc-axis", lang), color="C2")
    auc.set_ylim(min(0.5, min(e.auc for e in history)), 1)
    lines = loss.get_legend_handles_labels()
    more = auc.get_legend_handles_labels()
    loss.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    loss.xaxis.get_major_locator().set_params(integer=True)
    loss.grid(alpha=0.3)
    roc.plot([0, 1], [0, 1], ":", color="gray", label=word("ae.chance", lang))
    for (label, fpr, tpr, point), color in zip(curves, ("C4", "C1")):  # not the groups' blue and red
        roc.plot(fpr, tpr, "-", color=color, label=label)
        roc.plot(*point, "o", color=color)
    roc.set(xlabel=word("ae.fpr-axis", lang), ylabel=word("ae.tpr-axis", lang), title=word("ae.roc-title", lang),
            xlim=(0, 1), ylim=(0, 1.01), aspect="equal")
    roc.grid(alpha=0.3)
    roc.legend(fontsize=8, loc="lower right")
    return save(fig, path, title, lang)
