"""Shared helpers: make a variant's workbooks, and fill a learner workbook the way a learner would."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from matchbox.exercises import sampled
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
    key = ws.key()
    for name, values in [("key", {n: round(x, decimals) for n, x in answers_of(variant).items()}),
                         ("own", own_values(ws, decimals=decimals))]:
        report = grade(read_filled(fill(learner, variant, lang, values, tmp_path / f"{name}.xlsx")))
        assert report.score == report.max_score == len(ws.answers), \
            [(c.quantity, c.status, c.value) for c in report.cells if c.status != "correct"]
    own = own_values(ws, slip=slip, decimals=decimals)
    report = grade(read_filled(fill(learner, variant, lang, own, tmp_path / "slip.xlsx")))
    status = {c.quantity: c.status for c in report.cells}
    assert status[slip] == "incorrect"
    moved = [n for n in depends_on(ws, slip) if abs(own[n] - key[n]) > 10 ** -decimals]
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
