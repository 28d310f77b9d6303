"""`matchbox solve`: the whole solution of an exercise, in the terminal or as JSON."""
from __future__ import annotations

import json

import click

from .options import LANGS, require_kind_or_spec, variant_options


@click.command()
@click.argument("target", required=False, metavar="[KIND|WORKBOOK]")
@variant_options
@click.option("--lang", type=click.Choice(LANGS), default=None, help="Language (default: the workbook's, or en).")
@click.option("--json", "as_json", is_flag=True, help="Print every quantity with its value as JSON.")
@click.option("--secret", metavar="TEXT", help="The class's secret: a workbook of a class generated with one "
              "is solved only with it.")
def solve(target, seed, spec, lang, as_json, secret):
    """Show the whole solution of a kind and seed, a spec, or the exercise a workbook was made from."""
    require_kind_or_spec(target, spec)
    from ..workbook.exercise import exercise
    variant, lang, _ = exercise(target, seed, spec, lang, secret)  # a sealed workbook's refusal: its language
    from ..views.as_json import solution_json
    from ..views.terminal import solution_text
    if as_json:
        click.echo(json.dumps(solution_json(variant, lang), ensure_ascii=False, indent=1))
    else:
        click.echo(solution_text(variant, lang))
