"""The reader's refusals, limits and formula scan, in-process and to the letter: the mutants that
benchmarks/mutation.py found surviving in matchbox/workbook/reader.py (the subprocess tests of
test_hostile_files.py reach the same code, but are too slow to run once per mutant, and check a few words only).

Each refusal is a line a learner or an instructor reads, in English and in Japanese: the whole line is checked,
so a changed word, case or number shows. Each limit is checked at its edge: one past it is refused, the limit
itself is not."""
from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from conftest import answers_of, fill, make_workbooks

from matchbox.errors import WorkbookError
from matchbox.workbook import reader
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import (
    _area,
    _column,
    _sheet_parts,
    _unvalued_formulas,
    check_size,
    formulas_without_values,
    read_data,
    read_filled,
)

MB = 2**20


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A learner workbook of the matchbox kind (seed 3, English), its variant, and a Japanese one."""
    tmp = tmp_path_factory.mktemp("made")
    variant, learner, key = make_workbooks(tmp, "matchbox", 3, "en")
    variant_ja, learner_ja, key_ja = make_workbooks(tmp, "matchbox", 3, "ja")
    first = next(iter(answers_of(variant_ja)))
    formula_ja = fill(learner_ja, variant_ja, "ja", {first: "=1+1"}, tmp / "formula-ja.xlsx")
    typed_ja = fill(learner_ja, variant_ja, "ja", {first: 2}, tmp / "typed-ja.xlsx")  # as LibreOffice would save it
    plan = layout(variant.worksheet, "en")
    four = list(answers_of(variant))[:4]
    four_formulas = fill(learner, variant, "en", {n: "=1+1" for n in four}, tmp / "four-formulas.xlsx")
    given = variant.worksheet.givens[0].name
    given_formula = fill(learner, variant, "en", {given: "=1+1"}, tmp / "given-formula.xlsx")
    wb = openpyxl.load_workbook(learner)
    name_cell = next(p for p in plan.cells if p.role == "name")
    wb[name_cell.sheet][name_cell.cell] = "  " + "Ada Lovelace " * 10
    wb.save(tmp / "named.xlsx")
    return SimpleNamespace(variant=variant, learner=learner, variant_ja=variant_ja, learner_ja=learner_ja, key=key,
                           key_ja=key_ja, formula_ja=formula_ja, formula_cell=layout(variant_ja.worksheet, "ja").home[first],
                           typed_ja=typed_ja, four_formulas=four_formulas, four_cells=[plan.home[n] for n in four],
                           given=given, given_formula=given_formula, named=tmp / "named.xlsx")


def refusal(path_or_data) -> WorkbookError:
    with pytest.raises(WorkbookError) as caught:
        if isinstance(path_or_data, bytes):
            read_data(path_or_data, Path("x.xlsx"))
        else:
            read_filled(path_or_data)
    return caught.value


def said(error: WorkbookError) -> tuple[str, str | None]:
    return str(error), error.ja


def members(src: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(src) as z:
        return {name: z.read(name) for name in z.namelist()}


def zipped(parts: dict[str, bytes], level=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", level) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


# --- what the file is: each refusal, the whole line in both languages --------------------------------------

def test_missing_empty_and_folder(tmp_path):
    assert said(refusal(tmp_path / "none.xlsx")) == ("no such file", "ファイルが見つかりません")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert said(refusal(tmp_path / "empty.xlsx")) == ("the file is empty (0 bytes)", "ファイルが空です(0 バイト)")
    assert said(refusal(tmp_path)) == ("is a folder, not a workbook", "ワークブックではなくフォルダです")


def test_a_file_that_cannot_be_read_says_why(tmp_path, monkeypatch):
    """A file the system refuses to read (chmod 0 would not stop root, who runs CI: the refusal is simulated)."""
    import errno
    import os
    from pathlib import Path
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"PK")

    def refused(self):
        if self == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return original(self)
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", refused)
    assert said(refusal(path)) == ("cannot read the file: Permission denied",
                                   "ファイルを読めません(Permission denied)")


def test_a_name_the_system_refuses_says_why(tmp_path):
    """A file name longer than the file system allows: stat fails with something else than 'not found'."""
    error = refusal(tmp_path / ("x" * 300 + ".xlsx"))
    assert said(error) == ("cannot read the file: File name too long", "ファイルを読めません(File name too long)")


def test_size_limit_is_20_mb_exactly():
    check_size(1)
    check_size(20 * MB)  # the limit itself is read
    with pytest.raises(WorkbookError) as caught:
        check_size(20 * MB + 1)
    assert said(caught.value) == ("the file is 20 MB, too large for a matchbox workbook",
                                  "ファイルが 20 MB あり、matchbox のワークブックとしては大きすぎます")
    with pytest.raises(WorkbookError) as caught:
        check_size(0)
    assert str(caught.value) == "the file is empty (0 bytes)"


def test_files_that_are_not_xlsx():
    assert said(refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))) == (
        "this is a legacy .xls file, not .xlsx; save it as an Excel workbook (.xlsx)",
        "古い形式の .xls ファイルです。Excel ブック (.xlsx) として保存し直してください")
    assert said(refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"))) == (
        "the workbook is password-protected (encrypted); save a copy without a password",
        "ワークブックにパスワードが設定されています。パスワードなしで保存し直してください")
    not_xlsx = ("this is not an .xlsx workbook (its content is not a spreadsheet)",
                ".xlsx のワークブックではありません(中身が表計算のファイルではありません)")
    csv = ("this is a CSV or text file, not an .xlsx workbook",
           "CSV またはテキストのファイルで、.xlsx のワークブックではありません")
    for separated in ("a,b\n1,2\n", "a\tb\n", "a;b\n"):  # each separator alone marks a CSV
        assert said(refusal(separated.encode())) == csv
    assert said(refusal(b"just words, but utf-8 text"[:10])) == not_xlsx  # text without a separator
    assert said(refusal(b"\xff\xfe,,,")) == not_xlsx  # not text at all
    # only the first 2 KB are looked at: a separator after them does not make a CSV
    assert said(refusal(b"x" * 2048 + b",")) == not_xlsx
    assert said(refusal(b"x" * 2047 + b",")) == csv


def test_a_japanese_csv_longer_than_what_is_looked_at_is_still_a_csv():
    """Only the first 2 KB are looked at, and they may end inside a character (three bytes each in UTF-8 for
    Japanese): a learner's class list saved as CSV is still told it is a CSV, wherever the cut falls."""
    csv = ("this is a CSV or text file, not an .xlsx workbook",
           "CSV またはテキストのファイルで、.xlsx のワークブックではありません")
    for cut in range(3):  # the 2 KB mark falls one byte into a character, between two, two bytes into one
        text = ("x" * cut + "名前,点数\n" + "山田,12\n" * 400).encode()
        assert said(refusal(text)) == csv
    # bytes that are not UTF-8 before the mark are still not text
    assert said(refusal(b"a,b" + b"\xff" + "名".encode() * 1000))[0].startswith("this is not an .xlsx workbook")


def test_archives_that_are_not_workbooks(tmp_path):
    assert said(refusal(b"PK\x03\x04 truncated")) == (
        "the workbook is damaged or truncated (incomplete .xlsx archive)",
        "ワークブックが壊れているか、途中で切れています(.xlsx が不完全です)")
    assert said(refusal(zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}))) == (
        "this is an OpenDocument file (.ods), not .xlsx; save it as an Excel workbook (.xlsx)",
        "OpenDocument (.ods) のファイルです。Excel ブック (.xlsx) として保存し直してください")
    assert said(refusal(zipped({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}))) == (
        "this is a Word document, not an .xlsx workbook", "Word の文書で、.xlsx のワークブックではありません")
    zip_only = ("this is a zip archive but not an .xlsx workbook",
                "zip ファイルですが、.xlsx のワークブックではありません")
    assert said(refusal(zipped({"a.txt": b"a"}))) == zip_only
    # both parts are needed: either alone is not a workbook
    assert said(refusal(zipped({"[Content_Types].xml": b"<x/>"}))) == zip_only
    assert said(refusal(zipped({"xl/workbook.xml": b"<x/>"}))) == zip_only


def test_a_foreign_workbook_and_damaged_parameters(tmp_path, made):
    not_ours = ("this is not a matchbox workbook (no matchbox data; was it made by `matchbox generate`?)",
                "matchbox のワークブックではありません(matchbox のデータがありません。`matchbox generate` で作ったもの"
                "ですか?)")
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "foreign.xlsx")
    assert said(refusal(tmp_path / "foreign.xlsx")) == not_ours
    damaged = ("the workbook's stored matchbox parameters are damaged",
               "ワークブックに保存された matchbox のパラメータが壊れています")
    for blob in ("[1, 2]", "{not json"):
        assert said(refusal(with_meta(made.learner, tmp_path / "x.xlsx", blob))) == damaged


def with_meta(src: Path, dst: Path, blob, prop=True, sheet=True) -> Path:
    """The workbook with its stored parameters replaced: in its document property and/or its matchbox sheet."""
    wb = openpyxl.load_workbook(src)
    if sheet:
        wb["matchbox"]["A2"] = blob
    if prop:
        for p in wb.custom_doc_props.props:
            if p.name == "matchbox":
                p.value = blob
    wb.save(dst)
    return dst


def test_stored_parameters_longer_than_a_million_characters_are_refused_unread(tmp_path, made):
    meta = openpyxl.load_workbook(made.learner)["matchbox"]["A2"].value
    padded = meta[:-1] + " " * (1_000_000 - len(meta)) + "}"  # valid JSON of exactly the limit: read
    assert len(padded) == 1_000_000
    assert read_filled(with_meta(made.learner, tmp_path / "ok.xlsx", padded)).variant.id == made.variant.id
    too_long = meta[:-1] + " " * (1_000_001 - len(meta)) + "}"
    assert said(refusal(with_meta(made.learner, tmp_path / "long.xlsx", too_long))) == (
        "the workbook's stored matchbox parameters are damaged (far too long)",
        "ワークブックに保存された matchbox のパラメータが壊れています")


def test_the_document_property_is_read_first_and_the_sheet_without_it(tmp_path, made):
    # the property holds the parameters, the sheet's copy is damaged: the property wins
    only_prop = with_meta(made.learner, tmp_path / "prop.xlsx", "{damaged", prop=False)
    assert read_filled(only_prop).variant.id == made.variant.id
    # no property at all (a program that drops them): the sheet's copy is read
    wb = openpyxl.load_workbook(made.learner)
    wb.custom_doc_props.props.clear()
    wb.save(tmp_path / "sheet.xlsx")
    assert read_filled(tmp_path / "sheet.xlsx").variant.id == made.variant.id


def test_the_answer_key_is_refused_in_the_workbooks_language(tmp_path, made):
    wb = openpyxl.load_workbook(made.learner_ja)
    meta = json.loads(wb["matchbox"]["A2"].value)
    meta["key"] = True
    error = refusal(with_meta(made.learner_ja, tmp_path / "key.xlsx", json.dumps(meta)))
    assert said(error) == ("this is the answer key, not a learner's workbook",
                           "これは模範解答のファイルで、受講者のワークブックではありません")
    assert error.lang == "ja"
    meta["lang"] = "fr"  # a language matchbox does not write is read as English
    assert refusal(with_meta(made.learner_ja, tmp_path / "fr.xlsx", json.dumps(meta))).lang == "en"


def test_the_learners_name_from_the_parameters_or_the_name_cell(tmp_path, made):
    plan = layout(made.variant.worksheet, "en")
    name_cell = next(p for p in plan.cells if p.role == "name")
    wb = openpyxl.load_workbook(made.learner)
    wb[name_cell.sheet][name_cell.cell] = "  " + "Ada Lovelace " * 10 + " "
    wb.save(tmp_path / "named.xlsx")
    typed = ("Ada Lovelace " * 10).strip()
    assert read_filled(tmp_path / "named.xlsx").learner == typed[:80]
    assert read_filled(made.learner).learner is None  # nothing typed, nothing stored
    meta = json.loads(wb["matchbox"]["A2"].value)
    meta["learner"] = "Grace"  # a name stored by `matchbox generate --learner` wins over the cell
    assert read_filled(with_meta(tmp_path / "named.xlsx", tmp_path / "stored.xlsx", json.dumps(meta))).learner == \
        "Grace"


# --- the archive's limits, each at its edge -------------------------------------------------------------------

def test_members_limit_is_1000(made):
    parts = members(made.learner)
    pad = {f"xl/media/pad{i}.bin": b"x" for i in range(1000 - len(parts))}
    assert read_data(zipped({**parts, **pad}), Path("x.xlsx")).variant.id == made.variant.id
    pad[f"xl/media/pad{len(pad)}.bin"] = b"x"
    assert said(refusal(zipped({**parts, **pad}))) == (
        "the archive holds 1001 files, too many for a workbook (zip bomb?)",
        "圧縮ファイルの中身が 1001 個あり、ワークブックとしては多すぎるため読みません")


def test_unpacked_size_limit_is_100_mb(made):
    parts = members(made.learner)
    room = 100 * MB - sum(len(d) for d in parts.values())
    # stored uncompressed, so that the ratio rule stays out of the way
    assert read_data(zipped({**parts, "xl/media/pad.bin": bytes(room)}, zipfile.ZIP_STORED), Path("x"))
    assert said(refusal(zipped({**parts, "xl/media/pad.bin": bytes(room + 1)}, zipfile.ZIP_STORED))) == (
        "the workbook would unpack to 100 MB, refused as a zip bomb", "展開すると 100 MB になるため、安全のため読みません")


def test_compression_ratio_limit_is_200_to_1_above_1_mb(made):
    parts = members(made.learner)
    # a megabyte of zeros compresses about 1000:1, but a member that small is let through
    assert read_data(zipped({**parts, "xl/media/pad.bin": bytes(MB)}), Path("x"))
    error = refusal(zipped({**parts, "xl/media/pad.bin": bytes(MB + 1)}))
    info = zipfile.ZipFile(io.BytesIO(zipped({"pad": bytes(MB + 1)}))).getinfo("pad")
    assert said(error) == (f"xl/media/pad.bin is compressed {(MB + 1) // info.compress_size}:1, refused as a zip bomb",
                           f"xl/media/pad.bin の圧縮率が {(MB + 1) // info.compress_size}:1 と異常なため、安全のため読みません")
    # 2 MB that compresses 100:1 (random bytes, then zeros) is a plausible file, not a bomb
    noise = random.Random(0).randbytes(2 * MB // 150)
    plausible = noise + bytes(2 * MB - len(noise))
    info = zipfile.ZipFile(io.BytesIO(zipped({"p": plausible}))).getinfo("p")
    ratio = info.file_size / info.compress_size
    assert 20 < ratio < 200
    assert read_data(zipped({**parts, "xl/media/pad.bin": plausible}), Path("x"))


def test_one_xml_part_is_limited_to_16_mb(made):
    parts = members(made.learner)
    sheet = "xl/worksheets/sheet2.xml"
    noise = random.Random(1).randbytes(9 * MB).hex().encode()  # compresses about 2:1 only
    room = 16 * MB - len(parts[sheet]) - len(b"<!---->")
    fits = parts[sheet].replace(b"<sheetData", b"<!--" + noise[:room] + b"--><sheetData")
    assert len(fits) == 16 * MB
    assert read_data(zipped({**parts, sheet: fits}), Path("x"))
    over = parts[sheet].replace(b"<sheetData", b"<!--" + noise[:room + 1] + b"--><sheetData")
    assert said(refusal(zipped({**parts, sheet: over}))) == (
        f"{sheet} would unpack to 16 MB, far more than a matchbox workbook holds (a padded file?)",
        f"{sheet} を展開すると 16 MB になり、matchbox のワークブックとしては大きすぎるため読みません")


def test_items_limit_is_100_000_of_each_kind(made):
    parts = members(made.learner)
    already = sum(d.count(b"<si>") + d.count(b"<si ") for d in parts.values())
    extra = "xl/extra.xml"
    strings = lambda n: b"<sst>" + b"".join(b"<si><t>%d</t></si>" % i for i in range(n)) + b"</sst>"
    assert read_data(zipped({**parts, extra: strings(100_000 - already)}), Path("x"))
    over = strings(100_001 - already)
    assert said(refusal(zipped({**parts, extra: over}))) == (
        f"the workbook holds more than 100,000 shared strings ({extra}), far more than a matchbox workbook; "
        "refused (a padded file?)",
        f"ワークブックの要素が 100,000 個を超えています({extra})。matchbox のワークブックとしては多すぎるため読みません")
    # a prefixed tag counts as well, and each kind of item has its name
    for tag, name in ((b"x:c", "cells"), (b"row", "rows"), (b"xf", "cell styles"), (b"comment", "comments")):
        padded = b"<a>" + (b"<" + tag + b"/>") * 100_001 + b"</a>"
        assert str(refusal(zipped({**parts, extra: padded}))).startswith(f"the workbook holds more than 100,000 {name} ")


def test_merged_and_linked_areas_are_limited_to_100_000_cells(made):
    parts = members(made.learner)
    sheet = "xl/worksheets/sheet2.xml"
    already = sum(_area(*m.groups()) for d in parts.values() for m in reader.RANGE.finditer(d))
    last = 1000 + 100_000 - already  # rows 1000..last of column A: the area left
    fits = parts[sheet].replace(b"<pageMargins", b'<hyperlinks><hyperlink ref="A1000:A%d" location="Work!A1"/>'
                                b"</hyperlinks><pageMargins" % (last - 1))
    assert read_data(zipped({**parts, sheet: fits}), Path("x"))
    over = parts[sheet].replace(b"<pageMargins", b'<hyperlinks><hyperlink ref="A1000:A%d" location="Work!A1"/>'
                                b"</hyperlinks><pageMargins" % last)
    assert said(refusal(zipped({**parts, sheet: over}))) == (
        f"{sheet} merges or links ranges of more than 100,000 cells, far more than a matchbox workbook; refused "
        "(a padded file?)",
        f"{sheet} が 100,000 個を超えるセルの範囲を結合・参照しています。matchbox のワークブックとしては多すぎるため読みません")


def test_the_size_of_a_range():
    assert _column(b"A") == 1 and _column(b"Z") == 26 and _column(b"AA") == 27 and _column(b"xfd") == 16384
    assert _area(b"B", b"2", None, None) == 1
    assert _area(b"A", b"1", b"C", b"4") == 12
    assert _area(b"C", b"4", b"A", b"1") == 12  # written backwards, the same cells


def test_entities_and_damaged_members(made):
    parts = members(made.learner)
    for declaration in (b"<!DOCTYPE x>", b"<!ENTITY x 'y'>"):
        bomb = {**parts, "xl/styles.xml": declaration + parts["xl/styles.xml"]}
        assert said(refusal(zipped(bomb))) == (
            "xl/styles.xml declares XML entities; refused as unsafe (entity bomb?)",
            "xl/styles.xml に XML エンティティの宣言があるため、安全のため読みません")
    data = bytearray(zipped(parts, zipfile.ZIP_STORED))
    at = data.find(b"<sheetData", data.find(b"xl/worksheets/sheet2.xml"))
    data[at:at + 10] = b"<sheetDatX"  # the stored bytes no longer match their CRC
    assert said(refusal(bytes(data))) == (
        "the workbook is damaged (xl/worksheets/sheet2.xml cannot be unpacked)",
        "ワークブックが壊れています(xl/worksheets/sheet2.xml を展開できません)")


def test_a_workbook_openpyxl_cannot_parse_is_damaged(made):
    parts = members(made.learner)
    error = refusal(zipped({**parts, "xl/workbook.xml": parts["xl/workbook.xml"].replace(b"<sheets>", b"<sheets")}))
    assert str(error).startswith("the workbook is damaged and cannot be read (")
    assert error.ja.startswith("ワークブックが壊れていて読めません(")


# --- formulas saved without their values ----------------------------------------------------------------------

def formulas(made, tmp_path, count) -> tuple[Path, list]:
    """The learner workbook with a formula (no saved value, as a script writes it) in its first `count`
    answer cells, and those cells in the workbook's order."""
    answers = list(answers_of(made.variant))[:count]
    plan = layout(made.variant.worksheet, "en")
    path = fill(made.learner, made.variant, "en", {n: "=1+1" for n in answers}, tmp_path / "formulas.xlsx")
    return path, [plan.home[n] for n in answers]


def test_formulas_without_values_are_listed_three_at_most(tmp_path, made, monkeypatch):
    path, cells = formulas(made, tmp_path, 4)
    listed = ", ".join(f"{p.sheet}!{p.cell}" for p in cells[:3]) + "..."
    with pytest.raises(WorkbookError) as caught:
        read_filled(path, recalculate=False)
    assert said(caught.value) == (
        f"4 answer cell(s) hold a formula with no saved value ({listed}); open the file in Excel or LibreOffice "
        "and save it again",
        f"解答欄 4 個の数式に値が保存されていません({listed})。Excel か LibreOffice で開いて保存し直してください")
    assert caught.value.lang == "en"  # the workbook's language, so `check` says it in the learner's
    path, cells = formulas(made, tmp_path, 3)
    with pytest.raises(WorkbookError) as caught:
        read_filled(path, recalculate=False)
    assert f"({', '.join(f'{p.sheet}!{p.cell}' for p in cells)});" in str(caught.value)


def test_formulas_without_values_after_recalculation_or_without_libreoffice(tmp_path, made, monkeypatch):
    path, cells = formulas(made, tmp_path, 1)
    where = f"{cells[0].sheet}!{cells[0].cell}"
    with pytest.raises(WorkbookError) as caught:
        read_data(path.read_bytes(), path, recalculated=True)
    assert said(caught.value) == (
        f"1 answer cell(s) hold a formula with no saved value ({where}), even after LibreOffice recalculated the "
        "workbook; open it in Excel or LibreOffice, check those formulas and save it again",
        f"解答欄 1 個の数式に値が保存されていません({where})。LibreOffice で再計算しても値が出ません。Excel か "
        "LibreOffice で開き、その数式を確かめて保存し直してください")
    monkeypatch.setattr(reader.shutil, "which", lambda name: None)
    with pytest.raises(WorkbookError) as caught:
        read_filled(path)
    assert said(caught.value) == (
        f"1 answer cell(s) hold a formula with no saved value ({where}): the file was saved by a program that "
        "does not calculate. Open it in Excel or LibreOffice and save it again, or install LibreOffice (soffice) "
        "so matchbox can recalculate it",
        f"解答欄 1 個の数式に値が保存されていません({where})。計算をしないプログラムで保存されたファイルです。Excel か "
        "LibreOffice で開いて保存し直すか、matchbox が再計算できるよう LibreOffice (soffice) をインストールしてください")
    assert caught.value.lang == "en"


def test_a_recalculated_workbook_is_graded_and_says_so(tmp_path, made, monkeypatch):
    path, _ = formulas(made, tmp_path, 2)
    answers = list(answers_of(made.variant))[:2]
    typed = fill(made.learner, made.variant, "en", {n: 2 for n in answers}, tmp_path / "typed.xlsx")
    monkeypatch.setattr(reader.shutil, "which", lambda name: "/usr/bin/soffice")
    sent = []
    monkeypatch.setattr(reader, "_recalculated", lambda data: sent.append(data) or typed.read_bytes())
    filled = read_filled(path)
    assert sent == [path.read_bytes()]
    assert filled.recalculated and filled.data == typed.read_bytes()
    assert [filled.values[n] for n in answers] == [2, 2]


def test_formulas_without_values_over_several_sheets(tmp_path):
    """Cells on two sheets, a sheet the workbook lacks, a sheet whose part is missing from the archive, and one
    the workbook names without saying where it is."""
    book = (b'<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="One" r:id="rId1"/><sheet name="Two" r:id="rId2"/><sheet name="Gone" r:id="rId3"/>'
            b'<sheet name="No id"/></sheets></workbook>')  # a sheet without its relationship is not searched
    rels = (b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            b'<Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/>'
            b'<Relationship Id="rId3" Target="worksheets/sheet3.xml"/></Relationships>')
    sheet = (b'<worksheet><sheetData><row r="1"><c r="A1"><f>1+1</f></c><c r="B1"><f>1+1</f><v>2</v></c>'
             b'<c r="C1"><f>2+2</f></c></row></sheetData></worksheet>')
    archive = zipfile.ZipFile(io.BytesIO(zipped({"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels,
                                                 "xl/worksheets/sheet1.xml": sheet,
                                                 "xl/worksheets/sheet2.xml": sheet})))
    assert _sheet_parts(archive) == {"One": "xl/worksheets/sheet1.xml", "Two": "xl/worksheets/sheet2.xml",
                                     "Gone": "xl/worksheets/sheet3.xml"}
    asked = [SimpleNamespace(sheet=s, cell=c) for s in ("Gone", "Nowhere", "One", "Two") for c in ("A1", "B1", "C1")]
    found = formulas_without_values(archive, asked)
    assert [(p.sheet, p.cell) for p in found] == [("One", "A1"), ("One", "C1"), ("Two", "A1"), ("Two", "C1")]
    # only the cells asked about are reported
    assert [(p.sheet, p.cell) for p in formulas_without_values(archive, asked[8:9])] == [("One", "C1")]


def test_a_workbook_without_its_relationships_is_not_searched():
    archive = zipfile.ZipFile(io.BytesIO(zipped({"xl/workbook.xml": b"<workbook/>"})))
    assert _sheet_parts(archive) == {}


def unvalued(sheet_xml: bytes) -> list[str]:
    return _unvalued_formulas(zipfile.ZipFile(io.BytesIO(zipped({"s.xml": sheet_xml}))), "s.xml")


def test_which_formulas_have_no_saved_value():
    assert unvalued(b'<row r="3"><c r="B3"><f>1</f><v>1</v></c><c r="C3"><f>1</f><v></v></c>'
                    b'<c r="D3"><f>1</f><v/></c><c r="E3" t="inlineStr"><f>1</f><is><t>a</t></is></c>'
                    b'<c r="F3" t="str"><f>1</f><v></v></c><c r="G3" t="str"><f>1</f></c>'
                    b'<c r="H3"><v>5</v></c><c r="I3"/></row>') == ["C3", "D3", "G3"]
    # rows and cells without their address count on from the last one; a prefixed namespace reads the same
    assert unvalued(b'<x:row r="2"><x:c r="C2"><x:f>1</x:f></x:c></x:row><x:row><x:c><x:f>1</x:f></x:c>'
                    b"<x:c><x:f>1</x:f><x:v>3</x:v></x:c><x:c><x:f>1</x:f></x:c></x:row>") == ["C2", "A3", "C3"]
    assert unvalued(b"<row/><row><c><f>1</f></c></row>") == ["A2"]
    assert unvalued(b'<row r="1"><c r="$AB$7"><f>1</f></c></row>') == ["AB7"]


def test_libreoffice_recalculates_in_a_private_folder_it_leaves_clean(tmp_path, monkeypatch):
    """_recalculated with a stand-in for soffice that copies the file across and notes how it was called."""
    calls = []

    def soffice(args, capture_output, timeout, check):
        assert capture_output  # LibreOffice's own messages never reach matchbox's output (`check --json`)
        calls.append(args)
        out = Path(args[args.index("--outdir") + 1])
        out.mkdir(parents=True)
        (out / "workbook.xlsx").write_bytes(Path(args[-1]).read_bytes() + b" recalculated")
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(reader.subprocess, "run", soffice)
    monkeypatch.setattr(reader.tempfile, "tempdir", str(tmp_path))
    assert reader._recalculated(b"bytes") == b"bytes recalculated"
    (args,) = calls
    assert args[0] == "soffice" and args[1].startswith(f"-env:UserInstallation=file://{tmp_path}/matchbox-recalc-")
    assert args[2:7] == ["--headless", "--norestore", "--convert-to", "xlsx", "--outdir"]
    assert args[-1].endswith("/in/workbook.xlsx")
    assert list(tmp_path.iterdir()) == []  # the private folder is gone

    def missing(*args, **kwargs):
        raise FileNotFoundError("soffice")

    monkeypatch.setattr(reader.subprocess, "run", missing)
    with pytest.raises(WorkbookError) as caught:
        reader._recalculated(b"bytes")
    assert said(caught.value) == (
        "answer cells hold formulas with no saved value and LibreOffice could not recalculate them; open the file "
        "in Excel or LibreOffice and save it again",
        "解答欄の数式に値が保存されておらず、LibreOffice でも再計算できませんでした。Excel か LibreOffice で開いて保存し"
        "直してください")
    assert list(tmp_path.iterdir()) == []


def test_the_path_the_copies_and_a_marker_in_the_properties_alone(tmp_path, made):
    filled = read_filled(made.learner)
    assert filled.path == made.learner
    sheets = openpyxl.load_workbook(made.learner, data_only=True)  # the values, as the reader reads them
    assert filled.copies and all(value == sheets[sheet][cell].value for _, sheet, cell, value in filled.copies)
    # the matchbox sheet deleted, the document property kept: the workbook is still ours
    wb = openpyxl.load_workbook(made.learner)
    del wb["matchbox"]
    wb.save(tmp_path / "prop-only.xlsx")
    assert read_filled(tmp_path / "prop-only.xlsx").variant.id == made.variant.id
    # the sheet kept but emptied, and no property: nothing stored
    wb = openpyxl.load_workbook(made.learner)
    wb["matchbox"]["A2"] = None
    wb.custom_doc_props.props.clear()
    wb.save(tmp_path / "emptied.xlsx")
    assert str(refusal(tmp_path / "emptied.xlsx")) == reader.NOT_OURS


def test_entities_in_a_relationships_part_are_refused(made):
    parts = members(made.learner)
    rels = "xl/_rels/workbook.xml.rels"
    assert str(refusal(zipped({**parts, rels: b"<!DOCTYPE x>" + parts[rels]}))) == \
        f"{rels} declares XML entities; refused as unsafe (entity bomb?)"


def test_a_damage_openpyxl_does_not_describe_is_named_by_its_kind(made, monkeypatch):
    import openpyxl as module

    def fails(*args, **kwargs):
        raise KeyError()

    monkeypatch.setattr(module, "load_workbook", fails)
    assert said(refusal(made.learner)) == ("the workbook is damaged and cannot be read (KeyError)",
                                           "ワークブックが壊れていて読めません(KeyError)")


# --- the second round: what the parameters say, old keys, links, a folder left behind --------------------------
# These work on the archive's bytes (no openpyxl round trip in the test), so that they stay among the fastest
# tests of the functions they reach: the mutation runs try only the fastest 30 of each function.

def edited(src: Path, old: bytes, new: bytes) -> bytes:
    """The workbook with its stored parameters edited as text, in both places they are kept (the document
    property and the matchbox sheet)."""
    parts = members(src)
    where = [name for name, data in parts.items() if old in data]
    assert sorted(where) == ["docProps/custom.xml", "xl/worksheets/sheet3.xml"]
    return zipped({name: data.replace(old, new) for name, data in parts.items()})


def test_parameters_from_a_newer_or_incomplete_matchbox_are_refused_in_the_workbooks_language(made):
    """from_meta's own refusals (not WorkbookErrors) reach the user whole, in both languages, and say which
    language the workbook is in, so that `check` shows a Japanese learner the Japanese line."""
    error = refusal(edited(made.learner_ja, b'"format": 1,', b'"format": 99,'))
    assert said(error) == ("the workbook was made by a newer matchbox (format 99); upgrade matchbox",
                           "新しい matchbox で作られたワークブックです(形式 99)。matchbox を更新してください")
    assert error.lang == "ja"
    error = refusal(edited(made.learner_ja, b'"kind": "matchbox", ', b""))
    assert said(error) == ("the workbook's stored matchbox parameters are incomplete",
                           "ワークブックに保存された matchbox のパラメータが不完全です")
    assert error.lang == "ja"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_answer_key_from_before_keys_said_so_is_known_by_its_title(made, lang):
    """A key whose stored parameters lack "key": true (written by an older matchbox) is still refused, by the
    title it prints in its own language."""
    error = refusal(edited(made.key_ja if lang == "ja" else made.key, b'"key": true, ', b""))
    assert said(error) == ("this is the answer key, not a learner's workbook",
                           "これは模範解答のファイルで、受講者のワークブックではありません")
    assert error.lang == lang


def test_a_formula_without_its_value_is_told_in_the_workbooks_language(made, monkeypatch):
    """A Japanese workbook saved with a formula and no value: each way of refusing it says so in Japanese (and
    says the workbook is Japanese, so that `check` prints the Japanese line)."""
    data = made.formula_ja.read_bytes()
    where = f"{made.formula_cell.sheet}!{made.formula_cell.cell}"
    with pytest.raises(WorkbookError) as caught:
        read_data(data, made.formula_ja, recalculate=False)
    assert caught.value.ja == f"解答欄 1 個の数式に値が保存されていません({where})。Excel か LibreOffice で開いて保存し直してください"
    assert caught.value.lang == "ja"
    monkeypatch.setattr(reader.shutil, "which", lambda name: None)  # no LibreOffice to recalculate it
    with pytest.raises(WorkbookError) as caught:
        read_data(data, made.formula_ja)
    assert caught.value.ja == (
        f"解答欄 1 個の数式に値が保存されていません({where})。計算をしないプログラムで保存されたファイルです。Excel か "
        "LibreOffice で開いて保存し直すか、matchbox が再計算できるよう LibreOffice (soffice) をインストールしてください")
    assert caught.value.lang == "ja"


def test_a_link_to_another_workbook_does_not_stop_reading(made):
    """A learner who copied cells from another workbook leaves an external reference behind, and its part may be
    missing (some programs drop the other file's cached copy). The cells' saved values are what is graded: the
    link is not followed, and the workbook reads as it does without it."""
    parts = members(made.learner)
    linked = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rId99"/></externalReferences>')
    assert linked != parts["xl/workbook.xml"]
    read = reader.load(zipped({**parts, "xl/workbook.xml": linked}))
    plain = openpyxl.load_workbook(made.learner, data_only=True)
    assert read.sheetnames == plain.sheetnames
    for name in plain.sheetnames:
        assert [[c.value for c in row] for row in read[name].iter_rows()] == \
            [[c.value for c in row] for row in plain[name].iter_rows()]


def test_a_temporary_folder_that_cannot_be_removed_does_not_lose_the_recalculated_workbook(tmp_path, monkeypatch):
    """LibreOffice may still hold its private folder when matchbox cleans up (a lingering process): the workbook
    it wrote is graded all the same, and the folder is left for the system to clear."""
    import errno
    import os

    def soffice(args, capture_output, timeout, check):
        out = Path(args[args.index("--outdir") + 1])
        out.mkdir(parents=True)
        (out / "workbook.xlsx").write_bytes(b"recalculated")
        return SimpleNamespace(returncode=0)

    def busy(path, *args, **kwargs):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(path))

    monkeypatch.setattr(reader.subprocess, "run", soffice)
    monkeypatch.setattr(reader.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(os, "rmdir", busy)
    assert reader._recalculated(b"bytes") == b"recalculated"
    monkeypatch.undo()
    (left,) = tmp_path.iterdir()
    assert left.name.startswith("matchbox-recalc-")


# --- the third round (the survivors of a fresh sample, seed 2): each rule alone, on small crafted archives -------

def declaring(data: bytes, name: str, size: int) -> bytes:
    """The archive with the size its directory declares for `name` changed to `size` (a crafted file may claim
    anything; the limits go by what is declared, before anything is unpacked)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(out[at + 28:at + 30], "little")
        if out[at + 46:at + 46 + length] == name.encode():
            out[at + 24:at + 28] = size.to_bytes(4, "little")
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} is not in the archive")


def bare(**extra: bytes) -> dict[str, bytes]:
    """The least an archive needs to be taken for a matchbox workbook by the checks before openpyxl."""
    return {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b'<workbook><sheets><sheet name="matchbox"/>'
            b"</sheets></workbook>", **extra}


def test_a_declared_size_over_100_mb_is_refused_before_unpacking():
    data = declaring(zipped(bare(**{"xl/media/image1.png": b"x" * 10})), "xl/media/image1.png", 150 * MB)
    assert said(refusal(data)) == ("the workbook would unpack to 150 MB, refused as a zip bomb",
                                   "展開すると 150 MB になるため、安全のため読みません")


def test_a_part_declared_over_16_mb_is_refused_before_unpacking():
    sheet = "xl/worksheets/sheet1.xml"
    # 100 KB stored, declared 17 MB: 174:1, under the ratio limit, so only the part's own limit stops it
    data = declaring(zipped(bare(**{sheet: b"<worksheet/>" + b" " * 100_000}), zipfile.ZIP_STORED), sheet, 17 * MB)
    assert said(refusal(data)) == (
        f"{sheet} would unpack to 17 MB, far more than a matchbox workbook holds (a padded file?)",
        f"{sheet} を展開すると 17 MB になり、matchbox のワークブックとしては大きすぎるため読みません")


def test_the_marker_is_found_in_a_part_of_16_mb_exactly():
    """A part at the limit is read, marker included (one byte more and it would be refused for its size)."""
    marked = b'<Properties><property name="matchbox"/></Properties>'
    props = marked + b" " * (16 * MB - len(marked))
    archive = reader.open_zip(zipped({**bare(), "xl/workbook.xml": b"<workbook/>", "docProps/custom.xml": props},
                                     zipfile.ZIP_STORED))
    assert archive.getinfo("docProps/custom.xml").file_size == 16 * MB


def test_a_zip_with_a_workbook_but_no_matchbox_marker_is_foreign():
    assert said(refusal(zipped(bare(**{"xl/workbook.xml": b"<workbook/>"})))) == (
        reader.NOT_OURS, "matchbox のワークブックではありません(matchbox のデータがありません。`matchbox generate` で作ったもの"
        "ですか?)")


def test_items_are_counted_one_by_one_up_to_100_000():
    reader.open_zip(zipped(bare(**{"xl/extra.xml": b"<a>" + b"<c/>" * 100_000 + b"</a>"})))  # the limit: read
    assert said(refusal(zipped(bare(**{"xl/extra.xml": b"<a>" + b"<c/>" * 100_001 + b"</a>"})))) == (
        "the workbook holds more than 100,000 cells (xl/extra.xml), far more than a matchbox workbook; refused "
        "(a padded file?)",
        "ワークブックの要素が 100,000 個を超えています(xl/extra.xml)。matchbox のワークブックとしては多すぎるため読みません")


def test_openpyxls_reason_is_its_first_line_cut_at_120_characters(made, monkeypatch):
    import openpyxl as module

    def fails(*args, **kwargs):
        raise ValueError("y" * 130 + "\nthe rest of a long traceback")

    monkeypatch.setattr(module, "load_workbook", fails)
    assert said(refusal(made.learner.read_bytes())) == (
        f"the workbook is damaged and cannot be read ({'y' * 120})", f"ワークブックが壊れていて読めません({'y' * 120})")


def a_matchbox_sheet(blob) -> bytes:
    """A workbook whose only sheet is named matchbox, with `blob` where the parameters go (no document property)."""
    wb = openpyxl.Workbook()
    wb.active.title = "matchbox"
    wb.active["A2"] = blob
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_what_the_matchbox_sheet_holds_when_it_holds_no_parameters():
    assert said(refusal(a_matchbox_sheet(None))) == (
        reader.NOT_OURS, "matchbox のワークブックではありません(matchbox のデータがありません。`matchbox generate` で作ったもの"
        "ですか?)")
    damaged = ("the workbook's stored matchbox parameters are damaged", "ワークブックに保存された matchbox のパラメータが壊れています")
    assert said(refusal(a_matchbox_sheet("{not json"))) == damaged
    assert said(refusal(a_matchbox_sheet("[1, 2]"))) == damaged


def test_parameters_of_a_million_characters_are_parsed_and_one_more_are_not():
    """In the document property (a cell keeps 32,767 characters at most): a million characters are parsed (and
    found incomplete here: no kind, no seed...); one more is refused unparsed."""
    from openpyxl.packaging.custom import StringProperty

    def stored(blob: str) -> bytes:
        wb = openpyxl.Workbook()
        wb.custom_doc_props.append(StringProperty(name="matchbox", value=blob))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    assert said(refusal(stored("{" + " " * 999_998 + "}"))) == (
        "the workbook's stored matchbox parameters are incomplete", "ワークブックに保存された matchbox のパラメータが不完全です")
    assert said(refusal(stored("{" + " " * 999_999 + "}"))) == (
        "the workbook's stored matchbox parameters are damaged (far too long)", "ワークブックに保存された matchbox のパラメータが壊れています")


def test_a_key_whose_title_lost_its_mark_is_refused_by_its_stored_flag(made):
    """The stored "key": true alone refuses a key (its title edited, say), in the key's language."""
    parts = members(made.key_ja)
    mark = " — 模範解答".encode()
    assert any(mark in data for data in parts.values())
    error = refusal(zipped({name: data.replace(mark, b"") for name, data in parts.items()}))
    assert said(error) == ("this is the answer key, not a learner's workbook",
                           "これは模範解答のファイルで、受講者のワークブックではありません")
    assert error.lang == "ja"


def test_the_learner_stored_in_the_parameters_and_the_path_given(made):
    filled = read_data(edited(made.learner, b'"kind": ', b'"learner": "Grace", "kind": '), Path("grace.xlsx"))
    assert filled.learner == "Grace" and filled.path == Path("grace.xlsx")


def test_a_typed_name_is_kept_to_80_characters(made):
    assert read_data(made.named.read_bytes(), made.named).learner == ("Ada Lovelace " * 10).strip()[:80]


def test_the_copies_hold_the_values_of_their_cells(made):
    filled = read_data(made.learner.read_bytes(), made.learner)
    sheets = openpyxl.load_workbook(made.learner, data_only=True)
    assert filled.copies and [value for *_, value in filled.copies] == \
        [sheets[sheet][cell].value for _, sheet, cell, _ in filled.copies]


def test_a_formula_in_a_givens_cell_is_not_an_answer_without_a_value(made):
    """A learner who typed a formula over a given, saved by a program that does not calculate: the refusal is
    about answer cells, and this is none, so the workbook reads."""
    filled = read_data(made.given_formula.read_bytes(), made.given_formula, recalculate=False)
    assert filled.values[made.given] is None


def test_four_formulas_without_values_list_three_and_dots(made):
    listed = ", ".join(f"{p.sheet}!{p.cell}" for p in made.four_cells[:3])
    with pytest.raises(WorkbookError) as caught:
        read_data(made.four_formulas.read_bytes(), made.four_formulas, recalculate=False)
    assert str(caught.value) == (f"4 answer cell(s) hold a formula with no saved value ({listed}...); open the file "
                                 "in Excel or LibreOffice and save it again")


def test_libreoffice_on_the_path_recalculates(made, tmp_path, monkeypatch):
    """An executable named soffice (LibreOffice's) on the PATH: the workbook is recalculated and graded."""
    (tmp_path / "soffice").write_text("#!/bin/sh\n")
    (tmp_path / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(reader, "_recalculated", lambda data: made.typed_ja.read_bytes())
    filled = read_data(made.formula_ja.read_bytes(), made.formula_ja)
    assert filled.recalculated and filled.data == made.typed_ja.read_bytes()


# --- the fourth round (a fresh sample, seed 3) -----------------------------------------------------------------

def test_a_foreign_workbook_is_told_so_before_its_size_whatever_its_sheets_say():
    """Only the sheet list and the document properties can mark a workbook as matchbox's: the same words in a
    sheet of a large foreign workbook do not, and it is told it is foreign before its items are counted."""
    sheet = b'<worksheet><x name="matchbox"/>' + b"<c/>" * 100_001 + b"</worksheet>"
    data = zipped(bare(**{"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet}))
    assert str(refusal(data)) == reader.NOT_OURS


def test_a_renamed_sheet_is_graded_and_the_learner_told(made):
    parts = members(made.learner)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="Work"', b'name="Sheet9"')
    filled = read_data(zipped(parts), Path("renamed.xlsx"))
    assert [(n["code"], n["en"]) for n in filled.notes] == [
        ("sheet-renamed", "There is no sheet named 'Work'; the sheet 'Sheet9', which holds its tables, was graded in "
                          "its place.")]
