"""What several commands share: failing in one line, the --lang and --seed/--spec options, and how to mark."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

LANGS = ("en", "ja")
LANG_NAMES = {"en": "English (en)", "ja": "日本語 (ja)"}
SYSTEM_LANG = "the system's: ja when LC_ALL, LC_MESSAGES or LANG starts with ja, else en"


def default_lang() -> str:
    """The system locale's language: ja on a Japanese system (the first of LC_ALL, LC_MESSAGES, LANG that is
    set, as POSIX reads them, starts with ja), else en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def fail(message: str, code: int = 2):
    click.echo(f"matchbox: {message}", err=True)
    sys.exit(code)


def parse_langs(value: str) -> list[str]:
    langs = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in langs if v not in LANGS]
    if bad or not langs:
        raise click.BadParameter(f"{value!r}: use en, ja or en,ja")
    return langs


def variant_options(command):
    """--seed and --spec: which exercise, for generate and solve."""
    command = click.option("--seed", type=int, default=1, show_default=True,
                           help="Which variant: the same kind and seed give the same numbers on every "
                                "machine.")(command)
    return click.option("--spec", "spec", type=click.Path(dir_okay=False, path_type=Path),
                        help="A spec file (TOML) describing your own exercise.")(command)


def require_kind_or_spec(kind: str | None, spec: Path | None) -> None:
    if kind is None and spec is None:
        raise click.UsageError("name a KIND (see `matchbox list`) or give --spec FILE")


def marking_options(command):
    """--carried-credit and --rounding-penalty: how `check` and `serve` mark, as an examination board sets it."""
    command = click.option("--rounding-penalty", type=click.IntRange(0, 100), default=1, show_default=True,
                           metavar="N", help="Marks a rounding habit (cut off, a decimal short, rounded "
                           "between steps) costs a sheet at most; it is named once, at its first cell.")(command)
    return click.option("--carried-credit", type=click.FloatRange(0, 1), default=1.0, show_default=True,
                        metavar="0..1", help="What a cell earns that is wrong against the key but follows "
                        "correctly from the learner's own earlier answers (follow-through). Steps the earlier "
                        "error made trivial earn nothing whatever this is.")(command)
