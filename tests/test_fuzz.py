"""Fuzzing `check` with real matchbox workbooks, mutated every way a file gets damaged or edited: bytes
flipped, zip members dropped, duplicated, truncated or replaced, XML attributes and text altered, cells set to
text, dates, errors, huge numbers. Whatever happens, `check` grades or refuses: exit 0, 1 or 2, never a
traceback, and on 2 exactly one line on stderr.

Examples are bounded (and derandomized, so CI is repeatable); MATCHBOX_FUZZ_EXAMPLES=2000 runs longer.
"""
import datetime
import inspect
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchbox.cli import main
from matchbox.workbook.layout import layout

from conftest import answers_of, fill, make_workbooks

EXAMPLES = int(os.environ.get("MATCHBOX_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """A filled matchbox workbook (en) and a filled perceptron workbook (ja), as bytes."""
    tmp = tmp_path_factory.mktemp("fuzz")
    out = {}
    for kind, lang in (("matchbox", "en"), ("perceptron", "ja")):
        v, learner, _ = make_workbooks(tmp, kind, 3, lang)
        path = fill(learner, v, lang, answers_of(v), tmp / f"{kind}-filled.xlsx")
        out[kind] = (v, lang, path.read_bytes())
    return out


def runner() -> CliRunner:
    kwargs = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**kwargs)


def assert_checks_cleanly(data: bytes, *extra: str) -> None:
    """`extra` options may name files as {tmp}/NAME: they go to the same temporary folder, never the checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        extra = tuple(e.format(tmp=tmp) for e in extra)
        path = Path(tmp) / "w.xlsx"
        path.write_bytes(data)
        # No LibreOffice here: a mutation that leaves a formula without its value must be refused in one
        # line, quickly, rather than recalculated.
        with mock.patch("matchbox.workbook.reader.shutil.which", return_value=None):
            result = runner().invoke(main, ["check", str(path), *extra], catch_exceptions=True)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
        assert "Traceback" not in result.output + result.stderr
        assert "internal error" not in result.stderr, result.stderr
        if result.exit_code == 2:
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("matchbox: "), result.stderr
        assert path.read_bytes() == data  # never written


def members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return [(i, z.read(i)) for i in z.infolist()]


def rezip(parts: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts:
            z.writestr(name, content)
    return out.getvalue()


KINDS = st.sampled_from(["matchbox", "perceptron"])


@FUZZ
@given(kind=KINDS, flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                                  min_size=1, max_size=8))
def test_bytes_flipped(originals, kind, flips):
    data = bytearray(originals[kind][2])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    assert_checks_cleanly(bytes(data))


@FUZZ
@given(kind=KINDS, op=st.sampled_from(["drop", "duplicate", "truncate", "garbage", "empty"]),
       which=st.floats(0, 1, exclude_max=True), cut=st.floats(0, 1), garbage=st.binary(max_size=200))
def test_zip_members_damaged(originals, kind, op, which, cut, garbage):
    parts = [(i.filename, content) for i, content in members(originals[kind][2])]
    k = int(which * len(parts))
    name, content = parts[k]
    if op == "drop":
        del parts[k]
    elif op == "duplicate":
        parts.insert(k, (name, content))
    elif op == "truncate":
        parts[k] = (name, content[: int(cut * len(content))])
    elif op == "garbage":
        parts[k] = (name, garbage)
    else:
        parts[k] = (name, b"")
    with pytest.warns(UserWarning) if op == "duplicate" else _nothing():
        data = rezip(parts)
    assert_checks_cleanly(data)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


ATTRIBUTE = re.compile(rb'="([^"]*)"')
TEXT = re.compile(rb">([^<]+)<")
REPLACEMENTS = st.sampled_from([b"", b"-1", b"0", b"99999999", b"1e309", b"XFD1048576", b"A0", b"nan", b"#REF!",
                                b"\xe3\x81\x82", b"&amp;", b"s", b"e", b"str", b"inlineStr", b"A1:XFD1048576"])


@FUZZ
@given(kind=KINDS, which=st.floats(0, 1, exclude_max=True), where=st.floats(0, 1, exclude_max=True),
       target=st.sampled_from(["attribute", "text", "slice"]), new=REPLACEMENTS)
def test_xml_altered(originals, kind, which, where, target, new):
    parts = [(i.filename, content) for i, content in members(originals[kind][2])]
    xml = [k for k, (name, _) in enumerate(parts) if name.endswith((".xml", ".rels"))]
    k = xml[int(which * len(xml))]
    name, content = parts[k]
    if target == "slice":
        start = int(where * len(content))
        content = content[:start] + new + content[start + 40:]
    else:
        found = list((ATTRIBUTE if target == "attribute" else TEXT).finditer(content))
        if found:
            m = found[int(where * len(found))]
            content = content[: m.start(1)] + new + content[m.end(1):]
    parts[k] = (name, content)
    assert_checks_cleanly(rezip(parts))


CELL_VALUES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
    st.sampled_from(["#DIV/0!", "#VALUE!", "=1/0", "=A1", "１２", "－０．５", "1,5", "1e999"]),
    st.floats(allow_nan=True, allow_infinity=False), st.integers(-10**30, 10**30),
    st.sampled_from([1e308, -1e308, 5e-324, True, False]),
    st.dates(datetime.date(1900, 3, 1), datetime.date(2100, 1, 1)),
    st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(2100, 1, 1)))


@settings(FUZZ, max_examples=max(10, EXAMPLES // 2))
@given(kind=KINDS, edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), CELL_VALUES), min_size=1, max_size=6),
       givens=st.booleans())
def test_cells_changed(originals, tmp_path_factory, kind, edits, givens):
    """Answer cells (and sometimes givens) overwritten with text, dates, errors, huge numbers; the graded copy
    is written too."""
    v, lang, data = originals[kind]
    plan = layout(v.worksheet, lang)
    names = [q.name for q in (v.worksheet.givens if givens else v.worksheet.answers)]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for where, value in edits:
        p = plan.home[names[int(where * len(names))]]
        wb[p.sheet][p.cell] = value
    out = io.BytesIO()
    wb.save(out)
    assert_checks_cleanly(out.getvalue(), "--annotate", "{tmp}/graded.xlsx")
