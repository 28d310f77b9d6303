"""Checking a class at once: find the workbooks, grade them on every core, keep their order.

Each file is graded on its own, so one damaged or hostile file costs only its own line; the others are
graded as usual. The worker returns a Report (and writes the graded copy when asked, with the writer the
caller gives: the graded copy is a view, matchbox/views/annotate.py), which pickles small.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator

from ..errors import MatchboxError, WorkbookError
from .grader import Marking, Report, grade

# What a folder of submissions may hold that a learner meant as their workbook; anything else (a PDF, a
# note) is not ours to grade. The non-.xlsx ones are graded so their owner hears why they cannot be.
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
PARALLEL_FROM = 4  # files; below this, starting worker processes costs more than it saves
# a graded copy's name as `check --annotate` gives it (NAME-graded.xlsx, -graded-2.xlsx on a collision)
GRADED_NAME = re.compile(r"-graded(-\d+)?$", re.IGNORECASE)
MAX_PROPERTIES = 2**20  # bytes: docProps/custom.xml of a matchbox workbook holds a few kilobytes


@dataclass(frozen=True)
class Job:
    path: Path
    annotate_to: Path | None = None  # where the graded copy goes, if one is wanted
    marking: Marking = Marking()
    # writes the graded copy: write_copy(filled, report, out, force=True); a module's function, so it pickles
    write_copy: Callable | None = None


@dataclass
class Checked:
    """One file checked: its report, and where its graded copy was written or why it could not be."""
    report: Report
    annotated: str | None = None
    annotate_error: str | None = None


def collect(paths: list[Path], exclude: list[Path] = (),
            skipped: list[tuple[Path, str]] | None = None) -> tuple[list[Path], list[Report]]:
    """The files to check, in a stable order: each file as given, and each folder's spreadsheets (in its
    subfolders too, as a learning platform's export has one folder per learner), skipping hidden files, the
    lock files Excel and LibreOffice leave beside an open workbook, anything under `exclude` (the folder
    graded copies go to) and graded copies (`check --annotate`'s), which are appended to `skipped` with the
    language they are in. A folder with no spreadsheet is reported as an error of its own."""
    files: list[Path] = []
    empty: list[Report] = []
    skip = [e.resolve() for e in exclude]
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted((p for p in path.rglob("*") if p.suffix.lower() in SPREADSHEETS and p.is_file()
                        and not _hidden(p.relative_to(path)) and not _under(p.resolve(), skip)),
                       key=lambda p: p.relative_to(path).as_posix())
        copies = {p: lang for p in found if (lang := graded_copy(p)) is not None}
        if skipped is not None:
            skipped += copies.items()
        if not found:
            empty.append(Report(str(path), error="no workbooks (.xlsx files) in this folder"))
        files += [p for p in found if p not in copies]
    return files, empty


def graded_copy(path: Path) -> str | None:
    """The language of a graded copy ("" when unknown), or None for anything else. A copy says so in its stored
    matchbox data (views/annotate.py marks it); one made before it did is known by its name (NAME-graded.xlsx).
    Only the document properties are read, and only when small: a damaged or hostile file is the grader's."""
    meta = None
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/custom.xml")
            if info.file_size <= MAX_PROPERTIES:
                meta = _stored(archive.read(info))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError):
        pass
    if isinstance(meta, dict) and meta.get("graded") is True:
        return meta.get("lang") if meta.get("lang") in ("en", "ja") else ""
    return "" if GRADED_NAME.search(path.stem) and path.suffix.lower() == ".xlsx" else None


def _stored(xml: bytes) -> dict | None:
    """The stored matchbox data in docProps/custom.xml, parsed safely (no entities), or None."""
    from defusedxml import ElementTree
    try:
        root = ElementTree.fromstring(xml)
    except Exception:  # defusedxml refuses entities; a malformed part is simply not a mark
        return None
    for prop in root:
        if prop.get("name") == "matchbox" and len(prop) and isinstance(prop[0].text, str):
            try:
                meta = json.loads(prop[0].text)
            except (ValueError, RecursionError):
                return None
            return meta if isinstance(meta, dict) else None
    return None


def _hidden(rel: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in rel.parts)


def _under(path: Path, folders: list[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def check_file(job: Job) -> Checked:
    """Grade one file; every failure becomes the report's one-line error."""
    from ..workbook.reader import read_filled
    try:
        filled = read_filled(job.path)
        report = grade(filled, job.marking)
    except WorkbookError as e:  # in the workbook's language, or its name's (matchbox-3-ja.xlsx) before it said
        lang = e.lang or ("ja" if "-ja" in job.path.stem else "en")
        return Checked(Report(str(job.path), lang=lang, error=e.said(lang)))
    except MemoryError:
        return Checked(Report(str(job.path), error="the workbook is too large to grade in the memory available"))
    except Exception as e:  # a bug of ours must not stop a class's batch; say so plainly, in one line
        return Checked(Report(str(job.path), error=f"could not be graded: internal error ({type(e).__name__}); "
                                                   "please report it with the file"))
    checked = Checked(report)
    if job.annotate_to is not None and job.write_copy is not None:
        try:
            job.write_copy(filled, report, job.annotate_to, force=True)  # the caller checked what may be replaced
        except MatchboxError as e:
            checked.annotate_error = str(e)
        except OSError as e:
            checked.annotate_error = f"cannot write {job.annotate_to}: {e.strerror or e}"
        except Exception as e:  # openpyxl could not copy something in the workbook; the grading stands
            checked.annotate_error = f"the graded copy could not be made ({type(e).__name__})"
        else:
            checked.annotated = str(job.annotate_to)
    return checked


def check_all(jobs: list[Job], workers: int | None = None) -> Iterator[Checked]:
    """Each file's result in the order of `jobs`, graded on `workers` processes (default: every core)."""
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers < 2 or len(jobs) < PARALLEL_FROM:
        yield from map(check_file, jobs)
        return
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(check_file, jobs, chunksize=max(1, min(16, len(jobs) // (8 * workers))))
