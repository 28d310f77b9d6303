"""Every word and sentence matchbox shows a person, in English and Japanese, in one table made of one module
per place (marks, sheets, pages, training, anomaly, gan, reader, course, paper).

For a Japanese editor: each entry is `key: {"en": ..., "ja": ...}`; change the "ja" text freely. Keep
whatever stands in braces ({expected}, {n}...) exactly as it is: the program puts a number or a cell's name
there. The groups follow where the words appear: the names of the marks, the feedback on each cell, the
summary a terminal prints, the graded copy of a workbook, the workbook itself, the printable sheet, the
checking page, and the notes the reader writes when it had to look for a table. The exercises' own texts
(titles, instructions, labels, formulas) are in each exercise's module under matchbox/kinds/, and the names
of the classic slips in matchbox/worksheet/slips.py. The committed sheets (worksheets/, answers/) are made
from these words: after changing one, run `matchbox pack` to regenerate them.
"""
from __future__ import annotations

from . import anomaly, course, gan, marks, pages, paper, reader, review, sheets, training

LANGS = ("en", "ja")

WORDS: dict[str, dict[str, str]] = {}
for _group in (marks, sheets, pages, training, anomaly, gan, reader, course, paper, review):
    _twice = WORDS.keys() & _group.WORDS.keys()
    assert not _twice, f"words defined twice: {sorted(_twice)}"
    WORDS.update(_group.WORDS)


def word(key: str, lang: str, **args) -> str:
    """The text of `key` in `lang`, with `args` in its braces. An argument given in both languages (a dict
    {"en": ..., "ja": ...}, such as a table's title) is put in in `lang`."""
    text = WORDS[key][lang]
    if not args:
        return text
    return text.format(**{k: v[lang] if isinstance(v, dict) else v for k, v in args.items()})


def both(key: str, **args) -> dict[str, str]:
    """`key` in every language: {"en": ..., "ja": ...}."""
    return {lang: word(key, lang, **args) for lang in LANGS}


def section(prefix: str, lang: str) -> dict[str, str]:
    """Every word of a group ("web", "copy"...) by its name in the group: {"title": ..., ...}."""
    start = prefix + "."
    return {k[len(start):]: v[lang] for k, v in WORDS.items() if k.startswith(start)}


def quoted(names: list[str], lang: str) -> str:
    """Names in a sentence: 'a', 'b' and 'c'; 「a」と「b」."""
    if lang == "ja":
        return "と".join(f"「{n}」" for n in names)
    marked = [f"'{n}'" for n in names]
    return marked[0] if len(marked) == 1 else ", ".join(marked[:-1]) + " and " + marked[-1]
