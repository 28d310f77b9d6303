"""How long `matchbox check` takes, compared with opening the same workbooks with openpyxl.

    python benchmarks/check_speed.py                 # 1,000 workbooks in a temporary folder
    python benchmarks/check_speed.py --count 200 --dir /tmp/wb   # keep (and reuse) the workbooks

It generates and fills COUNT learner workbooks (every kind, in en and ja: most answered right, some with a
slip carried on, some half blank), then, in one run and on the same files, times
  1. bare `openpyxl.load_workbook` of each file, one process;
  2. checking each file (read and grade), one process: the ratio 2 / 1 is the figure to watch (target ≤ 2);
  3. the batch over every core, as `matchbox check FOLDER` runs it;
  4. the command itself, `matchbox check FOLDER --gradebook`, start-up included.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Outputs one of a few learners: all right, one slip carried on, or the second half left blank.
SHAPES = ("right", "right", "right", "slip", "slip", "half")


def make(task: tuple[int, str, int, str, Path]) -> str:
    """Write one learner workbook and fill it the way a learner would (openpyxl, as in the tests)."""
    import openpyxl

    from matchbox.kinds import sampled
    from matchbox.workbook.layout import layout
    from matchbox.workbook.writer import write_workbook

    i, kind, seed, lang, folder = task
    v = sampled(kind, seed)
    ws = v.worksheet
    own = ws.key()
    shape = SHAPES[i % len(SHAPES)]
    answers = [q.name for q in ws.answers]
    if shape == "slip":  # an early answer off by one, every later one computed from it
        slipped = answers[len(answers) // 4]
        own[slipped] += 1
        names = list(ws.quantities)
        for q in ws.answers:
            if names.index(q.name) > names.index(slipped):
                try:
                    own[q.name] = ws.evaluate(q.name, own)
                except ArithmeticError:  # the slip made a later step undefined; that cell keeps the key
                    pass
    typed = {}
    for q in ws.answers:
        if shape == "half" and answers.index(q.name) >= len(answers) // 2:
            break
        typed[q.name] = own[q.name] if q.precision.exact else round(own[q.name], q.precision.decimals)
    path = write_workbook(v, lang, folder / f"{i:04d}-{v.id}-{lang}.xlsx")
    plan = layout(ws, lang)
    wb = openpyxl.load_workbook(path)
    for name, value in typed.items():
        p = plan.home[name]
        wb[p.sheet][p.cell] = value
    wb.save(path)
    return str(path)


def workbooks(count: int, folder: Path, workers: int) -> list[Path]:
    from matchbox.kinds import KINDS
    existing = sorted(folder.glob("*.xlsx"))
    if len(existing) >= count:
        return existing[:count]
    kinds = list(KINDS)
    tasks = [(i, kinds[i % len(kinds)], 1 + i // len(kinds), ("en", "ja")[i // len(kinds) % 2], folder)
             for i in range(count)]
    with ProcessPoolExecutor(workers) as pool:
        return [Path(p) for p in pool.map(make, tasks, chunksize=8)]


def interleaved(first, second, items) -> tuple[float, float]:
    """Total time of first(item) and of second(item), taken in turns on each item, so that whatever else
    the machine does meanwhile weighs on both alike."""
    totals = [0.0, 0.0]
    for item in items:
        for i, fn in enumerate((first, second)):
            start = time.perf_counter()
            fn(item)
            totals[i] += time.perf_counter() - start
    return totals[0], totals[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--dir", type=Path, help="where the workbooks are made (reused if already there)")
    parser.add_argument("--workers", type=int, default=None, help="processes for the batch (default: all cores)")
    args = parser.parse_args()

    import os

    import openpyxl

    from matchbox.grading.batch import Job, check_all
    from matchbox.grading.grader import grade
    from matchbox.workbook.reader import read_filled

    workers = args.workers or os.cpu_count() or 1
    folder = args.dir or Path(tempfile.mkdtemp(prefix="matchbox-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    files = workbooks(args.count, folder, workers)
    print(f"{len(files)} workbooks in {folder} ({time.perf_counter() - start:.0f} s to make)")

    for f in files[:5]:  # warm both paths (imports, caches) before timing either
        openpyxl.load_workbook(f)
        grade(read_filled(f))
    bare, check = interleaved(openpyxl.load_workbook, lambda f: grade(read_filled(f)), files)
    start = time.perf_counter()
    reports = [done.report for done in check_all([Job(f) for f in files], workers)]
    batch = time.perf_counter() - start
    assert not any(r.error for r in reports), [r.error for r in reports if r.error][:3]

    gradebook = folder.parent / f"{folder.name}-grades.csv"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "matchbox", "check", str(folder), "--jobs", str(workers),
                    "--gradebook", str(gradebook), "--force"], stdout=subprocess.DEVNULL, check=False)
    command = time.perf_counter() - start

    n = len(files)
    print(f"openpyxl.load_workbook, 1 process : {bare:6.2f} s  ({1000 * bare / n:5.1f} ms per workbook)")
    print(f"check (read + grade), 1 process  : {check:6.2f} s  ({1000 * check / n:5.1f} ms per workbook)")
    print(f"check batch, {workers} processes        : {batch:6.2f} s  ({1000 * batch / n:5.1f} ms per workbook)")
    print(f"`matchbox check FOLDER --gradebook`: {command:6.2f} s  (start-up included)")
    print(f"ratio check / openpyxl: {check / bare:.2f}x  (target <= 2x)")
    print(json.dumps({"workbooks": n, "openpyxl_s": round(bare, 3), "check_s": round(check, 3),
                      "batch_s": round(batch, 3), "command_s": round(command, 3), "workers": workers,
                      "ratio": round(check / bare, 3)}))


if __name__ == "__main__":
    main()
