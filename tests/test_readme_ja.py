"""README.ja.md keeps in step with README.md: the same fresh-machine commands, and every command it shows is
one the English README shows too and one matchbox parses (the safe ones, list, generate and solve, are run)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from matchbox.cli import main

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^[ \t]*```sh\n(.*?)^[ \t]*```", re.S | re.M)


def commands(path: Path) -> list[str]:
    """Every command of the file's fenced sh blocks, its comment dropped."""
    out = []
    for block in FENCE.findall(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                out.append(" ".join(line.split()))
    return out


JA = commands(ROOT / "README.ja.md")
EN = commands(ROOT / "README.md")
MATCHBOX = [c for c in JA if c.startswith("matchbox ")]


def test_fresh_machine_commands_are_the_english_ones():
    assert JA[:2] == EN[:2]
    assert JA[0].startswith("pip install . && matchbox generate") and "pytest" in JA[1]


def test_every_command_is_in_the_english_readme():
    assert len(MATCHBOX) >= 8
    assert [c for c in JA if c not in EN] == []


@pytest.mark.parametrize("command", MATCHBOX)
def test_every_matchbox_command_parses(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "learners.csv").write_text("name\n佐藤 陽菜\n", encoding="utf-8")  # what --roster reads
    args = shlex.split(command)[1:]
    sub = main.get_command(None, args[0])
    assert sub is not None, command
    with sub.make_context(args[0], args[1:], parent=main.make_context("matchbox", [args[0]])) as ctx:
        assert ctx.params is not None
    if args[0] in ("list", "generate", "solve"):
        if "--count" in args:  # the same command with fewer variants: it parses above, and runs here quickly
            args[args.index("--count") + 1] = "2"
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, (command, r.output)
