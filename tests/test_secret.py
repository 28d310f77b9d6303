"""A class drawn with a secret: the printed code says nothing of the variant, the same secret gives the same
class, `check` grades its workbooks and `solve` shows their solution only to whoever has the secret."""
from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl

from matchbox.kinds import drawn, sampled, variants
from matchbox.workbook.reader import read_filled

from conftest import answers_of, fill, run_cli


def class_of(tmp_path: Path, *extra: str) -> tuple[list[dict], Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    roster = tmp_path / "class.csv"
    roster.write_text("name\nAnna\nBen\nChika\n", encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("generate", "backprop", "--roster", roster, "--lang", "ja", "-o", out, "--json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), out


def test_a_roster_gets_a_secret_kept_for_the_instructor_and_opaque_codes(tmp_path):
    written, out = class_of(tmp_path)
    secret_file = out / "class-lists" / "backprop-secret.txt"
    secret = secret_file.read_text(encoding="utf-8").strip()
    assert len(secret) >= 16
    for path in (out / "worksheets").rglob("*"):  # never in the learners' folder, nor in their workbooks
        assert secret not in path.name
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
            assert secret not in text
            meta = json.loads(wb[wb.sheetnames[-1]]["A2"].value)
            assert meta["seed"] == 0 and meta["code"] in path.name  # no seed to hand to `solve --seed`
    ids = [w["variant"] for w in written]
    assert len(set(ids)) == 3 and all(re.fullmatch(r"backprop-[a-z2-9]{4}", i) for i in ids)
    # learner #1 is not the committed pack's backprop-1, nor is any learner a seeded variant near it
    mine = [read_filled(Path(w["xlsx"])).variant for w in written]
    seeded = {sampled("backprop", s).digest for s in range(1, 6)}
    assert not seeded & {v.digest for v in mine}
    # the same secret gives the same class again, another secret another class
    again, _ = class_of(tmp_path / "again", "--secret", secret)
    assert [w["variant"] for w in again] == ids
    assert [read_filled(Path(w["xlsx"])).variant.params for w in again] == [v.params for v in mine]
    other, _ = class_of(tmp_path / "other", "--secret", secret + "x")
    assert not {w["variant"] for w in other} & set(ids)


def test_consecutive_learners_are_unrelated_and_the_code_is_not_the_seed():
    a, b = drawn("perceptron", 1, secret="s3cret"), drawn("perceptron", 2, secret="s3cret")
    assert a.code != b.code and str(a.seed) not in a.id and abs(a.seed - b.seed) > 2**20
    assert a.sealed_by("s3cret") and not a.sealed_by("s3cret ") and not sampled("perceptron", 1).sealed_by("s3cret")
    drawn_class = variants("perceptron", 1, 3, secret="s3cret")
    assert all(v.sealed_by("s3cret") and re.fullmatch(r"perceptron-[a-z2-9]{4}", v.id) for v in drawn_class)
    assert all(re.fullmatch(r"perceptron-\d+", v.id) and v.seal is None  # no secret: seeds, as before
               for v in variants("perceptron", 1, 2))


def test_check_grades_a_sealed_workbook_and_solve_asks_for_the_secret(tmp_path):
    written, out = class_of(tmp_path)
    secret = (out / "class-lists" / "backprop-secret.txt").read_text(encoding="utf-8").strip()
    path = Path(written[0]["xlsx"])
    v = read_filled(path).variant
    done = fill(path, v, "ja", answers_of(v), tmp_path / "done.xlsx")
    r = run_cli("check", done)
    assert r.returncode == 0 and f"{v.id}" in r.stdout and "不正解" not in r.stdout, r.stdout + r.stderr
    r = run_cli("solve", done)
    assert r.returncode == 2 and "--secret" in r.stderr and "シークレット" in r.stderr and r.stdout == ""
    r = run_cli("solve", done, "--secret", "guess", "--lang", "en")
    assert r.returncode == 2 and "not the secret" in r.stderr and r.stdout == ""
    r = run_cli("solve", done, "--secret", secret, "--json")
    assert r.returncode == 0, r.stderr
    solved = json.loads(r.stdout)
    assert solved["variant"] == v.id and solved["params"] == v.params
    # a seeded workbook is solved as before, with no secret
    r = run_cli("generate", "counting", "--seed", "4", "-o", tmp_path / "seeded")
    assert r.returncode == 0 and not (tmp_path / "seeded" / "class-lists").exists()
    assert run_cli("solve", tmp_path / "seeded" / "worksheets" / "counting-4-en.xlsx").returncode == 0


def test_count_without_a_roster_makes_a_secret_too_and_reuses_it(tmp_path):
    args = ("generate", "counting", "--count", "2", "-o", tmp_path, "--json")
    first = [w["variant"] for w in json.loads(run_cli(*args).stdout)]
    assert (tmp_path / "class-lists" / "counting-secret.txt").is_file()
    assert [w["variant"] for w in json.loads(run_cli(*args).stdout)] == first
