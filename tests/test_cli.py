"""The command line: fast to start, clear on bad usage."""
import subprocess
import sys

from conftest import run_cli


def test_help_imports_nothing_heavy():
    """`matchbox --help` must start fast: numpy and openpyxl load only inside the commands that need them."""
    code = ("import sys; from click.testing import CliRunner; from matchbox.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('numpy', 'openpyxl', 'matchbox.kinds', 'matchbox.workbook') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_reads_like_a_manual():
    r = run_cli("--help")
    assert r.returncode == 0
    for command in ("generate", "check", "solve", "list"):
        assert command in r.stdout
    r = run_cli("check", "--help")
    assert "carried" in r.stdout and "Exit code" in r.stdout


def test_usage_errors_are_one_line_without_traceback(tmp_path):
    r = run_cli("generate", "-o", tmp_path)
    assert r.returncode == 2 and "KIND" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("generate", "matchbox", "--lang", "fr", "-o", tmp_path)
    assert r.returncode == 2 and "en, ja" in r.stderr
    r = run_cli("solve", "nothing-here.xlsx")
    assert r.returncode == 2 and r.stderr == "matchbox: nothing-here.xlsx: no such file\n"
