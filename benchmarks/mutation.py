"""Mutation testing with mutmut: small deliberate bugs in the checker, the reader and the engine, and whether
the tests catch them.

    pip install mutmut==3.3.1
    python benchmarks/mutation.py reader            # workbook/reader.py        (target: ≥ 90 % killed)
    python benchmarks/mutation.py grading           # grading/                 (target: ≥ 90 % killed)
    python benchmarks/mutation.py engine            # engine/functions.py, layers.py (target: ≥ 85 % killed)
    python benchmarks/mutation.py reader --list     # the surviving mutants of the last run, with their diffs

Slow (minutes to hours), so not part of CI. Each target runs in its own copy of the checkout
(/tmp/matchbox-mutation/TARGET): mutmut copies the whole package into mutants/, mutates only the target's files
(the rest is listed in do_not_mutate), and runs only the target's test files, each mutant against the tests
that reach the mutated function. PYTHONPATH points at mutants/ so that the tests that run `matchbox` in a
subprocess run the mutated code too; mutmut maps tests to functions in its own process only, so a function
reached only through a subprocess is added to that map by a sitecustomize in the subprocesses (they record the
functions they reach, under the test that started them).

The score is killed / (killed + survived + timeout + suspicious): a timeout counts as neither caught nor
missed, and is listed. Every survivor is either killed by a new test or explained as equivalent in the note.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/matchbox-mutation")

TARGETS = {
    "reader": {"mutate": ["matchbox/workbook/reader.py"], "goal": 0.90,
               "tests": ["tests/test_hostile_files.py", "tests/test_workbook.py", "tests/test_find_by_labels.py",
                         "tests/test_numbers_typed.py", "tests/test_check.py"]},
    "grading": {"mutate": ["matchbox/grading/"], "goal": 0.90,
                "tests": ["tests/test_check.py", "tests/test_slips.py", "tests/test_slips_named.py",
                          "tests/test_fair_marks.py", "tests/test_numbers_typed.py", "tests/test_exam.py",
                          "tests/test_class.py", "tests/test_find_by_labels.py", "tests/test_annotate.py"]},
    "engine": {"mutate": ["matchbox/engine/functions.py", "matchbox/engine/layers.py"], "goal": 0.85,
               "tests": ["tests/test_engine.py", "tests/test_layers.py", "tests/test_engine_fast.py",
                         "tests/test_optimizers.py"]},
}


def checkout_copy(target: str) -> Path:
    """The tracked files of the checkout as they are now (uncommitted edits too), in a fresh folder."""
    folder = WORK / target
    if folder.exists():
        shutil.rmtree(folder)
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


def configure(folder: Path, target: str) -> None:
    """[tool.mutmut] in the copy's pyproject.toml: the whole package copied, only the target mutated."""
    spec = TARGETS[target]
    chosen = [p.rstrip("/") for p in spec["mutate"]]
    others = sorted(str(p.relative_to(folder)) for p in (folder / "matchbox").rglob("*.py")
                    if not any(str(p.relative_to(folder)).startswith(c) for c in chosen))
    quoted = lambda items: "[" + ", ".join(f'"{i}"' for i in items) + "]"  # noqa: E731
    with open(folder / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(f"\n[tool.mutmut]\npaths_to_mutate = [\"matchbox/\"]\ndo_not_mutate = {quoted(others)}\n"
                f"tests_dir = {quoted(spec['tests'])}\nalso_copy = [\"templates/\"]\n")


SITE = """import os
if os.environ.get("MUTANT_UNDER_TEST") == "stats" and os.environ.get("PYTEST_CURRENT_TEST"):
    # a `matchbox` subprocess of a test while mutmut maps tests to functions: record the functions it reaches
    import atexit, types, mutmut
    mutmut.config = types.SimpleNamespace(max_stack_depth=-1)
    test = os.environ["PYTEST_CURRENT_TEST"].rsplit(" (", 1)[0]

    def _save():
        if mutmut._stats:
            with open(os.path.join({hits!r}, str(os.getpid())), "w") as f:
                f.write(test + "\\n" + "\\n".join(sorted(mutmut._stats)))
    atexit.register(_save)
"""


def subprocess_site(folder: Path) -> Path:
    """A sitecustomize for the tests' `matchbox` subprocesses: they run the mutant under test (PYTHONPATH puts
    mutants/ first) and, while mutmut maps tests to functions, record which functions they reach."""
    site, hits = folder / "subprocess-site", folder / "subprocess-hits"
    site.mkdir()
    hits.mkdir()
    (site / "sitecustomize.py").write_text(SITE.format(hits=str(hits)))
    return site


def merge_subprocess_hits(folder: Path, seconds_per_test: float = 20.0) -> None:
    """Add the subprocesses' functions to mutmut's map of tests, and give every test a generous duration: mutmut
    kills a mutant whose tests outlast 15 × their recorded time, and records only a test's teardown."""
    stats_file = folder / "mutants" / "mutmut-stats.json"
    stats = json.loads(stats_file.read_text())
    by_function = stats["tests_by_mangled_function_name"]
    for record in (folder / "subprocess-hits").iterdir():
        test, *functions = record.read_text().split("\n")
        for name in functions:
            by_function.setdefault(name, [])
            if test not in by_function[name]:
                by_function[name].append(test)
    stats["duration_by_test"] = {t: max(d, seconds_per_test) for t, d in stats["duration_by_test"].items()}
    stats_file.write_text(json.dumps(stats, indent=1))
    print(f"tests mapped to {len(by_function)} functions")


def results(folder: Path) -> dict[str, list[str]]:
    """mutmut's verdict on every mutant: status -> mutant names."""
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=folder,
                         capture_output=True, text=True).stdout
    by_status: dict[str, list[str]] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+): (\w[\w ]*)$", line)
        if m:
            by_status.setdefault(m[2].strip(), []).append(m[1])
    return by_status


def report(folder: Path, target: str, show_diffs: bool) -> float:
    found = results(folder)
    count = {k: len(v) for k, v in found.items()}
    judged = sum(count.get(k, 0) for k in ("killed", "survived", "timeout", "suspicious"))
    score = count.get("killed", 0) / judged if judged else 0.0
    goal = TARGETS[target]["goal"]
    print(f"{target}: {count}")
    print(f"killed {count.get('killed', 0)} of {judged} judged: {100 * score:.1f} % "
          f"({'meets' if score >= goal else 'misses'} the target {100 * goal:.0f} %)")
    for status in ("survived", "timeout", "suspicious", "no tests"):
        for name in found.get(status, []):
            print(f"  {status}: {name}")
            if show_diffs and status == "survived":
                diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=folder,
                                      capture_output=True, text=True).stdout
                print("    " + "\n    ".join(diff.strip().splitlines()[2:]))
    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--list", action="store_true", help="only report the last run, with each survivor's diff")
    args = parser.parse_args()
    folder = WORK / args.target
    if not args.list:
        folder = checkout_copy(args.target)
        configure(folder, args.target)
        env = {**os.environ, "PYTHONPATH": f"{subprocess_site(folder)}:{folder / 'mutants'}", "CI": "true"}
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
        mutmut = shutil.which("mutmut") or "mutmut"
        # first the map of tests to functions (mutmut's, then the subprocesses' added), then the mutants
        # (a run for a mutant that does not exist: mutmut makes the mutants and the map, and tests nothing)
        subprocess.run([mutmut, "run", "no-such-mutant"], cwd=folder, env=env, stdout=subprocess.DEVNULL)
        merge_subprocess_hits(folder)
        subprocess.run([mutmut, "run", "--max-children", str(args.max_children)], cwd=folder, env=env)
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    report(folder, args.target, show_diffs=args.list)


if __name__ == "__main__":
    main()
