"""Pictures of training runs, drawn with matplotlib (imported here, only when a picture is asked for)."""
from __future__ import annotations

from pathlib import Path

from ..errors import MatchboxError
from ..words import word

# Japanese fonts matplotlib's font manager may find (Debian: fonts-ipaexfont-gothic, fonts-noto-cjk)
CJK_FONTS = ("IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "Noto Sans JP", "Noto Sans CJK SC", "Source Han Sans JP",
             "Hiragino Sans", "Yu Gothic", "Meiryo", "TakaoGothic", "VL Gothic")


def cjk_font() -> str | None:
    """The first Japanese font matplotlib knows on this machine, or None."""
    from matplotlib import font_manager
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def figure(width: float, height: float):
    """A matplotlib Figure drawn by the Agg canvas: no window, no pyplot state, works on a server."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MatchboxError("plots need matplotlib: pip install matplotlib") from None
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def learning_curve(history, path: str | Path, title: str = "", lang: str = "en", baseline: float | None = None) -> Path:
    """Loss and accuracy per epoch, train and test, side by side; written as a PNG. A regression (the epochs
    have no accuracy) gets its mean squared error alone, on a log scale, with `baseline` (the MSE of the best
    constant answer) as a line to beat."""
    train, test = word("plot.train", lang), word("plot.test", lang)
    epochs = [e.epoch for e in history]
    if history and history[0].test_accuracy is None:
        fig = figure(6, 3.8)
        loss = fig.subplots()
        loss.plot(epochs, [e.train_loss for e in history], "o-", label=train)
        loss.plot(epochs, [e.test_loss for e in history], "s--", label=test)
        if baseline is not None:
            loss.axhline(baseline, color="gray", linestyle=":", label=word("plot.baseline", lang, mse=baseline))
        loss.set(xlabel=word("plot.epoch", lang), ylabel=word("plot.mse-axis", lang), title=word("plot.loss", lang),
                 yscale="log")
        axes = (loss,)
    else:
        fig = figure(9, 3.6)
        loss, accuracy = axes = fig.subplots(1, 2)
        loss.plot(epochs, [e.train_loss for e in history], "o-", label=train)
        loss.plot(epochs, [e.test_loss for e in history], "s--", label=test)
        loss.set(xlabel=word("plot.epoch", lang), ylabel=word("plot.loss-axis", lang), title=word("plot.loss", lang))
        accuracy.plot(epochs, [100 * e.train_accuracy for e in history], "o-", label=train)
        accuracy.plot(epochs, [100 * e.test_accuracy for e in history], "s--", label=test)
        accuracy.set(xlabel=word("plot.epoch", lang), ylabel=word("plot.accuracy-axis", lang),
                     title=word("plot.accuracy", lang))
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    return save(fig, path, title, lang)


def wave(wave, one_step, closed_loop, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """The sine wave (sequences.Wave): the noisy series and the clean wave under it, and from where the test
    windows start, the model's one-step predictions (each from 25 true values) and its closed-loop
    continuation (each from its own earlier predictions)."""
    fig = figure(9, 3.8)
    ax = fig.subplots()
    start = wave.test_start
    test_t = wave.t[start:start + len(closed_loop)]
    ax.plot(wave.t, wave.noisy, color="0.6", linewidth=0.8, label=word("plot.wave-noisy", lang))
    ax.plot(wave.t, wave.clean, ":", color="0.2", linewidth=1, label=word("plot.wave-clean", lang))
    ax.plot(test_t, one_step, ".", color="C0", markersize=4, label=word("plot.wave-one-step", lang))
    ax.plot(test_t, closed_loop, "-", color="C3", linewidth=2, label=word("plot.wave-closed-loop", lang))
    ax.axvline(wave.t[start], color="C2", linestyle="--", linewidth=1)
    ax.annotate(word("plot.wave-test-starts", lang), (wave.t[start], -1.2), xytext=(4, 0),
                textcoords="offset points", color="C2", fontsize=8, va="center")
    ax.set(xlabel=word("plot.wave-time", lang), ylabel=word("plot.wave-value", lang), ylim=(-1.3, 1.8))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    return save(fig, path, title, lang)


def experiment(result, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """The picture of an experiment (matchbox/engine/experiments.py): accuracy against depth per activation,
    test loss per epoch per optimizer, or histograms of each layer's activations per initialisation."""
    if result.name == "vanishing":
        return save(_vanishing(result, lang), path, title, lang)
    if result.name == "init":
        inits = list(result.series)
        layers = len(next(iter(result.series.values()))["sigmoid"])
        fig = figure(2.2 * layers, 1.6 * 2 * len(inits))
        axes = fig.subplots(2 * len(inits), layers, squeeze=False)
        for r, label in enumerate(inits):
            for a, activation in enumerate(("sigmoid", "relu")):
                for i, values in enumerate(result.series[label][activation]):
                    ax = axes[2 * r + a][i]
                    ax.hist(values.ravel(), bins=30, range=(0, 1) if activation == "sigmoid" else None,
                            color="C0" if activation == "sigmoid" else "C1")
                    ax.set_yticks([])
                    ax.set_title(word("plot.layer", lang, name=f"{label}, {activation}", n=i + 1), fontsize=7)
    else:
        fig = figure(6, 4)
        ax = fig.subplots()
        for name, (x, y) in result.series.items():
            ax.plot(x, y, "o-", label=name)
        if result.name == "activations":
            ax.set(xlabel=word("plot.hidden-layers", lang), ylabel=word("plot.test-accuracy", lang), ylim=(0, 100))
        else:
            ax.set(xlabel=word("plot.epoch", lang), ylabel=word("plot.test-loss", lang))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    return save(fig, path, title, lang)


def _vanishing(result, lang):
    """Two panels: ‖∂L/∂hₜ‖ against the distance from the loss on a log scale, per model, before training
    (dashed) and after (solid); the test MSE against the length per model, with the constant answer's line."""
    s = result.series
    fig = figure(11, 4.4)
    grads, mse = fig.subplots(1, 2, width_ratios=(3, 2))
    for i, (name, stages) in enumerate(s["gradients"].items()):
        distance = range(len(stages["init"]))
        grads.plot(distance, stages["init"], "--", color=f"C{i}", label=word("plot.vanishing-before", lang, name=name))
        grads.plot(distance, stages["trained"], "-", color=f"C{i}", label=word("plot.vanishing-after", lang, name=name))
        mse.plot(s["lengths"], s["mse"][name], "o-", color=f"C{i}", label=name)
    mse.plot(s["lengths"], s["baseline"], ":", color="gray", label=word("plot.baseline", lang, mse=1 / 6))
    grads.set(yscale="log", xlabel=word("plot.vanishing-distance", lang), ylabel=word("plot.vanishing-norm", lang),
              title=word("plot.vanishing-gradients", lang, length=s["length"]))
    mse.set(yscale="log", xlabel=word("plot.vanishing-length", lang), ylabel=word("plot.vanishing-mse-axis", lang),
            title=word("plot.vanishing-mse", lang), xticks=s["lengths"])
    for ax, where in ((grads, "lower left"), (mse, "best")):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc=where)
    return fig


def save(fig, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """Write a figure as PNG, with its title, making the folder if needed; in Japanese every text is set in a
    Japanese font (IPAexGothic, Noto Sans CJK...) where the machine has one."""
    if title:
        fig.suptitle(title)
    font = cjk_font() if lang == "ja" else None
    if font:
        from matplotlib.text import Text
        for text in fig.findobj(Text):
            text.set_fontfamily([font, "DejaVu Sans"])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
