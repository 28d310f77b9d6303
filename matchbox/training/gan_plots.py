"""The pictures of `matchbox train gan`: the generated digits (or points) at the end, the same fixed noise
epoch by epoch (a strip and an animated GIF), and both players' losses. matplotlib and Pillow are imported
only here, only when a picture is drawn."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import MatchboxError
from ..words import word
from .gan import RING_STD, balance, epochs_to_show, ring_centres, to_pixels
from .plots import cjk_font, figure, save


def tile(images: np.ndarray, cols: int, gap: int = 2) -> np.ndarray:
    """Images (n, h, w) of 0..255 in a grid of `cols` columns on a white sheet, `gap` pixels apart."""
    n, h, w = images.shape
    rows = -(-n // cols)
    sheet = np.full((rows * (h + gap) + gap, cols * (w + gap) + gap), 255, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        sheet[gap + r * (h + gap):gap + r * (h + gap) + h, gap + c * (w + gap):gap + c * (w + gap) + w] = 255 - image
    return sheet  # ink dark on white paper, as digits are written


def digits_picture(samples, verdict: dict, path, title: str, lang: str) -> Path:
    """The last epoch's 100 digits from the fixed noise, and beside them what the judge CNN saw in 1,000 new
    ones: the share of each class, with the 5 % line a class must reach to count as covered."""
    fig = figure(10, 4.8)
    grid, bars = fig.subplots(1, 2, width_ratios=(1, 1.1))
    grid.imshow(tile(to_pixels(samples[:100]), 10), cmap="gray", vmin=0, vmax=255)
    grid.set_axis_off()
    grid.set_title(word("gan.plot-fixed", lang))
    shares = 100 * np.array(verdict["class_shares"])
    bars.bar(range(10), shares, color=["C0" if s >= 5 else "C3" for s in shares])
    bars.axhline(5, color="gray", linestyle=":", label=word("gan.plot-covered-line", lang))
    bars.set(xticks=range(10), xlabel=word("gan.plot-class", lang), ylabel=word("gan.plot-share", lang),
             title=word("gan.plot-judged", lang, share=100 * verdict["confident_share"],
                        covered=verdict["classes_covered"]))
    bars.grid(alpha=0.3, axis="y")
    bars.legend(fontsize=8)
    return save(fig, path, title, lang)


def ring_picture(real, generated, verdict: dict, path, title: str, lang: str) -> Path:
    """Real points (grey) and generated ones (red) in the plane; each mode's centre marked with its share of
    the generated points within 2σ, green when covered (≥ 2 %)."""
    fig = figure(8.5, 7)
    ax = fig.subplots()
    ax.scatter(*real.T, s=4, color="0.6", label=word("gan.plot-real", lang))
    ax.scatter(*generated.T, s=4, color="C3", alpha=0.5, label=word("gan.plot-generated", lang))
    for (x, y), share in zip(ring_centres(), verdict["mode_shares"]):
        covered = share >= 0.02
        ax.add_patch(_circle((x, y), 2 * RING_STD, "C2" if covered else "k"))
        ax.annotate(f"{100 * share:.0f} %", (x, y), xytext=(x * 0.78, y * 0.78), ha="center", va="center",
                    fontsize=9, color="C2" if covered else "k")
    ax.set(aspect="equal", xlim=(-2.8, 2.8), ylim=(-2.8, 2.8),
           title=word("gan.plot-modes", lang, covered=verdict["modes_covered"]))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, markerscale=3)
    return save(fig, path, title, lang)


def _circle(centre, radius, color):
    from matplotlib.patches import Circle
    return Circle(centre, radius, fill=False, color=color, linewidth=1.5)


def losses(history, path, title: str, lang: str) -> Path:
    """Per epoch: D's and G's losses, each with its value at the balance (2 ln 2, ln 2); and D's mean belief
    σ(D) that real and generated samples are real, ½ at the balance."""
    fig = figure(10, 3.8)
    loss, belief = fig.subplots(1, 2)
    epochs = [e.epoch for e in history]
    d_eq, g_eq = balance()
    loss.plot(epochs, [e.d_loss for e in history], "o-", color="C0", markersize=3, label=word("gan.plot-d-loss", lang))
    loss.plot(epochs, [e.g_loss for e in history], "s-", color="C1", markersize=3, label=word("gan.plot-g-loss", lang))
    loss.axhline(d_eq, color="C0", linestyle=":", linewidth=1, label=word("gan.plot-balance", lang, value=d_eq))
    loss.axhline(g_eq, color="C1", linestyle=":", linewidth=1, label=word("gan.plot-balance", lang, value=g_eq))
    loss.set(xlabel=word("plot.epoch", lang), ylabel=word("gan.plot-loss-axis", lang), title=word("plot.loss", lang))
    belief.plot(epochs, [e.d_real for e in history], "o-", color="C2", markersize=3,
                label=word("gan.plot-d-real", lang))
    belief.plot(epochs, [e.d_fake for e in history], "s-", color="C3", markersize=3,
                label=word("gan.plot-d-fake", lang))
    belief.axhline(0.5, color="gray", linestyle=":", linewidth=1)
    belief.set(xlabel=word("plot.epoch", lang), ylabel=word("gan.plot-belief-axis", lang), ylim=(0, 1),
               title=word("gan.plot-belief", lang))
    for ax in (loss, belief):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    return save(fig, path, title, lang)


def strip(snapshots, dataset: str, path, title: str, lang: str) -> Path:
    """The fixed noise through the run, at most ten epochs: a row of ten digits per epoch, or the points of
    each epoch side by side."""
    shown = epochs_to_show(len(snapshots))
    if dataset == "mnist":
        fig = figure(7, 0.72 * len(shown) + 0.8)
        axes = fig.subplots(len(shown), 1, squeeze=False)[:, 0]
        for ax, e in zip(axes, shown):
            ax.imshow(tile(to_pixels(snapshots[e - 1][:10]), 10), cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_ylabel(word("gan.plot-epoch-n", lang, n=e), rotation=0, ha="right", va="center", fontsize=9)
    else:
        cols = min(5, len(shown))
        rows = -(-len(shown) // cols)
        fig = figure(2.2 * cols, 2.3 * rows + 0.5)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        centres = ring_centres()
        for ax in axes[len(shown):]:
            ax.set_axis_off()
        for ax, e in zip(axes, shown):
            ax.scatter(*centres.T, s=30, marker="x", color="0.5")
            ax.scatter(*snapshots[e - 1].T, s=2, color="C3", alpha=0.5)
            ax.set(aspect="equal", xlim=(-2.8, 2.8), ylim=(-2.8, 2.8), xticks=[], yticks=[])
            ax.set_title(word("gan.plot-epoch-n", lang, n=e), fontsize=9)
    return save(fig, path, title, lang)


def animation(snapshots, dataset: str, path, lang: str, ms: int = 250) -> Path:
    """An animated GIF (Pillow): one frame per epoch of the fixed noise's digits (points), the last frame held
    longer; each frame is drawn by matplotlib, so its caption is in `lang`'s font."""
    try:
        from PIL import Image
    except ImportError:
        raise MatchboxError("the animation needs Pillow: pip install pillow") from None
    fig = figure(4.2, 4.6) if dataset == "mnist" else figure(4.2, 4.4)
    ax = fig.subplots()
    if dataset == "mnist":
        art = ax.imshow(tile(to_pixels(snapshots[0][:100]), 10), cmap="gray", vmin=0, vmax=255)
        ax.set_axis_off()
    else:
        ax.scatter(*ring_centres().T, s=40, marker="x", color="0.5")
        art = ax.scatter(*snapshots[0].T, s=3, color="C3", alpha=0.5)
        ax.set(aspect="equal", xlim=(-2.8, 2.8), ylim=(-2.8, 2.8), xticks=[], yticks=[])
    font = cjk_font() if lang == "ja" else None
    frames = []
    for e, snapshot in enumerate(snapshots, 1):
        if dataset == "mnist":
            art.set_data(tile(to_pixels(snapshot[:100]), 10))
        else:
            art.set_offsets(snapshot)
        caption = ax.set_title(word("gan.plot-epoch-of", lang, n=e, epochs=len(snapshots)))
        if font:
            caption.set_fontfamily([font, "DejaVu Sans"])
        fig.canvas.draw()
        frames.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB").quantize(64))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    durations = [ms] * (len(frames) - 1) + [ms * 8]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return path
