"""`matchbox replay`: a hand exercise continued by the engine, and a plot of where it goes."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .options import LANGS, SYSTEM_LANG, default_lang


@click.command()
@click.argument("source", required=False, metavar="[KIND|WORKBOOK]")
@click.option("--seed", type=int, default=1, show_default=True, help="The variant of a built-in kind.")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), help="An exercise of your own.")
@click.option("--steps", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True,
              help="How many steps the engine takes in all.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--lang", type=click.Choice(LANGS), default=default_lang, show_default=SYSTEM_LANG,
              help="Language of the picture's and the summary's words (Japanese in a Japanese font such as IPAexGothic).")
def replay(source, seed, spec, steps, out, as_json, lang):
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
    from ..kinds import from_spec, sampled
    from ..training.replay import plot
    from ..training.replay import replay as run
    typed = None
    if spec:
        variant = from_spec(spec, seed)
    elif source and source.lower().endswith((".xlsx", ".xlsm")):
        from ..grading.numbers import NotANumber, parse_number
        from ..workbook.reader import read_filled
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
    from ..words import word
    result = run(variant, steps, typed)
    png = plot(result, out / f"replay-{variant.id}.png",
               word("plot.replay-title", lang, variant=variant.id, steps=steps), lang)
    summary = {"variant": variant.id, "kind": variant.kind, "steps": steps, "sheet_steps": result.sheet_steps,
               **{k: v for k, v in result.summary.items()}, "plot_file": str(png)}
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    for key, value in summary.items():
        click.echo(f"{said(key, lang)}: {value}")


def said(key: str, lang: str) -> str:
    """A summary's key in words ("errors_with_final_weights": "items wrong with the final weights")."""
    from ..words import WORDS, word
    if f"replay.{key}" in WORDS:
        return word(f"replay.{key}", lang)
    if key.endswith(": final x"):  # descent and optimizers: one per optimizer
        return word("replay.final_x", lang, name=key[:-len(": final x")])
    return key
