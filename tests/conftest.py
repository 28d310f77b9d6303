"""Shared helpers: make a variant's workbooks, and fill a learner workbook the way a learner would."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from matchbox.kinds import sampled
from matchbox.workbook.layout import layout
from matchbox.workbook.writer import write_workbook


def make_workbooks(tmp_path: Path, kind: str = "matchbox", seed: int = 3, lang: str = "en", variant=None):
    """The learner workbook and key of a variant, written into tmp_path."""
    variant = variant or sampled(kind, seed)
    learner = write_workbook(variant, lang, tmp_path / f"{variant.id}-{lang}.xlsx")
    key = write_workbook(variant, lang, tmp_path / f"{variant.id}-{lang}-key.xlsx", key=True)
    return variant, learner, key


def fill(path: Path, variant, lang: str, values: dict, out: Path) -> Path:
    """Type `values` (quantity name -> what the learner enters) into a copy of the learner workbook."""
    plan = layout(variant.worksheet, lang)
    wb = openpyxl.load_workbook(path)
    for name, value in values.items():
        p = plan.home[name]
        wb[p.sheet][p.cell] = value
    wb.save(out)
    return out


def answers_of(variant) -> dict:
    key = variant.worksheet.key()
    return {q.name: key[q.name] for q in variant.worksheet.answers}


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "matchbox", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def soffice():
    """Headless LibreOffice. CI installs it; a test that needs it fails loudly rather than skip there."""
    exe = shutil.which("soffice")
    if exe is None:
        import os
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return exe


def libreoffice_convert(soffice: str, src: Path, outdir: Path, fmt: str = "xlsx") -> Path:
    """Open `src` in headless LibreOffice and save it as `fmt` (a real round trip through the program)."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    result = outdir / (src.stem + "." + fmt.split(":")[0])
    assert result.exists(), f"LibreOffice wrote no {result.name}"
    return result


def own_values(ws, slip: str | None = None, decimals: int | None = None, by: float = 0.1) -> dict:
    """A learner's numbers: each answer computed from their own earlier ones (rounded as told when
    `decimals`), with `by` too much in the answer `slip`."""
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:
        value = ws.evaluate(q.name, values) + (by if q.name == slip else 0)
        values[q.name] = round(value, decimals) if decimals is not None else value
    return {q.name: values[q.name] for q in ws.answers}


def depends_on(ws, name: str) -> set[str]:
    """Every answer computed, directly or not, from `name`."""
    out = {name}
    for q in ws.answers:
        if set(q.step.deps()) & out:
            out.add(q.name)
    return out - {name}


def check_end_to_end(tmp_path: Path, variant, lang: str, slip: str, decimals: int = 4):
    """Generate the learner workbook, fill it three ways and grade each: the key rounded as told (full
    marks), every answer from the learner's own rounded numbers (full marks), and one slip carried forward
    (one cell lost, the later dependent cells carried). Returns the slip's report."""
    from matchbox.grading.grader import grade
    from matchbox.workbook.reader import read_filled
    _, learner, _ = make_workbooks(tmp_path, variant=variant, lang=lang)
    ws = variant.worksheet
    key = ws.answer_key()  # as the sheet asks: rounded at each step
    for name, values in [("key", {n: round(x, decimals) for n, x in answers_of(variant).items()}),
                         ("own", own_values(ws, decimals=decimals))]:
        report = grade(read_filled(fill(learner, variant, lang, values, tmp_path / f"{name}.xlsx")))
        assert report.score == report.max_score == len(ws.answers), \
            [(c.quantity, c.status, c.value) for c in report.cells if c.status != "correct"]
    own = own_values(ws, slip=slip, decimals=decimals)
    report = grade(read_filled(fill(learner, variant, lang, own, tmp_path / "slip.xlsx")))
    status = {c.quantity: c.status for c in report.cells}
    assert status[slip] == "incorrect"
    unrounded = ws.key()  # a number that agrees with either key is correct, not carried
    right_in = {n for n in status  # a step done right on inputs that were all graded right is correct
                if all(status.get(d, "correct") == "correct" for d in ws.quantities[n].step.deps())}
    moved = [n for n in depends_on(ws, slip) if n not in right_in
             and abs(own[n] - key[n]) > 10 ** -decimals and abs(own[n] - unrounded[n]) > 10 ** -decimals]
    assert moved, "the slip should change later answers"
    assert all(status[n] == "carried" for n in moved), {n: status[n] for n in moved}
    assert report.score == report.max_score - 1
    r = run_cli("check", tmp_path / "slip.xlsx")
    assert r.returncode == 1 and "1" in r.stdout
    return report


def numerical(f, a, h=1e-6):
    """∂f/∂a by central differences, one element at a time (a is changed in place and restored): the
    independent check every backward pass is held to."""
    import numpy as np
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        keep = a[i]
        a[i] = keep + h
        plus = f()
        a[i] = keep - h
        minus = f()
        a[i] = keep
        grad[i] = (plus - minus) / (2 * h)
    return grad


# A learner's edits made in LibreOffice itself, through its UNO API, as a person would make them in Calc.
# The script runs with the system's Python (Debian's python3-uno), not the Python that runs the tests.
UNO_PYTHON = "/usr/bin/python3"
UNO_SCRIPT = r'''
import json, os, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

soffice, src, out, profile, edits = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


pipe = f"matchbox-uno-{os.getpid()}"
office = subprocess.Popen([soffice, f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless",
                           "--invisible", "--norestore", "--nologo", "--nodefault",
                           f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(1200):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() is not None:
                sys.exit("LibreOffice stopped before it could be reached")
            time.sleep(0.1)
    else:
        sys.exit("LibreOffice could not be reached")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    sheets = doc.Sheets
    for name in sheets.ElementNames:  # the learner's sheets are protected without a password
        sheets.getByName(name).unprotect("")
    for e in edits:
        op = e["op"]
        sheet = sheets.getByName(e["sheet"]) if "sheet" in e else None
        if op == "insert_rows":
            sheet.Rows.insertByIndex(e["row"] - 1, e.get("count", 1))
        elif op == "delete_rows":
            sheet.Rows.removeByIndex(e["row"] - 1, e.get("count", 1))
        elif op == "insert_cols":
            sheet.Columns.insertByIndex(e["col"] - 1, e.get("count", 1))
        elif op == "set":
            cell = sheet.getCellRangeByName(e["cell"])
            if isinstance(e["value"], (int, float)):
                cell.setValue(e["value"])
            else:
                cell.setString(e["value"])
        elif op == "clear":  # values, texts and formulas; formats stay
            for ref in e["cells"]:
                sheet.getCellRangeByName(ref).clearContents(1 | 4 | 16)
        elif op == "sort":  # rows of a range by one of its columns (0 = its first), as Data > Sort does
            rng = sheet.getCellRangeByName(e["range"])
            field = uno.createUnoStruct("com.sun.star.table.TableSortField")
            field.Field, field.IsAscending = e["by"], e.get("ascending", True)
            desc = rng.createSortDescriptor()
            for p in desc:
                if p.Name == "SortFields":
                    p.Value = uno.Any("[]com.sun.star.table.TableSortField", (field,))
                elif p.Name == "ContainsHeader":
                    p.Value = False
            rng.sort(desc)
        elif op == "rename":
            sheet.Name = e["name"]
        elif op == "duplicate":  # Sheet > Duplicate Sheet: the copy goes right after the original
            index = list(sheets.ElementNames).index(e["sheet"]) + 1
            sheets.copyByName(e["sheet"], e["name"], index)
        elif op == "add_sheet":
            sheets.insertNewByName(e["name"], e.get("index", len(sheets.ElementNames)))
        else:
            sys.exit(f"unknown edit {op}")
    doc.calculateAll()
    doc.storeToURL(uno.systemPathToFileUrl(out), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:  # the bridge goes down with the office
        pass
finally:
    try:
        office.wait(timeout=60)
    except subprocess.TimeoutExpired:
        office.kill()
'''


def libreoffice_edit(soffice: str, src: Path, out: Path, edits: list[dict], timeout: int = 240) -> Path:
    """Open `src` in headless LibreOffice, make `edits` there as a learner would in Calc, and save it as
    .xlsx at `out`: one LibreOffice start for all of them. Each edit is a dict with "op" and its arguments:
    insert_rows / delete_rows (sheet, row, count), insert_cols (sheet, col, count), set (sheet, cell,
    value), clear (sheet, cells), sort (sheet, range, by: the column within the range), rename (sheet, name),
    duplicate (sheet, name), add_sheet (name). Rows and columns count from 1, as on screen."""
    import json
    import os
    if not os.path.exists(UNO_PYTHON) or subprocess.run([UNO_PYTHON, "-c", "import uno"],
                                                       capture_output=True).returncode:
        if os.environ.get("CI"):
            pytest.fail("python3-uno is required in CI: .ci/run installs it")
        pytest.skip("LibreOffice's Python bridge is not installed (apt-get install python3-uno)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = out.parent / f"{out.stem}-profile"
    r = subprocess.run([UNO_PYTHON, "-c", UNO_SCRIPT, soffice, str(Path(src).resolve()), str(out.resolve()),
                        str(profile.resolve()), json.dumps(edits)], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0 and out.exists(), f"LibreOffice could not make the edits: {r.stderr[-2000:]}"
    return out


# CI draws the same Hypothesis examples on every run, so a landing never hangs on a lucky draw (a rare seed
# with no hand-friendly perceptron variant, e.g. 21174, is known: see the closing note of the fair-marks issue).
if os.environ.get("CI"):
    from hypothesis import settings as _settings
    _settings.register_profile("ci", derandomize=True)
    _settings.load_profile("ci")
