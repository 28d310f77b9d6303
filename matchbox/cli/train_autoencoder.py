"""`matchbox train autoencoder`: an autoencoder learns to reconstruct normal digits only; an image it
reconstructs badly is an anomaly. Compared, at the same code size, with PCA's reconstruction (the baseline).

Called by cli/train.py with the raw option values (None where not given); the heavy imports (NumPy,
scikit-learn, matplotlib) happen inside `run`.
"""
from __future__ import annotations

import json
import sys

import click

from ..errors import MatchboxError
from .progress import EpochBar

DEFAULT_ANOMALY = 0  # neither --anomaly nor --normal: the 0s are the anomaly (the AE beats PCA on both datasets)
# by dataset: epochs, batch size, the encoder's hidden sizes, the code size
DEFAULTS = {"digits": (50, 50, [32], 8), "mnist": (10, 100, [128], 32)}
NORMAL_EPOCHS = 5  # --normal D trains on a tenth of the images: 5 times the epochs (still seconds on the digits)
LOSS = "bce"
TARGET_FPR = 0.05
SHOWN = 8  # images per group in the reconstruction grid


def refuse(key: str, **args):
    from ..words import word
    raise MatchboxError(word(key, "en", **args), ja=word(key, "ja", **args))


def hidden_sizes(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        refuse("ae.error-hidden", value=value)
    return sizes


def run(dataset, data_dir, download, epochs, batch_size, optimizer, lr, seed, hidden, anomaly, normal, code,
        judge, out, as_json, lang):
    dataset = dataset or "digits"
    if dataset not in DEFAULTS:
        refuse("ae.error-dataset", dataset=dataset)
    if anomaly is not None and normal is not None:
        refuse("ae.error-both")
    if anomaly is None and normal is None:
        anomaly = DEFAULT_ANOMALY
    default_epochs, default_batch, default_hidden, default_code = DEFAULTS[dataset]
    epochs = epochs or default_epochs * (NORMAL_EPOCHS if normal is not None else 1)
    batch_size = batch_size or default_batch
    hidden = hidden_sizes(hidden) if hidden is not None else default_hidden
    code = code or default_code
    pixels = 64 if dataset == "digits" else 784
    if code >= pixels:
        refuse("ae.error-code", code=code, pixels=pixels)

    import numpy as np

    from ..training import anomaly_plots as plots
    from ..training.autoencoder import (
        autoencoder,
        fit,
        pca_scores,
        roc_auc,
        roc_curve,
        split,
        threshold_at,
    )
    from ..training.data import load_dataset
    from ..training.train import DEFAULT_LR, seeded_generators
    from ..words import word

    data = load_dataset(dataset, data_dir, download)
    s = split(data, anomaly=anomaly, normal=normal)
    if code > len(s.x_train):
        refuse("ae.error-code-images", code=code, n=len(s.x_train))
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    init_rng, order_rng = seeded_generators(seed)
    sizes = [pixels, *hidden, code, *hidden[::-1], pixels]
    net = autoencoder(sizes, LOSS, image_shape=s.image_shape, rng=init_rng)
    size_text = "–".join(map(str, sizes))
    setting = word("ae.setting-anomaly", lang, digit=anomaly) if normal is None else \
        word("ae.setting-normal", lang, digit=normal)
    loss_name = word(f"ae.loss-{LOSS}", lang)
    n_anomalous = int(s.anomalous.sum())
    if not as_json:
        click.echo(word("ae.header", lang, sizes=size_text, loss=loss_name, dataset=dataset, source=data.source,
                        setting=setting))
        click.echo(word("ae.sizes", lang, train=len(s.x_train), normal=len(s.x_test) - n_anomalous,
                        anomalous=n_anomalous, optimizer=optimizer, lr=lr, batch=batch_size, seed=seed))
    bar = EpochBar(len(s.x_train), epochs) if sys.stderr.isatty() and not as_json else None

    def on_epoch(e):
        if bar:
            bar.close()
        if not as_json:
            click.echo(word("ae.epoch", lang, epoch=e.epoch, epochs=epochs, train=e.train_loss, test=e.test_loss,
                            auc=e.auc, seconds=e.seconds))

    try:
        history = fit(net, s, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr, rng=order_rng,
                      on_batch=bar and bar.advance, on_epoch=on_epoch)
    finally:  # Ctrl-C mid-epoch: leave the terminal tidy
        if bar:
            bar.close()

    x_test = s.floats(s.x_test)
    scores, baseline = net.scores(x_test), pca_scores(s, code, seed)
    normal_mask = ~s.anomalous
    results = {}
    for name, values in (("ae", scores), ("pca", baseline)):
        ok, bad = values[normal_mask], values[s.anomalous]
        threshold, fpr, tpr = threshold_at(ok, bad, TARGET_FPR)
        results[name] = dict(normal=ok, anomalous=bad, auc=roc_auc(ok, bad), threshold=threshold, fpr=fpr,
                             tpr=tpr, curve=roc_curve(ok, bad))
    ae, pca = results["ae"], results["pca"]

    which = f"anomaly{anomaly}" if normal is None else f"normal{normal}"
    stem = out / f"autoencoder-{dataset}-{which}"
    model_file = net.save(stem.with_suffix(".npz"))
    shown = {key: np.flatnonzero(mask)[:SHOWN] for key, mask in (("ae.normal", normal_mask),
                                                                   ("ae.anomalous", s.anomalous))}
    groups = [(key, x_test[rows], net.predict(x_test[rows]), scores[rows]) for key, rows in shown.items()]
    title_args = dict(sizes=size_text, dataset=dataset, setting=setting)
    grid = plots.reconstruction_grid(groups, s.image_shape, stem.parent / f"{stem.name}-reconstructions.png",
                                     word("ae.grid-title", lang, **title_args), lang)
    labels = {"ae": word("ae.autoencoder-auc", lang, auc=ae["auc"]),
              "pca": word("ae.pca-auc", lang, code=code, auc=pca["auc"])}
    histograms = plots.score_histograms(
        [(labels[k], r["normal"], r["anomalous"], r["threshold"], r["fpr"], r["tpr"]) for k, r in results.items()],
        stem.parent / f"{stem.name}-scores.png", word("ae.scores-title", lang, dataset=dataset, setting=setting),
        lang)
    roc = plots.roc_and_curve([(labels[k], *r["curve"], (r["fpr"], r["tpr"])) for k, r in results.items()],
                              history, loss_name, stem.parent / f"{stem.name}-roc.png",
                              word("ae.roc-figure-title", lang, **title_args), lang)
    pictures = [str(grid), str(histograms), str(roc)]
    train_seconds = sum(e.seconds for e in history)
    if as_json:
        click.echo(json.dumps({
            "model": "autoencoder", "architecture": size_text, "recipe": net.recipe, "loss": LOSS,
            "dataset": dataset, "source": data.source, "anomaly": anomaly, "normal": normal,
            "normal_digits": s.normal_digits, "anomalous_digits": s.anomalous_digits, "hidden": hidden,
            "code": code, "train_size": len(s.x_train), "test_normal": len(s.x_test) - n_anomalous,
            "test_anomalous": n_anomalous, "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer,
            "lr": lr, "seed": seed, "auc": ae["auc"], "baseline_auc": pca["auc"], "target_fpr": TARGET_FPR,
            "threshold": ae["threshold"], "fpr": ae["fpr"], "tpr": ae["tpr"],
            "baseline_threshold": pca["threshold"], "baseline_fpr": pca["fpr"], "baseline_tpr": pca["tpr"],
            "test_loss": history[-1].test_loss, "train_seconds": train_seconds, "model_file": str(model_file),
            "plot_files": pictures, "history": [e.to_json() for e in history]}, ensure_ascii=False, indent=1))
        return
    click.echo(word("ae.result-auc", lang, auc=ae["auc"], code=code, baseline=pca["auc"]))
    click.echo(word("ae.result-threshold", lang, target=100 * TARGET_FPR, threshold=ae["threshold"],
                    tpr=100 * ae["tpr"], fpr=100 * ae["fpr"], baseline_tpr=100 * pca["tpr"]))
    click.echo(word("ae.files", lang, model=model_file, pictures="  ".join(pictures)))

