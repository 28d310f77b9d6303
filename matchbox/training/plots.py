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


def learning_curve(history, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """Loss and accuracy per epoch, train and test, side by side; written as a PNG."""
    train, test = word("plot.train", lang), word("plot.test", lang)
    epochs = [e.epoch for e in history]
    fig = figure(9, 3.6)
    loss, accuracy = fig.subplots(1, 2)
    loss.plot(epochs, [e.train_loss for e in history], "o-", label=train)
    loss.plot(epochs, [e.test_loss for e in history], "s--", label=test)
    loss.set(xlabel=word("plot.epoch", lang), ylabel=word("plot.loss-axis", lang), title=word("plot.loss", lang))
    accuracy.plot(epochs, [100 * e.train_accuracy for e in history], "o-", label=train)
    accuracy.plot(epochs, [100 * e.test_accuracy for e in history], "s--", label=test)
    accuracy.set(xlabel=word("plot.epoch", lang), ylabel=word("plot.accuracy-axis", lang),
                 title=word("plot.accuracy", lang))
    for ax in (loss, accuracy):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    return save(fig, path, title, lang)


def experiment(result, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """The picture of an experiment (matchbox/engine/experiments.py): accuracy against depth per activation,
    test loss per epoch per optimizer, or histograms of each layer's activations per initialisation."""
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
