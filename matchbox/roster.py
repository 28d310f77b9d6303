"""The class as CSV files an instructor opens in a spreadsheet: the roster of learners read in, the class list
written out, and the guard that keeps any text cell from running as a formula.

A leaf: the standard library and matchbox.errors only, so grading, views, web and the CLI can all use it.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from .errors import MatchboxError

# A spreadsheet opening the CSV would run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
NAME_HEADERS = ("name", "名前", "氏名")


def safe(value):
    """A text cell that a spreadsheet shows as text: a leading formula character gets a quote before it
    (full-width ones too, which some spreadsheets read as their ASCII twins)."""
    if isinstance(value, str) and value and unicodedata.normalize("NFKC", value[0])[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def read_roster(path: Path) -> list[str]:
    """Learner names from a CSV: the 'name' (or '名前') column, else the first column; blank lines skipped."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise MatchboxError(f"{path}: cannot read the roster ({e.strerror or e})") from None
    text = None
    for encoding in ("utf-8-sig", "cp932"):  # CSV UTF-8 (with or without BOM), else Japanese Excel's Shift_JIS
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            pass
    if text is None:
        raise MatchboxError(f"{path}: the roster cannot be read; save it as CSV UTF-8 "
                            "(CSV UTF-8 で保存してください)", ja=f"{path}: 名簿を読めません。CSV UTF-8 で保存してください")
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise MatchboxError(f"{path}: the roster has no names")
    header = [c.strip().lower() for c in rows[0]]
    column = next((header.index(h) for h in NAME_HEADERS if h in header), None)
    body = rows[1:] if column is not None else rows
    names = [r[column or 0].strip() for r in body if len(r) > (column or 0) and r[column or 0].strip()]
    if not names:
        raise MatchboxError(f"{path}: the roster has no names")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise MatchboxError(f"{path}: {dup!r} appears twice in the roster")
    return names


CLASS_LISTS = "class-lists"  # beside worksheets/ and answers/: the instructor's, never handed to learners


def class_list_path(out: Path, exercise: str) -> Path:
    """Where `generate --roster` keeps an exercise's class list (`exercise`: the kind or the spec's name)."""
    return out / CLASS_LISTS / f"{exercise}-class-list.csv"


def refuse_class_list(path: Path, force: bool) -> None:
    """A class list is the only record of who got which variant: replaced only when asked."""
    if path.exists() and not force:
        raise MatchboxError(f"{path}: a class list is already there; add --force to replace it")


def write_class_list(written: list[dict], path: Path, force: bool = False) -> Path:
    """learner → variant and files, for the instructor; safe to open in a spreadsheet. An existing list is
    replaced only with `force`.

    `written` is what `generate` wrote: one dict per sheet with variant, kind, lang, learner and a path per file.
    """
    refuse_class_list(path, force)
    buffer = io.StringIO()
    out = csv.writer(buffer)
    files = [k for k in written[0] if k not in ("variant", "kind", "lang", "learner")]
    out.writerow(["learner", "variant", "kind", "lang", *files])
    for w in written:
        out.writerow([safe(w["learner"]), w["variant"], w["kind"], w["lang"], *(w[f] for f in files)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    return path
