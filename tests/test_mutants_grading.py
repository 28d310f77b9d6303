"""Where mutation testing (benchmarks/mutation.py grading) found the tests silent: the checker's files and
batches, which `check` reaches through the CLI (tests too slow to run once per mutant), and rules of the marks
that only slow tests or none checked (a blank blamed, a trivial update, "none" carried, rounding habits). In-process
here, with every expectation written out from what the user is promised (docstrings, README), never from grade()."""
from __future__ import annotations

import json
import math
import zipfile
from itertools import pairwise
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
from matchbox.kinds import sampled
from matchbox.workbook.reader import read_filled
from matchbox.worksheet.graph import Precision
from matchbox.worksheet.slips import Catalogue, Rounded


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
    assert show(1e15) == "1000000000000000"  # from 10**15 on, every digit (repr)
    assert show(-0.00001, Precision(4, exact=False)) == "0.0000" and show(-1.0, Precision(4, exact=False)) == "-1.0000"
    for typed, reason, detail in (("1e400", "text", "'1e400'"), (["1"], "text", "['1']")):
        with pytest.raises(NotANumber) as caught:
            parse_number(typed)
        assert (caught.value.reason, caught.value.detail) == (reason, detail), typed


def test_a_class_is_graded_on_the_processes_asked_for_in_chunks_it_can_split(tmp_path, monkeypatch):
    """`check --jobs 2` on a shared machine starts two processes, not one per core; a class of 40 files is sent
    to them in whole chunks (40 / 16 = 2.5 files a chunk is no chunk at all), and comes back in order."""
    from concurrent.futures import ProcessPoolExecutor
    started = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, max_workers=None, **options):
            started.append(max_workers)
            super().__init__(max_workers, **options)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", Counted)
    jobs = [Job(touch(tmp_path / f"{i:02d}.xlsx", b"")) for i in range(40)]
    checked = list(check_all(jobs, workers=2))
    assert started == [2]
    assert [c.report.file for c in checked] == [str(j.path) for j in jobs]
    assert {c.report.error for c in checked} == {"the file is empty (0 bytes)"}


def test_one_process_where_the_cores_cannot_be_counted(tmp_path, monkeypatch):
    jobs = [Job(touch(tmp_path / f"{i}.xlsx", b"")) for i in range(8)]
    monkeypatch.setattr(batch.os, "cpu_count", lambda: None)
    monkeypatch.setattr(batch, "ProcessPoolExecutor", None)  # no worker may be started
    assert [c.report.file for c in check_all(jobs)] == [str(j.path) for j in jobs]


def test_check_all_on_two_processes_keeps_the_order(tmp_path):
    jobs = [Job(touch(tmp_path / f"{i}.xlsx", b"" if i % 2 else b"not a workbook")) for i in range(5)]
    checked = list(check_all(jobs, workers=2))
    assert [c.report.file for c in checked] == [str(j.path) for j in jobs]
    assert [c.report.error for c in checked] == [check_file(j).report.error for j in jobs]


# --- survivors of the seeded samples (benchmarks/mutation.py grading --sample 200 --seed 1, --seed 2) --------

def custom_properties(path: Path, *props: tuple[str, str]) -> Path:
    """A zip whose docProps/custom.xml holds the named properties, in this order."""
    xml = "".join(f'<property name="{name}"><vt:lpwstr xmlns:vt="v">{text}</vt:lpwstr></property>'
                  for name, text in props)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("docProps/custom.xml", f"<Properties>{xml}</Properties>")
    return path


def test_only_the_matchbox_property_marks_a_graded_copy(tmp_path):
    mark = json.dumps({"graded": True, "lang": "ja"})
    # a teacher's own property stored before ours (a course name) does not hide the mark...
    assert graded_copy(custom_properties(tmp_path / "a.xlsx", ("Course", "week 3"), ("matchbox", mark))) == "ja"
    # ...and a property of another name that happens to hold the same JSON is not a mark
    assert graded_copy(custom_properties(tmp_path / "b.xlsx", ("Course", mark))) is None


def graded_workbook(tmp_path: Path, kind: str, seed: int, values) -> tuple:
    """The learner workbook of `kind` filled with values(ws) (a dict, or a function of the worksheet), read back;
    with the variant and the sheet's home cell (Sheet!A1) of every quantity."""
    variant, learner, _ = make_workbooks(tmp_path, kind, seed, "en")
    ws = variant.worksheet
    filled = read_filled(fill(learner, variant, "en", values(ws) if callable(values) else values,
                              tmp_path / "filled.xlsx"))
    home = {n: f"{p.sheet}!{p.cell}" for n, p in filled.plan.home.items()}
    return variant, filled, home


def test_a_graded_copy_that_cannot_be_made_is_said_in_one_line_and_the_grading_stands(tmp_path):
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, learners.by_the_sheet)

    def broken(kind):
        def write_copy(filled, report, out, force):
            raise kind("boom")
        return write_copy

    out = tmp_path / "graded" / "w-graded.xlsx"
    for kind, said in ((KeyError, "the graded copy could not be made (KeyError)"),
                       (PermissionError, f"cannot write {out}: boom"), (MatchboxError, "boom")):
        checked = check_file(Job(filled.path, annotate_to=out, write_copy=broken(kind)))
        assert (checked.annotate_error, checked.annotated) == (said, None), kind
        assert checked.report.error is None and checked.report.score == checked.report.max_score


def test_the_temporary_file_is_made_beside_the_output(tmp_path, monkeypatch):
    """The rename that makes writing all-or-nothing works only within one file system (a graded copy written
    to a USB stick): the temporary file is made in the output's folder, whatever the system's temp folder is."""
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-temp-folder"))
    out = tmp_path / "class" / "book.xlsx"
    assert write_atomic(out, b"data") == out and out.read_bytes() == b"data"


def test_none_where_the_learners_own_numbers_leave_none_is_carried_and_names_the_slip(tmp_path):
    """A counting learner whose last trial ends on w = 0 by one slip: the boundary θ / w has no value from
    their numbers, and "none" there follows from the slip (README: the sentence for "undefined")."""
    variant = sampled("counting", 3)
    ws = variant.worksheet
    final = ws.quantities["boundary"].step.args[1]  # the last weight, which θ / w divides by
    key = ws.key()
    values = {q.name: key[q.name] for q in ws.answers}
    values[final] = 0  # the slip; after it only the test table, worked from the learner's numbers
    names = [q.name for q in ws.answers]
    for name in names[names.index(final) + 1:]:
        if name != "boundary":
            values[name] = ws.evaluate(name, {**key, **values})
    assert key[final] != 0 and math.isfinite(key["boundary"])
    _, filled, home = graded_workbook(tmp_path, "counting", 3, {**values, "boundary": "none"})
    cells = {c.quantity: c for c in grade(filled).cells}
    assert (cells[final].status, cells["boundary"].status) == ("incorrect", "carried")
    assert cells["boundary"].reason == "undefined" and cells["boundary"].because == home[final]


def test_an_update_that_a_wrong_zero_gradient_stops_is_simplified_and_names_that_cell(tmp_path):
    """README, What earns credit: an update with g = 0 moves nothing; it follows, but earns nothing."""
    def learner(ws):  # by the sheet, with the gradient g1_2 written 0, going on from their own numbers
        return learners.working(ws, lambda q, x: 0.0 if q.name == "g1_2" else q.precision.rounded(x))
    variant, filled, home = graded_workbook(tmp_path, "neuron", 1, learner)
    values, key = learner(variant.worksheet), variant.worksheet.answer_key()
    given = {g.name: g.value for g in variant.worksheet.givens}
    assert key["g1_2"] != 0 and values["w1_2"] == given["w0_2"] != key["w1_2"]  # w' = w − η·0: moved nothing
    report = grade(filled)
    cells = {c.quantity: c for c in report.cells}
    assert (cells["g1_2"].status, cells["g1_2"].credit) == ("incorrect", 0.0)
    assert (cells["w1_2"].status, cells["w1_2"].reason, cells["w1_2"].because) == \
        ("simplified", "simplified", home["g1_2"])
    assert report.score == report.max_score - 2  # the slip and the update it emptied; the rest follows


def test_rows_left_at_zero_are_named_as_zeros_in_every_cell_that_earned_nothing(tmp_path):
    """README: a run of rows left at 0 where the key's rows differ earns nothing, and the feedback says so for
    each of its cells (reason "zeros"), also for those the zeros made trivial on the way."""
    variant, filled, _ = graded_workbook(tmp_path, "matchbox", 1, learners.first_row_then_zeros)
    ws, key = variant.worksheet, variant.worksheet.answer_key()
    later = [n for row in learners.answer_rows(ws)[1:] for n in row]
    assert any(key[n] != 0 for n in later)
    cells = {c.quantity: c for c in grade(filled).cells}
    for n in later:
        assert cells[n].credit == 0.0, n
        assert (cells[n].status, cells[n].reason) in {("simplified", "zeros"), ("incorrect", "incorrect"),
                                                      ("incorrect", "incorrect-carried")}, n


def test_a_wrong_number_names_at_most_the_two_likeliest_slips(tmp_path):
    """0 in a gate's first sum: three classic slips give it (the gate on the inputs, the row copied from
    NAND or from OR); the cell names two, the first of which it is named by."""
    def learner(ws):
        return {**learners.by_the_sheet(ws), "c_u00": 0}
    variant, filled, _ = graded_workbook(tmp_path, "gates", 1, learner)
    ws, key = variant.worksheet, variant.worksheet.answer_key()
    q = ws.quantities["c_u00"]
    giving_zero = [s.id for s in Catalogue(ws).of("c_u00")
                   if not isinstance(s, Rounded) and s.value(q.step, key) == 0]
    assert key["c_u00"] != 0 and len(giving_zero) >= 3
    cell = next(c for c in grade(filled).cells if c.quantity == "c_u00")
    assert cell.status == "incorrect" and len(cell.slips) == 2 and set(cell.slips) <= set(giving_zero)
    assert cell.slip_id == cell.slips[0]


def early(ws, name: str, places: int, values: dict) -> float:
    """The step `name` worked from the learner's earlier answers rounded to `places` first, written as told."""
    q = ws.quantities[name]
    answers = [d for d in q.step.deps() if not ws.quantities[d].is_given]
    return q.precision.rounded(ws.evaluate(name, {**values, **{d: round(values[d], places) for d in answers}}))


def test_results_rounded_two_decimals_short_before_use_are_a_rounding_habit(tmp_path):
    """README: "results rounded before use" is a rounding habit, on a sheet of 4 decimals up to two decimals
    short: E2 worked from y2 rounded to 2 decimals (0.1405 for 0.1393) is a rounding note, charged once."""
    variant = sampled("neuron", 1)
    ws = variant.worksheet
    values = learners.by_the_sheet(ws)
    own = {**{g.name: g.value for g in ws.givens}, **values}
    key, unit = ws.answer_key(), 10.0 ** -ws.quantities["E2"].precision.decimals
    written = early(ws, "E2", 2, own)
    # not the key, nor one unit off it (drift), nor what rounding y2 to 3 decimals gives, nor 3 decimals itself
    assert abs(written - key["E2"]) > 2 * unit and abs(early(ws, "E2", 3, own) - written) > unit
    assert round(written, 3) != written
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, {**values, "E2": written})
    report = grade(filled)
    cell = next(c for c in report.cells if c.quantity == "E2")
    assert (cell.status, cell.habit, cell.slip_id, cell.credit) == ("rounding", "rounded-early:2", "rounded-early",
                                                                    0.0)
    assert report.score == report.max_score - 1


def test_a_zero_is_never_a_rounding_habit(tmp_path):
    """tanh'(u) = 1 − y² = 0.0098 worked from y rounded to 2 decimals (y = 1.00) is 0: the learner lost the
    whole number, which a rounding note would excuse (rounding.py: "a 0 shows no rounding at all")."""
    variant = sampled("activations", 1)
    ws = variant.worksheet
    values = learners.by_the_sheet(ws)
    own = {**{g.name: g.value for g in ws.givens}, **values}
    assert early(ws, "dtanh4", 2, own) == 0 and ws.answer_key()["dtanh4"] != 0
    _, filled, _ = graded_workbook(tmp_path, "activations", 1, {**values, "dtanh4": 0})
    report = grade(filled)
    assert next(c for c in report.cells if c.quantity == "dtanh4").status == "incorrect"
    assert report.score == report.max_score - 1


def test_three_decimals_short_is_a_wrong_number_not_a_rounding_habit(tmp_path):
    """README: a rounding habit is "a decimal or two short"; 0.1 for E2 = 0.1393 on a sheet of 4 decimals is
    more than that (it is not 0.14 either) and costs the cell."""
    variant = sampled("neuron", 1)
    values = learners.by_the_sheet(variant.worksheet)
    key = variant.worksheet.answer_key()["E2"]
    written = round(key, 1)
    assert abs(written - key) > 0.005  # not what 2 decimals would give
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, {**values, "E2": written})
    report = grade(filled)
    cell = next(c for c in report.cells if c.quantity == "E2")
    assert (cell.status, cell.habit) == ("incorrect", None)
    assert report.score == report.max_score - 1


def test_a_carried_cell_never_blames_a_cell_marked_correct(tmp_path):
    """A logistic learner who keeps every decimal (each cell ✓), leaves the bias b1 blank and works u2 from
    their w1_1 and the sheet's b1: u2 is carried, and the report points at the blank b1, not at w1_1 (a ✓ that
    the feedback would otherwise call the error)."""
    variant = sampled("logistic", 1)
    ws = variant.worksheet
    values = learners.every_decimal(ws)
    key, unrounded = ws.answer_key(), ws.key()
    values["u2"] = ws.quantities["u2"].precision.rounded(
        ws.evaluate("u2", {**{g.name: g.value for g in ws.givens}, **values, "b1": key["b1"]}))
    values["b1"] = None
    inputs = [d for d in ws.quantities["u2"].step.deps() if not ws.quantities[d].is_given]
    assert inputs.index("w1_1") < inputs.index("b1") and values["w1_1"] != key["w1_1"]
    assert abs(values["u2"] - key["u2"]) > 0.00005 and abs(values["u2"] - unrounded["u2"]) > 0.00005  # not ✓
    _, filled, home = graded_workbook(tmp_path, "logistic", 1, values)
    cells = {c.quantity: c for c in grade(filled).cells}
    assert (cells["w1_1"].status, cells["b1"].status) == ("correct", "blank")
    assert (cells["u2"].status, cells["u2"].because) == ("carried", home["b1"])


def test_a_carried_cell_names_its_wrong_input_even_when_it_is_only_a_little_off(tmp_path):
    """Logistic u2 = x·w1_1 + b1 with w1_1 left blank and b1 written 0.1 too high: u2 worked from those follows
    from the wrong b1, however small its error, not from the blank before it."""
    variant = sampled("logistic", 1)
    ws = variant.worksheet
    key = ws.answer_key()
    values = learners.by_the_sheet(ws)
    values["b1"] = round(key["b1"] + 0.1, 4)
    values["u2"] = ws.quantities["u2"].precision.rounded(
        ws.evaluate("u2", {**{g.name: g.value for g in ws.givens}, **values, "w1_1": key["w1_1"]}))
    values["w1_1"] = None
    _, filled, home = graded_workbook(tmp_path, "logistic", 1, values)
    cells = {c.quantity: c for c in grade(filled).cells}
    assert (cells["w1_1"].status, cells["b1"].status) == ("blank", "incorrect")
    assert (cells["u2"].status, cells["u2"].because) == ("carried", home["b1"])
    assert all(f"{c.sheet}!{c.cell}" == home[n] for n, c in cells.items())  # each cell where the sheet has it


def test_a_graded_copy_is_made_from_its_own_report_and_said_to_be_made(tmp_path):
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, learners.by_the_sheet)
    given = []

    def write_copy(filled, report, out, force):
        given.append((report.file, report.score, out, force))

    out = tmp_path / "graded" / "w-graded.xlsx"
    checked = check_file(Job(filled.path, annotate_to=out, write_copy=write_copy))
    assert (checked.annotated, checked.annotate_error) == (str(out), None)
    assert given == [(str(filled.path), checked.report.max_score, out, True)]


def test_a_class_folder_is_listed_in_the_order_of_its_paths_written_out(tmp_path):
    for name in ("a-b.xlsx", "a/x.xlsx", "a b/x.xlsx"):
        touch(tmp_path / "class" / name)
    files, _ = collect([tmp_path / "class"])
    assert [f.relative_to(tmp_path / "class").as_posix() for f in files] == ["a b/x.xlsx", "a-b.xlsx", "a/x.xlsx"]


def test_a_file_being_written_is_hidden_from_a_class_collected_meanwhile(tmp_path, monkeypatch):
    """A graded copy written into a class folder while another `check` collects that folder: the half-written
    file is hidden (a dot file), so it is not graded as a learner's workbook."""
    from matchbox.grading import files
    seen, replace = [], files.os.replace

    def replace_after_looking(src, dst):
        seen.append(collect([tmp_path])[0])
        replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace_after_looking)
    touch(tmp_path / "learner.xlsx")
    write_atomic(tmp_path / "learner-graded.xlsx", b"data")
    assert seen == [[tmp_path / "learner.xlsx"]]


def test_rows_dragged_down_are_named_as_copied_from_the_row_above(tmp_path):
    """README: rows copied down where the key's rows differ earn nothing; the report names the row above."""
    variant, filled, home = graded_workbook(tmp_path, "matchbox", 1, learners.dragged_down)
    ws, key = variant.worksheet, variant.worksheet.answer_key()
    rows = learners.answer_rows(ws)
    cells = {c.quantity: c for c in grade(filled).cells}
    copied = [(row, above) for above, row in pairwise(rows) if len(row) == len(rows[0]) == len(above)
              and any(key[n] != key[m] for n, m in zip(row, above))]
    assert copied
    for row, above in copied:
        for n in row:
            assert cells[n].credit == 0.0, n
            if cells[n].status == "simplified":
                assert (cells[n].reason, cells[n].because) == ("copied", home[above[0]]), n


def test_what_the_reader_noted_is_in_the_report(tmp_path):
    """README: a renamed Work sheet grades as the unedited workbook would, with a note saying what was found."""
    import openpyxl
    variant, learner, _ = make_workbooks(tmp_path, "neuron", 1, "en")
    path = fill(learner, variant, "en", learners.by_the_sheet(variant.worksheet), tmp_path / "filled.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Work"].title = "My work"
    wb.save(path)
    filled = read_filled(path)
    report = grade(filled)
    assert filled.notes and report.notes == filled.notes and report.score == report.max_score


def test_a_date_typed_as_an_answer_is_shown_as_typed(tmp_path):
    import datetime
    typed = datetime.datetime(2024, 5, 1)
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, {**learners.by_the_sheet(sampled("neuron", 1).worksheet),
                                                            "E2": typed})
    cell = next(c for c in grade(filled).cells if c.quantity == "E2")
    assert (cell.status, cell.problem, cell.value) == ("incorrect", ("date", ""), str(typed))


def test_a_fraction_of_a_mark_for_carried_cells_is_kept_in_the_score(tmp_path):
    """README: carried cells earn --carried-credit; 0.3 a cell gives a score in tenths, written as such."""
    def learner(ws):  # one slip (g1_2 = 0), everything after it worked from the learner's own numbers
        return learners.working(ws, lambda q, x: 0.0 if q.name == "g1_2" else q.precision.rounded(x))
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, learner)
    report = grade(filled, Marking(carried_credit=0.3))
    assert report.marking == Marking(carried_credit=0.3)  # --json stores it
    counts = report.counts
    assert counts["carried"] * 3 % 10 and counts["rounding"] == 0  # not a whole number of marks
    assert report.score == round(counts["correct"] + 0.3 * counts["carried"], 1)


def test_two_cut_off_cells_name_the_habit_truncated(tmp_path):
    """rounding.py: truncation names the sheet's habit when it explains two or more cells and every one of them
    (cut off, the number is also one unit off: "drift" alone would tell the learner less)."""
    cut = []

    def write(q, x):  # by the sheet, but the first two numbers whose rounding goes up are cut off instead
        rounded, down = q.precision.rounded(x), math.trunc(round(x * 10**4, 6)) / 10**4
        if len(cut) < 2 and rounded != down and round(down, 3) != down:
            cut.append(q.name)
            return down
        return rounded
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, lambda ws: learners.working(ws, write))
    report = grade(filled)
    notes = [c for c in report.cells if c.status == "rounding"]
    assert [c.quantity for c in notes] == cut and {c.habit for c in notes} == {"truncated"}
    assert report.score == report.max_score - 1


def test_rounding_habits_at_their_limits():
    """rounding.py's rules on one 4-decimal cell (E2), against targets written out: the last digit up to one and
    a half units off is drift, the limit included; a number cut off is truncated, 1.0000 for 1.00007 too; a 0
    shows no rounding habit of its own, so 0 for 0.00007 is only the drift it is."""
    from matchbox.grading.rounding import rounding_habit
    ws = sampled("neuron", 1).worksheet
    q, own = ws.quantities["E2"], {**{g.name: g.value for g in ws.givens}, **learners.by_the_sheet(ws)}
    assert q.precision.decimals == 4

    def habits(value, target):
        return (rounding_habit(Catalogue(ws), q, value, own, [target]) or "").split("|")
    assert habits(0.1236, 0.12345) == ["drift"] and habits(0.1236, 0.12344) == [""]
    assert habits(1.0, 1.00007) == ["drift", "truncated"]
    assert habits(0.0, 0.00007) == ["drift"]
    # two decimals short is a habit; results rounded to 1 decimal before use (0.125) are three short: wrong
    assert habits(0.14, 0.1393) == ["rounded-short:2"]
    assert early(ws, "E2", 1, own) == 0.125 and habits(0.125, ws.answer_key()["E2"]) == [""]


def test_the_keys_number_is_correct_even_after_a_wrong_input(tmp_path):
    """README: correct is the key's number rounded as the sheet asks at each step, whatever came before: a cell
    where that number and the one with every decimal kept differ, written as the sheet's, after a wrong input."""
    variant = sampled("neuron", 1)
    ws = variant.worksheet
    key, unrounded, values = ws.answer_key(), ws.key(), learners.by_the_sheet(ws)
    name, slip = next((q.name, d) for q in ws.answers for d in q.step.deps() if not ws.quantities[d].is_given
                      and abs(key[q.name] - unrounded[q.name]) > 0.6 * 10.0 ** -q.precision.decimals)
    _, filled, _ = graded_workbook(tmp_path, "neuron", 1, {**values, slip: values[slip] + 0.1, name: key[name]})
    cells = {c.quantity: c for c in grade(filled).cells}
    assert (cells[slip].status, cells[name].status, cells[name].credit) == ("incorrect", "correct", 1.0)


def test_a_rounding_note_inside_rows_dragged_down_earns_nothing_either(tmp_path):
    """LSTM seed 4, the first row dragged down: gb_g's copy differs from its key by a rounding's width, the
    kind of difference a rounding habit explains. A row copied down was not worked (README: simplified), so no
    cell of it keeps a rounding note or any credit."""
    v, learner, _ = make_workbooks(tmp_path, "lstm", 4, "en")
    ws = v.worksheet
    report = grade(read_filled(fill(learner, v, "en", learners.dragged_down(ws), tmp_path / "dragged.xlsx")))
    status = {c.quantity: c.status for c in report.cells}
    rows = learners.answer_rows(ws)
    [row] = [row for row in rows[1:] if "gb_g" in row]
    assert len(row) == len(rows[0]) and any(status[n] == "simplified" for n in row)  # a copied row, judged so
    assert {n: status[n] for n in row if status[n] not in ("simplified", "incorrect")} == {}


def test_a_sum_over_weights_an_emptied_update_left_at_zero_is_simplified(tmp_path):
    """Counting seed 3, d₄ written as 0 and every other number worked from the learner's own: the update after
    it moves nothing (simplified), so the next sum u₅ = w·x has w = 0 where the key's weights moved. README:
    "a sum with w = 0" earns nothing; the cause named is that simplified weight, not a cell marked incorrect."""
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    ws = v.worksheet
    key = ws.answer_key()
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:
        values[q.name] = 0.0 if q.name == "d4" else q.precision.rounded(ws.evaluate(q.name, values))
    weights = [n for n in ws.quantities["u5"].step.deps() if n.startswith("w")]
    assert key["d4"] != 0 and values["u5"] == 0 != key["u5"] and all(values[w] == 0 for w in weights)
    report = grade(read_filled(fill(learner, v, "en", {q.name: values[q.name] for q in ws.answers},
                                    tmp_path / "d4.xlsx")))
    cells = {c.quantity: c for c in report.cells}
    assert cells["d4"].status == "incorrect" and cells["u5"].status == "simplified"
    assert cells["u5"].because in {f"{cells[w].sheet}!{cells[w].cell}" for w in weights
                                   if cells[w].status == "simplified"}


def _dragged(tmp_path, kind, seed):
    v, learner, _ = make_workbooks(tmp_path, kind, seed, "en")
    typed = learners.dragged_down(v.worksheet)
    report = grade(read_filled(fill(learner, v, "en", typed, tmp_path / "dragged.xlsx")))
    return v.worksheet, typed, {c.quantity: c.status for c in report.cells}


def test_rows_of_two_answers_dragged_down_earn_nothing(tmp_path):
    """The gates' truth tables have rows of two answers (u and y). Dragged down, a row that repeats the row
    above where the key's rows differ was not worked (README: copied rows earn nothing): no credit in it."""
    from matchbox.worksheet.graph import Q
    ws, typed, status = _dragged(tmp_path, "gates", 5)
    key = ws.answer_key()
    copies = []
    for table in ws.tables:
        rows = [[c.name for c in row if isinstance(c, Q) and c.name in status] for row in table.rows]
        copies += [row for above, row in pairwise(rows) if len(row) == len(above) == 2
                   and [typed[n] for n in row] == [typed[n] for n in above]
                   and [key[n] for n in row] != [key[n] for n in above] and row[0].startswith("g0_")]
    assert copies  # the first gate's rows (the later gates' rows follow from its numbers: carried)
    assert {n: status[n] for row in copies for n in row if status[n] not in ("simplified", "incorrect")} == {}


def test_the_same_item_with_the_same_weights_is_honest_work_not_a_copy(tmp_path):
    """Logistic seeds 1 and 2: trial 3 shows the same sample as trial 2. The learner's weights, dragged down,
    are the same too, so the same numbers are what the step gives (README: honest work that repeats its
    neighbour is not touched): trial 3's y, E and d follow from the learner's numbers and are not copies."""
    from matchbox.worksheet.graph import Q, Ref
    for seed in (1, 2):
        ws, typed, status = _dragged(tmp_path / str(seed), "logistic", seed)
        given = {q.name: q.value for q in ws.givens}
        row_of = {c.name: row for table in ws.tables for row in table.rows for c in row if isinstance(c, Q)}
        shown = [[given.get(c.name, typed.get(c.name)) for c in row_of[y] if isinstance(c, Ref)] for y in ("y2", "y3")]
        assert shown[0] and shown[0] == shown[1], seed  # the same sample, and the same weights going in
        assert [typed[n] for n in ("y3", "E3", "d3")] == [typed[n] for n in ("y2", "E2", "d2")]
        assert {n: status[n] for n in ("y3", "E3", "d3") if status[n] not in ("carried", "correct")} == {}, seed
