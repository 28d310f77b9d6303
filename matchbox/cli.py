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
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def generate(kind, seed, spec, count, langs, out, as_json):
    """Write learner workbooks to worksheets/ and answer keys to answers/.

    KIND is a built-in exercise kind (see `matchbox list`); or give --spec FILE for your own exercise.
    """
    _resolve_kind(kind, spec)
    langs = parse_langs(langs)
    from .exercises import variants
    from .workbook.writer import write_workbook
    written = []
    for v in variants(kind, seed, count, str(spec) if spec else None):
        for lang in langs:
            sheet = write_workbook(v, lang, out / "worksheets" / f"{v.id}-{lang}.xlsx")
            key = write_workbook(v, lang, out / "answers" / f"{v.id}-{lang}-key.xlsx", key=True)
            written.append({"variant": v.id, "kind": v.kind, "lang": lang, "worksheet": str(sheet), "key": str(key)})
    if as_json:
        click.echo(json.dumps(written, ensure_ascii=False))
        return
    for w in written:
        click.echo(f"{w['variant']} ({w['lang']}): {w['worksheet']}  key: {w['key']}")


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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (a list for several).")
@click.option("--all", "show_all", is_flag=True, help="List every cell, correct ones too.")
def check(files, as_json, show_all):
    """Grade filled-in workbooks cell by cell against the answer key.

    Each answer cell is correct, carried (wrong against the key but right from your own earlier
    answers), incorrect or blank. Exit code 0 when every cell is correct or carried and no given
    was edited, 1 otherwise, 2 when a file cannot be graded. The files are only read, never written.
    """
    from .errors import WorkbookError
    from .grading.grader import Report, grade
    from .report import printable, report_text
    from .workbook.reader import read_filled
    reports = []
    for path in files:
        try:
            report = grade(read_filled(path))
        except WorkbookError as e:
            report = Report(str(path), error=str(e))
            click.echo(f"matchbox: {printable(path)}: {e}", err=True)
        reports.append(report)
        text = "" if as_json else report_text(report, show_all=show_all, color=sys.stdout.isatty())
        if text:
            click.echo(text)
    if as_json:
        data = [r.to_json() for r in reports]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=1))
    if any(r.error for r in reports):
        sys.exit(2)
    sys.exit(0 if all(r.passed for r in reports) else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
