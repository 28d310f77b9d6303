"""`matchbox list`: the built-in exercise kinds."""
from __future__ import annotations

import json

import click

from .options import LANGS, SYSTEM_LANG, default_lang


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {kind, title}.")
@click.option("--lang", type=click.Choice(LANGS), default=default_lang, show_default=SYSTEM_LANG,
              help="Language of the titles.")
def list_kinds(as_json: bool, lang: str):
    """List the built-in exercise kinds."""
    from ..kinds import titles
    from ..worksheet.graph import tr
    rows = [{"kind": t["kind"], "title": tr(t["title"], lang)} for t in titles()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    width = max(len(r["kind"]) for r in rows)
    for r in rows:
        click.echo(f"{r['kind']:<{width}}  {r['title']}")
