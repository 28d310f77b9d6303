"""`matchbox replay`: a hand exercise continued by the engine for thousands of steps.

The first steps are the sheet's (and, from a filled workbook, the learner's own numbers, drawn as points);
the engine goes on from the same start with the same rule, so the curve the learner began by hand is the one
training follows. Perceptron-style kinds plot their weights (and a perceptron its decision line); `neuron`
and `backprop` their error E; `descent` and `optimizers` the height f.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import MatchboxError
from .exercises import Variant

TRIAL_KINDS = ("counting", "matchbox", "perceptron")
KINDS = TRIAL_KINDS + ("neuron", "backprop", "descent", "optimizers")


@dataclass
class Replay:
    variant: Variant
    ylabel: str
    series: dict[str, np.ndarray] = field(default_factory=dict)  # name -> value after each step (step 0 first)
    sheet_steps: int = 0  # how many steps the sheet itself has
    learner: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # name -> (step, value) typed
    line: tuple | None = None  # a perceptron's points and final weights, for its decision line
    summary: dict = field(default_factory=dict)


def replay(variant: Variant, steps: int, typed: dict | None = None) -> Replay:
    """Continue `variant` with the engine for `steps` steps; `typed` are a learner's numbers by quantity."""
    if variant.kind not in KINDS:
        raise MatchboxError(f"replay continues the exercises that learn: {', '.join(KINDS)} "
                            f"(not {variant.kind})")
    run = {"neuron": _neuron, "backprop": _backprop, "descent": _descent, "optimizers": _optimizers}.get(
        variant.kind, _trials)
    out = run(variant, steps)
    typed = typed or {}
    for name, pattern in out.summary.pop("typed", {}).items():
        points = [(k, typed[pattern(k)]) for k in range(1, out.sheet_steps + 1)
                  if isinstance(typed.get(pattern(k)), float)]
        if points:
            out.learner[name] = points
    return out


def _cycle(trials: list, steps: int) -> list:
    return [trials[k % len(trials)] for k in range(steps)]


def _trials(v: Variant, steps: int) -> Replay:
    from .engine.perceptron import count_errors, predict, train_perceptron
    from .exercises import kind_module
    p = kind_module(v.kind).items(v.params)
    order = _cycle(p.order, steps)
    run = train_perceptron(p.inputs, p.teacher, p.weights, order, p.lr, p.threshold, p.strict,
                           p.learn_threshold, p.low)
    symbols = p.symbols
    out = Replay(v, "weight", sheet_steps=len(p.order))
    for j, s in enumerate(symbols):
        out.series[f"w{s}"] = run.w[:, j]
        out.summary.setdefault("typed", {})[f"w{s}"] = lambda k, j=j: f"w{k}_{j}"
    if p.learn_threshold:
        out.series["θ"] = run.theta
        out.summary["typed"]["θ"] = lambda k: f"theta{k}"
    final = run.w[-1]
    errors = count_errors(predict(p.inputs, final, run.theta[-1], p.strict, p.low) - np.asarray(p.teacher))
    out.summary.update(final_weights=final.tolist(), final_threshold=float(run.theta[-1]),
                       errors_with_final_weights=int(errors), changes=int(np.count_nonzero(run.d)))
    if v.kind == "perceptron":
        out.line = (np.asarray(p.inputs, float), np.asarray(p.teacher, float), final, float(run.theta[-1]),
                    bool(v.params["bias"]))
    return out


def _net_run(layers, samples, trials, steps, lr, shared):
    """Online gradient descent with the engine's layers on ½Σ(t − y)²; E of each step's sample before its
    update. `shared` maps a layer index to True where one bias is shared by the layer (its gradient summed)."""
    from .engine.layers import SquaredError
    from .engine.optimizers import SGD
    loss, opt = SquaredError(), SGD(lr)
    names = [s["name"] for s in samples]
    errors = []
    for name in _cycle(trials, steps):
        s = samples[names.index(name)]
        x = np.array([s["inputs"]], float)
        t = np.array([s.get("targets", [s.get("teacher")])], float)
        for layer in layers:
            x = layer.forward(x)
        errors.append(loss.forward(x, t))
        d = loss.backward()
        for layer in reversed(layers):
            d = layer.backward(d)
        for i, layer in enumerate(layers):
            if not layer.params:
                continue
            grads = dict(layer.grads)
            if "b" in grads and i in shared:
                grads["b"] = np.full_like(grads["b"], grads["b"].sum()) if shared[i] else np.zeros_like(grads["b"])
            opt.update(layer.params, grads)
    return np.array(errors)


def _neuron(v: Variant, steps: int) -> Replay:
    from .engine.layers import ACTIVATIONS, Affine
    p = v.params
    W = np.array(p["initial_weights"], float)[:, None]
    b = np.array([p["bias"]], float)
    layers = [Affine(W, b), ACTIVATIONS[p["activation"]]()]
    errors = _net_run(layers, p["samples"], p["trials"], steps, p["learning_rate"],
                      {} if p["learn_bias"] else {0: False})
    out = Replay(v, "error E = ½(t − y)²", {"E": errors}, sheet_steps=len(p["trials"]))
    out.summary.update(typed={"E": lambda k: f"E{k}"}, final_weights=W[:, 0].tolist(), final_bias=float(b[0]),
                       first_error=float(errors[0]), last_error=float(errors[-1]))
    return out


def _backprop(v: Variant, steps: int) -> Replay:
    from .engine.layers import ACTIVATIONS, Affine
    p = v.params
    n, h, k = p["shape"]
    if p["biases"] == "none":
        b, c = np.zeros(h), np.zeros(k)
    else:
        b = np.broadcast_to(np.array(p["hidden_bias"], float), (h,)).copy()
        c = np.broadcast_to(np.array(p["output_bias"], float), (k,)).copy()
    layers = [Affine(np.array(p["hidden_weights"], float), b), ACTIVATIONS[p["hidden"]](),
              Affine(np.array(p["output_weights"], float), c), ACTIVATIONS[p["output"]]()]
    if p["biases"] == "none" or not p.get("learn_biases", True):
        shared = {0: False, 2: False}
    elif p["biases"] == "per_layer":
        shared = {0: True, 2: True}
    else:
        shared = {}
    errors = _net_run(layers, p["samples"], p["trials"], steps, p["learning_rate"], shared)
    out = Replay(v, "error E = ½Σ(t − y)²", {"E": errors}, sheet_steps=len(p["trials"]))
    out.summary.update(typed={"E": lambda s: f"E{s}"}, first_error=float(errors[0]), last_error=float(errors[-1]))
    return out


def _descent(v: Variant, steps: int) -> Replay:
    from .engine.optimizers import SGD
    p = v.params
    return _bowl(v, steps, {"gradient descent": SGD(p["learning_rate"])}, len(p["start"]), p["steps"],
                 {"gradient descent": lambda k: f"f_{k}"})


def _optimizers(v: Variant, steps: int) -> Replay:
    from .engine.optimizers import make_optimizer
    p = v.params
    opts = {o: make_optimizer(o, p[o]["lr"], **{k: x for k, x in p[o].items() if k != "lr"})
            for o in p["optimizers"]}
    return _bowl(v, steps, opts, len(p["start"]), p["steps"], {})


def _bowl(v, steps, optimizers, n, sheet_steps, typed):
    from .engine import surfaces as S
    p = v.params
    out = Replay(v, "f(x)", sheet_steps=sheet_steps)
    for name, opt in optimizers.items():
        params = {"x": np.array(p["start"], float)}
        values = [S.value(params["x"], p["coefficients"], p["center"])]
        for _ in range(steps):
            opt.update(params, {"x": S.gradient(params["x"], p["coefficients"], p["center"])})
            values.append(S.value(params["x"], p["coefficients"], p["center"]))
        out.series[name] = np.array(values)
        out.summary[f"{name}: final x"] = params["x"].tolist()
    out.summary["typed"] = typed
    return out


def plot(r: Replay, path, title: str = ""):
    from .plots import figure
    line = r.line is not None
    fig = figure(10 if line else 6.5, 4)
    axes = fig.subplots(1, 2 if line else 1, squeeze=False)[0]
    ax = axes[0]
    first = 1 if r.variant.kind in ("neuron", "backprop") else 0  # E is of each step; weights and f start at 0
    for i, (name, values) in enumerate(r.series.items()):
        ax.plot(np.arange(first, first + len(values)), values, "-", color=f"C{i}", label=f"{name} (engine)")
        if name in r.learner:
            k, y = zip(*r.learner[name])
            ax.plot(k, y, "o", color=f"C{i}", markeredgecolor="black", label=f"{name} (your sheet)")
    ax.axvspan(0, r.sheet_steps, color="0.9", label="the sheet's steps")
    longest = max(len(x) for x in r.series.values())
    if longest > 200:
        ax.set_xscale("symlog", linthresh=max(r.sheet_steps, 1))
    ax.set(xlabel="step", ylabel=r.ylabel)
    if r.ylabel.startswith(("error", "f(")) and all(np.all(s > 0) for s in r.series.values()):
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
    if title:
        fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
