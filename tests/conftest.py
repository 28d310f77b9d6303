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
