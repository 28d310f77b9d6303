"""Answers found by their row's labels and their column's heading, sheets by their content (issue 12, §2),
the answer key refused and the copies of givens read (§4).

A learner's correct workbook, edited the way learners edit: a blank row between two epochs, a memo column
inside the trial table, the trials sorted by item, the Work sheet renamed or duplicated, a sheet of their
own. Each grades exactly as the unedited workbook, with a note where a sheet was found under another name;
a row that is not there is named and read as blank, never replaced by its neighbour. The LibreOffice tests
make the edits in LibreOffice itself (through UNO) and grade the file it saved; the others make the same
edits with openpyxl, quickly.
"""
import json
import re

import openpyxl
import pytest

from matchbox.errors import WorkbookError
from matchbox.kinds import KINDS
from matchbox.worksheet.graph import tr
from matchbox.grading.grader import grade
from matchbox.workbook.layout import layout
from matchbox.workbook.reader import read_filled

from conftest import answers_of, fill, libreoffice_edit, make_workbooks


def filled_workbook(tmp_path, kind="matchbox", lang="en", seed=3):
    v, learner, _ = make_workbooks(tmp_path, kind, seed, lang)
    return v, fill(learner, v, lang, answers_of(v), tmp_path / "filled.xlsx"), layout(v.worksheet, lang)


def full_marks(path, codes=()):
    """Graded as the unedited workbook: every answer correct, every given untouched; the notes' codes."""
    filled = read_filled(path)
    report = grade(filled)
    wrong = [(c.quantity, c.cell, c.status, c.value) for c in report.cells if c.status != "correct"]
    assert report.score == report.max_score and not wrong, wrong
    assert not report.edited, [(g.quantity, g.cell, g.value) for g in report.edited]
    assert [n["code"] for n in filled.notes] == list(codes), filled.notes
    for n in filled.notes:
        assert set(n) == {"code", "en", "ja"} and n["en"] and n["ja"]
        assert not re.search(r"\b(the|was|were|not|found|row|column|sheet|graded|blank)\b", n["ja"]), n["ja"]
        assert re.search(r"(ます|ました|ません|です)。$", n["ja"]), n["ja"]  # polite, as printed
    return filled, report


def trial_rows(plan):
    """The first and last row of the trial table, its first and last column, and the item column."""
    cells = [p for p in plan.cells if p.table == "trials"]
    rows = [p.row for p in cells if p.role in ("answer", "label")]
    item = next(p.col for p in cells if p.role == "header" and tr(p.content, "en") == "item")
    return min(rows), max(rows), max(p.col for p in cells), item


def answer_cells(plan, sheet):
    return [p.cell for p in plan.cells if p.role == "answer" and p.sheet == sheet]


def epoch_boundary(v, plan):
    """The row of the first trial of epoch 2."""
    cells = [p for p in plan.cells if p.table == "trials" and p.role == "label"]
    epoch_col = next(p.col for p in plan.cells if p.table == "trials" and p.role == "header"
                     and tr(p.content, "en") == "epoch")
    return min(p.row for p in cells if p.col == epoch_col and p.content == 2)


# --- through LibreOffice ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["gates", "forward", "logistic", "vanishing", "batchnorm", "dropout"])
def test_the_curriculum_kinds_saved_by_libreoffice_with_rows_inserted(tmp_path, soffice, kind):
    """A Japanese workbook of each curriculum kind, filled, then in Calc a row inserted at the top of every
    sheet with work on it and a memo column inserted after the first: LibreOffice saves it, full marks."""
    v, filled, plan = filled_workbook(tmp_path, kind, "ja", seed=2)
    sheets = sorted({p.sheet for p in plan.cells if p.role == "answer"})
    edits = [e for sheet in sheets for e in ({"op": "insert_rows", "sheet": sheet, "row": 1, "count": 1},
                                             {"op": "insert_cols", "sheet": sheet, "col": 2, "count": 1})]
    full_marks(libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx", edits))


@pytest.mark.parametrize("kind", ["matchbox", "perceptron"])
def test_blank_row_between_epochs_in_libreoffice(tmp_path, soffice, kind):
    v, filled, plan = filled_workbook(tmp_path, kind)
    row = epoch_boundary(v, plan)
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx",
                             [{"op": "insert_rows", "sheet": "Work", "row": row, "count": 1}])
    result, _ = full_marks(saved)
    for p in plan.cells:  # epoch 2 and later one row down, epoch 1 where it was
        if p.role == "answer" and p.table == "trials":
            assert result.plan.home[p.content.name].row == p.row + (p.row >= row)


def test_memo_column_inside_the_trial_table_in_libreoffice(tmp_path, soffice):
    v, filled, plan = filled_workbook(tmp_path, "matchbox", "ja")
    first, last, _, item = trial_rows(plan)
    memo = item + 1  # between the item and its inputs
    letter = openpyxl.utils.get_column_letter(memo)
    header = next(p.row for p in plan.cells if p.table == "trials" and p.role == "header")
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx", [
        {"op": "insert_cols", "sheet": "計算", "col": memo},
        {"op": "set", "sheet": "計算", "cell": f"{letter}{header}", "value": "メモ"},
        {"op": "set", "sheet": "計算", "cell": f"{letter}{first}", "value": "最初は手で計算"},
        {"op": "set", "sheet": "計算", "cell": f"{letter}{first + 1}", "value": 7},
        {"op": "set", "sheet": "計算", "cell": f"{letter}{last}", "value": "1"},
    ])
    result, _ = full_marks(saved)
    assert result.plan.home["u1"].col == plan.home["u1"].col + 1


def test_trials_sorted_by_item_in_libreoffice(tmp_path, soffice):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    first, last, right, item = trial_rows(plan)
    area = f"A{first}:{openpyxl.utils.get_column_letter(right)}{last}"
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx",
                             [{"op": "sort", "sheet": "Work", "range": area, "by": item - 1}])
    wb = openpyxl.load_workbook(saved, data_only=True)
    items = [wb["Work"].cell(r, item).value for r in range(first, last + 1)]
    assert items == sorted(items)
    result, _ = full_marks(saved)
    assert any(result.plan.home[q.name].row != plan.home[q.name].row for q in v.worksheet.answers)


def test_work_sheet_renamed_in_libreoffice(tmp_path, soffice):
    v, filled, plan = filled_workbook(tmp_path, "perceptron", "ja")
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx",
                             [{"op": "rename", "sheet": "計算", "name": "私の計算"}])
    result, report = full_marks(saved, ["sheet-renamed"])
    assert "私の計算" in result.notes[0]["ja"] and "「計算」" in result.notes[0]["ja"]
    assert {c.sheet for c in report.cells} == {"私の計算"}


def test_work_sheet_duplicated_and_the_copy_filled_in_libreoffice(tmp_path, soffice):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx", [
        {"op": "duplicate", "sheet": "Work", "name": "Work copy"},
        {"op": "clear", "sheet": "Work", "cells": answer_cells(plan, "Work")},
    ])
    result, report = full_marks(saved, ["sheet-copies"])
    assert "'Work copy'" in result.notes[0]["en"] and "「Work copy」" in result.notes[0]["ja"]
    assert {c.sheet for c in report.cells} == {"Work copy"}


def test_a_sheet_of_the_learners_own_in_libreoffice(tmp_path, soffice):
    v, filled, plan = filled_workbook(tmp_path, "counting")
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx", [
        {"op": "add_sheet", "name": "scratch", "index": 0},
        {"op": "set", "sheet": "scratch", "cell": "A1", "value": "Trials"},
        {"op": "set", "sheet": "scratch", "cell": "B2", "value": 3.5},
    ])
    result, _ = full_marks(saved, ["sheet-ignored"])
    assert "'scratch'" in result.notes[0]["en"]


def test_a_deleted_row_is_named_and_nothing_shifts_in_libreoffice(tmp_path, soffice):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    trial5 = plan.home["u5"].row
    saved = libreoffice_edit(soffice, filled, tmp_path / "edited.xlsx",
                             [{"op": "delete_rows", "sheet": "Work", "row": trial5}])
    check_row_deleted(read_filled(saved), v, 5)


def check_row_deleted(result, v, trial):
    report = grade(result)
    assert [n["code"] for n in result.notes] == ["row-missing"], result.notes
    assert f"trial {trial}," in result.notes[0]["en"] and f"試行 {trial}、" in result.notes[0]["ja"]
    gone = {q.name for q in v.worksheet.answers if q.label["en"].startswith(f"trial {trial}:")}
    assert gone and result.lost == gone
    status = {c.quantity: c.status for c in report.cells}
    assert {status[n] for n in gone} == {"blank"}
    assert all(s == "correct" for n, s in status.items() if n not in gone), \
        {n: s for n, s in status.items() if s != "correct"}


# --- the same edits with openpyxl (fast) -----------------------------------------------------------------

def edited(path, out, edit):
    """`path` edited by edit(workbook), saved at `out`. openpyxl moves no merged range when it inserts or
    deletes rows and columns (a spreadsheet program does), so the titles are unmerged first."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for merged in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(merged))
    edit(wb)
    wb.save(out)
    return out


@pytest.mark.parametrize("kind", ["matchbox", "perceptron", "counting"])
def test_blank_rows_inside_the_trial_table(tmp_path, kind):
    v, filled, plan = filled_workbook(tmp_path, kind)
    row = epoch_boundary(v, plan)
    out = edited(filled, tmp_path / "rows.xlsx", lambda wb: (wb["Work"].insert_rows(row, 2),
                                                             wb["Work"].insert_rows(plan.home["u2"].row)))
    full_marks(out)


def test_memo_columns_inside_tables(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    first, last, right, item = trial_rows(plan)
    u = plan.home["u1"].col

    def edit(wb):
        ws = wb["Work"]
        ws.insert_cols(u)  # before the sum u
        ws.cell(first - 2, u, "memo")
        ws.cell(first, u, "easy")
        ws.cell(first + 3, u, 12)
        ws.insert_cols(2)  # inside the trial table, between trial and epoch
        wb["Exercise"].insert_cols(2)  # between the labels and the values of the givens
    full_marks(edited(filled, tmp_path / "memo.xlsx", edit))


def test_columns_moved(tmp_path):
    """Two columns of the trial table swapped, headings and all: each is found by its heading."""
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    cols = {tr(p.content, "en"): p.col for p in plan.cells if p.table == "trials" and p.role == "header"}
    a, b = cols["sum u"], cols["difference d"]

    def edit(wb):
        ws = wb["Work"]
        for r in range(1, ws.max_row + 1):
            x, y = ws.cell(r, a).value, ws.cell(r, b).value
            ws.cell(r, a, y)
            ws.cell(r, b, x)
    result, _ = full_marks(edited(filled, tmp_path / "moved.xlsx", edit))
    assert result.plan.home["u1"].col == b and result.plan.home["d1"].col == a


def test_rows_sorted_and_moved(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "perceptron")
    first, last, right, item = trial_rows(plan)

    def edit(wb):
        ws = wb["Work"]
        rows = [[ws.cell(r, c).value for c in range(1, right + 1)] for r in range(first, last + 1)]
        rows.sort(key=lambda cells: (str(cells[item - 1]), -cells[0]))  # by item, latest trial first
        for r, cells in enumerate(rows, start=first):
            for c, value in enumerate(cells, start=1):
                ws.cell(r, c, value)
        # and the test table's rows in reverse
        test = sorted({p.row for p in plan.cells if p.table == "test" and p.role == "answer"})
        cols = range(1, 1 + max(p.col for p in plan.cells if p.table == "test"))
        block = [[ws.cell(r, c).value for c in cols] for r in test]
        for r, cells in zip(test, reversed(block)):
            for c, value in zip(cols, cells):
                ws.cell(r, c, value)
    result, _ = full_marks(edited(filled, tmp_path / "sorted.xlsx", edit))
    assert result.plan.home["u1"].row != plan.home["u1"].row


def test_rows_without_labels_go_by_their_order(tmp_path):
    """The activation table's rows have no label of their own: a blank row among them changes nothing."""
    v, filled, plan = filled_workbook(tmp_path, "activations")
    rows = sorted({p.row for p in plan.cells if p.table == "values" and p.role == "answer"})
    full_marks(edited(filled, tmp_path / "rows.xlsx", lambda wb: wb["Work"].insert_rows(rows[2])))


def test_a_deleted_row_is_named_and_read_as_blank(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    check_row_deleted(read_filled(edited(filled, tmp_path / "deleted.xlsx",
                                         lambda wb: wb["Work"].delete_rows(plan.home["u7"].row))), v, 7)


def test_a_row_twice_grades_the_fuller_one(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    first, last, right, item = trial_rows(plan)

    def edit(wb):  # trial 2's row copied below the table without its answers, then the table moved down
        ws = wb["Work"]
        ws.insert_rows(last + 1)
        for c in range(1, right + 1):
            p = next((p for p in plan.cells if p.row == plan.home["u2"].row and p.col == c and p.table == "trials"))
            ws.cell(last + 1, c, None if p.role == "answer" else ws.cell(p.row, c).value)
    result, _ = full_marks(edited(filled, tmp_path / "twice.xlsx", edit), ["row-repeated"])
    assert result.plan.home["u2"].row == plan.home["u2"].row
    assert "trial 2," in result.notes[0]["en"]


def test_a_heading_overwritten_is_found_by_its_place(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    header = next(p for p in plan.cells if p.table == "trials" and p.role == "header"
                  and tr(p.content, "en") == "sum u")
    result, _ = full_marks(edited(filled, tmp_path / "heading.xlsx",
                                  lambda wb: wb["Work"].cell(header.row, header.col, "u")), ["column-by-place"])
    assert "'sum u'" in result.notes[0]["en"] and "「総和 u」" in result.notes[0]["ja"]


def test_sheets_found_by_their_content(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "neuron", "ja")

    name = next(p for p in plan.cells if p.role == "name")

    def edit(wb):
        wb["問題"].insert_rows(1)  # and the name moves with it
        wb["問題"].cell(name.row + 1, name.col, "山田 花子")
        wb["計算"].title = "Sheet2"
        wb["問題"].title = "Sheet1"
        wb.create_sheet("メモ")["A1"] = "途中の計算"
        wb.move_sheet("メモ", -2)
    result, report = full_marks(edited(filled, tmp_path / "renamed.xlsx", edit),
                                ["sheet-renamed", "sheet-renamed", "sheet-ignored"])
    assert result.plan.sheets == ("Sheet1", "Sheet2")
    assert report.learner == "山田 花子"


def test_the_fuller_copy_of_the_work_sheet_is_graded(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "counting")

    def edit(wb):
        copy = wb.copy_worksheet(wb["Work"])  # "Work Copy", after the others: the learner filled this one
        for p in plan.cells:
            if p.role == "answer" and p.sheet == "Work":
                wb["Work"][p.cell] = None
        copy["A1"] = copy["A1"].value
    result, report = full_marks(edited(filled, tmp_path / "copy.xlsx", edit), ["sheet-copies"])
    assert {c.sheet for c in report.cells} == {"Work Copy"}
    # and the original, when it is the one filled in
    out = edited(filled, tmp_path / "copy2.xlsx", lambda wb: wb.copy_worksheet(wb["Work"]))
    result, report = full_marks(out, ["sheet-copies"])
    assert {c.sheet for c in report.cells} == {"Work"}


def test_a_blank_workbook_has_no_notes(tmp_path):
    for kind, lang in (("matchbox", "ja"), ("activations", "en"), ("backprop", "en")):
        v, learner, _ = make_workbooks(tmp_path, kind, 3, lang)
        result = read_filled(learner)
        assert result.notes == [] and result.lost == set()
        assert {c.status for c in grade(result).cells} == {"blank"}


# --- the answer key is refused -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_answer_key_is_refused(tmp_path, lang):
    v, learner, key = make_workbooks(tmp_path, "perceptron", 3, lang)
    with pytest.raises(WorkbookError, match="^this is the answer key, not a learner's workbook$"):
        read_filled(key)
    meta = json.loads(openpyxl.load_workbook(key)["matchbox"]["A2"].value)
    assert meta["key"] is True
    assert "key" not in json.loads(openpyxl.load_workbook(learner)["matchbox"]["A2"].value)

    def older(wb):  # a key from before keys said so: known by its title
        del meta["key"]
        blob = json.dumps(meta, ensure_ascii=False, sort_keys=True)
        wb["matchbox"]["A2"] = blob
        for prop in wb.custom_doc_props.props:
            if prop.name == "matchbox":
                prop.value = blob
    old = edited(key, tmp_path / "old-key.xlsx", older)
    with pytest.raises(WorkbookError, match="answer key"):
        read_filled(old)


# --- references: empty until their cell holds a number; the copies are read -----------------------------------

def test_references_to_answers_wait_for_a_number_and_keys_hold_values(tmp_path):
    v, learner, key = make_workbooks(tmp_path, "matchbox", 3, "en")
    plan = layout(v.worksheet, "en")
    wb, kwb = openpyxl.load_workbook(learner), openpyxl.load_workbook(key)
    answers = {q.name for q in v.worksheet.answers}
    refs = [p for p in plan.cells if p.role == "ref"]
    values = v.worksheet.key()
    for p in refs:
        home = plan.home[p.content.name]
        value = wb[p.sheet][p.cell].value
        if p.content.name in answers:
            assert value == f'=IF(ISNUMBER({home.cell}),{home.cell},"")', value
        else:
            assert value == values[p.content.name]
        assert kwb[p.sheet][p.cell].value == pytest.approx(values[p.content.name])


def test_libreoffice_shows_nothing_until_the_answer_is_there(tmp_path, soffice):
    """A blank workbook, saved by LibreOffice: no 0 in the weights before; where trial 1 is filled in,
    trial 2 shows its weights."""
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 7, "en")  # learns its threshold too
    plan = layout(v.worksheet, "en")
    values = {n: x for n, x in answers_of(v).items() if n in ("u1", "y1", "d1", "theta1") or n.startswith("w1_")}
    assert "theta1" in values
    partly = fill(learner, v, "en", values, tmp_path / "partly.xlsx")
    saved = libreoffice_edit(soffice, partly, tmp_path / "saved.xlsx", [])
    wb = openpyxl.load_workbook(saved, data_only=True)
    result = read_filled(saved)
    copies = {(name, cell): raw for name, sheet, cell, raw in result.copies}
    for p in plan.cells:
        if p.role != "ref" or v.worksheet.quantities[p.content.name].is_given:
            continue
        shown = wb[p.sheet][p.cell].value
        if p.content.name in values:
            assert shown == pytest.approx(values[p.content.name]), p.cell
        else:
            assert shown in (None, ""), (p.cell, p.content.name, shown)
        assert copies[p.content.name, p.cell] == shown


def test_the_copies_of_givens_are_read(tmp_path):
    v, filled, plan = filled_workbook(tmp_path, "matchbox")
    lr = next(p for p in plan.cells if p.role == "ref" and p.content.name == "lr")
    w1 = next(p for p in plan.cells if p.role == "ref" and p.content.name == "w0_0" and p.table == "trials")

    def edit(wb):
        wb["Work"].insert_rows(1)  # and everything moves
        wb["Work"].cell(lr.row + 1, lr.col, 0.5)
        wb["Work"].cell(w1.row + 1, w1.col, 9)
    result = read_filled(edited(filled, tmp_path / "copies.xlsx", edit))
    copies = result.copies
    assert all(len(c) == 4 for c in copies)
    assert ("lr", "Work", f"{lr.cell[0]}{lr.row + 1}", 0.5) in copies
    assert ("w0_0", "Work", f"{w1.cell[0]}{w1.row + 1}", 9) in copies
    given = {name for name, *_ in copies if v.worksheet.quantities[name].is_given}
    assert {"lr", "theta0", "w0_0", "x0_0", "t0"} <= given
    refs = [p for p in plan.cells if p.role == "ref"]
    assert len(copies) == len(refs)
    untouched = [c for c in copies if c[0] in given and (c[0], c[2]) not in
                 {("lr", f"{lr.cell[0]}{lr.row + 1}"), ("w0_0", f"{w1.cell[0]}{w1.row + 1}")}]
    key = v.worksheet.key()
    assert all(raw == key[name] for name, _, _, raw in untouched)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_a_blank_row_in_every_table_and_memo_columns(tmp_path, kind, lang):
    """Below the last row of every table's first data row a blank row, and a memo column in every sheet
    (inside the tables, after their first column): graded as the unedited workbook, with no note."""
    v, filled, plan = filled_workbook(tmp_path, kind, lang, seed=4)

    def edit(wb):
        for sheet in plan.sheets:
            rows = {}
            for p in plan.cells:
                if p.sheet == sheet and p.table and p.role in ("answer", "given", "label", "ref"):
                    rows.setdefault(p.table, set()).add(p.row)
            for row in sorted((min(r) + 1 for r in rows.values() if len(r) > 1), reverse=True):
                wb[sheet].insert_rows(row)
            wb[sheet].insert_cols(2)
            wb[sheet].cell(plan.home[v.worksheet.answers[0].name].row, 2, "memo")
    full_marks(edited(filled, tmp_path / "edited.xlsx", edit))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_label_worded_otherwise_is_read_in_its_place(tmp_path, lang):
    """A workbook made before a label was reworded (or a label typed over): the row in that row's place, whose
    label is no other row's, is that row, and the note says so; a label that another row of the table has is
    never taken for this row."""
    v, filled, plan = filled_workbook(tmp_path, "perceptron", lang)
    given = next(p for p in plan.cells if p.role == "label" and p.table == "settings"
                 and any(q.row == p.row and q.role == "given" for q in plan.cells))
    other = next(p for p in plan.cells if p.role == "label" and p.table == "settings" and p.row != given.row)

    def reword(wb):
        wb[given.sheet].cell(given.row, given.col).value = "an older wording of this label"
    full_marks(edited(filled, tmp_path / "reworded.xlsx", reword), ["row-relabelled"])

    def duplicate(wb):  # the label of another given: not this row, whatever its place
        wb[given.sheet].cell(given.row, given.col).value = tr(other.content, lang)
    twice = read_filled(edited(filled, tmp_path / "twice.xlsx", duplicate))
    codes = [n["code"] for n in twice.notes]
    assert "row-relabelled" not in codes and "row-missing" in codes, codes
    report = grade(twice)
    assert report.score == report.max_score  # the answers are all found; only the given row is not guessed
