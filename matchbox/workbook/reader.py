"""Reading a learner's filled workbook back, safely and at about the cost of opening it once.

The file may come from Excel, LibreOffice, Google Sheets or anywhere else, or not be a workbook at all.
Everything here reads from an in-memory copy of the bytes (the learner's file is never opened for
writing), refuses what is unsafe or too large before openpyxl parses it (a cheap scan of the archive and its
XML counts what openpyxl would build, one object per cell), and turns every failure into a WorkbookError
with one line that says what is wrong.
"""
from __future__ import annotations

import codecs
import io
import json
import posixpath
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MatchboxError, WorkbookError
from ..kinds import Variant, from_meta
from ..worksheet.graph import tr
from .layout import META_SHEET, Layout, column_letter, layout
from .locate import blank, grids_of, is_key, locate
from .xmlparts import UNPACK_ERRORS, as_utf8, damaged, xml_parts

MAX_FILE_BYTES = 20 * 2**20  # a workshop workbook is ~20 KB
MAX_MEMBERS = 1000
MAX_UNCOMPRESSED = 100 * 2**20  # total declared size of the zip's members
MAX_PART = 16 * 2**20  # one XML part; a matchbox sheet is ~100 KB
MAX_RATIO = 200  # compression ratio of one member past which it is a bomb, not a spreadsheet
# What openpyxl builds one object for, per workbook. A matchbox workbook has about a thousand cells; a
# hundred thousand take openpyxl about a second.
MAX_ITEMS = 100_000
ITEMS = {b"c": "cells", b"row": "rows", b"si": "shared strings", b"xf": "cell styles", b"comment": "comments"}
ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row|si|xf|comment)[\s/>]")
# Ranges openpyxl expands cell by cell when it loads them: merged cells and hyperlinks.
RANGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:mergeCell|hyperlink)\b[^>]*?\sref\s*=\s*[\"']"
                   rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?")
MARKER = re.compile(rb"""name\s*=\s*["']""" + META_SHEET.encode() + rb"""["']""")
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
    data: bytes = field(default=b"", repr=False)  # the bytes graded (recalculated ones, if they were)
    # What finding the cells had to say: a sheet graded under another name, a row or column not found...
    # each {"code": ..., "en": ..., "ja": ...}
    notes: list[dict] = field(default_factory=list)
    # Every reference cell found (a quantity shown again: a given's copy in the strip above the table or in a
    # trial's row, a previous answer): (quantity name, sheet, cell, raw value read)
    copies: list[tuple[str, str, str, Any]] = field(default_factory=list)
    lost: set[str] = field(default_factory=set)  # givens and answers whose cell was not found (read as blank)


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise WorkbookError("no such file", ja="ファイルが見つかりません") from None
    except OSError as e:
        raise WorkbookError(f"cannot read the file: {e.strerror}", ja=f"ファイルを読めません({e.strerror})") from None
    if path.is_dir():
        raise WorkbookError("is a folder, not a workbook", ja="ワークブックではなくフォルダです")
    check_size(size)
    try:
        return path.read_bytes()
    except OSError as e:
        raise WorkbookError(f"cannot read the file: {e.strerror}", ja=f"ファイルを読めません({e.strerror})") from None


def check_size(size: int) -> None:
    """The first test of any file, from a disk or an upload: something there, and not absurdly large."""
    if size == 0:
        raise WorkbookError("the file is empty (0 bytes)", ja="ファイルが空です(0 バイト)")
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"the file is {size / 2**20:.0f} MB, too large for a matchbox workbook",
                            ja=f"ファイルが {size / 2**20:.0f} MB あり、matchbox のワークブックとしては大きすぎます")


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Check what the bytes are before anything parses them."""
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_MARK in data:
            raise WorkbookError("the workbook is password-protected (encrypted); save a copy without a password",
                                ja="ワークブックにパスワードが設定されています。パスワードなしで保存し直してください")
        raise WorkbookError("this is a legacy .xls file, not .xlsx; save it as an Excel workbook (.xlsx)",
                            ja="古い形式の .xls ファイルです。Excel ブック (.xlsx) として保存し直してください")
    if not data.startswith(b"PK"):
        head = data[:2048]
        try:  # a character cut at the 2 KB mark is no reason to think the file is not text
            text = codecs.getincrementaldecoder("utf-8")().decode(head)
        except UnicodeDecodeError:
            text = None
        if text is not None and ("," in text or "\t" in text or ";" in text):
            raise WorkbookError("this is a CSV or text file, not an .xlsx workbook",
                                ja="CSV またはテキストのファイルで、.xlsx のワークブックではありません")
        raise WorkbookError("this is not an .xlsx workbook (its content is not a spreadsheet)",
                            ja=".xlsx のワークブックではありません(中身が表計算のファイルではありません)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise WorkbookError("the workbook is damaged or truncated (incomplete .xlsx archive)",
                            ja="ワークブックが壊れているか、途中で切れています(.xlsx が不完全です)") from None
    names = {i.filename for i in infos}
    if "mimetype" in names:
        raise WorkbookError("this is an OpenDocument file (.ods), not .xlsx; save it as an Excel workbook (.xlsx)",
                            ja="OpenDocument (.ods) のファイルです。Excel ブック (.xlsx) として保存し直してください")
    if len(infos) > MAX_MEMBERS:
        raise WorkbookError(f"the archive holds {len(infos)} files, too many for a workbook (zip bomb?)",
                            ja=f"圧縮ファイルの中身が {len(infos)} 個あり、ワークブックとしては多すぎるため読みません")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise WorkbookError(f"the workbook would unpack to {total / 2**20:.0f} MB, refused as a zip bomb",
                            ja=f"展開すると {total / 2**20:.0f} MB になるため、安全のため読みません")
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise WorkbookError(f"{i.filename} is compressed {i.file_size // max(i.compress_size, 1)}:1, "
                                "refused as a zip bomb",
                                ja=f"{i.filename} の圧縮率が {i.file_size // max(i.compress_size, 1)}:1 と異常なため、"
                                   "安全のため読みません")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise WorkbookError("this is a Word document, not an .xlsx workbook",
                                ja="Word の文書で、.xlsx のワークブックではありません")
        raise WorkbookError("this is a zip archive but not an .xlsx workbook",
                            ja="zip ファイルですが、.xlsx のワークブックではありません")
    parts = xml_parts(archive, infos)  # by name, or by first bytes: openpyxl follows links, not names
    # Is it ours? The stored parameters are named in the workbook's sheet list or its document properties:
    # a foreign workbook, however large, is told so before anything else is unpacked.
    marked = [i for i, _ in parts if (i.filename == "xl/workbook.xml" or i.filename.startswith("docProps/"))
              and i.file_size <= MAX_PART]
    if not any(MARKER.search(_unpack(archive, i)) for i in marked):
        raise WorkbookError(NOT_OURS, ja=NOT_OURS_JA)
    for i, _ in parts:
        if i.file_size > MAX_PART:
            raise WorkbookError(f"{i.filename} would unpack to {i.file_size / 2**20:.0f} MB, far more than a "
                                "matchbox workbook holds (a padded file?)",
                                ja=f"{i.filename} を展開すると {i.file_size / 2**20:.0f} MB になり、matchbox の"
                                   "ワークブックとしては大きすぎるため読みません")
    counts = dict.fromkeys(ITEMS, 0)
    area = 0
    for i, encoding in parts:
        content = as_utf8(_unpack(archive, i), encoding)
        if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
            raise WorkbookError(f"{i.filename} declares XML entities; refused as unsafe (entity bomb?)",
                                ja=f"{i.filename} に XML エンティティの宣言があるため、安全のため読みません")
        for m in ITEM.finditer(content):
            counts[m[1]] += 1
            if counts[m[1]] > MAX_ITEMS:
                raise WorkbookError(f"the workbook holds more than {MAX_ITEMS:,} {ITEMS[m[1]]} ({i.filename}), far "
                                    "more than a matchbox workbook; refused (a padded file?)",
                                    ja=f"ワークブックの要素が {MAX_ITEMS:,} 個を超えています({i.filename})。matchbox の"
                                       "ワークブックとしては多すぎるため読みません")
        for m in RANGE.finditer(content):
            area += _area(*m.groups())
            if area > MAX_ITEMS:
                raise WorkbookError(f"{i.filename} merges or links ranges of more than {MAX_ITEMS:,} cells, far "
                                    "more than a matchbox workbook; refused (a padded file?)",
                                    ja=f"{i.filename} が {MAX_ITEMS:,} 個を超えるセルの範囲を結合・参照しています。"
                                       "matchbox のワークブックとしては多すぎるため読みません")
    return archive


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except UNPACK_ERRORS:
        raise damaged(info) from None


def _column(letters: bytes) -> int:
    n = 0
    for c in letters.upper():
        n = n * 26 + c - 64
    return n


def _area(c1: bytes, r1: bytes, c2: bytes | None, r2: bytes | None) -> int:
    """Cells in a range like A1:C3 (1 for a single cell)."""
    if c2 is None:
        return 1
    return (abs(int(r2) - int(r1)) + 1) * (abs(_column(c2) - _column(c1)) + 1)


def load(data: bytes):
    """openpyxl's reading of bytes already checked by open_zip (values as saved, not formulas); it parses
    with defusedxml."""
    import warnings

    import openpyxl
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
    except MatchboxError:
        raise
    except Exception as e:  # openpyxl raises many kinds on damaged files; all mean the same to a user
        reason = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise WorkbookError(f"the workbook is damaged and cannot be read ({reason})",
                            ja=f"ワークブックが壊れていて読めません({reason})") from None


KEY_REFUSED = "this is the answer key, not a learner's workbook"
KEY_REFUSED_JA = "これは模範解答のファイルで、受講者のワークブックではありません"
NOT_OURS = "this is not a matchbox workbook (no matchbox data; was it made by `matchbox generate`?)"
NOT_OURS_JA = "matchbox のワークブックではありません(matchbox のデータがありません。`matchbox generate` で作ったものですか?)"
DAMAGED_JA = "ワークブックに保存された matchbox のパラメータが壊れています"
MAX_META = 1_000_000  # characters; real parameters take a few kilobytes


def stored_meta(wb) -> dict:
    blob = None
    for prop in getattr(wb, "custom_doc_props", []) or []:
        if prop.name == "matchbox":
            blob = prop.value
    if blob is None and META_SHEET in wb.sheetnames:
        blob = wb[META_SHEET]["A2"].value
    if blob is None:
        raise WorkbookError(NOT_OURS, ja=NOT_OURS_JA)
    if isinstance(blob, str) and len(blob) > MAX_META:
        raise WorkbookError("the workbook's stored matchbox parameters are damaged (far too long)", ja=DAMAGED_JA)
    try:
        meta = json.loads(blob)
    except (TypeError, ValueError, RecursionError):
        raise WorkbookError("the workbook's stored matchbox parameters are damaged", ja=DAMAGED_JA) from None
    if not isinstance(meta, dict):
        raise WorkbookError("the workbook's stored matchbox parameters are damaged", ja=DAMAGED_JA)
    return meta


def read_filled(path: str | Path, recalculate: bool = True) -> Filled:
    path = Path(path)
    return read_data(read_bytes(path), path, recalculate)


def read_data(data: bytes, path: Path, recalculate: bool = True, recalculated: bool = False) -> Filled:
    """A workbook's bytes, read as a matchbox workbook; `path` only names it in messages."""
    archive = open_zip(data)
    wb = load(data)
    meta = stored_meta(wb)
    lang = meta.get("lang") if meta.get("lang") in ("en", "ja") else "en"
    if meta.get("key") is True:
        raise WorkbookError(KEY_REFUSED, ja=KEY_REFUSED_JA, lang=lang)
    try:
        variant = from_meta(meta)
    except WorkbookError:
        raise
    except MatchboxError as e:
        raise WorkbookError(str(e), ja=e.ja, lang=lang) from None
    grids = grids_of(wb)
    if is_key(grids, tr(variant.worksheet.title, lang)):  # a key from before keys said so in their data
        raise WorkbookError(KEY_REFUSED, ja=KEY_REFUSED_JA, lang=lang)
    found = locate(grids, layout(variant.worksheet, lang), lang)
    plan = found.plan
    name_cell = next(p for p in plan.cells if p.role == "name")
    typed_name = grids[name_cell.sheet].get(name_cell.row, name_cell.col)
    learner = meta.get("learner") or (str(typed_name).strip()[:80] if not blank(typed_name) else None)
    filled = Filled(path, variant, lang, learner, plan, recalculated=recalculated, data=data, notes=found.notes,
                    lost=found.lost)
    for name, p in plan.home.items():
        filled.values[name] = None if name in found.lost else grids[p.sheet].get(p.row, p.col)
    filled.copies = [(p.content.name, p.sheet, p.cell, grids[p.sheet].get(p.row, p.col)) for p in found.refs]

    # openpyxl reads a formula saved without its value as an empty cell; the sheet's XML tells them apart.
    blanks = [plan.home[n] for n, v in filled.values.items()
              if v is None and n not in found.lost and not variant.worksheet.quantities[n].is_given]
    unevaluated = formulas_without_values(archive, blanks) if blanks else []
    if unevaluated:
        cells = ", ".join(f"{p.sheet}!{p.cell}" for p in unevaluated[:3]) + ("..." if len(unevaluated) > 3 else "")
        what = f"{len(unevaluated)} answer cell(s) hold a formula with no saved value ({cells})"
        what_ja = f"解答欄 {len(unevaluated)} 個の数式に値が保存されていません({cells})"
        if recalculated:
            raise WorkbookError(f"{what}, even after LibreOffice recalculated the workbook; open it in Excel or "
                                "LibreOffice, check those formulas and save it again",
                                ja=f"{what_ja}。LibreOffice で再計算しても値が出ません。Excel か LibreOffice で"
                                   "開き、その数式を確かめて保存し直してください", lang=lang)
        if not recalculate:
            raise WorkbookError(f"{what}; open the file in Excel or LibreOffice and save it again",
                                ja=f"{what_ja}。Excel か LibreOffice で開いて保存し直してください", lang=lang)
        if not shutil.which("soffice"):
            raise WorkbookError(f"{what}: the file was saved by a program that does not calculate. Open it in "
                                "Excel or LibreOffice and save it again, or install LibreOffice (soffice) so "
                                "matchbox can recalculate it",
                                ja=f"{what_ja}。計算をしないプログラムで保存されたファイルです。Excel か "
                                   "LibreOffice で開いて保存し直すか、matchbox が再計算できるよう LibreOffice "
                                   "(soffice) をインストールしてください", lang=lang)
        return read_data(_recalculated(data), path, recalculate, recalculated=True)
    return filled


def formulas_without_values(archive: zipfile.ZipFile, cells: list) -> list:
    """The cells (Placed) that hold a formula but no value saved with it, read from the sheets' XML."""
    parts = _sheet_parts(archive)
    out = []
    for sheet in dict.fromkeys(p.sheet for p in cells):
        wanted = {p.cell: p for p in cells if p.sheet == sheet}
        part = parts.get(sheet)
        if part is None or part not in archive.namelist():
            continue
        out += [wanted[ref] for ref in _unvalued_formulas(archive, part) if ref in wanted]
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the XML part that holds it, from the workbook and its relationships."""
    from defusedxml.ElementTree import fromstring
    try:
        book = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # openpyxl read them already; a part it tolerated but we cannot is simply not searched
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
    out = {}
    for el in book.iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid)
            if target:
                out[el.get("name")] = target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
    return out


# Rows and cells of a sheet's XML, enough to tell a formula with a saved value from one without: a cheap
# scan of text already checked for entities (openpyxl does not say which of its empty cells held a formula).
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
SHEET_TOKEN = re.compile(rb"<" + _NS + rb"(?:(row)\b([^>]*?)/?>|c\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c>))", re.S)
ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
CELL_REF = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
FORMULA = re.compile(rb"<" + _NS + rb"f[\s/>]")
SAVED_VALUE = re.compile(rb"<" + _NS + rb"(?:v\b[^>]*>\s*[^<\s]|is[\s>])")
# A formula whose saved value is the empty string (=IF(...; ""; ...)): its cell is typed str and keeps its
# (empty) <v>; openpyxl writes an unsaved formula with an empty <v/> and no type.
STRING_RESULT = re.compile(rb"""\bt\s*=\s*["']str["']""")
VALUE_ELEMENT = re.compile(rb"<" + _NS + rb"v[\s/>]")


def _unvalued_formulas(archive: zipfile.ZipFile, part: str) -> list[str]:
    """References of the cells in a sheet's XML that have a formula (<f>) and no value (<v>, <is>)."""
    out = []
    row = col = 0
    for m in SHEET_TOKEN.finditer(_unpack(archive, archive.getinfo(part))):
        if m[1]:  # a row: cells without an address count from its start
            number = ROW_NUMBER.search(m[2])
            row, col = int(number[1]) if number else row + 1, 0
            continue
        ref = CELL_REF.search(m[3])
        if ref:
            col, row = _column(ref[1]), int(ref[2])
        else:
            col += 1
        body = m[4] or b""
        saved = SAVED_VALUE.search(body) or (STRING_RESULT.search(m[3]) and VALUE_ELEMENT.search(body))
        if FORMULA.search(body) and not saved:
            out.append(f"{column_letter(col)}{row}")
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
        raise WorkbookError("answer cells hold formulas with no saved value and LibreOffice could not "
                            "recalculate them; open the file in Excel or LibreOffice and save it again",
                            ja="解答欄の数式に値が保存されておらず、LibreOffice でも再計算できませんでした。Excel か "
                               "LibreOffice で開いて保存し直してください") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
