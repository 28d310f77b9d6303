"""Mutation testing with mutmut: small deliberate bugs in the checker, the reader and the engine, and whether
the tests catch them.

    pip install mutmut==3.3.1
    nice -n 19 python benchmarks/mutation.py engine       # engine/functions.py, layers.py (target: ≥ 85 % killed)
    nice -n 19 python benchmarks/mutation.py reader       # workbook/reader.py             (target: ≥ 90 % killed)
    nice -n 19 python benchmarks/mutation.py grading      # grading/                       (target: ≥ 90 % killed)
    nice -n 19 python benchmarks/mutation.py grading --sample 200 --seed 1 --without-own   # a seeded sample,
                                              # without tests/test_mutants_grading.py (the "before")
    nice -n 19 python benchmarks/mutation.py grading --again --cap 60 --per-function 0  # every test but LibreOffice
    nice -n 19 python benchmarks/mutation.py grading --again  # the record's survivors, against the tests now
    python benchmarks/mutation.py grading --list          # the verdicts so far, with each survivor's diff

Slow (tens of minutes), so not in CI. Each target runs in its own copy of the checkout (/tmp/matchbox-mutation/
TARGET); mutmut mutates only the target's files and runs its test files: a first pass times every test and notes
the functions it reaches, then each mutant runs the tests of its function, fastest first, -x.

What keeps it fast enough for a 2-core machine:
- only in-process test files (no LibreOffice: its fixture skips in the copy), plus tests/test_mutants_TARGET.py;
- a test whose whole time (noted in durations.json, kept between runs) is over --cap seconds (a `matchbox`
  subprocess, a big workbook) is deselected in every run, the first pass too: slow-tests.txt, rebuilt for the cap
  each run (a test listed by an old run with no time noted stays out unless --cap is given: then it is timed);
- each mutant runs at most --per-function of the fastest tests that reach its function (reader, grading: 30),
  and all of tests/test_mutants_TARGET.py (written to kill survivors: never pruned, run even where unmapped);
- pytest without its cache and without pytest-timeout (mutmut has its own: 15 × the tests' time, +1 s), one
  thread per process (a thread pool does not survive mutmut's fork), two workers (--max-children).

mutmut 3.3.1 forgets every verdict when run again, so verdicts.json in the copy keeps them: --again re-runs the
survivors against the checkout's tests as they are now (new tests timed and mapped first; every test, with --cap
or --per-function, as mutmut's pruned map cannot widen), updating only theirs.

The score: killed / (killed + survived + no tests + suspicious); a timeout (an endless loop...) is listed apart.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/matchbox-mutation")

TARGETS = {
    "engine": {"mutate": ["matchbox/engine/functions.py", "matchbox/engine/layers.py"], "goal": 0.85,
               "tests": ["tests/test_engine.py", "tests/test_layers.py", "tests/test_engine_fast.py",
                         "tests/test_optimizers.py", "tests/test_recurrent.py", "tests/test_kind_activations.py",
                         "tests/test_kind_backprop.py", "tests/test_kind_softmax.py", "tests/test_kind_conv.py",
                         "tests/test_kind_optimizers.py", "tests/test_kind_logistic.py"],
               "cap": 6.0},  # the comparisons with PyTorch: their first import is slow, then they are fast
    "reader": {"mutate": ["matchbox/workbook/reader.py", "matchbox/workbook/xmlparts.py"], "goal": 0.90,
               "tests": ["tests/test_hostile_files.py", "tests/test_workbook.py", "tests/test_find_by_labels.py",
                         "tests/test_numbers_typed.py", "tests/test_check.py"], "per_function": 30},
    "grading": {"mutate": ["matchbox/grading/"], "goal": 0.90,
                "tests": ["tests/test_check.py", "tests/test_slips.py", "tests/test_slips_named.py",
                          "tests/test_fair_marks.py", "tests/test_numbers_typed.py", "tests/test_class.py",
                          "tests/test_find_by_labels.py", "tests/test_annotate.py"], "per_function": 30},
}
JUDGED = ("killed", "survived", "no tests", "suspicious", "timeout")
# appended to the copy's tests/conftest.py: no LibreOffice, and the tests too slow for mutant runs deselected
CONFTEST = r'''

# ---- added by benchmarks/mutation.py (the copy only) ----
import os  # noqa: E402

@pytest.fixture(scope="session")
def soffice():
    pytest.skip("LibreOffice is left out of mutation runs: far too slow per mutant")

def pytest_runtest_logreport(report):
    # mutmut keeps only a test's teardown time: the whole of it (setup, call, teardown) is noted here
    timings = os.environ.get("MUTATION_TIMINGS")
    if timings and os.environ.get("MUTANT_UNDER_TEST") == "stats":
        with open(timings, "a", encoding="utf-8") as f:
            f.write(f"{report.nodeid}\t{report.duration}\n")

def pytest_collection_modifyitems(config, items):
    slow_list = os.environ.get("MUTATION_SLOW_TESTS")
    if slow_list and os.path.exists(slow_list):
        slow = set(open(slow_list, encoding="utf-8").read().split("\n"))
        items[:] = [item for item in items if item.nodeid not in slow]
'''


def own_tests(target: str, without_own: bool = False) -> list[str]:
    """The target's test files, and the tests written to kill its survivors unless `without_own` (the before)."""
    own = f"tests/test_mutants_{target}.py"
    return TARGETS[target]["tests"] + ([own] if (ROOT / own).exists() and not without_own else [])


def checkout_copy(target: str) -> Path:
    """The tracked files of the checkout as they are now (uncommitted edits too), in a fresh folder; the tests'
    times noted by earlier runs are kept (and their slow list), so that the first pass skips the slow ones."""
    folder = WORK / target
    kept = {n: (folder / n).read_text() for n in ("slow-tests.txt", "durations.json") if (folder / n).exists()}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in kept.items():
        (folder / name).write_text(text)
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


def refresh_tests(folder: Path) -> None:
    """The checkout's tests as they are now, in the copy (for --again), keeping the copy's package untouched."""
    shutil.rmtree(folder / "tests")
    shutil.copytree(ROOT / "tests", folder / "tests", ignore=shutil.ignore_patterns("__pycache__"))


def configure(folder: Path, target: str, without_own: bool = False) -> None:
    """[tool.mutmut] in the copy's pyproject.toml (the whole package copied, only the target mutated), and the
    copy's conftest patched (see CONFTEST)."""
    spec = TARGETS[target]
    chosen = [p.rstrip("/") for p in spec["mutate"]]
    others = sorted(str(p.relative_to(folder)) for p in (folder / "matchbox").rglob("*.py")
                    if not any(str(p.relative_to(folder)).startswith(c) for c in chosen))
    quoted = lambda items: "[" + ", ".join(f'"{i}"' for i in items) + "]"  # noqa: E731
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        pyproject + f"\n[tool.mutmut]\npaths_to_mutate = [\"matchbox/\"]\ndo_not_mutate = {quoted(others)}\n"
        f"tests_dir = {quoted(own_tests(target, without_own))}\nalso_copy = [\"templates/\"]\n", encoding="utf-8")
    conftest = folder / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text(encoding="utf-8") + CONFTEST, encoding="utf-8")


SITE = """import os, sys
if os.environ.get("PYTEST_CURRENT_TEST"):
    # a `matchbox` subprocess of a test runs the mutant under test (mutmut's own process finds mutants/ itself)
    sys.path.insert(0, {mutants!r})
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


# mutmut 3.3.1's timeout checker compares every running mutant of a file with the time limit of every mutant of
# that file, the smallest included (15 s for a mutant no test reaches), so a slow survivor was stopped as a
# "timeout"; this runs mutmut with a checker that gives each mutant its own limit, 15 × (its tests' time + 1 s).
MUTMUT = """import contextlib, os, signal, sys, time
from datetime import datetime
import mutmut.__main__ as mm

def timeout_checker(mutants):
    files = list({id(m): m for m, _, _ in mutants}.values())

    def check():
        while True:
            time.sleep(1)
            now = datetime.now()
            for m in files:
                with mm.START_TIMES_BY_PID_LOCK:
                    started = dict(m.start_time_by_pid)
                for pid, start in started.items():
                    key = m.key_by_pid.get(pid)
                    limit = (m.estimated_time_of_tests_by_mutant.get(key, 0) + 1) * 15
                    if key is not None and (now - start).total_seconds() > limit:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGXCPU)
    return check

mm.timeout_checker = timeout_checker
sys.exit(mm.cli())
"""


def subprocess_site(folder: Path) -> Path:
    """A sitecustomize for the tests' `matchbox` subprocesses: they run the mutant under test (mutants/ first on
    their path) and, while mutmut maps tests to functions, record which functions they reach. (Not mutants/ on
    PYTHONPATH: it does not exist when the first pass starts, Python remembers that, and that pass's in-process
    tests would import the unmutated package through the editable install, so map to no function.)"""
    site, hits = folder / "subprocess-site", folder / "subprocess-hits"
    site.mkdir(exist_ok=True)
    hits.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITE.format(hits=str(hits), mutants=str(folder / "mutants")))
    return site


def environment(folder: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(subprocess_site(folder)),
           "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:timeout -n 0 -W ignore::pytest.PytestConfigWarning",
           "MUTATION_SLOW_TESTS": str(folder / "slow-tests.txt"), "MUTATION_TIMINGS": str(folder / "timings.tsv")}
    env.pop("CI", None)  # in CI mode the soffice fixture would fail instead of skipping
    # one thread per mutant: a thread pool (OpenMP, PyTorch's) started by the parent does not survive mutmut's fork
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return env


def list_slow(folder: Path, cap: float, cap_given: bool = False) -> set[str]:
    """slow-tests.txt, which the copy's conftest deselects: the tests whose whole time noted in durations.json is
    over `cap`, and those an older run listed without their time, unless --cap is given (the first pass times them)."""
    noted, listed = folder / "durations.json", folder / "slow-tests.txt"
    durations = json.loads(noted.read_text()) if noted.exists() else {}
    old = set() if cap_given or not listed.exists() else set(filter(None, listed.read_text().split("\n")))
    slow = {t for t, d in durations.items() if d > cap and not t.startswith("tests/test_mutants_")}
    slow |= old - set(durations)
    listed.write_text("\n".join(sorted(slow)))
    return slow


def prune_map(folder: Path, cap: float, per_function: int = 0) -> None:
    """After mutmut's first pass: add the subprocesses' functions to its map of tests, note each test's whole time
    (mutmut stops a mutant whose tests outlast 15 × their time + 1 s), leave out the tests slower than `cap`
    (list_slow), keep for each function only its `per_function` fastest tests (0: all)."""
    stats_file = folder / "mutants" / "mutmut-stats.json"
    stats = json.loads(stats_file.read_text())
    by_function = stats["tests_by_mangled_function_name"]
    for record in (folder / "subprocess-hits").iterdir():
        test, *functions = record.read_text().split("\n")
        for name in functions:
            by_function.setdefault(name, []).append(test)  # duplicates go below
    durations = stats["duration_by_test"]
    whole: Counter = Counter()  # setup, call and teardown
    for test, seconds in (line.rsplit("\t", 1) for line in (folder / "timings.tsv").read_text().splitlines()):
        whole[test] += float(seconds)
    durations.update(whole)
    noted = folder / "durations.json"  # a test deselected in this pass keeps the time noted before
    noted.write_text(json.dumps({**(json.loads(noted.read_text()) if noted.exists() else {}), **durations}, indent=0))
    slow = list_slow(folder, cap)
    listing = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p",
                              "no:cacheprovider", f"tests/test_mutants_{folder.name}.py"], cwd=folder,
                             capture_output=True, text=True)
    own = [t for t in listing.stdout.splitlines() if t.startswith("tests/") and t in durations]  # not renamed ones
    for name, tests in by_function.items():
        kept = sorted((t for t in set(tests) - slow - set(own)), key=lambda t: durations.get(t, 0.0))
        by_function[name] = (kept[:per_function] if per_function else kept) + own
    stats["duration_by_test"] = {t: max(d, 0.05) for t, d in durations.items()}
    stats_file.write_text(json.dumps(stats, indent=1))
    print(f"{len(set(durations) - slow)} tests kept, {len(slow)} slower than {cap} s left out; "
          f"{sum(1 for t in by_function.values() if t)} functions reached", flush=True)


def mutmut_results(folder: Path) -> dict[str, str]:
    """mutmut's verdict on every mutant of its last run: name -> status."""
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=folder,
                         capture_output=True, text=True).stdout
    return {m[1]: m[2].strip() for m in re.finditer(r"^\s*(\S+): (\w[\w ]*)$", out, flags=re.M)}


def load_verdicts(folder: Path) -> dict:
    path = folder / "verdicts.json"
    return json.loads(path.read_text()) if path.exists() else {"verdicts": {}, "runs": []}


def save_verdicts(folder: Path, record: dict) -> None:
    (folder / "verdicts.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))


def mutmut_command(folder: Path) -> list[str]:
    """mutmut, with its timeout checker mended (see MUTMUT)."""
    (folder / "mutmut_mended.py").write_text(MUTMUT)
    return [sys.executable, str(folder / "mutmut_mended.py")]


def run_mutmut(folder: Path, names: list[str], max_children: int, env: dict) -> float:
    """`mutmut run` on the named mutants (all when none are named); the seconds it took."""
    start = time.monotonic()
    with open(folder / "mutmut-run.log", "a", encoding="utf-8") as log:  # mutmut's spinner, for `tail -f`
        subprocess.run([*mutmut_command(folder), "run", "--max-children", str(max_children), *names], cwd=folder,
                       env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    return time.monotonic() - start


def first_pass_and_map(folder: Path, target: str, args, env: dict) -> tuple[float, int]:
    """A run for a mutant that does not exist: mutmut makes the mutants and times and maps the tests (the new ones
    only, after a first time), and tests nothing; then the map is pruned (prune_map). Its seconds, per_function."""
    start = time.monotonic()
    cap = args.cap if args.cap is not None else TARGETS[target].get("cap", 1.5)
    list_slow(folder, cap, args.cap is not None)
    with open(folder / "mutmut-first-pass.log", "w", encoding="utf-8") as log:
        subprocess.run([*mutmut_command(folder), "run", "no-such-mutant"], cwd=folder, env=env,
                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    if not (folder / "mutants" / "mutmut-stats.json").exists():
        sys.exit(f"mutmut's first pass failed: see {folder / 'mutmut-first-pass.log'}")
    print(f"first pass (timing and mapping the tests): {time.monotonic() - start:.0f} s", flush=True)
    per_function = TARGETS[target].get("per_function", 0) if args.per_function is None else args.per_function
    prune_map(folder, cap, per_function)
    return time.monotonic() - start, per_function


def fresh_run(target: str, args) -> None:
    folder = checkout_copy(target)
    configure(folder, target, args.without_own)
    env = environment(folder)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    first_pass, per_function = first_pass_and_map(folder, target, args, env)
    everyone = sorted(mutmut_results(folder))
    names = []
    if args.sample and args.sample < len(everyone):
        names = sorted(random.Random(args.seed).sample(everyone, args.sample))
        print(f"a random sample of {len(names)} of the {len(everyone)} mutants (seed {args.seed})", flush=True)
    seconds = run_mutmut(folder, names, args.max_children, env)
    found = mutmut_results(folder)
    verdicts = {n: s for n, s in found.items() if s in JUDGED and (not names or n in names)}
    save_verdicts(folder, {"verdicts": verdicts, "total": len(everyone), "sample": args.sample or None,
                           "seed": args.seed if args.sample else None, "without_own": args.without_own,
                           "per_function": per_function, "runs": [
                               {"kind": "fresh", "first_pass_s": round(first_pass), "mutants": len(verdicts),
                                "seconds": round(seconds), "verdicts": counts(verdicts)}]})
    print(f"{len(verdicts)} mutants judged in {seconds:.0f} s ({60 * len(verdicts) / max(seconds, 1):.1f}/min); "
          f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def again(target: str, args) -> None:
    """The survivors (timeouts, mutants no test reached) of the record, against the tests now; only theirs change."""
    folder = WORK / target
    record = load_verdicts(folder)
    names = sorted(n for n, s in record["verdicts"].items() if s != "killed")
    if not names:
        return print("nothing to run again: every mutant of the record is killed")
    refresh_tests(folder)
    configure(folder, target)
    if args.cap is not None or args.per_function is not None:  # every test timed and mapped again
        for stale in ("mutants/mutmut-stats.json", "timings.tsv", "subprocess-hits"):
            shutil.rmtree(folder / stale) if (folder / stale).is_dir() else (folder / stale).unlink(missing_ok=True)
    env = environment(folder)
    first_pass_and_map(folder, target, args, env)  # the new tests timed as a whole (else a survivor times out)
    seconds = run_mutmut(folder, names, args.max_children, env)
    found = mutmut_results(folder)
    changed = {n: found[n] for n in names if found.get(n) in JUDGED}
    record["verdicts"].update(changed)
    record["runs"].append({"kind": "again", "mutants": len(names), "seconds": round(seconds),
                           "verdicts": counts(changed)})
    save_verdicts(folder, record)
    print(f"{len(names)} mutants run again in {seconds:.0f} s: {counts(changed)}")


def counts(verdicts: dict[str, str]) -> dict[str, int]:
    return dict(Counter(verdicts.values()))


def report(target: str, show_diffs: bool) -> float:
    folder = WORK / target
    record = load_verdicts(folder)
    verdicts = record["verdicts"]
    count = counts(verdicts)
    scored = sum(count.get(k, 0) for k in ("killed", "survived", "no tests", "suspicious"))
    score = count.get("killed", 0) / scored if scored else 0.0
    sample = f"a sample of {record['sample']} (seed {record['seed']}) of " if record.get("sample") else ""
    print(f"{target}: {len(verdicts)} mutants judged, {sample}{record.get('total')} in all: {count}")
    print("\n".join(f"  run: {run}" for run in record["runs"]))
    goal = TARGETS[target]["goal"]
    print(f"killed {count.get('killed', 0)} of {scored} (timeouts aside): {100 * score:.1f} % "
          f"({'meets' if score >= goal else 'misses'} the target {100 * goal:.0f} %)")
    for status in ("survived", "no tests", "suspicious", "timeout"):
        for name in sorted(n for n, s in verdicts.items() if s == status):
            print(f"  {status}: {name}")
            if show_diffs and status != "timeout":
                diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=folder,
                                      capture_output=True, text=True).stdout
                print("    " + "\n    ".join(diff.strip().splitlines()[2:]))
    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--cap", type=float, help="leave out of the mutant runs the tests slower than this many "
                        "seconds (default 1.5, the engine's 6, --again's too: give it again; the slow list is "
                        "rebuilt for it from the times noted, a test with none noted is timed)")
    parser.add_argument("--per-function", type=int, help="run each mutant against at most this many of the "
                        "fastest tests that reach its function (0: all; default 0, the reader's and grading's 30)")
    parser.add_argument("--without-own", action="store_true",
                        help="leave out tests/test_mutants_TARGET.py (the score before them); --again adds it")
    parser.add_argument("--sample", type=int, default=0, help="judge only this many mutants, drawn at random")
    parser.add_argument("--seed", type=int, default=1, help="the seed of --sample's draw (default 1)")
    parser.add_argument("--again", action="store_true", help="run the last run's survivors again, against the "
                        "tests as they are now (with --cap or --per-function: every test timed and mapped again)")
    parser.add_argument("--list", action="store_true", help="only report the verdicts so far, with diffs")
    args = parser.parse_args()
    if args.again:
        again(args.target, args)
    elif not args.list:
        fresh_run(args.target, args)
    report(args.target, show_diffs=args.list)


if __name__ == "__main__":
    main()
