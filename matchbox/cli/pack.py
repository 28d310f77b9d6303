"""`matchbox pack`: the standard workshop pack, as committed in worksheets/ and answers/."""
from __future__ import annotations

from pathlib import Path

import click

from .sheets import FORMATS, write_sheet

PACK_SEED = 1


@click.command()
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where worksheets/ and answers/ go.")
def pack(out):
    """Rebuild the standard workshop pack: every built-in kind (seed 1), in ja and en, as workbook, PDF and
    HTML, with keys, in worksheets/ and answers/ (the repository's copies are made by this command)."""
    from ..kinds import KINDS, sampled
    count = 0
    for kind in KINDS:
        v = sampled(kind, PACK_SEED)
        for lang in ("ja", "en"):
            for fmt in FORMATS:
                write_sheet(v, lang, fmt, out / "worksheets" / f"{v.id}-{lang}.{fmt}")
                write_sheet(v, lang, fmt, out / "answers" / f"{v.id}-{lang}-key.{fmt}", key=True)
                count += 2
    click.echo(f"{count} files in {out / 'worksheets'} and {out / 'answers'}")
