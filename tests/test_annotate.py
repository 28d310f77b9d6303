"""`check --annotate`: a graded copy, coloured cell by cell, with comments and a summary sheet in front;
never written over the learner's workbook."""
import hashlib

import openpyxl
import pytest

from matchbox.views.annotate import COLOURS
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.workbook.reader import read_filled

from conftest import answers_of, fill, make_workbooks, run_cli


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slipped(tmp_path, lang="en"):
    """A matchbox workbook with the difference of the first moving trial written as y − t, carried on from
    there, one answer left blank, and the learning rate overwritten."""
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, lang)
    ws = v.worksheet
    own = ws.key()
    k = next(n for n in own if n.startswith("d") and own[n] != 0)
    t, y = ws.quantities[k].step.args
    own[k] = own[y] - own[t]
    names = list(ws.quantities)
    for q in ws.answers:
        if names.index(q.name) > names.index(k):
            own[q.name] = ws.evaluate(q.name, own)
    values = {q.name: own[q.name] for q in ws.answers}
    del values["test_y0"]
    values["lr"] = 5
    return v, fill(learner, v, lang, values, tmp_path / "slipped.xlsx"), k


def colour(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_graded_copy_colours_comments_and_summary(tmp_path, lang):
    v, filled, wrong = slipped(tmp_path, lang)
    before = digest(filled)
    out = tmp_path / "graded.xlsx"
    r = run_cli("check", filled, "--annotate", out)
    assert r.returncode == 1, r.stderr
    assert digest(filled) == before and out.exists()
    report = grade(read_filled(filled))
    wb = openpyxl.load_workbook(out)
    statuses = {c.status for c in report.cells}
    assert statuses == {"correct", "carried", "incorrect", "blank"}
    for c in report.cells:
        cell = wb[c.sheet][c.cell]
        assert colour(cell) == COLOURS[c.status], (c.cell, c.status)
        if c.status == "correct":
            assert cell.comment is None
        else:
            assert c.feedback in cell.comment.text
    bad = next(c for c in report.cells if c.quantity == wrong)
    comment = wb[bad.sheet][bad.cell].comment.text
    expected_words = {"en": ("expected -1", "d = t − y", "sign of the difference reversed"),
                      "ja": ("正しくは -1", "d = t − y", "誤差の符号の取り違え")}[lang]
    assert all(w in comment for w in expected_words), comment
    lr = next(g for g in report.givens if g.quantity == "lr")
    assert colour(wb[lr.sheet][lr.cell]) == "FF9999" and "1" in wb[lr.sheet][lr.cell].comment.text

    summary = wb.worksheets[0]
    assert wb.active.title == summary.title == {"en": "Graded", "ja": "採点結果"}[lang]
    cells = [[c.value for c in row] for row in summary.iter_rows()]
    assert [wb.sheetnames[0], f"{report.score} / {report.max_score}"] == [summary.title, cells[4][1]]
    for s in report.sections:  # score per section
        assert [s["title"], s["score"], s["max_score"]] in [row[:3] for row in cells]
    listed = [row[1] for row in cells if isinstance(row[1], str) and "!" in row[1]]
    assert listed == [f"{c.sheet}!{c.cell}" for c in report.cells if c.status in ("incorrect", "blank")]
    link = next(row for row in summary.iter_rows() if row[1].value == f"{bad.sheet}!{bad.cell}")[0]
    assert link.hyperlink.location == f"'{bad.sheet}'!{bad.cell}"


def test_graded_copy_can_be_checked_again(tmp_path):
    v, filled, _ = slipped(tmp_path)
    out = tmp_path / "graded.xlsx"
    assert run_cli("check", filled, "--annotate", out).returncode == 1
    again, first = grade(read_filled(out)), grade(read_filled(filled))
    assert [(c.cell, c.status) for c in again.cells] == [(c.cell, c.status) for c in first.cells]


def test_never_over_the_original_nor_an_existing_file(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    filled = fill(learner, v, "en", answers_of(v), tmp_path / "mine.xlsx")
    before = digest(filled)
    r = run_cli("check", filled, "--annotate", filled, "--force")
    assert r.returncode == 2 and "is a workbook being checked" in r.stderr and r.stderr.count("\n") == 1
    assert digest(filled) == before
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"mine, not matchbox's")
    r = run_cli("check", filled, "--annotate", other)
    assert r.returncode == 2 and "already exists; use --force" in r.stderr
    assert other.read_bytes() == b"mine, not matchbox's"
    r = run_cli("check", filled, "--annotate", other, "--force")
    assert r.returncode == 0 and openpyxl.load_workbook(other).worksheets[0].title == "Graded"
    assert digest(filled) == before


def test_annotate_into_a_folder_and_not_for_a_file_that_cannot_be_graded(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "perceptron", 3, "en")
    filled = fill(learner, v, "en", answers_of(v), tmp_path / "anna.xlsx")
    r = run_cli("check", filled, "--annotate", tmp_path / "graded")
    assert r.returncode == 0 and (tmp_path / "graded" / "anna-graded.xlsx").exists()
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    r = run_cli("check", empty, "--annotate", tmp_path / "empty-graded.xlsx")
    assert r.returncode == 2 and not (tmp_path / "empty-graded.xlsx").exists()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_heading_of_the_summary_stands_over_its_own_count(tmp_path, lang):
    """The summary sheet read back cell by cell: the heading above each count names the status of the cells
    counted (so 「不正解」 never stands over the carried count), per table, and each legend colour is its
    heading's colour."""
    from matchbox.views.annotate import copy_words
    v, filled, _ = slipped(tmp_path, lang)
    out = tmp_path / "graded.xlsx"
    run_cli("check", filled, "--annotate", out)
    report = grade(read_filled(filled))
    summary = openpyxl.load_workbook(out).worksheets[0]
    rows = [list(row) for row in summary.iter_rows()]
    by_name = {copy_words(lang)[s]: s for s in COLOURS}  # each status's heading on the summary sheet
    assert len(by_name) == len(COLOURS)
    head = next(i for i, row in enumerate(rows) if sum(c.value in by_name for c in row) == len(COLOURS))
    columns = {j: by_name[c.value] for j, c in enumerate(rows[head]) if c.value in by_name}
    titles = {s["title"]: s["section"] for s in report.sections}
    body = [row for row in rows[head + 1:head + 1 + len(titles)]]
    assert [row[0].value for row in body] == list(titles)
    seen = set()
    for row in body:
        section = titles[row[0].value]
        for j, status in columns.items():
            count = sum(c.status == status and c.section == section for c in report.cells)
            assert row[j].value == count, (row[0].value, rows[head][j].value, row[j].value)
            seen.add(status) if count else None
    assert {"carried", "incorrect", "blank", "correct"} <= seen  # the test sees the columns that could swap
    legend = next(row for row in rows[head + 1:] if row[1].value in by_name)
    for cell in legend[1:len(COLOURS) + 1]:
        assert colour(cell) == COLOURS[by_name[cell.value]]
    # each heading and each colour's name fits its column in the height its row was given (no heading runs
    # into the count under it when the copy is opened or printed)
    from matchbox.views.annotate import WIDTHS
    from matchbox.worksheet.graph import display_width
    for r in (head, rows.index(legend)):
        lines = (summary.row_dimensions[r + 1].height or 15) / 15
        for j, c in enumerate(rows[r]):
            if c.value:
                assert display_width(str(c.value)) <= lines * (WIDTHS[j] - 2) + 1, (c.value, lines)
