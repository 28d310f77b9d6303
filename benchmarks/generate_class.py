"""How long `matchbox generate --roster` takes for a class: every kind, in Japanese, workbook and PDF.

    python benchmarks/generate_class.py                       # 30 learners, every kind, PDFs on every core
    python benchmarks/generate_class.py --jobs 1 --kinds counting,backprop --learners 10

For each kind it runs the command itself (start-up included) on a roster of LEARNERS Japanese names,
`--lang ja --format xlsx,pdf`, into a temporary folder, and prints the seconds per learner-sheet: one learner's
sheet of that kind, which is four files (the workbook and the PDF, each with its key), plus the class's share of
the merged class PDFs. Wall time is what an instructor waits; CPU time (this process's children) does not
depend on what else the machine runs. The load average is printed before and after: on a busy machine the
wall time says more about the neighbours than about matchbox.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("counting", "matchbox", "perceptron", "activations", "neuron", "backprop", "softmax", "descent",
         "conv", "optimizers")
FAMILY = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本".split()
GIVEN = "陽菜 大翔 結菜 蓮 葵 湊".split()


def roster(path: Path, learners: int) -> Path:
    names = [f"{FAMILY[i % len(FAMILY)]} {GIVEN[i // len(FAMILY) % len(GIVEN)]}{i // 90 or ''}"
             for i in range(learners)]
    path.write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    return path


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--jobs", type=int, default=0, help="generate --jobs (0: one process per core)")
    args = parser.parse_args()
    print(f"{args.learners} learners, ja, xlsx+pdf, --jobs {args.jobs or 'per core'} ({os.cpu_count()} cores); "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'kind':<12} {'wall s':>7} {'s/learner-sheet':>16} {'CPU s/learner-sheet':>20}")
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        names = roster(Path(tmp) / "roster.csv", args.learners)
        for kind in args.kinds.split(","):
            cpu, start = cpu_of_children(), time.perf_counter()
            subprocess.run([sys.executable, "-m", "matchbox", "generate", kind, "--roster", str(names),
                            "--lang", "ja", "--format", "xlsx,pdf", "--secret", "benchmark", "--jobs",
                            str(args.jobs), "-o", str(Path(tmp) / kind)], check=True, stdout=subprocess.DEVNULL)
            wall, cpu = time.perf_counter() - start, cpu_of_children() - cpu
            walls.append(wall / args.learners)
            print(f"{kind:<12} {wall:7.1f} {wall / args.learners:16.2f} {cpu / args.learners:20.2f}", flush=True)
    print(f"{'all kinds':<12} {'':7} {sum(walls) / len(walls):16.2f} (mean)   slowest {max(walls):.2f}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
