"""The checker's files and batches where mutation testing (benchmarks/mutation.py grading) found the tests
silent: `check` reaches this code through the CLI, whose tests are too slow to run once per mutant. In-process
here, with every expectation written out from what the user is promised (docstrings, README)."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import learners
from conftest import fill, make_workbooks
from matchbox.errors import MatchboxError
from matchbox.grading import batch
from matchbox.grading.batch import Job, check_all, check_file, collect, graded_copy
from matchbox.grading.files import copy_targets, refuse_overwrite, write_atomic
from matchbox.grading.grader import Marking, grade
from matchbox.grading.numbers import NotANumber, parse_number, show
from matchbox.workbook.reader import read_filled


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- output files -------------------------------------------------------------------------------------------

def test_an_output_never_replaces_a_folder_an_input_or_a_file_unasked(tmp_path):
    out = tmp_path / "out.xlsx"
    refuse_overwrite(out, [], force=False)  # nothing there yet
    with pytest.raises(MatchboxError) as caught:
        refuse_overwrite(tmp_path, [], force=True)
    assert str(caught.value) == f"{tmp_path}: is a folder, not a file name"
    touch(out)
    with pytest.raises(MatchboxError) as caught:
        refuse_overwrite(out, [tmp_path / "gone.xlsx", out], force=True)
    assert str(caught.value) == f"{out}: is a workbook being checked; write the output to a new file"
    with pytest.raises(MatchboxError) as caught:
        refuse_overwrite(out, [tmp_path / "other.xlsx"], force=False)
    assert str(caught.value) == f"{out}: already exists; use --force to replace it"
    refuse_overwrite(out, [touch(tmp_path / "other.xlsx")], force=True)


def test_writing_is_all_or_nothing(tmp_path):
    out = tmp_path / "new" / "folder" / "book.xlsx"
    assert write_atomic(out, b"data") == out and out.read_bytes() == b"data"
    write_atomic(out, b"again")
    assert out.read_bytes() == b"again"
    assert sorted(p.name for p in out.parent.iterdir()) == ["book.xlsx"]  # no temporary file left
    with pytest.raises(MatchboxError) as caught:
        write_atomic(touch(tmp_path / "a-file") / "book.xlsx", b"data")  # a file where the folder should be
    assert str(caught.value) == f"cannot write {tmp_path / 'a-file' / 'book.xlsx'}: File exists"
    # the rename fails (a folder of that name is there): nothing half-written is left beside it
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(MatchboxError) as caught:
        write_atomic(tmp_path / "dir.xlsx", b"data")
    assert str(caught.value).startswith(f"cannot write {tmp_path / 'dir.xlsx'}: ")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".matchbox-")]


def test_where_graded_copies_go(tmp_path):
    one = tmp_path / "a.xlsx"
    assert copy_targets([one], [one], tmp_path / "marked.XLSX", several=False) == {one: tmp_path / "marked.XLSX"}
    assert copy_targets([one], [], tmp_path / "marked.xlsx", several=False) == {}
    assert copy_targets([one], [one], tmp_path / "out", several=False) == {one: tmp_path / "out" / "a-graded.xlsx"}
    with pytest.raises(MatchboxError) as caught:
        copy_targets([one], [one, one], tmp_path / "out.xlsx", several=True)
    assert str(caught.value) == \
        f"--annotate {tmp_path / 'out.xlsx'}: for several workbooks give a folder for the graded copies"
    klass = tmp_path / "class"
    (klass / "ann").mkdir(parents=True)
    with pytest.raises(MatchboxError) as caught:
        copy_targets([klass], [klass / "x.xlsx"], klass, several=True)
    assert str(caught.value) == (f"--annotate {klass}: is a folder being checked; choose another folder for the "
                                 "graded copies")
    # a learner's subfolder is kept; names that meet get -2, -3
    files = [klass / "ann" / "w.xlsx", klass / "w.xlsx", tmp_path / "w.xlsx", tmp_path / "elsewhere" / "w.xlsx"]
    out = tmp_path / "graded"
    assert copy_targets([klass, files[2], files[3]], files, out, several=True) == {
        files[0]: out / "ann" / "w-graded.xlsx", files[1]: out / "w-graded.xlsx", files[2]: out / "w-graded-2.xlsx",
        files[3]: out / "w-graded-3.xlsx"}


# --- finding a class's workbooks ------------------------------------------------------------------------------

def graded_mark(path: Path, meta) -> Path:
    """A zip holding only the document properties a graded copy carries."""
    blob = json.dumps(meta) if not isinstance(meta, str) else meta
    xml = ('<Properties><property name="matchbox"><vt:lpwstr xmlns:vt="v">' + blob.replace("&", "&amp;")
           .replace("<", "&lt;") + "</vt:lpwstr></property></Properties>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("docProps/custom.xml", xml)
    return path


def test_a_graded_copy_is_known_by_its_mark_or_its_name(tmp_path):
    assert graded_copy(graded_mark(tmp_path / "a.xlsx", {"graded": True, "lang": "ja"})) == "ja"
    assert graded_copy(graded_mark(tmp_path / "b.xlsx", {"graded": True, "lang": "fr"})) == ""
    assert graded_copy(graded_mark(tmp_path / "c.xlsx", {"graded": True})) == ""
    assert graded_copy(graded_mark(tmp_path / "d.xlsx", {"graded": False, "lang": "en"})) is None
    assert graded_copy(graded_mark(tmp_path / "e.xlsx", [1])) is None
    assert graded_copy(graded_mark(tmp_path / "f.xlsx", "{not json")) is None
    # by name, for copies made before they said so; only .xlsx
    for name in ("w-graded.xlsx", "w-GRADED-2.XLSX", "w-graded-12.xlsx"):
        assert graded_copy(touch(tmp_path / name)) == "", name
    for name in ("w-graded.ods", "w-graded-x.xlsx", "graded-w.xlsx", "w.xlsx"):
        assert graded_copy(touch(tmp_path / name)) is None, name
    # a mark past 1 MB is not read (a hostile file is the grader's to refuse)
    big = graded_mark(tmp_path / "big.xlsx", {"graded": True, "lang": "en", "pad": "x" * 2**20})
    assert graded_copy(big) is None


def test_collect_a_class(tmp_path):
    klass = tmp_path / "class"
    for name in ("b/Work.XLSX", "a/z.xlsx", "a/y.ods", "m.xlsm", "old.xls", "notes.pdf", ".hidden.xlsx",
                 ".cache/x.xlsx", "a/~$z.xlsx", "out/x-graded.xlsx"):
        touch(klass / name)
    graded_mark(klass / "a" / "z-marked.xlsx", {"graded": True, "lang": "ja"})
    single = touch(tmp_path / "single.xlsx")
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    touch(empty / "sub" / "readme.txt")
    skipped: list = []
    files, errors = collect([single, klass, empty], exclude=[klass / "out"], skipped=skipped)
    assert files == [single, klass / "a" / "y.ods", klass / "a" / "z.xlsx", klass / "b" / "Work.XLSX",
                     klass / "m.xlsm", klass / "old.xls"]
    assert skipped == [(klass / "a" / "z-marked.xlsx", "ja")]
    assert [(r.file, r.error) for r in errors] == [(str(empty), "no workbooks (.xlsx files) in this folder")]
    # without an excluded folder, a graded copy found by its name is skipped as well
    files, _ = collect([klass])
    assert klass / "out" / "x-graded.xlsx" not in files and len(files) == 5


# --- grading each file ----------------------------------------------------------------------------------------

def test_a_file_that_cannot_be_graded_is_one_line_in_its_language(tmp_path):
    report = check_file(Job(touch(tmp_path / "class-ja.xlsx", b""))).report
    assert report.error == "ファイルが空です(0 バイト)" and report.lang == "ja"
    report = check_file(Job(touch(tmp_path / "class.xlsx", b""))).report
    assert report.error == "the file is empty (0 bytes)" and report.lang == "en"


def test_a_bug_or_a_lack_of_memory_costs_one_line(tmp_path, monkeypatch):
    path = touch(tmp_path / "w.xlsx")
    import matchbox.workbook.reader as reader

    def fails(kind):
        def read(path):
            raise kind()
        return read

    monkeypatch.setattr(reader, "read_filled", fails(KeyError))
    report = check_file(Job(path)).report
    assert (report.file, report.error) == (str(path), "could not be graded: internal error (KeyError); please "
                                                      "report it with the file")
    monkeypatch.setattr(reader, "read_filled", fails(MemoryError))
    assert check_file(Job(path)).report.error == "the workbook is too large to grade in the memory available"


def test_check_all_keeps_the_order_on_one_process(tmp_path, monkeypatch):
    jobs = [Job(touch(tmp_path / f"{i}.xlsx", b"")) for i in range(3)]
    monkeypatch.setattr(batch, "ProcessPoolExecutor", None)  # below 4 files no worker is started
    assert [c.report.file for c in check_all(jobs, workers=8)] == [str(j.path) for j in jobs]
    assert [c.report.file for c in check_all(jobs[:1] * 5, workers=1)] == [str(jobs[0].path)] * 5


# --- what a report says of each cell --------------------------------------------------------------------------

def test_a_report_names_the_file_the_exercise_and_each_cells_expected_and_typed_value(tmp_path):
    variant, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    ws = variant.worksheet
    values = learners.by_the_sheet(ws)
    names = [q.name for q in ws.answers]
    key = ws.answer_key()
    # a word, a "no answer" where the key has one, a blank, and a given edited (as text) on the sheet
    values[names[0]], values[names[1]], values[names[2]] = "abc", "none", None
    given = ws.givens[0].name
    values[given] = "abc"
    path = fill(learner, variant, "en", values, tmp_path / "typed.xlsx")
    filled = read_filled(path)
    report = grade(filled)
    assert (report.file, report.kind, report.variant) == (str(path), variant.kind, variant.id)
    cells = {c.quantity: c for c in report.cells}
    assert [c.quantity for c in report.cells] == names
    assert all(cells[n].expected == key[n] for n in names)
    text, none, blank = (cells[n] for n in names[:3])
    assert (text.status, text.reason, text.value, text.problem) == ("incorrect", "nan", "abc", ("text", "'abc'"))
    assert (none.status, none.reason, none.value, none.problem) == ("incorrect", "nan", "none",
                                                                    ("undefined", "none"))
    assert (blank.status, blank.reason, blank.value) == ("blank", "blank", None)
    for n in names[3:]:
        assert cells[n].status == "correct" and cells[n].value == float(values[n]), n
    home = filled.plan.home  # where the sheet prints each given (its copies elsewhere are reported too)
    givens = {g.quantity: g for g in report.givens if (g.sheet, g.cell) == (home[g.quantity].sheet,
                                                                          home[g.quantity].cell)}
    assert (givens[given].value, givens[given].expected, givens[given].status) == ("abc", ws.quantities[given].value,
                                                                                  "edited")
    for g in ws.givens[1:]:
        assert (givens[g.name].expected, givens[g.name].status) == (g.value, "ok")
    assert report.score == len(names) - 3


def test_a_rounding_habit_is_named_at_its_first_cell_and_charged_once(tmp_path):
    variant, learner, _ = make_workbooks(tmp_path, "backprop", 1, "en")
    path = fill(learner, variant, "en", learners.truncating(variant.worksheet), tmp_path / "cut.xlsx")
    filled = read_filled(path)
    report = grade(filled)
    notes = [c for c in report.cells if c.status == "rounding"]
    assert len(notes) >= 2
    assert [c.reason for c in notes] == ["rounding"] + ["rounding-again"] * (len(notes) - 1)
    assert {c.habit for c in notes} == {"truncated"} and {c.slip_id for c in notes} == {"truncated"}
    assert [c.credit for c in notes] == [0.0] + [1.0] * (len(notes) - 1)
    assert report.score == report.max_score - 1
    free = grade(filled, Marking(rounding_penalty=0))
    assert free.score == free.max_score and all(c.credit == 1.0 for c in free.cells if c.status == "rounding")


# --- numbers as typed and as shown ----------------------------------------------------------------------------

def test_numbers_read_and_shown():
    assert parse_number(True) == 1.0 and parse_number(False) == 0.0
    for typed, reason, detail in (("#VALUE!", "error", "#VALUE!"), ("=A1", "formula", ""),
                                  ("9" * 5000 + "/7", "text", repr("9" * 5000 + "/7"))):
        with pytest.raises(NotANumber) as caught:
            parse_number(typed)
        assert (caught.value.reason, caught.value.detail) == (reason, detail), typed
    assert show(None) == "—"
    assert show(2.0) == "2" and show(100.0) == "100" and show(-0.0) == "0" and show(0.5) == "0.5"
    assert show(1e-10) == "1e-10" and show(1e20) == "1e+20" and show(float("nan")) == "?"


def test_check_all_on_two_processes_keeps_the_order(tmp_path):
    jobs = [Job(touch(tmp_path / f"{i}.xlsx", b"" if i % 2 else b"not a workbook")) for i in range(5)]
    checked = list(check_all(jobs, workers=2))
    assert [c.report.file for c in checked] == [str(j.path) for j in jobs]
    assert [c.report.error for c in checked] == [check_file(j).report.error for j in jobs]
