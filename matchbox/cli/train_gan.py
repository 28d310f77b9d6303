"""`matchbox train gan`: a GAN of two MLPs on MNIST digits (judged by a CNN) or on a ring of 8 Gaussians.

The judge: --judge MODEL.npz, else cnn-mnist.npz in the output folder (the file `matchbox train cnn --dataset
mnist -o OUT` writes), else that CNN is trained there first, as that command would (10 epochs, about 99 % of
the test digits right, a few minutes), and kept: in a workshop the first run works without a second command,
and every later run reuses it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import MatchboxError
from ..words import word
from .progress import EpochBar

# the judge is the CNN `matchbox train cnn --dataset mnist -o OUT` makes (its default 10 epochs, ~99 %)
JUDGE_FILE, JUDGE_EPOCHS = "cnn-mnist.npz", 10


def sizes_of(hidden: str | None, default: list[int], lang: str) -> list[int]:
    if hidden is None:
        return list(default)
    try:
        sizes = [int(v) for v in hidden.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise MatchboxError(word("gan.hidden", lang))
    return sizes


def say(as_json: bool, text: str) -> None:
    if not as_json:
        click.echo(text)


def saved_judge(judge: Path | None, out: Path, as_json: bool, lang: str):
    """The CNN that judges the digits: the file given, or the one in the output folder; None if neither."""
    from ..training.models import load
    path = judge or out / JUDGE_FILE
    if judge is None and not path.is_file():
        return None, path
    net = load(path)
    if tuple(net.input_shape) != (1, 28, 28) or net.recipe.get("classes", 10) != 10 or \
            net.recipe.get("model") not in ("mlp", "cnn"):
        raise MatchboxError(word("gan.judge-unfit", lang, path=path))
    say(as_json, word("gan.judge-found", lang, path=path))
    return net, path


def train_judge(path: Path, data, as_json: bool, lang: str):
    """A CNN trained on MNIST for JUDGE_EPOCHS and saved at `path`, for this run and the next ones."""
    from ..training.train import train
    say(as_json, word("gan.judge-training", lang, path=path, epochs=JUDGE_EPOCHS))
    bar = EpochBar(len(data.t_train), JUDGE_EPOCHS) if sys.stderr.isatty() and not as_json else None
    try:
        net, history = train("cnn", data, epochs=JUDGE_EPOCHS, seed=1, on_batch=bar and bar.advance)
    finally:
        if bar:
            bar.close()
    net.save(path)
    accuracy = history[-1].test_accuracy
    say(as_json, word("gan.judge-trained", lang, path=path, acc=100 * accuracy, s=sum(e.seconds for e in history)))
    return net, accuracy


def run(*, dataset, data_dir, download, epochs, batch_size, optimizer, lr, seed, hidden, anomaly=None,
        normal=None, code=None, judge, out: Path, as_json, lang):
    dataset = dataset or "mnist"
    if dataset not in ("mnist", "ring"):
        raise MatchboxError(word("gan.not-digits", lang, dataset=dataset))
    import numpy as np

    from ..training import gan as G
    from ..training import gan_plots as pictures
    settings = G.DEFAULTS[dataset]
    sizes = sizes_of(hidden, settings["hidden"], lang)
    epochs, batch_size = epochs or settings["epochs"], batch_size or settings["batch_size"]
    lr = settings["lr"] if lr is None else lr
    init_rng, order_rng, data_rng, noise_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    net = judge_path = judge_accuracy = None
    if dataset == "mnist":
        from ..training import data as datasets
        net, judge_path = saved_judge(judge, out, as_json, lang)  # refused before MNIST is read, if unfit
        data = datasets.load_dataset("mnist", data_dir, download)
        samples, source = G.mnist_samples(data), data.source
        if net is None:
            net, judge_accuracy = train_judge(judge_path, data, as_json, lang)
    else:
        samples, source = G.ring_samples(G.RING_SIZE, data_rng), word("gan.ring-source", lang)
    gan = G.build_gan(dataset, init_rng, hidden=sizes, optimizer=optimizer, lr=lr)
    pack, real_label = gan.pack, gan.real_label
    how = f"{optimizer}, η = {lr:g}" + (", β₁ = 0.5" if optimizer == "adam" else "") + \
        (word("gan.cosine", lang) if settings.get("schedule") == "cosine" else "")
    tricks = (word("gan.packed", lang, m=pack) if pack > 1 else "") + \
        (word("gan.smoothed", lang, label=real_label) if real_label < 1 else "")
    g, d = gan.G.describe(), gan.D.describe()
    say(as_json, word("gan.header", lang, dataset=dataset, n=len(samples), source=source, g=g, d=d,
                      how=how + tricks, batch=batch_size, seed=seed))
    fixed_z = gan.noise(G.SAMPLES, noise_rng)  # the 1,000 judged after every epoch; the first 100 drawn
    bar = EpochBar(len(samples), epochs) if sys.stderr.isatty() and not as_json else None

    def on_epoch(e, generated):
        e.quality.update(G.judge(net, generated) if dataset == "mnist" else G.modes(generated))
        if bar:
            bar.close()
        q = e.quality
        quality = word("gan.epoch-digits", lang, share=q["confident_share"], covered=q["classes_covered"]) \
            if dataset == "mnist" else word("gan.epoch-ring", lang, covered=q["modes_covered"])
        say(as_json, word("gan.epoch", lang, e=e.epoch, epochs=epochs, d=e.d_loss, g=e.g_loss, dr=e.d_real,
                          df=e.d_fake, quality=quality, s=e.seconds))

    try:
        history, snapshots = G.fit(gan, samples, epochs, batch_size, order_rng, fixed_z, bar and bar.advance,
                                   on_epoch, schedule=settings.get("schedule", "constant"),
                                   keep=100 if dataset == "mnist" else None)
    finally:  # Ctrl-C mid-epoch: leave the terminal tidy
        if bar:
            bar.close()
    verdict = history[-1].quality
    stem = out / f"gan-{dataset}"
    title = word("gan.title", lang, dataset=dataset, g=g, d=d, how=how, epochs=epochs)
    if tricks:  # a line of their own: the figure's width holds no more
        title += "\n" + tricks.lstrip(",、 ")
    if dataset == "mnist":
        picture = pictures.digits_picture(snapshots[-1], verdict, stem.with_suffix(".png"), title, lang)
    else:
        picture = pictures.ring_picture(samples[:1000], snapshots[-1], verdict, stem.with_suffix(".png"), title,
                                        lang)
    files = {"plot_file": picture,
             "losses_file": pictures.losses(history, stem.parent / f"{stem.name}-losses.png", title, lang),
             "epochs_file": pictures.strip(snapshots, dataset, stem.parent / f"{stem.name}-epochs.png",
                                           word("gan.title-epochs", lang), lang),
             "animation_file": pictures.animation(snapshots, dataset, stem.parent / f"{stem.name}-epochs.gif", lang)}
    seconds = sum(e.seconds for e in history)
    if as_json:
        summary = {"model": "gan", "dataset": dataset, "generator": g, "discriminator": d, "z_size": gan.z_size,
                   "hidden": sizes, "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr,
                   "beta1": 0.5 if optimizer == "adam" else None, "schedule": settings.get("schedule", "constant"),
                   "pack": pack, "real_label": real_label, "seed": seed, "samples_judged": G.SAMPLES,
                   **verdict, "train_seconds": seconds, **{k: str(v) for k, v in files.items()},
                   "history": [e.to_json() for e in history]}
        if dataset == "mnist":
            summary.update(judge_file=str(judge_path), judge_trained_now=judge_accuracy is not None)
            if judge_accuracy is not None:
                summary["judge_test_accuracy"] = judge_accuracy
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    if dataset == "mnist":
        shares = " ".join(f"{100 * s:.0f}" for s in verdict["class_shares"])
        click.echo(word("gan.verdict-digits", lang, share=verdict["confident_share"],
                        covered=verdict["classes_covered"], shares=shares))
    else:
        click.echo(word("gan.verdict-ring", lang, covered=verdict["modes_covered"],
                        near=verdict["high_quality_share"]))
    click.echo(word("gan.done", lang, epochs=epochs, seconds=seconds))
    click.echo(word("gan.files", lang, files="  ".join(str(f) for f in files.values())))
