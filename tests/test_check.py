"""End to end: generate -> fill as a learner would -> check."""
import hashlib
import json
import re

import pytest

from matchbox.kinds import KINDS
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.workbook.reader import read_filled

from conftest import answers_of, fill, libreoffice_convert, make_workbooks, run_cli


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("kind", KINDS)
def test_key_values_get_full_marks(tmp_path, kind, lang):
    v, learner, _ = make_workbooks(tmp_path, kind, 5, lang)
    filled = fill(learner, v, lang, answers_of(v), tmp_path / "filled.xlsx")
    before = digest(filled)
    r = run_cli("check", filled, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["score"] == out["max_score"] == len(v.worksheet.answers) > 0
    assert {c["status"] for c in out["cells"]} == {"correct"}
    assert all(g["status"] == "ok" for g in out["givens"])
    assert out["kind"] == kind and out["variant"] == v.id and out["error"] is None
    assert set(out["cells"][0]) >= {"sheet", "cell", "quantity", "status", "value", "expected", "feedback"}
    assert set(out["givens"][0]) >= {"sheet", "cell", "quantity", "value", "expected", "status"}
    assert digest(filled) == before  # the learner's file is never written


PERCEPTRONS = ("counting", "matchbox", "perceptron")  # the kinds with a trial table of u, y, d, w'


@pytest.mark.parametrize("kind", PERCEPTRONS)
def test_one_slip_costs_one_cell(tmp_path, kind):
    """A wrong output in trial 2, then everything after computed correctly from the learner's own numbers."""
    lang = "en"
    v, learner, _ = make_workbooks(tmp_path, kind, 11, lang)
    ws = v.worksheet
    own = ws.key()
    own["y2"] = 1 - own["y2"]  # the slip
    for q in ws.answers:
        if list(ws.quantities).index(q.name) > list(ws.quantities).index("y2"):
            own[q.name] = ws.evaluate(q.name, own)  # a learner who carries on consistently
    filled = fill(learner, v, lang, {q.name: own[q.name] for q in ws.answers}, tmp_path / "slip.xlsx")
    report = grade(read_filled(filled))
    status = {c.quantity: c.status for c in report.cells}
    assert status["y2"] == "incorrect"
    assert status["u1"] == status["u2"] == "correct"
    carried = [n for n, s in status.items() if s == "carried"]
    assert carried, "the slip changed nothing downstream; pick a bigger slip"
    assert all(own[n] != pytest.approx(ws.key()[n]) for n in carried)
    assert report.score == report.max_score - 1
    y2 = next(c for c in report.cells if c.quantity == "y2")
    assert "expected" in y2.feedback and "y = 1 if u" in y2.feedback  # names the value and the formula


def test_slip_report_in_terminal(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "ja")
    values = answers_of(v)
    values["u2"] += 1
    filled = fill(learner, v, "ja", values, tmp_path / "slip.xlsx")
    r = run_cli("check", filled)
    assert r.returncode == 1
    assert "試行2: 総和 u" in r.stdout and "正しくは" in r.stdout
    assert f"得点 {len(values) - 1}/{len(values)}" in r.stdout


def test_edited_given_is_caught(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    values = answers_of(v)
    values["lr"] = 2  # the learner overwrote the printed learning rate
    filled = fill(learner, v, "en", values, tmp_path / "edited.xlsx")
    r = run_cli("check", filled, "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    edited = [g for g in out["givens"] if g["status"] == "edited"]
    assert [g["quantity"] for g in edited] == ["lr"] and edited[0]["value"] == 2 and edited[0]["expected"] == 1
    assert out["score"] == out["max_score"]  # the key is rebuilt from the stored parameters, not the edit
    r = run_cli("check", filled)
    assert "given edited" in r.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_blank_workbook_scores_zero(tmp_path, kind):
    v, learner, _ = make_workbooks(tmp_path, kind, 2, "en")
    r = run_cli("check", learner, "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["score"] == 0 and out["max_score"] == len(v.worksheet.answers)
    assert {c["status"] for c in out["cells"]} == {"blank"}


FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


def test_numbers_typed_as_text_and_full_width(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "perceptron", 4, "ja")
    values = {}
    for i, (name, value) in enumerate(answers_of(v).items()):
        text = f"{value:g}"
        values[name] = text.translate(FULL_WIDTH) if i % 2 else f" {text} "  # "－０．５", " 0.5 "
    filled = fill(learner, v, "ja", values, tmp_path / "text.xlsx")
    report = grade(read_filled(filled))
    assert report.score == report.max_score, [c for c in report.cells if c.status != "correct"][:3]


def test_text_that_is_not_a_number_is_incorrect_with_a_reason(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "counting", 4, "en")
    values = answers_of(v)
    values["u1"] = "twelve"
    report = grade(read_filled(fill(learner, v, "en", values, tmp_path / "t.xlsx")))
    u1 = next(c for c in report.cells if c.quantity == "u1")
    assert u1.status == "incorrect" and "not a number" in u1.feedback
    assert report.score == report.max_score - 1  # later cells still carry from the key's u1


def test_libreoffice_round_trip_gets_full_marks(tmp_path, soffice):
    """A workbook filled and saved by a real spreadsheet program grades like the original."""
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "ja")
    filled = fill(learner, v, "ja", answers_of(v), tmp_path / "filled.xlsx")
    saved = libreoffice_convert(soffice, filled, tmp_path / "lo")
    r = run_cli("check", saved, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["score"] == out["max_score"]


def test_libreoffice_computes_the_learners_reference_cells(tmp_path, soffice):
    """In the learner workbook, each trial's 'weights before' are live references to the previous
    trial's answers; LibreOffice must show the learner's own numbers there."""
    import openpyxl
    from matchbox.workbook.layout import layout
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    values = answers_of(v)
    filled = fill(learner, v, "en", values, tmp_path / "filled.xlsx")
    saved = libreoffice_convert(soffice, filled, tmp_path / "lo")
    wb = openpyxl.load_workbook(saved, data_only=True)
    plan = layout(v.worksheet, "en")
    refs = [p for p in plan.cells if p.role == "ref" and p.content.name.startswith("w1_")]
    assert refs, "trial 2 should show trial 1's new weights"
    for p in refs:
        assert wb[p.sheet][p.cell].value == pytest.approx(values[p.content.name])


def test_formulas_without_saved_values_are_recalculated(tmp_path, soffice):
    """A file written by a script (formulas, no cached values) is graded by recalculating, never
    marked incorrect silently."""
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    values = {n: f"={x:g}+0" for n, x in answers_of(v).items()}
    filled = fill(learner, v, "en", values, tmp_path / "formulas.xlsx")
    r = run_cli("check", filled, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["score"] == out["max_score"] and out["recalculated"] is True


def test_recalculating_leaves_no_temporary_files(tmp_path, soffice, monkeypatch):
    """LibreOffice works in a private temporary folder, removed afterwards (a class of 30 uploads must not
    leave 30 profiles behind; found by mutation testing: deleting the clean-up failed no test)."""
    import tempfile
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    filled = fill(learner, v, "en", {n: f"={x:g}+0" for n, x in answers_of(v).items()}, tmp_path / "f.xlsx")
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert read_filled(filled).recalculated
    assert list(private.iterdir()) == []


def test_formulas_without_values_and_no_libreoffice_say_how_to_fix(tmp_path, monkeypatch):
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    values = {n: f"={x:g}+0" for n, x in answers_of(v).items()}
    filled = fill(learner, v, "en", values, tmp_path / "formulas.xlsx")
    import matchbox.workbook.reader as reader
    from matchbox.errors import WorkbookError
    monkeypatch.setattr(reader.shutil, "which", lambda name: None)
    with pytest.raises(WorkbookError, match="no saved value.*save it again"):
        read_filled(filled)


def test_several_files_and_exit_codes(tmp_path):
    v, learner, key = make_workbooks(tmp_path, "counting", 1, "en")
    full = fill(learner, v, "en", answers_of(v), tmp_path / "full.xlsx")
    r = run_cli("check", full, learner, "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert isinstance(out, list) and [o["score"] == o["max_score"] for o in out] == [True, False]
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    r = run_cli("check", full, empty)
    assert r.returncode == 2 and r.stderr.strip().startswith("matchbox:") and "Traceback" not in r.stderr


def test_table_found_after_rows_and_columns_inserted_above(tmp_path):
    import openpyxl
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    filled = fill(learner, v, "en", answers_of(v), tmp_path / "filled.xlsx")
    wb = openpyxl.load_workbook(filled)
    wb["Work"].insert_rows(1, 3)
    wb["Work"].insert_cols(1)
    wb["Exercise"].insert_rows(2)
    wb.save(filled)
    r = run_cli("check", filled, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["score"] == out["max_score"]
    u1 = next(c for c in out["cells"] if c["quantity"] == "u1")
    from matchbox.workbook.layout import layout
    home = layout(v.worksheet, "en").home["u1"]
    assert u1["cell"] == f"{chr(ord(home.cell[0]) + 1)}{home.row + 3}"  # where the learner's copy has it


def test_table_headings_gone_is_explained(tmp_path):
    import openpyxl
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    wb = openpyxl.load_workbook(learner)
    for row in wb["Work"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and not cell.value.startswith("="):
                cell.value = None
    wb.save(tmp_path / "wiped.xlsx")
    r = run_cli("check", tmp_path / "wiped.xlsx")
    assert r.returncode == 2 and "headings on sheet 'Work'" in r.stderr


def test_rows_inserted_between_two_tables(tmp_path):
    """Rows added between the trial table and the test table move only the test table."""
    import openpyxl
    from matchbox.workbook.layout import layout
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    filled = fill(learner, v, "en", answers_of(v), tmp_path / "filled.xlsx")
    plan = layout(v.worksheet, "en")
    test_title = next(p for p in plan.cells if p.table == "test" and p.role == "table-title")
    wb = openpyxl.load_workbook(filled)
    wb["Work"].insert_rows(test_title.row - 1, 4)  # four notes of the learner's own between the tables
    wb.save(filled)
    report = grade(read_filled(filled))
    assert report.score == report.max_score
    test_u0 = next(c for c in report.cells if c.quantity == "test_u0")
    assert test_u0.cell == f"{plan.home['test_u0'].cell[0]}{plan.home['test_u0'].row + 4}"


def slipped_answers(v) -> dict:
    """An early answer off by one and every later one computed from it, as a consistent learner would."""
    ws = v.worksheet
    own = ws.key()
    names = list(ws.quantities)
    first = ws.answers[len(ws.answers) // 5].name
    own[first] += 1
    for q in ws.answers:
        if names.index(q.name) > names.index(first):
            try:
                own[q.name] = ws.evaluate(q.name, own)
            except ArithmeticError:
                pass
    return {q.name: own[q.name] if q.precision.exact else round(own[q.name], q.precision.decimals)
            for q in ws.answers}


@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_saved_workbook_grades_the_same(tmp_path, soffice, kind):
    """The same answers, graded as written by openpyxl and after a real LibreOffice round trip: the same
    status and slip for every cell."""
    lang = "ja" if kind == "matchbox" else "en"
    v, learner, _ = make_workbooks(tmp_path, kind, 4, lang)
    filled = fill(learner, v, lang, slipped_answers(v), tmp_path / "slipped.xlsx")
    saved = libreoffice_convert(soffice, filled, tmp_path / "lo")
    before, after = grade(read_filled(filled)), grade(read_filled(saved))
    assert [(c.quantity, c.status, c.slip_id) for c in after.cells] == \
        [(c.quantity, c.status, c.slip_id) for c in before.cells]
    assert any(c.status == "incorrect" for c in before.cells) and after.score == before.score
    assert not after.recalculated  # LibreOffice saved every value


def test_formula_cells_found_without_addresses_and_with_prefixes():
    """The scan for formulas without a saved value reads sheets written with a namespace prefix and with
    cells that omit their address (both allowed by the format)."""
    import io
    import zipfile
    from matchbox.workbook.reader import _unvalued_formulas
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           b'<x:row r="3"><x:c r="B3"><x:f>1+1</x:f></x:c><x:c><x:f>A1</x:f><x:v>2</x:v></x:c>'
           b'<x:c><x:f>A2</x:f><x:v></x:v></x:c><x:c s="1"/></x:row>'
           b'<x:row><x:c><x:f t="shared" si="0"/></x:c><x:c t="inlineStr"><x:f>"a"</x:f><x:is><x:t>a</x:t></x:is></x:c>'
           b'<x:c t="str"><x:f>IF(1,"","")</x:f><x:v></x:v></x:c><x:c><x:f>1</x:f><x:v /></x:c>'
           b'</x:row></x:sheetData></x:worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    found = _unvalued_formulas(zipfile.ZipFile(buffer), "xl/worksheets/sheet1.xml")
    # C3 has its value, B4 its inline string, C4 the empty string; D3 and D4 an empty <v> (as openpyxl writes)
    assert found == ["B3", "D3", "A4", "D4"]


def test_formulas_without_values_name_their_cells_when_libreoffice_is_missing(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    values = answers_of(v)
    values["u1"] = "=1+1"  # one formula among typed numbers
    filled = fill(learner, v, "en", values, tmp_path / "formula.xlsx")
    env = {"PATH": str(tmp_path / "nowhere")}  # no soffice on this PATH
    import os
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "matchbox", "check", str(filled)], capture_output=True, text=True,
                       env={**os.environ, **env}, timeout=120)
    from matchbox.workbook.layout import layout
    home = layout(v.worksheet, "en").home["u1"]
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert f"1 answer cell(s) hold a formula with no saved value (Work!{home.cell})" in r.stderr
    assert "install LibreOffice" in r.stderr


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_mistakes_come_first_and_carried_cells_fold_into_one_line_per_table(tmp_path, lang):
    """Two slips, each carried on: the terminal lists the two wrong cells first, then one line per table for
    the cells that follow from the learner's own numbers; `--all` still lists every cell."""
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, lang)
    ws = v.worksheet
    own, names = ws.key(), list(ws.quantities)
    for slip in (ws.answers[3].name, ws.answers[len(ws.answers) // 2].name):
        own[slip] += 1
        for q in ws.answers:
            if names.index(q.name) > names.index(slip):
                own[q.name] = ws.evaluate(q.name, own)
    filled = fill(learner, v, lang, {q.name: own[q.name] for q in ws.answers}, tmp_path / "slips.xlsx")
    report = grade(read_filled(filled))
    wrong = [c for c in report.cells if c.status == "incorrect"]
    carried = [c for c in report.cells if c.status == "carried"]
    assert len(wrong) == 2 and len(carried) > 10
    lines = run_cli("check", filled).stdout.splitlines()
    marks = [line.split()[0] for line in lines[1:]]
    assert marks.count("✗") == 2 and marks.index("✗") == 0 and marks.index("↪") > marks.index("✗") + 1
    folded = [line for line in lines if line.lstrip().startswith("↪")]
    tables = {c.section for c in carried}
    assert len(folded) == len(tables) > 0  # one line per table with carried cells
    counts = [int(n) for line in folded for n in re.findall(r"(\d+) (?:cells?|個)", line)]
    assert sum(counts) == len(carried) and all(f"{c.sheet}!{c.cell} " not in r for c in carried for r in folded)
    title = {"en": "Trials", "ja": "「試行」"}[lang]
    assert any(title in line for line in folded)
    every = run_cli("check", filled, "--all").stdout
    assert all(f"{c.sheet}!{c.cell}" in every for c in report.cells)
