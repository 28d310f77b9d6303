"""A class at once: `matchbox check FOLDER` with one line per learner, a summary, a CSV gradebook safe to open
in a spreadsheet, Gradescope results, graded copies, both cores, the order kept."""
import csv
import io
import json
import shutil

import openpyxl
import pytest

from matchbox.kinds import sampled
from matchbox.grading.batch import Progress
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
