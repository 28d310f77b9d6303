"""`matchbox replay`: a hand exercise continued by the engine for thousands of steps.

The first steps are the sheet's (and, from a filled workbook, the learner's own numbers, drawn as points);
the engine goes on from the same start with the same rule, so the curve the learner began by hand is the one
training follows. A kind that learns says how in its module's `replay` hook (which returns a
worksheet.replay.Replay): perceptron-style kinds plot their weights (and a perceptron its decision line);
`neuron` and `backprop` their error E; `descent` and `optimizers` the height f. Here the series are drawn.
"""
from __future__ import annotations


import numpy as np

from ..errors import MatchboxError
from ..kinds import KINDS, Variant, kind_module
from ..worksheet.replay import Replay


def replay(variant: Variant, steps: int, typed: dict | None = None) -> Replay:
    """Continue `variant` with the engine for `steps` steps; `typed` are a learner's numbers by quantity."""
    run = getattr(kind_module(variant.kind), "replay", None)
    if run is None:
        learning = [k for k in KINDS if hasattr(kind_module(k), "replay")]
        raise MatchboxError(f"replay continues the exercises that learn: {', '.join(learning)} "
                            f"(not {variant.kind})")
    return run(variant, steps, typed)


def plot(r: Replay, path, title: str = ""):
    from .plots import figure, save
    line = r.line is not None
    fig = figure(10 if line else 6.5, 4)
    axes = fig.subplots(1, 2 if line else 1, squeeze=False)[0]
    ax = axes[0]
    for i, (name, values) in enumerate(r.series.items()):
        ax.plot(np.arange(r.first_step, r.first_step + len(values)), values, "-", color=f"C{i}", label=f"{name} (engine)")
        if name in r.learner:
            k, y = zip(*r.learner[name])
            ax.plot(k, y, "o", color=f"C{i}", markeredgecolor="black", label=f"{name} (your sheet)")
    ax.axvspan(0, r.sheet_steps, color="0.9", label="the sheet's steps")
    longest = max(len(x) for x in r.series.values())
    if longest > 200:
        ax.set_xscale("symlog", linthresh=max(r.sheet_steps, 1))
    ax.set(xlabel="step", ylabel=r.ylabel)
    if r.log_scale and all(np.all(s > 0) for s in r.series.values()):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if line:
        X, t, w, theta, bias = r.line
        ax2 = axes[1]
        pts = X[:, 1:] if bias else X
        for cls, marker in ((t.max(), "o"), (t.min(), "x")):
            sel = t == cls
            ax2.scatter(pts[sel, 0], pts[sel, 1], marker=marker, s=60, label=f"t = {cls:g}")
        lo, hi = pts.min() - 0.5, pts.max() + 0.5
        xs = np.linspace(lo, hi, 2)
        w0, w1, w2 = (w if bias else np.r_[0.0, w])
        if w2 != 0:
            ax2.plot(xs, (theta - w0 - w1 * xs) / w2, "k-", label="decision line")
        elif w1 != 0:
            ax2.axvline((theta - w0) / w1, color="k", label="decision line")
        ax2.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="x₁", ylabel="x₂", title="after the last step")
        ax2.grid(alpha=0.3)
        ax2.legend(fontsize=8)
    return save(fig, path, title)
