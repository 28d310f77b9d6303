"""What a learner and an instructor get in the workbooks themselves."""
import json

import openpyxl
import pytest

from matchbox.kinds import KINDS
from matchbox.worksheet.graph import tr
from matchbox.workbook.layout import has_answers, layout

from conftest import answers_of, fill, make_workbooks, run_cli


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("kind", KINDS)
def test_learner_workbook_holds_no_answer(tmp_path, kind, lang):
    v, learner, key = make_workbooks(tmp_path, kind, 6, lang)
    plan = layout(v.worksheet, lang)
    wb = openpyxl.load_workbook(learner)
    answers = {q.name for q in v.worksheet.answers}
    for p in plan.cells:
        value = wb[p.sheet][p.cell].value
        if p.role == "answer":
            assert value is None
        elif p.role == "ref" and p.content.name in answers:
            assert isinstance(value, str) and value.startswith("=")  # live: the learner's own previous answer
    meta = json.loads(wb["matchbox"]["A2"].value)
    assert set(meta) == {"format", "matchbox", "kind", "name", "seed", "params", "digest", "lang"}
    # and the key shows every answer
    kwb = openpyxl.load_workbook(key)
    key_values = v.worksheet.answer_key()  # as the sheet asks: rounded at each step
    for name in answers:
        p = plan.home[name]
        assert kwb[p.sheet][p.cell].value == pytest.approx(key_values[name])


def test_givens_locked_answers_unlocked_and_validated(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "ja")
    plan = layout(v.worksheet, "ja")
    wb = openpyxl.load_workbook(learner)
    for sheet in plan.sheets:
        assert wb[sheet].protection.sheet
    answer_cells = [p for p in plan.cells if p.role == "answer"]
    for p in answer_cells:
        cell = wb[p.sheet][p.cell]
        assert cell.protection.locked is False
        assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    for p in plan.cells:
        if p.role == "given":
            assert wb[p.sheet][p.cell].protection.locked is True
    work = wb[plan.sheets[1]]
    validated = set()
    for dv in work.data_validations.dataValidation:
        assert dv.type == "decimal"
        for rng in dv.sqref.ranges:
            validated.add(rng.coord)
    assert {p.cell for p in answer_cells if p.sheet == plan.sheets[1]} <= validated


def test_print_setup_and_frozen_header(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "perceptron", 3, "en")
    plan = layout(v.worksheet, "en")
    wb = openpyxl.load_workbook(learner)
    work = wb[plan.sheets[1]]
    assert work.freeze_panes == plan.freeze[plan.sheets[1]]
    first, last = plan.title_rows[plan.sheets[1]]
    assert work.print_title_rows == f"${first}:${last}"
    # the frozen rows end with the header and formula rows of the trial table
    assert int(work.freeze_panes[1:]) == last + 1
    assert [wb[plan.sheets[1]].cell(first, 1).value] == ["trial"]
    for ws in (wb[plan.sheets[0]], work):
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # "9": A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_area


def test_solve_prints_the_whole_solution(tmp_path):
    r = run_cli("solve", "matchbox", "--seed", "3", "--lang", "ja")
    assert r.returncode == 0
    assert "マッチ箱の脳" in r.stdout and "試行" in r.stdout and "学習後の重みでテスト" in r.stdout
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "ja")
    from_workbook = run_cli("solve", learner)
    assert from_workbook.returncode == 0 and from_workbook.stdout == r.stdout
    data = json.loads(run_cli("solve", "matchbox", "--seed", "3", "--json").stdout)
    key = v.worksheet.key()
    assert {q["name"]: q["value"] for q in data["quantities"]} == key


def test_list_json():
    r = run_cli("list", "--json")
    assert r.returncode == 0
    assert [k["kind"] for k in json.loads(r.stdout)] == list(KINDS)


def test_generate_writes_worksheets_and_answers(tmp_path):
    r = run_cli("generate", "matchbox", "--seed", "3", "--lang", "ja", "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "worksheets" / "matchbox-3-ja.xlsx").is_file()
    assert (tmp_path / "answers" / "matchbox-3-ja-key.xlsx").is_file()
    r = run_cli("generate", "counting", "--count", "3", "--seed", "10", "--lang", "en,ja", "-o", tmp_path, "--json")
    written = json.loads(r.stdout)
    assert len(written) == 6 and len({w["variant"] for w in written}) == 3
    r = run_cli("generate", "nosuchkind", "-o", tmp_path)
    assert r.returncode == 2 and "unknown exercise kind" in r.stderr


def test_same_seed_same_workbook_contents(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    for out in (a, b):
        assert run_cli("generate", "perceptron", "--seed", "8", "-o", out).returncode == 0

    def contents(path):
        wb = openpyxl.load_workbook(path)
        return [[c.value for c in row] for ws in wb for row in ws.iter_rows()]
    name = "worksheets/perceptron-8-en.xlsx"
    assert contents(a / name) == contents(b / name)


def test_meta_in_the_sheet_alone_is_enough(tmp_path):
    """Some programs drop custom document properties on saving; the meta sheet still identifies the variant."""
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "en")
    filled = fill(learner, v, "en", answers_of(v), tmp_path / "filled.xlsx")
    wb = openpyxl.load_workbook(filled)
    wb.custom_doc_props.props.clear()
    wb.save(filled)
    r = run_cli("check", filled)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_reports_the_name_the_learner_typed(tmp_path):
    v, learner, _ = make_workbooks(tmp_path, "counting", 3, "ja")
    plan = layout(v.worksheet, "ja")
    name = next(p for p in plan.cells if p.role == "name")
    wb = openpyxl.load_workbook(learner)
    wb[name.sheet][name.cell] = "山田 花子"
    wb.save(tmp_path / "named.xlsx")
    r = run_cli("check", tmp_path / "named.xlsx", "--json")
    assert json.loads(r.stdout)["learner"] == "山田 花子"
    assert "山田 花子" in run_cli("check", tmp_path / "named.xlsx").stdout


def test_every_workbook_opens_cleanly_in_libreoffice(tmp_path, soffice):
    """Each kind's learner workbook and key, in both languages, opens in headless LibreOffice and prints to
    A4 pages that hold the sheet's text (the heading of its first table to fill in)."""
    import shutil
    import subprocess
    assert shutil.which("pdftotext"), "poppler-utils is needed (CI installs it)"
    files = []
    for kind in KINDS:
        for lang in ("en", "ja"):
            v, learner, key = make_workbooks(tmp_path, kind, 4, lang)
            work = next(t for t in v.worksheet.tables if has_answers(v.worksheet, t))
            files += [(learner, tr(work.title, lang)), (key, tr(work.title, lang))]
    out = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(out), *(str(f) for f, _ in files)],
                   check=True, capture_output=True, timeout=300)
    for f, heading in files:  # the heading of the first table to fill in, in the sheet's language
        pdf = out / (f.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice could not open {f.name}"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        lang = "ja" if "-ja" in f.stem else "en"
        assert heading in text, (f.name, heading)
        assert ("模範解答" if lang == "ja" else "ANSWER KEY") in text or not f.stem.endswith("-key")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        size = next(line for line in info.splitlines() if line.startswith("Page size"))
        assert size.endswith("(A4)") or size.endswith("(A4, landscape)"), size


def test_a_workbook_from_before_a_new_parameter_still_grades(tmp_path):
    """Parameters added later (here `outputs`) take their old-behaviour default when an older workbook,
    whose stored parameters lack them, is checked."""
    from matchbox.kinds import digest
    v, learner, _ = make_workbooks(tmp_path, "matchbox", 3, "en")
    filled = fill(learner, v, "en", answers_of(v), tmp_path / "filled.xlsx")
    wb = openpyxl.load_workbook(filled)
    meta = json.loads(wb["matchbox"]["A2"].value)
    del meta["params"]["outputs"]
    meta["digest"] = digest(meta["kind"], meta["params"])
    blob = json.dumps(meta, ensure_ascii=False)
    wb["matchbox"]["A2"] = blob
    for prop in wb.custom_doc_props.props:
        if prop.name == "matchbox":
            prop.value = blob
    wb.save(filled)
    r = run_cli("check", filled, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
