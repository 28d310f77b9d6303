"""A class at once: `matchbox check FOLDER` with one line per learner, a summary, a CSV gradebook safe to open
in a spreadsheet, Gradescope results, graded copies, both cores, the order kept."""
import csv
import io
import json
import os
import shutil

import openpyxl
import pytest

from matchbox.kinds import sampled
from matchbox.cli.progress import Progress
from matchbox.roster import safe
from matchbox.workbook.layout import layout
from matchbox.workbook.writer import write_workbook

from conftest import answers_of, fill, run_cli

INJECTION = '=HYPERLINK("http://example.com","click")'


def learner_workbook(folder, name, kind="matchbox", seed=3, lang="en", slip=False, typed_name=None,
                     stored_name=None):
    """A learner's filled workbook at folder/name: the key's answers, or one wrong sum."""
    v = sampled(kind, seed)
    folder.mkdir(parents=True, exist_ok=True)
    blank = write_workbook(v, lang, folder / f"blank-{name}", learner=stored_name)
    values = answers_of(v)
    if slip:
        values["u1"] += 1
    path = fill(blank, v, lang, values, folder / name)
    blank.unlink()
    if typed_name is not None:
        wb = openpyxl.load_workbook(path)
        cell = next(p for p in layout(v.worksheet, lang).cells if p.role == "name")
        wb[cell.sheet][cell.cell] = typed_name
        wb[cell.sheet][cell.cell].data_type = "s"  # typed as text ('=...), as a spreadsheet keeps it
        wb.save(path)
    return path


@pytest.fixture()
def submissions(tmp_path):
    """A learning platform's export: a folder per learner, and the debris such folders collect."""
    subs = tmp_path / "submissions"
    learner_workbook(subs / "anna", "matchbox-3-en.xlsx", stored_name="Anna Schmidt")
    learner_workbook(subs / "ben", "matchbox-3-en.xlsx", slip=True, typed_name=INJECTION)
    learner_workbook(subs / "chika", "perceptron-3-ja.xlsx", kind="perceptron", lang="ja", stored_name="山田 千佳")
    (subs / "dan").mkdir()
    (subs / "dan" / "matchbox.xlsx").write_bytes(b"")  # an empty upload
    (subs / "anna" / "~$matchbox-3-en.xlsx").write_bytes(b"lock")  # Excel's lock file beside an open workbook
    (subs / ".DS_Store.xlsx").write_bytes(b"junk")
    (subs / "anna" / "notes.pdf").write_bytes(b"%PDF-1.4")
    return subs


def test_a_folder_gives_one_line_per_learner_a_summary_and_files(tmp_path, submissions):
    grades, results, graded = tmp_path / "grades.csv", tmp_path / "results.json", tmp_path / "graded"
    r = run_cli("check", submissions, "--gradebook", grades, "--gradescope", results, "--annotate", graded)
    assert r.returncode == 2  # one file could not be graded; the others were
    lines = r.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{submissions}/anna/matchbox-3-en.xlsx: matchbox-3 (learner: Anna Schmidt)  "
                               "score 100/100")
    assert lines[1].startswith(f"{submissions}/ben/matchbox-3-en.xlsx: matchbox-3") and "score 99/100" in lines[1]
    assert lines[2].startswith(f"{submissions}/chika/perceptron-3-ja.xlsx: perceptron-3 (名前: 山田 千佳)")
    assert lines[3].startswith("4 workbooks: 2 full marks, 1 with something to fix, 1 could not be graded")
    assert r.stderr == f"matchbox: {submissions}/dan/matchbox.xlsx: the file is empty (0 bytes)\n"

    raw = grades.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the names as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["file"] for row in rows] == [f"{submissions}/{p}" for p in (
        "anna/matchbox-3-en.xlsx", "ben/matchbox-3-en.xlsx", "chika/perceptron-3-ja.xlsx", "dan/matchbox.xlsx")]
    anna, ben, chika, dan = rows
    assert (anna["name"], anna["kind"], anna["variant"], anna["score"], anna["max_score"], anna["status"]) == \
        ("Anna Schmidt", "matchbox", "matchbox-3", "100", "100", "passed")
    assert ben["name"] == "'" + INJECTION and ben["status"] == "mistakes" and ben["score"] == "99"
    assert chika["name"] == "山田 千佳" and chika["max_score"] == str(len(sampled("perceptron", 3).worksheet.answers))
    assert dan["status"] == "error" and dan["score"] == "" and "empty" in dan["error"]

    out = json.loads(results.read_text())
    assert out["score"] == 100 + 99 + int(chika["score"])
    for test in out["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        assert isinstance(test["score"], int) and 0 <= test["score"] <= test["max_score"]
    names = [t["name"] for t in out["tests"]]
    assert "matchbox-3-en.xlsx: Trials" in names and "perceptron-3-ja.xlsx: 試行" in names
    failed = [t for t in out["tests"] if t["status"] == "failed"]
    assert any("Work!" in t["output"] and "expected" in t["output"] for t in failed)
    assert any(t["name"] == "matchbox.xlsx: workbook" and "empty" in t["output"] for t in failed)
    assert sum(t["max_score"] for t in out["tests"]) == out["max_score"]

    copies = sorted(p.relative_to(graded).as_posix() for p in graded.rglob("*.xlsx"))
    assert copies == ["anna/matchbox-3-en-graded.xlsx", "ben/matchbox-3-en-graded.xlsx",
                      "chika/perceptron-3-ja-graded.xlsx"]


def test_exit_codes_of_a_class(tmp_path):
    good = tmp_path / "good"
    for name in ("a.xlsx", "b.xlsx"):
        learner_workbook(good, name)
    assert run_cli("check", good).returncode == 0
    learner_workbook(good, "c.xlsx", slip=True)
    assert run_cli("check", good).returncode == 1
    (tmp_path / "empty").mkdir()
    r = run_cli("check", tmp_path / "empty")
    assert r.returncode == 2 and "no workbooks (.xlsx files) in this folder" in r.stderr


def test_both_cores_keep_the_order(tmp_path):
    folder = tmp_path / "class"
    first = learner_workbook(folder, "00.xlsx")
    slipped = learner_workbook(folder, "01.xlsx", slip=True)
    for i in range(2, 12):
        shutil.copy(slipped if i % 3 == 0 else first, folder / f"{i:02d}.xlsx")
    (folder / "05.xlsx").write_bytes(b"PK\x03\x04 truncated")
    one = run_cli("check", folder, "--jobs", "1", "--json")
    two = run_cli("check", folder, "--jobs", "2", "--json")
    assert one.returncode == two.returncode == 2
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert [o["file"] for o in json.loads(two.stdout)] == [str(folder / f"{i:02d}.xlsx") for i in range(12)]
    plain = run_cli("check", folder, "--jobs", "2")
    assert [line.split(":")[0] for line in plain.stdout.splitlines()[:-1]] == \
        [str(folder / f"{i:02d}.xlsx") for i in range(12) if i != 5]
    assert "\r" not in plain.stderr  # no progress bar when stderr is not a terminal


def test_outputs_never_replace_a_checked_workbook_or_an_existing_file(tmp_path):
    folder = tmp_path / "class"
    a = learner_workbook(folder, "a.xlsx")
    learner_workbook(folder, "b.xlsx")
    before = a.read_bytes()
    r = run_cli("check", folder, "--gradebook", a, "--force")
    assert r.returncode == 2 and "is a workbook being checked" in r.stderr and a.read_bytes() == before
    grades = tmp_path / "grades.csv"
    grades.write_text("my own notes")
    r = run_cli("check", folder, "--gradebook", grades)
    assert r.returncode == 2 and "already exists; use --force" in r.stderr and grades.read_text() == "my own notes"
    assert r.stdout == ""  # refused before grading anything
    assert run_cli("check", folder, "--gradebook", grades, "--force").returncode == 0
    assert grades.read_text(encoding="utf-8-sig").startswith("name,file,kind,variant,score,max_score")
    r = run_cli("check", folder, "--annotate", folder)
    assert r.returncode == 2 and "is a folder being checked" in r.stderr


def test_one_file_gradescope_results(tmp_path):
    path = learner_workbook(tmp_path, "mine.xlsx", kind="perceptron", slip=True)
    r = run_cli("check", path, "--gradescope", tmp_path / "results.json")
    assert r.returncode == 1
    out = json.loads((tmp_path / "results.json").read_text())
    assert out["score"] == out["max_score"] - 1
    assert [t["name"] for t in out["tests"]][0] == "Trials"  # no file prefix for a single workbook
    trials = out["tests"][0]
    assert trials["status"] == "failed" and trials["score"] == trials["max_score"] - 1
    assert "trial 1: weighted sum u" in trials["output"]


@pytest.mark.parametrize("text", ["=1+1", "+81 90", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "＝1+1", "＠x", "－1"])
def test_formula_injection_is_quoted(text):
    assert safe(text) == "'" + text


@pytest.mark.parametrize("value", ["山田 千佳", "Anna", "", "a=b", 3, 99.5, -1])
def test_ordinary_values_are_left_alone(value):
    assert safe(value) == value


class Terminal(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_progress_bar_only_on_a_terminal():
    for tty in (True, False):
        stream = Terminal(tty)
        progress = Progress(4, stream)
        for name in "abcd":
            progress.advance(name)
        progress.clear()
        text = stream.getvalue()
        if tty:
            assert "[##############################] 4/4 d" in text and "2/4 b" in text
        else:
            assert text == ""


# --- the room's records: one result per learner per exercise; graded copies; class lists --------------------

def day_of_uploads(folder):
    """Anna hands in matchbox twice (first with a slip, then right) and perceptron once; Ben matchbox once.
    Anna's later matchbox comes first in the folder's order: only the time it was saved says which is latest."""
    first = learner_workbook(folder / "anna", "b-matchbox.xlsx", slip=True, stored_name="Anna Schmidt")
    later = learner_workbook(folder / "anna", "a-matchbox.xlsx", stored_name="Anna Schmidt")
    perceptron = learner_workbook(folder / "anna", "c-perceptron.xlsx", kind="perceptron", slip=True,
                                  stored_name="Anna Schmidt")
    ben = learner_workbook(folder / "ben", "matchbox.xlsx", slip=True, stored_name="Ben Okafor")
    for i, path in enumerate((first, later, perceptron, ben)):
        os.utime(path, (1_700_000_000 + 60 * i, 1_700_000_000 + 60 * i))
    return [first, later, perceptron, ben]  # in the order they were saved


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_the_gradebook_keeps_each_learners_latest_per_exercise_long_and_wide(tmp_path):
    folder = tmp_path / "day"
    first, later, perceptron, ben = day_of_uploads(folder)
    long, wide = tmp_path / "grades.csv", tmp_path / "wide.csv"
    r = run_cli("check", folder, "--gradebook", long, "--gradebook-wide", wide)
    assert r.returncode == 1, r.stderr
    assert len(r.stdout.splitlines()) == 5  # every workbook is still checked and listed
    rows = read_csv(long)
    assert [(row["name"], row["kind"], row["file"]) for row in rows] == [
        ("Anna Schmidt", "matchbox", str(later)), ("Anna Schmidt", "perceptron", str(perceptron)),
        ("Ben Okafor", "matchbox", str(ben))]
    assert rows[0]["score"] == rows[0]["max_score"] and rows[0]["checked_at"]
    p_max = len(sampled("perceptron", 3).worksheet.answers)
    assert read_csv(wide) == [
        {"name": "Anna Schmidt", "matchbox %": "100.0", "perceptron %": str(round(100 * (p_max - 1) / p_max, 1))},
        {"name": "Ben Okafor", "matchbox %": "99.0", "perceptron %": ""}]
    os.utime(first, (1_800_000_000, 1_800_000_000))  # the slipped one saved again, last: now it is the latest
    run_cli("check", folder, "--gradebook", long, "--force")
    assert [row["file"] for row in read_csv(long)][0] == str(first)


def test_check_and_serve_keep_the_same_gradebook_for_the_same_workbooks(tmp_path):
    from matchbox.web import create_app
    folder = tmp_path / "day"
    saved_order = day_of_uploads(folder)
    served = tmp_path / "served.csv"
    c = create_app(gradebook=served, token="t").test_client()
    for path in saved_order:
        with open(path, "rb") as f:
            assert c.post("/check", data={"workbook": (f, path.name)}, headers={"Accept-Language": "en"}
                          ).status_code == 303
    checked = tmp_path / "checked.csv"
    run_cli("check", folder, "--gradebook", checked)
    same = ["name", "kind", "variant", "score", "max_score", "percent", "status", "slips", "error"]
    by_check, by_serve = read_csv(checked), read_csv(served)
    assert len(by_check) == 3 and list(by_check[0]) == list(by_serve[0])  # the same columns
    assert [{k: r[k] for k in same} for r in by_check] == [{k: r[k] for k in same} for r in by_serve]
    wide_check = tmp_path / "wide.csv"
    run_cli("check", folder, "--gradebook-wide", wide_check)
    assert c.get("/class/grades.csv?token=t&form=wide").data == wide_check.read_bytes()
    # the page restarted on check's gradebook reads it back: the same table
    again = create_app(gradebook=checked, token="t").test_client()
    assert again.get("/class/grades.csv?token=t&form=wide").data == wide_check.read_bytes()


def test_graded_copies_in_a_folder_are_not_submissions(tmp_path):
    folder = tmp_path / "class"
    learner_workbook(folder, "anna.xlsx", stored_name="Anna")
    ben = learner_workbook(folder, "ben.xlsx", slip=True, stored_name="Ben")
    alone = run_cli("check", folder)
    assert alone.stdout.splitlines()[-1] == "2 workbooks: 1 full marks, 1 with something to fix, " \
                                            "0 could not be graded; mean score 99.5%"
    assert run_cli("check", ben, "--annotate", folder / "ben-graded.xlsx").returncode == 1
    marked = folder / "for-ben.xlsx"  # a graded copy renamed: the mark in its stored data says what it is
    shutil.copy(folder / "ben-graded.xlsx", marked)
    shutil.copy(ben, folder / "old-graded.xlsx")  # a copy from before copies marked themselves: its name says
    r = run_cli("check", folder)
    assert r.stdout == alone.stdout  # one submission each, the mean unchanged
    notes = r.stderr.splitlines()
    assert len(notes) == 3 and all("a graded copy (made by check --annotate), not a learner's workbook" in n
                                   for n in notes)
    assert {n.split(": ")[1] for n in notes} == {str(folder / n) for n in ("ben-graded.xlsx", "for-ben.xlsx",
                                                                            "old-graded.xlsx")}
    assert run_cli("check", marked).returncode == 1  # named on its own, a graded copy is still checked


def test_the_graded_copy_marks_itself_and_only_itself(tmp_path):
    from matchbox.grading.batch import graded_copy
    ben = learner_workbook(tmp_path, "ben.xlsx", lang="ja", slip=True)
    copy = tmp_path / "copy.xlsx"
    run_cli("check", ben, "--annotate", copy)
    assert graded_copy(copy) == "ja" and graded_copy(ben) is None
    wb = openpyxl.load_workbook(copy)
    stored = [json.loads(p.value) for p in wb.custom_doc_props if p.name == "matchbox"]
    assert stored and stored[0]["graded"] is True
    assert json.loads(wb[wb.sheetnames[-1]]["A2"].value)["graded"] is True  # the stored sheet says it too


def test_class_lists_are_one_per_exercise_outside_the_learners_folder_and_never_replaced_silently(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("name\nAnna\nBen\n", encoding="utf-8")
    r = run_cli("generate", "matchbox", "--roster", roster, "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    matchbox_list = tmp_path / "out" / "class-lists" / "matchbox-class-list.csv"
    assert f"class list: {matchbox_list}" in r.stdout
    assert [row["learner"] for row in read_csv(matchbox_list)] == ["Anna", "Ben"]
    assert not [p for p in (tmp_path / "out" / "worksheets").iterdir() if p.suffix == ".csv"]
    run_cli("generate", "counting", "--roster", roster, "-o", tmp_path / "out")
    assert (tmp_path / "out" / "class-lists" / "counting-class-list.csv").exists()
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    roster.write_text("name\nChika\n", encoding="utf-8")
    r = run_cli("generate", "matchbox", "--roster", roster, "--seed", "9", "-o", tmp_path / "out")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert str(matchbox_list) in r.stderr and "--force" in r.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before  # nothing written
    assert run_cli("generate", "matchbox", "--roster", roster, "--seed", "9", "-o", tmp_path / "out",
                   "--force").returncode == 0
    assert [row["learner"] for row in read_csv(matchbox_list)] == ["Chika"]
