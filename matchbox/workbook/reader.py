"""Reading a learner's filled workbook back, safely.

The file may come from Excel, LibreOffice, Google Sheets or anywhere else, or not be a workbook at all.
Everything here reads from an in-memory copy of the bytes (the learner's file is never opened for
writing), refuses what is unsafe or too large before openpyxl parses it, and turns every failure into
a WorkbookError with one line that says what is wrong.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MatchboxError, WorkbookError
from ..exercises import Variant, from_meta
from ..exercises.graph import tr
from .layout import META_SHEET, Layout, layout

MAX_FILE_BYTES = 20 * 2**20  # a workshop workbook is ~20 KB
MAX_MEMBERS = 1000
MAX_UNCOMPRESSED = 100 * 2**20  # total declared size of the zip's members
MAX_RATIO = 200  # compression ratio of one member past which it is a bomb, not a spreadsheet
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass
class Filled:
    """A learner's workbook as read: where it came from, which variant it is, and what each cell holds."""

    path: Path
    variant: Variant
    lang: str
    learner: str | None
    plan: Layout
    values: dict[str, Any] = field(default_factory=dict)  # quantity name -> raw cell value
    recalculated: bool = False


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise WorkbookError("no such file") from None
    except OSError as e:
        raise WorkbookError(f"cannot read the file: {e.strerror}") from None
    if path.is_dir():
        raise WorkbookError("is a folder, not a workbook")
    if size == 0:
        raise WorkbookError("the file is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"the file is {size / 2**20:.0f} MB, too large for a matchbox workbook")
    try:
        return path.read_bytes()
    except OSError as e:
        raise WorkbookError(f"cannot read the file: {e.strerror}") from None


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Check what the bytes are before anything parses them."""
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_MARK in data:
            raise WorkbookError("the workbook is password-protected (encrypted); save a copy without a password")
        raise WorkbookError("this is a legacy .xls file, not .xlsx; save it as an Excel workbook (.xlsx)")
    if not data.startswith(b"PK"):
        head = data[:2048]
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and ("," in text or "\t" in text or ";" in text):
            raise WorkbookError("this is a CSV or text file, not an .xlsx workbook")
        raise WorkbookError("this is not an .xlsx workbook (its content is not a spreadsheet)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise WorkbookError("the workbook is damaged or truncated (incomplete .xlsx archive)") from None
    names = {i.filename for i in infos}
    if "mimetype" in names:
        raise WorkbookError("this is an OpenDocument file (.ods), not .xlsx; save it as an Excel workbook (.xlsx)")
    if len(infos) > MAX_MEMBERS:
        raise WorkbookError(f"the archive holds {len(infos)} files, too many for a workbook (zip bomb?)")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise WorkbookError(f"the workbook would unpack to {total / 2**20:.0f} MB, refused as a zip bomb")
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise WorkbookError(f"{i.filename} is compressed {i.file_size // max(i.compress_size, 1)}:1, "
                                "refused as a zip bomb")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise WorkbookError("this is a Word document, not an .xlsx workbook")
        raise WorkbookError("this is a zip archive but not an .xlsx workbook")
    for i in infos:
        if i.filename.endswith((".xml", ".rels")) or i.filename.endswith(".vml"):
            try:
                content = archive.read(i)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
                raise WorkbookError(f"the workbook is damaged ({i.filename} cannot be unpacked)") from None
            if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                raise WorkbookError(f"{i.filename} declares XML entities; refused as unsafe (entity bomb?)")
    return archive


def load(data: bytes, formulas: bool = False):
    """openpyxl's reading of bytes already checked by open_zip; it parses with defusedxml."""
    import warnings

    import openpyxl
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            return openpyxl.load_workbook(io.BytesIO(data), data_only=not formulas, keep_links=False)
    except MatchboxError:
        raise
    except Exception as e:  # openpyxl raises many kinds on damaged files; all mean the same to a user
        reason = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise WorkbookError(f"the workbook is damaged and cannot be read ({reason})") from None


MAX_META = 1_000_000  # characters; real parameters take a few kilobytes


def stored_meta(wb) -> dict:
    blob = None
    for prop in getattr(wb, "custom_doc_props", []) or []:
        if prop.name == "matchbox":
            blob = prop.value
    if blob is None and META_SHEET in wb.sheetnames:
        blob = wb[META_SHEET]["A2"].value
    if blob is None:
        raise WorkbookError("this is not a matchbox workbook (no matchbox data; was it made by `matchbox generate`?)")
    if isinstance(blob, str) and len(blob) > MAX_META:
        raise WorkbookError("the workbook's stored matchbox parameters are damaged (far too long)")
    try:
        meta = json.loads(blob)
    except (TypeError, ValueError, RecursionError):
        raise WorkbookError("the workbook's stored matchbox parameters are damaged") from None
    if not isinstance(meta, dict):
        raise WorkbookError("the workbook's stored matchbox parameters are damaged")
    return meta


def read_filled(path: str | Path, recalculate: bool = True) -> Filled:
    path = Path(path)
    return _read(read_bytes(path), path, recalculate)


def _read(data: bytes, path: Path, recalculate: bool) -> Filled:
    open_zip(data)
    wb = load(data)
    meta = stored_meta(wb)
    try:
        variant = from_meta(meta)
    except WorkbookError:
        raise
    except MatchboxError as e:
        raise WorkbookError(str(e)) from None
    lang = meta.get("lang") if meta.get("lang") in ("en", "ja") else "en"
    plan = layout(variant.worksheet, lang)
    for sheet in plan.sheets:
        if sheet not in wb.sheetnames:
            raise WorkbookError(f"the sheet '{sheet}' is missing (renamed or deleted?)")
    moves = {}
    for sheet in plan.sheets:
        previous = (0, 0)
        for i, table in enumerate(plan.tables(sheet)):
            moves[sheet, table] = previous = find_table(wb[sheet], plan, sheet, table, lang, previous)
            if i == 0:
                moves[sheet, None] = previous
    plan = plan.shifted(moves)
    name_cell = next(p for p in plan.cells if p.role == "name")
    typed_name = wb[name_cell.sheet][name_cell.cell].value
    learner = meta.get("learner") or (str(typed_name).strip()[:80] if typed_name not in (None, "") else None)
    filled = Filled(path, variant, lang, learner, plan)
    for name, p in plan.home.items():
        filled.values[name] = wb[p.sheet][p.cell].value

    blanks = [n for n, v in filled.values.items() if v is None and not variant.worksheet.quantities[n].is_given]
    if blanks:
        unevaluated = _formulas_without_values(data, plan, blanks)
        if unevaluated:
            if not recalculate or not shutil.which("soffice"):
                cells = ", ".join(plan.home[n].cell for n in unevaluated[:5])
                raise WorkbookError(
                    f"{len(unevaluated)} formula cell(s) have no saved value ({cells}...): the file was saved by a "
                    "program that does not calculate. Open it in Excel or LibreOffice and save it again, "
                    "or install LibreOffice so matchbox can recalculate it")
            again = _read(_recalculated(data), path, recalculate=False)
            again.recalculated = True
            return again
    return filled


def find_table(sheet, plan: Layout, name: str, table: str, lang: str,
               previous: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """How far a table moved (rows, columns) when a learner inserted or deleted rows or columns above or
    beside it, found by its title and column headings: the offset where most of them match, the one
    nearest to where the table above it moved if several match as well."""
    marks = [(p.row, p.col, tr(p.content, lang)) for p in plan.cells if p.sheet == name and p.table == table
             and p.role in ("table-title", "header") and tr(p.content, lang)]

    def matches(offset: tuple[int, int]) -> int:
        dr, dc = offset
        return sum(r + dr >= 1 and c + dc >= 1 and _text(sheet.cell(r + dr, c + dc).value) == text
                   for r, c, text in marks)

    for offset in ((0, 0), previous):
        if matches(offset) == len(marks):
            return offset
    scores = {(dr, dc): matches((dr, dc)) for dr in range(-6, 41) for dc in range(-2, 11)}
    best = max(scores.values())
    if best < 0.6 * len(marks):
        raise WorkbookError(f"the table headings on sheet '{name}' were changed or removed, so the answer "
                            "cells cannot be found; use a fresh copy of the workbook")
    found = [offset for offset, score in scores.items() if score == best]
    return min(found, key=lambda o: abs(o[0] - previous[0]) + abs(o[1] - previous[1]))


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _formulas_without_values(data: bytes, plan: Layout, blanks: list[str]) -> list[str]:
    """Answer cells that hold a formula but no value saved with it."""
    wb = load(data, formulas=True)
    out = []
    for name in blanks:
        p = plan.home[name]
        value = wb[p.sheet][p.cell].value
        if isinstance(value, str) and value.startswith("="):
            out.append(name)
    return out


def _recalculated(data: bytes) -> bytes:
    """Let headless LibreOffice compute every formula, in a private temporary folder."""
    tmp = Path(tempfile.mkdtemp(prefix="matchbox-recalc-"))
    src = tmp / "in" / "workbook.xlsx"
    src.parent.mkdir()
    src.write_bytes(data)
    out = tmp / "out"
    # A profile of its own, so a LibreOffice the user has open is neither used nor disturbed.
    profile = f"-env:UserInstallation={(tmp / 'profile').as_uri()}"
    try:
        subprocess.run(["soffice", profile, "--headless", "--norestore", "--convert-to", "xlsx",
                        "--outdir", str(out), str(src)], capture_output=True, timeout=120, check=False)
        return (out / "workbook.xlsx").read_bytes()
    except (OSError, subprocess.TimeoutExpired):
        raise WorkbookError("LibreOffice could not recalculate the workbook's formulas") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
