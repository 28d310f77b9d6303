"""`matchbox export`: a trained model or a hand exercise, for PyTorch (or ONNX)."""
from __future__ import annotations

from pathlib import Path

import click

from .options import LANGS, variant_options


@click.command()
@click.argument("target", metavar="MODEL.npz|WORKBOOK|KIND")
@click.option("--to", "to", type=click.Choice(["torch", "onnx"]), default="torch", show_default=True,
              help="torch: a readable PyTorch script (and weights); onnx: an ONNX file (models only).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("export"),
              show_default=True, help="Folder to write into.")
@variant_options
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="Language of the script's comments and printed names (default: the workbook's, or en).")
@click.option("--secret", metavar="TEXT", help="The class's secret, for a workbook of a class generated with one.")
def export(target, to, out, seed, spec, lang, secret):
    """Write a model saved by `matchbox train` (MODEL.npz) as PyTorch code and weights, or as ONNX; or a hand
    exercise (a KIND and --seed, a --spec, or a learner's WORKBOOK) as a PyTorch script that computes the
    sheet's quantities with autograd."""
    if target.endswith(".npz"):
        from ..export.model import export_model
        written = export_model(Path(target), to, out, lang or "en")
    else:
        from ..export.hand import export_hand
        written = export_hand(target, seed, spec, to, out, lang, secret)
    for path in written:
        click.echo(str(path))
