"""`matchbox experiment`: one of the workshop's experiments on the engine, as a table and a PNG."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import MatchboxError
from .options import LANGS, SYSTEM_LANG, default_lang

EXPERIMENT_RUNS = {"activations": 15, "optimizers": 4, "init": 3, "vanishing": 9}  # trainings each makes
EXPERIMENT_EPOCHS = {"activations": 20, "optimizers": 10, "init": 10, "vanishing": 5}
VANISHING_HIDDEN, VANISHING_SEQUENCES = 64, 10_000  # as experiments_sequences.HIDDEN and its n_train


def parse_depths(value: str) -> list[int]:
    try:
        depths = sorted({int(v) for v in value.split(",")})
    except ValueError:
        depths = []
    if not depths or depths[0] < 1 or depths[-1] > 20:
        raise click.BadParameter(f"{value!r}: give numbers of hidden layers from 1 to 20, like 2,4,8",
                                 param_hint="--depths")
    return depths


def parse_lengths(value: str) -> list[int]:
    try:
        lengths = sorted({int(v) for v in value.split(",")})
    except ValueError:
        lengths = []
    if not lengths or lengths[0] < 2 or lengths[-1] > 1000:
        raise MatchboxError(f"--lengths {value!r}: give sequence lengths from 2 to 1000, like 10,50,100")
    return lengths


@click.command()
@click.argument("name", type=click.Choice(list(EXPERIMENT_RUNS)))
@click.option("--dataset", type=click.Choice(["digits", "mnist"]), default="digits", show_default=True,
              help="digits: scikit-learn's 8×8 digits, seconds; mnist: minutes.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A folder with MNIST's four IDX files.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None,
              help="Epochs of each training run  [default: activations 20, optimizers 10, init 10, vanishing 5]")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--depths", default=None, metavar="N[,N...]",
              help="activations only: the numbers of hidden layers to compare  [default: 2,3,4,5,6]")
@click.option("--lengths", default=None, metavar="L[,L...]",
              help="vanishing only: the adding problem's sequence lengths; the gradients are measured at the "
                   "longest  [default: 10,50,100]")
@click.option("--hidden", type=click.IntRange(1, 1024), default=None, metavar="N",
              help=f"vanishing only: units of each rnn, lstm and gru  [default: {VANISHING_HIDDEN}]")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--lang", type=click.Choice(LANGS), default=default_lang, show_default=SYSTEM_LANG,
              help="Language of the picture's words (Japanese in a Japanese font such as IPAexGothic).")
def experiment(name, dataset, data_dir, epochs, seed, depths, lengths, hidden, out, as_json, lang):
    """Run one of the workshop's experiments on the engine: a table, and a PNG to look at.

    \b
    activations  sigmoid, tanh and ReLU networks of 2 to 6 hidden layers (--depths), trained
                 alike by SGD: deep sigmoid networks stop learning, ReLU keeps going
    optimizers   SGD, Momentum, AdaGrad and Adam from the same start: test loss per epoch
    init         small random weights vs Xavier vs He: histograms of each layer's activations,
                 and how far a 5-layer ReLU network gets
    vanishing    rnn, lstm and gru on the adding problem: the gradient reaching each step's
                 hidden state against its distance from the loss, before and after training,
                 and the test MSE each reaches at each length (--lengths); minutes
    """
    if name == "vanishing":
        if depths is not None:
            raise click.UsageError("--depths is an option of the activations experiment")
        return vanishing(epochs, seed, lengths, hidden, out, as_json, lang)
    if lengths is not None or hidden is not None:
        raise MatchboxError("--lengths and --hidden are options of the vanishing experiment")
    from ..training.data import load_dataset
    from ..training.experiments import EXPERIMENTS
    from ..training.plots import experiment as draw
    from ..words import word
    settings = {}
    if depths is not None:
        if name != "activations":
            raise click.UsageError("--depths is an option of the activations experiment")
        settings["depths"] = parse_depths(depths)
    data = load_dataset(dataset, data_dir)
    epochs = epochs or EXPERIMENT_EPOCHS[name]
    runs = 3 * len(settings["depths"]) if settings else EXPERIMENT_RUNS[name]
    total = runs * epochs * len(data.t_train)
    show_bar = sys.stderr.isatty() and not as_json
    with click.progressbar(length=total, label=f"{name} on {dataset}", file=sys.stderr if show_bar else None,
                           hidden=not show_bar) as bar:
        result = EXPERIMENTS[name](data, epochs=epochs, seed=seed, on_batch=bar.update, **settings)
    plot = draw(result, out / f"experiment-{name}-{dataset}.png",
                word("plot.experiment-title", lang, name=name, dataset=dataset, epochs=epochs), lang)
    show(result, plot, {"experiment": name, "dataset": dataset, "epochs": epochs, "seed": seed}, as_json)


def vanishing(epochs, seed, lengths, hidden, out, as_json, lang):
    """The vanishing experiment: its own data (the adding problem at each length), so no --dataset."""
    lengths = parse_lengths(lengths) if lengths is not None else None
    from ..training.experiments_sequences import LENGTHS
    from ..training.experiments_sequences import vanishing as run
    from ..training.plots import experiment as draw
    from ..words import word
    lengths = lengths or list(LENGTHS)
    epochs, hidden = epochs or EXPERIMENT_EPOCHS["vanishing"], hidden or VANISHING_HIDDEN
    total = 3 * epochs * VANISHING_SEQUENCES * sum(lengths)
    show_bar = sys.stderr.isatty() and not as_json
    with click.progressbar(length=total, label=f"vanishing: rnn, lstm, gru at lengths {','.join(map(str, lengths))}",
                           file=sys.stderr if show_bar else None, hidden=not show_bar) as bar:
        result = run(lengths, epochs=epochs, hidden=hidden, seed=seed, n_train=VANISHING_SEQUENCES,
                     on_batch=bar.update)
    plot = draw(result, out / "experiment-vanishing-adding.png",
                word("plot.vanishing-title", lang, hidden=hidden, epochs=epochs), lang)
    show(result, plot, {"experiment": "vanishing", "dataset": "adding", "epochs": epochs, "seed": seed,
                        "hidden": hidden, "lengths": lengths}, as_json)


def show(result, plot, settings: dict, as_json: bool) -> None:
    """The experiment's table and picture: as JSON (its settings, columns, rows and the PNG), or as text."""
    if as_json:
        click.echo(json.dumps({**settings, "columns": result.columns, "rows": result.rows, "plot_file": str(plot)},
                              ensure_ascii=False, indent=1))
        return
    from ..views.terminal import text_table
    click.echo(text_table(result.columns, [""] * len(result.columns), [[str(c) for c in r] for r in result.rows]))
    click.echo(f"plot: {plot}")
