"""`matchbox generate`: learner sheets and their answer keys, one variant per learner if asked."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .options import (LANG_NAMES, SYSTEM_LANG, default_lang, parse_langs, require_kind_or_spec,
                      variant_options)
from .sheets import file_stem, merge_class_pdfs, parse_formats, write_sheet


@click.command()
@click.argument("kind", required=False)
@variant_options
@click.option("--count", type=click.IntRange(1, 500), default=1, show_default=True,
              help="Write this many distinct variants (seeds SEED, SEED+1, ...).")
@click.option("--lang", "langs", default=default_lang, show_default=SYSTEM_LANG, metavar="en|ja|en,ja",
              help="Language of the sheets; en,ja writes both.")
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder under which worksheets/ and answers/ are written.")
@click.option("--format", "formats", default="xlsx", show_default=True, metavar="xlsx|html|pdf[,...]",
              help="What to write: the workbook, a printable HTML sheet (print it from a browser), a PDF; "
                   "several with commas.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A CSV of learners (a 'name' column, or names in the first column): one distinct variant each, "
                   "their name on the sheet and in the workbook, and a class list for you "
                   "(class-lists/KIND-class-list.csv).")
@click.option("--force", is_flag=True, help="Replace the exercise's class list if one is already there.")
@click.option("--secret", metavar="TEXT", help="Draw the class's variants from this secret: the sheets show an "
              "opaque code, not a seed, and `solve` asks for the secret. With --roster or --count and no "
              "--secret, one is made and kept in class-lists/KIND-secret.txt (reused when it is there).")
@click.option("--jobs", type=click.IntRange(0, 64), default=0, metavar="N",
              help="Draw PDFs in N processes at once (0, the default: one per core for a class).")
@click.option("--url", metavar="URL", help="The checking page's address (what `matchbox serve` prints): printed "
              "on the HTML and PDF sheets with its QR code, so learners find it.")
@click.option("--for-scanning", "scanning", is_flag=True, help="PDF: after the sheet, answer pages to fill in by "
              "hand (one digit a box) and read back from scans or photos (corner marks and a QR code a page).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def generate(kind, seed, spec, count, langs, formats, roster, out, as_json, force, secret, jobs, url, scanning):
    """Write learner sheets to worksheets/ and answer keys to answers/.

    KIND is a built-in exercise kind (see `matchbox list`); or give --spec FILE for your own exercise.

    \b
    matchbox generate perceptron --seed 3 --format xlsx,pdf --lang ja
    matchbox generate matchbox --roster learners.csv --lang ja
    """
    require_kind_or_spec(kind, spec)
    langs = parse_langs(langs)
    formats = parse_formats(formats)
    if scanning and "pdf" not in formats:
        raise click.UsageError("--for-scanning adds answer pages to the PDF: give --format pdf")
    from ..kinds import variants
    from ..roster import class_list_path, read_roster, refuse_class_list, write_class_list
    learners = read_roster(roster) if roster else [None] * count
    if roster:  # refused before any sheet is written, so a refused run changes nothing
        class_list = class_list_path(out, Path(spec).stem if spec else kind)
        refuse_class_list(class_list, force)
    secret_file = None
    if secret is None and (roster or len(learners) > 1):
        secret, secret_file = class_secret(out, Path(spec).stem if spec else kind)
    written = []
    from ..printable.pool import PdfPool, cores
    sheets = len(learners) * len(langs) * 2 if "pdf" in formats and not scanning else 0  # each with its key
    # a worker takes a second to start: by default one per core, one per 4 PDFs at most (one sheet: drawn here)
    pdfs = PdfPool(min(jobs, sheets) if jobs else min(cores(), sheets // 4)).start() if sheets else None
    for v, learner in zip(variants(kind, seed, len(learners), str(spec) if spec else None, secret), learners):
        for lang in langs:
            entry = {"variant": v.id, "kind": v.kind, "lang": lang, "learner": learner}
            stem = file_stem(v.id, learner, lang)  # the learner's name in it, safe on every file system
            for fmt in formats:
                write = scanning_pdf if scanning and fmt == "pdf" else write_sheet
                entry[fmt] = str(write(v, lang, fmt, out / "worksheets" / f"{stem}.{fmt}",
                                       learner=learner, pdfs=pdfs, url=url))
                entry[f"{fmt}_key"] = str(write(v, lang, fmt, out / "answers" / f"{stem}-key.{fmt}",
                                                key=True, learner=learner, pdfs=pdfs, url=url))
            written.append(entry)
    if pdfs:
        pdfs.finish()  # every PDF drawn (a worker's error is raised here)
    if roster:
        write_class_list(written, class_list, force)
    merged = merge_class_pdfs(written, out, Path(spec).stem if spec else kind) if roster and "pdf" in formats else []
    if as_json:
        click.echo(json.dumps(written, ensure_ascii=False))
        return
    for w in written:
        files = "  ".join(f"{w[f]}  key: {w[f + '_key']}" for f in formats)
        click.echo(f"{w['variant']}, {LANG_NAMES[w['lang']]}{', ' + w['learner'] if w['learner'] else ''}: {files}")
    if roster:
        click.echo(f"class list: {class_list}")
    if secret_file:
        click.echo(f"class secret (keep it to yourself; solve --secret): {secret_file}")
    for path in merged:
        click.echo(f"class PDF: {path}")


def scanning_pdf(variant, lang, fmt, path, key=False, learner=None, pdfs=None, url=None):
    """The sheet's PDF followed by its answer pages for scanning (the key's: with the key's digits in them)."""
    from ..paper.sheet import write_scanning_pdf
    return write_scanning_pdf(variant, lang, path, key, learner, url)


def class_secret(out: Path, exercise: str) -> tuple[str, Path]:
    """The class's secret for an exercise, kept beside its class list (never in worksheets/, the learners'
    folder): read when it is there, so the same class comes out again, else made now."""
    import secrets

    from ..roster import class_list_path
    path = class_list_path(out, exercise).with_name(f"{exercise}-secret.txt")
    if path.is_file():
        secret = path.read_text(encoding="utf-8").strip()
        if secret:
            return secret, path
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(16)
    path.write_text(secret + "\n", encoding="utf-8")
    return secret, path
