"""`matchbox report`: a class's results. A small class is built from simulated learners with known slips;
the projector's shares and slip counts must equal what the learners were given, each learner's page must
name their slips and the tables to review, and fit one A4 page."""
from __future__ import annotations

import json
from html import unescape
import shutil
import subprocess
from pathlib import Path

import pytest

from matchbox.kinds import sampled
from matchbox.grading.grader import grade
from matchbox.views import summary as S
from matchbox.views.feedback import explain
from matchbox.workbook.reader import read_filled
from matchbox.workbook.writer import write_workbook
from matchbox.worksheet.graph import tr
from matchbox.worksheet.slips import NAMES, Catalogue

from conftest import fill, run_cli
from learners import by_the_sheet

NEURON = sampled("neuron", 3)
BRAIN = sampled("matchbox", 3)


def slipped(ws, name: str, hand) -> dict:
    """A learner who rounds as told and goes on from their own numbers, but writes `hand(values)` (their
    own earlier numbers) for the answer `name`."""
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:
        x = hand(values) if q.name == name else ws.evaluate(q.name, values)
        values[q.name] = q.precision.rounded(x)
    return {q.name: values[q.name] for q in ws.answers}


def sigma_forgotten(ws):  # δ = y − t: the factor σ'(u) = y(1 − y) left out
    return slipped(ws, "d1", lambda v: v["y1"] - v["t1"])


def sign_reversed_delta(ws):  # δ = (t − y)·y(1 − y)
    return slipped(ws, "d1", lambda v: (v["t1"] - v["y1"]) * v["y1"] * (1 - v["y1"]))


def catalogue_name(ws, quantity: str, slip_id: str, lang: str = "en") -> str:
    return next(tr(s.text, lang) for s in Catalogue(ws).of(quantity) if s.id == slip_id)


def first_error(ws) -> str:
    """The first trial's difference d = t − y that is not 0 in the key (where y − t shows)."""
    key = ws.answer_key()
    return next(f"d{k}" for k in range(1, 99) if key[f"d{k}"] != 0)


def sign_reversed_error(ws):  # matchbox: d = y − t
    t, y = ws.quantities[first_error(ws)].step.args
    return slipped(ws, first_error(ws), lambda v: v[y] - v[t])


# who hands in what: learner -> [(variant, how they work)]
CLASS = {
    "anna": [(NEURON, sigma_forgotten), (BRAIN, sign_reversed_error)],
    "ben": [(NEURON, sigma_forgotten)],
    "chika": [(NEURON, sign_reversed_delta), (BRAIN, by_the_sheet)],
    "dan": [(NEURON, by_the_sheet)],
    "emi": [(NEURON, by_the_sheet), (BRAIN, by_the_sheet)],
}


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Path:
    """The class's folder: one subfolder per learner (as a learning platform exports it)."""
    root = tmp_path_factory.mktemp("room")
    blanks = {}
    for v in (NEURON, BRAIN):
        blanks[v.id] = write_workbook(v, "en", root / f".{v.id}.xlsx")
    for learner, work in CLASS.items():
        (root / learner).mkdir()
        for v, how in work:
            fill(blanks[v.id], v, "en", how(v.worksheet), root / learner / f"{v.id}-en.xlsx")
    for v in (NEURON, BRAIN):
        blanks[v.id].unlink()
    return root


@pytest.fixture(scope="module")
def reports(room) -> list:
    return [grade(read_filled(p)) for p in sorted(room.rglob("*.xlsx"))]


def given(kind_variant, how) -> list[str]:
    return [name for name, work in CLASS.items() for v, h in work if v is kind_variant and h is how]


def test_the_projector_counts_what_the_learners_were_given(reports, room):
    summary = S.class_summary(reports, "en", lambda r: S.learner_of(r, room))
    assert summary.learners == len(CLASS)
    assert summary.workbooks == sum(len(w) for w in CLASS.values())
    ex = {e.kind: e for e in summary.exercises}
    neuron = ex["neuron"]
    handed = [n for n, w in CLASS.items() if any(v is NEURON for v, _ in w)]
    wrong = given(NEURON, sigma_forgotten) + given(NEURON, sign_reversed_delta)
    assert (neuron.wrong, neuron.total) == (len(wrong), len(handed))
    # every cell's share: only δ₁ is wrong (the rest follows from the learners' numbers: carried)
    cells = {c.quantity: c for t in neuron.tables for c in t.cells}
    assert (cells["d1"].wrong, cells["d1"].total) == (len(wrong), len(handed))
    assert all(c.wrong == 0 for q, c in cells.items() if q != "d1")
    table = next(t for t in neuron.tables if any(c.quantity == "d1" for c in t.cells))
    assert (table.wrong, table.total) == (len(wrong), len(handed))
    assert all(t.wrong == 0 for t in neuron.tables if t is not table)
    slips = {s.slip_id: s for s in neuron.slips}
    assert slips["sigma-grad-forgotten"].learners == len(given(NEURON, sigma_forgotten))
    assert slips["sign-reversed"].learners == len(given(NEURON, sign_reversed_delta))
    assert slips["sigma-grad-forgotten"].name == NAMES["sigma-grad-forgotten"]["en"]
    assert neuron.slips[0].slip_id == "sigma-grad-forgotten"  # the commonest first
    n, total = len(given(NEURON, sigma_forgotten)), len(handed)
    assert slips["sigma-grad-forgotten"].sentence("en") == f"{n} of {total}: {NAMES['sigma-grad-forgotten']['en']}"
    ja = S.class_summary(reports, "ja", lambda r: S.learner_of(r, room))
    ja_slips = {s.slip_id: s for e in ja.exercises if e.kind == "neuron" for s in e.slips}
    assert ja_slips["sigma-grad-forgotten"].sentence("ja") == f"{total}人中{n}人: {NAMES['sigma-grad-forgotten']['ja']}"
    brain = ex["matchbox"]
    brain_handed = [n for n, w in CLASS.items() if any(v is BRAIN for v, _ in w)]
    assert (brain.wrong, brain.total) == (len(given(BRAIN, sign_reversed_error)), len(brain_handed))
    assert [(s.slip_id, s.learners) for s in brain.slips] == [("sign-reversed", 1)]


def test_a_learner_counts_once_per_exercise_and_unreadable_files_are_left_out(reports, room):
    from matchbox.grading.grader import Report
    who = lambda r: S.learner_of(r, room)  # noqa: E731
    again = [r for r in reports if who(r) == "anna" and r.kind == "neuron"]  # anna handed in twice
    summary = S.class_summary(reports + again + [Report("bad.xlsx", error="damaged")], "en", who)
    neuron = next(e for e in summary.exercises if e.kind == "neuron")
    assert neuron.total == sum(any(v is NEURON for v, _ in w) for w in CLASS.values())
    assert summary.unreadable == 1


def test_each_learner_sees_their_exercises_slips_and_what_to_review(reports, room):
    people = {p.name: p for p in S.learner_results(reports, None, lambda r: S.learner_of(r, room))}
    assert sorted(people) == sorted(CLASS)
    for name, work in CLASS.items():
        exercises = {e["kind"]: e for e in people[name].exercises}
        assert sorted(exercises) == sorted(v.kind for v, _ in work)
        for v, how in work:
            e = exercises[v.kind]
            report = explain(next(r for r in reports if S.learner_of(r, room) == name and r.kind == v.kind))
            assert e["score"] == report.score
            if how is by_the_sheet:
                assert e["passed"] and not e["slips"] and not e["review"]
            else:
                assert e["score"] == e["max_score"] - 1
                slip = {sigma_forgotten: "sigma-grad-forgotten"}.get(how, "sign-reversed")
                where = "d1" if v is NEURON else first_error(v.worksheet)
                assert [s["name"] for s in e["slips"]] == [catalogue_name(v.worksheet, where, slip)]
                title = report.titles[next(c.section for c in report.cells if c.quantity == where)]
                assert e["review"] == [title]


def test_the_learner_page_is_in_the_workbooks_language_unless_told(reports, room):
    anna = [r for r in reports if S.learner_of(r, room) == "anna"]
    ja = S.learner_results(anna, "ja", lambda r: S.learner_of(r, room))[0]
    html = unescape(S.learner_html(ja))
    assert 'lang="ja"' in html and NAMES["sigma-grad-forgotten"]["ja"] in html and "復習するところ" in html
    en = unescape(S.learner_html(S.learner_results(anna, None, lambda r: S.learner_of(r, room))[0]))
    assert 'lang="en"' in en and NAMES["sigma-grad-forgotten"]["en"] in en and "What to review" in en


def pdf_text(path: Path) -> tuple[int, str]:
    if not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return pages, text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_report_writes_one_page_per_learner_and_the_class_view(room, tmp_path, lang):
    out = tmp_path / "out"
    r = run_cli("report", room, "--lang", lang, "-o", out, timeout=300)
    assert r.returncode == 0, r.stderr
    for name, work in CLASS.items():
        pages, text = pdf_text(out / "learners" / f"{name}.pdf")
        assert pages == 1
        assert name in text
        for v, how in work:
            if how is sigma_forgotten:
                slip = NAMES["sigma-grad-forgotten"][lang]
                assert slip.split(" ")[0] in text  # pdftotext spaces Japanese its own way
    page = unescape((out / "class.html").read_text(encoding="utf-8"))
    for name in CLASS:
        assert name not in page  # no names on the projector
    n, total = len(given(NEURON, sigma_forgotten)), sum(any(v is NEURON for v, _ in w) for w in CLASS.values())
    sentence = {"en": f"{n} of {total}: {NAMES['sigma-grad-forgotten']['en']}",
                "ja": f"{total}人中{n}人: {NAMES['sigma-grad-forgotten']['ja']}"}[lang]
    assert sentence in page and sentence in r.stdout
    again = run_cli("report", room, "--lang", lang, "-o", out)
    assert again.returncode == 2 and "exists" in again.stderr  # nothing replaced without --force
    assert run_cli("report", room, "--lang", lang, "-o", out, "--force", "--json", "--no-pdf").returncode == 0


def test_report_json_carries_the_counts(room, tmp_path):
    r = run_cli("report", room, "-o", tmp_path / "o", "--json", "--no-pdf")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    neuron = next(e for e in data["class"]["exercises"] if e["kind"] == "neuron")
    slips = {s["slip_id"]: s["learners"] for s in neuron["slips"]}
    assert slips["sigma-grad-forgotten"] == len(given(NEURON, sigma_forgotten))
    assert sorted(p["name"] for p in data["learners"]) == sorted(CLASS)


def test_the_projector_page_of_serve_needs_the_token_and_shows_no_names(room):
    from matchbox.web.app import create_app
    app = create_app(roster=list(CLASS), token="t")
    c = app.test_client()
    assert c.get("/projector").status_code == 403
    assert c.get("/projector?token=wrong").status_code == 403
    assert "No workbooks yet" in c.get("/projector?token=t", headers={"Accept-Language": "en"}).text
    for path in sorted(room.rglob("*.xlsx")):
        with open(path, "rb") as f:
            # the workbooks carry no names: each file is one learner's, as the class table keeps them
            upload = (f, f"{path.parent.name}-{path.name}")
            assert c.post("/check", data={"workbook": upload}).status_code == 303
    page = unescape(c.get("/projector?token=t", headers={"Accept-Language": "ja"}).text)
    n, total = len(given(NEURON, sigma_forgotten)), sum(any(v is NEURON for v, _ in w) for w in CLASS.values())
    assert f"{total}人中{n}人: {NAMES['sigma-grad-forgotten']['ja']}" in page
    assert all(f"{name}-" not in page for name in CLASS)  # no names, not even the files'
    assert create_app().test_client().get("/projector?token=t").status_code == 404  # no class: no page
