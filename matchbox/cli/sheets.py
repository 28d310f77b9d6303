"""Writing one sheet in one format, for generate and pack."""
from __future__ import annotations

import click

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
        from ..workbook.writer import write_workbook
        return write_workbook(variant, lang, path, key=key, learner=learner)
    from .. import printable
    return (printable.write_html if fmt == "html" else printable.write_pdf)(variant, lang, path, key, learner)
