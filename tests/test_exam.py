"""Exam mode (`check --exam`, `serve --exam`): statuses and the slips named, never an expected value, in the
terminal, --json, the result page and the graded copy."""
from __future__ import annotations

import io
import json
import math
from html import unescape

import openpyxl
import pytest

from matchbox.grading.numbers import show
from matchbox.kinds import sampled
from matchbox.views.feedback import grade_in_words
from matchbox.web.app import create_app
from matchbox.words import word
from matchbox.workbook.reader import read_filled
from matchbox.worksheet.slips import Catalogue, Rounded

from conftest import fill, make_workbooks, run_cli


def slipped(variant, slips: int = 2) -> tuple[dict, list[str]]:
    """A learner's numbers (4 decimals) from their own earlier ones, with the first classic slips that
    change a number made in `slips` answers far enough apart: (the numbers, the slipped answers)."""
    ws = variant.worksheet
    catalogue = Catalogue(ws)
    values = {q.name: q.value for q in ws.givens}
    made: list[str] = []
    for i, q in enumerate(ws.answers):
        right = round(ws.evaluate(q.name, values), 4)
        values[q.name] = right
        if len(made) == slips or (made and i < [a.name for a in ws.answers].index(made[-1]) + 8):
            continue
        for s in catalogue.of(q.name):
            try:
                wrong = round(s.value(q.step, values), 4)
            except (ArithmeticError, ValueError, KeyError):  # a slip naming a later answer
                continue
            if not isinstance(s, Rounded) and math.isfinite(wrong) and abs(wrong - right) > 0.01:
                values[q.name] = wrong
                made.append(q.name)
                break
    return {q.name: values[q.name] for q in ws.answers}, made


def text_of_workbook(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(f"{c.value}\n{c.comment.text if c.comment else ''}"
                     for ws in wb for row in ws.iter_rows() for c in row)


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exam")
    variant = sampled("backprop", 2)
    _, learner, _ = make_workbooks(tmp, variant=variant, lang="ja")
    values, made = slipped(variant)
    path = fill(learner, variant, "ja", values, tmp / "slips.xlsx")
    report = grade_in_words(read_filled(path))
    wrong = [c for c in report.cells if c.status != "correct"]
    assert [c.quantity for c in wrong if c.status == "incorrect"] == made and all(
        c.slip for c in wrong if c.status == "incorrect"), [(c.quantity, c.status, c.feedback) for c in wrong]
    # the key's numbers a learner must not learn: every expected (and carried) value of a cell not correct,
    # as a view would print it, except a number already in the learner's own file (their values, the givens)
    own = text_of_workbook(path.read_bytes())
    secret = set()
    for c in wrong:
        q = variant.worksheet.quantities[c.quantity]
        for x in (c.expected, c.carried):
            if x is not None:
                secret |= {show(x, q.precision), show(x)}
    secret = {s for s in secret if len(s) >= 5 and s not in own}
    assert len(secret) >= 10
    return {"path": path, "report": report, "secret": secret, "tmp": tmp}


def outputs(exam, *flags: str) -> dict[str, str]:
    """What a learner sees: terminal, --json, the graded copy, Gradescope's results, the result page and its
    download (ja and en)."""
    path, tmp = exam["path"], exam["tmp"]
    name = "-".join(f.strip("-") for f in flags) or "plain"
    copy = tmp / f"{name}-graded.xlsx"
    gradescope = tmp / f"{name}-results.json"
    terminal = run_cli("check", path, "--all", "--annotate", copy, "--gradescope", gradescope, "--force", *flags)
    assert terminal.returncode == 1, terminal.stderr
    as_json = run_cli("check", path, "--json", *flags)
    app = create_app(exam="--exam" in flags)
    client = app.test_client()
    pages = {}
    for lang in ("ja", "en"):
        with open(path, "rb") as f:
            r = client.post("/check", data={"workbook": (f, path.name)}, headers={"Accept-Language": lang})
        page = client.get(r.headers["Location"], headers={"Accept-Language": lang})
        download = client.get(r.headers["Location"] + "/graded.xlsx", headers={"Accept-Language": lang})
        pages[f"page {lang}"] = unescape(page.get_data(as_text=True))
        pages[f"page copy {lang}"] = text_of_workbook(download.data)
    return {"terminal": terminal.stdout, "json": as_json.stdout, "copy": text_of_workbook(copy.read_bytes()),
            "gradescope": gradescope.read_text(encoding="utf-8"), **pages}


def test_an_exam_shows_statuses_and_slips_and_never_an_expected_number(exam):
    plain, exam_mode = outputs(exam), outputs(exam, "--exam")
    secret, report = exam["secret"], exam["report"]
    # the same outputs without --exam do show the key's numbers: this test can see a leak
    for where, text in plain.items():
        assert any(s in text for s in secret), where
    for where, text in exam_mode.items():
        leaked = sorted(s for s in secret if s in text)
        assert not leaked, (where, leaked)
    for lang in ("ja", "en"):  # and the page says it is an exam
        assert word("web.exam_mode", lang) in exam_mode[f"page {lang}"]
        assert word("web.exam_mode", lang) not in plain[f"page {lang}"]
    data = json.loads(exam_mode["json"])
    assert all(c["expected"] is None and c["carried"] is None for c in data["cells"])
    assert [c["status"] for c in data["cells"]] == [c.status for c in report.cells]
    slips = {c.slip for c in report.cells if c.slip}
    for where in ("terminal", "json", "copy", "page ja"):
        assert all(s in exam_mode[where] for s in slips), where
        assert "不正解" in exam_mode[where] or "incorrect" in exam_mode[where], where
    assert "正しくありません" in exam_mode["terminal"] and "incorrect" in exam_mode["page en"]
