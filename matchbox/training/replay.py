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


def plot(r: Replay, path, title: str = "", lang: str = "en"):
    from ..words import word
    from ..worksheet.graph import tr
    from matplotlib.ticker import MaxNLocator

    from .plots import figure, save
    line = r.line is not None
    fig = figure(10 if line else 6.5, 4)
    axes = fig.subplots(1, 2 if line else 1, squeeze=False)[0]
    ax = axes[0]
    for i, (name, values) in enumerate(r.series.items()):
        ax.plot(np.arange(r.first_step, r.first_step + len(values)), values, "-", color=f"C{i}", label=word("plot.engine", lang, name=name))
        if name in r.learner:
            k, y = zip(*r.learner[name])
            ax.plot(k, y, "o", color=f"C{i}", markeredgecolor="black", label=word("plot.yours", lang, name=name))
    ax.axvspan(0, r.sheet_steps, color="0.9", label=word("plot.sheet-steps", lang))
    ax.set(xlabel=tr(r.xlabel, lang) if r.xlabel else word("plot.step", lang), ylabel=tr(r.ylabel, lang))
    frame_steps(ax, r, lang)
    if r.log_scale and all(np.all(s > 0) for s in r.series.values()):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, **OUTSIDE)
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
            ax2.plot(xs, (theta - w0 - w1 * xs) / w2, "k-", label=word("plot.decision-line", lang))
        elif w1 != 0:
            ax2.axvline((theta - w0) / w1, color="k", label=word("plot.decision-line", lang))
        ax2.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="x₁", ylabel="x₂", title=word("plot.after", lang))
        if whole(pts):
            ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.grid(alpha=0.3)
        ax2.legend(fontsize=8, **OUTSIDE)
    return save(fig, path, title, lang)


OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.02, 1), "borderaxespad": 0}  # a legend beside the data


def whole(values) -> bool:
    """Whether every value is a whole number (matchsticks, weights of a perceptron, inputs of 0 and 1)."""
    return all(np.allclose(v, np.round(v), rtol=0, atol=1e-9) for v in np.atleast_1d(values))


def settled_step(r: Replay) -> int | None:
    """The step after which no series changes any more (None: still changing at the last step)."""
    last = None
    for values in r.series.values():
        values = np.asarray(values, dtype=float)
        moved = np.flatnonzero(~np.isclose(values, values[-1], rtol=1e-9, atol=1e-12))
        last = max(last or 0, moved[-1] + 1 if len(moved) else 0)
    end = r.first_step + max(len(v) for v in r.series.values()) - 1
    step = r.first_step + (last or 0)
    return step if step < end else None


def frame_steps(ax, r: Replay, lang: str) -> None:
    """The step axis chosen from the run: a run that settles is shown on a plain axis up to shortly after
    it settles (and after the sheet's steps), the rest being a flat line said in the axis's label; a run
    still moving at its end keeps every step on a log axis. Whole-number quantities get whole-number ticks."""
    from matplotlib.ticker import MaxNLocator

    from ..words import word
    end = r.first_step + max(len(v) for v in r.series.values()) - 1
    settled = settled_step(r)
    if settled is not None:
        shown = max(settled, r.sheet_steps, 1)
        right = min(end, shown + max(3, shown // 2))
        ax.set_xlim(0, right)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if right < end:
            ax.set_xlabel(word("steps.unchanged", lang, s=settled, n=end))
    elif end > 200:
        ax.set_xscale("symlog", linthresh=max(r.sheet_steps, 1))
    if all(whole(v) for v in r.series.values()):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
