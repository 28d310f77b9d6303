"""Files that are not a learner's workbook, or are dangerous: each exits 2 with one line, no traceback,
in bounded time and memory, and the file is left exactly as it was."""
import hashlib
import io
import json
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import make_workbooks, run_cli


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    _, learner, _ = make_workbooks(tmp_path_factory.mktemp("good"), "matchbox", 3, "en")
    return learner


def rewrite(src: Path, dst: Path, change=None, extra=None) -> Path:
    """A copy of the workbook's zip with members changed (name -> bytes -> bytes) or added."""
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name in zin.namelist():
            data = zin.read(name)
            z.writestr(name, change(name, data) if change else data)
        if extra:
            extra(z)
    return dst


def billion_laughs(name, data):
    if name != "xl/workbook.xml":
        return data
    lol = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
        + b"]>")
    if data.startswith(b"<?xml"):
        head, rest = data.split(b"?>", 1)
        return head + b"?>" + lol + rest
    return lol + data


def zeros(z):
    with z.open("xl/worksheets/sheet9.xml", "w") as f:  # 300 MB of zeros, a few hundred KB compressed
        chunk = b"\0" * (1 << 20)
        for _ in range(300):
            f.write(chunk)


def edit_meta(path: Path, dst: Path, edit) -> Path:
    wb = openpyxl.load_workbook(path)
    meta = json.loads(wb["matchbox"]["A2"].value)
    edit(meta)
    blob = json.dumps(meta)
    wb["matchbox"]["A2"] = blob
    for prop in wb.custom_doc_props.props:
        if prop.name == "matchbox":
            prop.value = blob
    wb.save(dst)
    return dst


def ods(tmp, good):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    (tmp / "x.xlsx").write_bytes(b.getvalue())
    return tmp / "x.xlsx"


def foreign(tmp, good):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 3
    wb.save(tmp / "x.xlsx")
    return tmp / "x.xlsx"


def no_meta(tmp, good):
    wb = openpyxl.load_workbook(good)
    del wb["matchbox"]
    wb.custom_doc_props.props.clear()
    wb.save(tmp / "x.xlsx")
    return tmp / "x.xlsx"


def meta_text(edit):
    """The stored parameters, as JSON text, replaced by edit(text): a hand edit that skips our writer."""
    def build(tmp, good):
        wb = openpyxl.load_workbook(good)
        blob = edit(wb["matchbox"]["A2"].value)
        wb["matchbox"]["A2"] = blob
        for prop in wb.custom_doc_props.props:
            if prop.name == "matchbox":
                prop.value = blob
        wb.save(tmp / "x.xlsx")
        return tmp / "x.xlsx"
    return build


def member(name: str, edit):
    """A copy of the good workbook with one zip member's bytes edited."""
    def build(tmp, good):
        return rewrite(good, tmp / "x.xlsx", lambda n, data: edit(data) if n == name else data)
    return build


WORK_SHEET = "xl/worksheets/sheet2.xml"  # the Work sheet, as our writer orders the sheets


def padded(data: bytes) -> bytes:
    """150,000 more cells below the table: a few MB of XML that openpyxl would turn into objects one by one."""
    cells = (b"V", b"W", b"X", b"Y", b"Z")
    rows = b"".join(b'<row r="%d">%s</row>' % (r, b"".join(b'<c r="%s%d"><v>1</v></c>' % (c, r) for c in cells))
                    for r in range(1000, 31000))
    return data.replace(b"</sheetData>", rows + b"</sheetData>")


def disguised(how: str, pad: bool):
    """The Work sheet as openpyxl still reads it but a check by name or by UTF-8 bytes would miss: renamed
    `sheet2.dat` (the links and content types told), or saved in UTF-16; with 150,000 more cells or not."""
    def build(tmp, good):
        zin = zipfile.ZipFile(good)
        with zipfile.ZipFile(tmp / "x.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
            for name in zin.namelist():
                data = zin.read(name)
                if name == WORK_SHEET:
                    data = padded(data) if pad else data
                    if how == "utf-16":
                        data = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
                if how == "renamed":
                    data = data.replace(b"worksheets/sheet2.xml", b"worksheets/sheet2.dat")
                    name = name.replace("sheet2.xml", "sheet2.dat")
                z.writestr(name, data)
        return tmp / "x.xlsx"
    return build


def foreign_and_padded(tmp, good):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(tmp / "small.xlsx")
    return rewrite(tmp / "small.xlsx", tmp / "x.xlsx",
                   lambda n, data: padded(data) if n == "xl/worksheets/sheet1.xml" else data)


def huge_part(tmp, good):
    noise = random.Random(1).randbytes(13 * 2**20).hex().encode()[: 17 * 2**20]  # does not compress much
    return member(WORK_SHEET, lambda data: data.replace(b"<sheetData", b"<!--" + noise + b"--><sheetData"))(tmp, good)


def sheet_deleted(tmp, good):
    wb = openpyxl.load_workbook(good)
    del wb["Work"]
    wb.save(tmp / "x.xlsx")
    return tmp / "x.xlsx"


def write(data: bytes):
    def build(tmp, good):
        (tmp / "x.xlsx").write_bytes(data)
        return tmp / "x.xlsx"
    return build


CASES = {
    "missing file": (lambda tmp, good: tmp / "nothing.xlsx", "no such file"),
    "empty file": (write(b""), "empty"),
    "random bytes": (write(random.Random(0).randbytes(4096)), "not an .xlsx"),
    "csv renamed": (write("name,score\n山田,3\n".encode()), "CSV"),
    "legacy xls": (write(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 2000), "legacy .xls"),
    "encrypted": (write(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le")
                        + b"\0" * 500), "password"),
    "ods renamed": (ods, "OpenDocument"),
    "foreign workbook": (foreign, "not a matchbox workbook"),
    "truncated download": (lambda tmp, good: write(good.read_bytes()[: good.stat().st_size // 2])(tmp, good),
                           "damaged or truncated"),
    "entity bomb": (lambda tmp, good: rewrite(good, tmp / "x.xlsx", billion_laughs), "entities"),
    "zip bomb": (lambda tmp, good: rewrite(good, tmp / "x.xlsx", extra=zeros), "zip bomb"),
    "parameters altered": (lambda tmp, good: edit_meta(good, tmp / "x.xlsx",
                                                       lambda m: m["params"].update(threshold=9)), "altered"),
    "parameters removed": (lambda tmp, good: edit_meta(good, tmp / "x.xlsx", lambda m: m.pop("params")),
                           "incomplete"),
    "no matchbox data": (no_meta, "not a matchbox workbook"),
    # (a renamed sheet is found by its content and graded: tests/test_find_by_labels.py)
    "a folder": (lambda tmp, good: tmp, "folder"),
    # JSON reads 1e999 as infinity, which no integer holds; the digest covers params, not the seed
    "seed 1e999": (meta_text(lambda t: t.replace('"seed": 3', '"seed": 1e999')), "incomplete"),
    "format 1e999": (meta_text(lambda t: t.replace('"format": 1', '"format": 1e999')), "incomplete"),
    "parameters nested 100,000 deep": (meta_text(lambda t: "[" * 100_000 + "]" * 100_000), "damaged"),
    "sheet deleted": (sheet_deleted, "sheet 'Work' is missing"),
    "padded with 150,000 cells": (member(WORK_SHEET, padded), "more than 100,000 cells"),
    # openpyxl follows the links, not the names, and reads UTF-16: the limits look at what it will parse
    "a sheet renamed .dat, padded": (disguised("renamed", pad=True), "more than 100,000 cells"),
    "a sheet in UTF-16, padded": (disguised("utf-16", pad=True), "more than 100,000 cells"),
    "a merged range of the whole sheet": (member(WORK_SHEET, lambda d: d.replace(
        b"</mergeCells>", b'<mergeCell ref="A1000:XFD1048576"/></mergeCells>')), "merges or links ranges"),
    "a hyperlink over the whole sheet": (member(WORK_SHEET, lambda d: d.replace(
        b"<pageMargins", b'<hyperlinks><hyperlink ref="A1:XFD1048576" location="Work!A1"/></hyperlinks>'
                         b"<pageMargins")), "merges or links ranges"),
    "150,000 shared strings": (lambda tmp, good: rewrite(good, tmp / "x.xlsx", extra=lambda z: z.writestr(
        "xl/sharedStrings.xml", b"<sst>" + b"".join(b"<si><t>%d</t></si>" % i for i in range(150_000)) + b"</sst>")),
                               "more than 100,000 shared strings"),
    "one part of 17 MB": (huge_part, "would unpack to 17 MB"),
    # each zip limit with a file that only it stops (the 300 MB bomb above is stopped by more than one)
    "1,001 members of one byte": (lambda tmp, good: rewrite(good, tmp / "x.xlsx", extra=lambda z: [
        z.writestr(f"xl/media/pad{i}.bin", b"x") for i in range(1001)]), "files, too many for a workbook"),
    "101 members of 1 MB": (lambda tmp, good: rewrite(good, tmp / "x.xlsx", extra=lambda z: [
        z.writestr(f"xl/media/pad{i}.bin", bytes(2**20)) for i in range(101)]), "unpack to 101 MB, refused as a zip"),
    "one member of 2 MB compressed 1000:1": (lambda tmp, good: rewrite(good, tmp / "x.xlsx", extra=lambda z: z.writestr(
        "xl/media/pad.bin", bytes(2 * 2**20))), ":1, refused as a zip bomb"),
    "a foreign workbook padded": (foreign_and_padded, "not a matchbox workbook"),  # refused before counting
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_exits_2_with_one_line(tmp_path, good, case):
    build, words = CASES[case]
    path = build(tmp_path, good)
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    r = run_cli("check", path, timeout=60)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"matchbox: {path}: "), r.stderr
    assert words in r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    if before:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # and in --json, the same problem as the file's error
    r = run_cli("check", path, "--json", timeout=60)
    assert r.returncode == 2 and words in json.loads(r.stdout)["error"]


def test_a_file_name_cannot_break_the_line(tmp_path, good):
    """A name with a newline is shown escaped: still one line, and no forged second one."""
    path = tmp_path / "a\nmatchbox: fake.xlsx"
    path.write_bytes(b"")
    r = run_cli("check", path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"matchbox: {tmp_path}/a\\nmatchbox: fake.xlsx: the file is empty")


@pytest.mark.parametrize("how", ["renamed", "utf-16"])
def test_a_disguised_sheet_is_read_when_it_is_honest(tmp_path, good, how):
    """The same disguises without the padding: openpyxl reads them, so matchbox grades them as the original
    (the padded ones above are refused because of their cells, not their disguise)."""
    path = disguised(how, pad=False)(tmp_path, good)
    with zipfile.ZipFile(path) as z:
        assert ("xl/worksheets/sheet2.dat" in z.namelist()) == (how == "renamed")
    original, r = run_cli("check", good, "--json"), run_cli("check", path, "--json")
    assert r.returncode == original.returncode, r.stderr
    assert json.loads(r.stdout)["score"] == json.loads(original.stdout)["score"]


def test_which_members_may_be_xml_is_told_by_their_first_bytes():
    """XML's own ways to begin (appendix F of the XML 1.0 recommendation): a byte order mark, "<" in UTF-16
    or UTF-32, or blanks then "<"; a PNG or a run of zeros is no XML, a name ending .xml is checked anyway."""
    from matchbox.workbook.xmlparts import as_utf8, encoding, xml_parts
    text = '<?xml version="1.0"?><c>山</c>'
    for name in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
        data = text.encode(name)
        assert as_utf8(data, encoding(data[:8])).decode().lstrip("\ufeff") == text, name
    assert encoding(b"\n \t<worksheet/>") == "utf-8" and encoding(b" " * 100) == "utf-8"
    assert encoding(b"\x89PNG\r\n\x1a\n") is None and encoding(b"\0" * 8) is None and encoding(b"") is None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.xml", b"\x89PNG")  # by its name
        z.writestr("b.png", b"\x89PNG")
        z.writestr("c.bin", "<x/>".encode("utf-16"))
        z.writestr("d/", b"")
    with zipfile.ZipFile(buffer) as z:
        assert [(i.filename, e) for i, e in xml_parts(z, z.infolist())] == [("a.xml", "utf-8"), ("c.bin", "utf-16")]
