"""The house keeps its shape: the import layers hold (import-linter, contracts in pyproject.toml), the engine
stands on NumPy and the standard library alone, and no module grows past what one reading takes in."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "matchbox"
MAX_LINES = 400


def test_no_module_is_longer_than_one_reading():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def test_the_engine_needs_numpy_and_the_standard_library_only():
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    for path in (PACKAGE / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level > 1:  # from .. import: outside the engine
                    pytest.fail(f"{path.name} imports from outside the engine (line {node.lineno})")
                tops = [] if node.level == 1 else [node.module.split(".")[0]]
            else:
                continue
            assert set(tops) <= allowed, f"{path.name} imports {tops} (line {node.lineno})"


def test_the_import_layers_hold():
    """Imports run downward only (cli, then web | printable | training, views, grading, workbook, kinds,
    worksheet, words | roster, errors, engine), as pyproject.toml's contracts say."""
    linter = shutil.which("lint-imports")
    assert linter, "import-linter is a test dependency: pip install -e '.[test]'"
    run = subprocess.run([linter], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
