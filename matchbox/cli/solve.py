"""`matchbox solve`: the whole solution of an exercise, in the terminal or as JSON."""
from __future__ import annotations

import json

import click

from ..errors import MatchboxError, WorkbookError
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
    from ..kinds import KINDS, from_spec, sampled
    if target and target not in KINDS and not spec:  # a workbook: solve the exercise it was made from
        from ..workbook.reader import read_filled
        try:
            filled = read_filled(target)
        except WorkbookError as e:
            raise MatchboxError(f"{target}: {e}") from None
        variant, lang = filled.variant, lang or filled.lang
        if variant.seal is not None and not (secret and variant.sealed_by(secret)):
            from ..words import both
            said = both("secret.wrong" if secret else "secret.needed", file=target)
            click.echo(f"matchbox: {said[lang]}", err=True)  # in the workbook's language, or --lang
            raise SystemExit(2)
    elif spec:
        variant = from_spec(spec, seed, target)
    else:
        variant = sampled(target, seed)
    lang = lang or "en"
    from ..views.as_json import solution_json
    from ..views.terminal import solution_text
    if as_json:
        click.echo(json.dumps(solution_json(variant, lang), ensure_ascii=False, indent=1))
    else:
        click.echo(solution_text(variant, lang))
