"""How much work a variant is, per kind: answer cells (and, for the perceptron-style kinds, trials that move
a weight) over seeds 1-200, and what a class of 30 gets from `variants(kind, 1, 30)` and how long it takes.

    python benchmarks/variant_work.py [SEEDS] [--unfair]   (--unfair: the class as drawn before item 14.5)
"""
from __future__ import annotations

import sys
import time
from collections import Counter

from matchbox.kinds import KINDS, sampled, variants, weight_moves


def spread(values) -> str:
    c = Counter(values)
    lo, hi = min(c), max(c)
    top = ", ".join(f"{k}×{n}" for k, n in c.most_common(3))
    return f"{lo}–{hi}" if lo != hi else f"{lo}", top


def main(seeds: int = 200, fair: bool = True) -> None:
    print(f"{'kind':12} {'cells, seeds 1-' + str(seeds):>18} {'most common':>24} {'moves':>8}"
          f" | {'class of 30: cells':>18} {'moves':>6} {'cpu s':>8}")
    for kind in KINDS:
        vs = [sampled(kind, s) for s in range(1, seeds + 1)]
        cells, top = spread([len(v.worksheet.answers) for v in vs])
        moves = [weight_moves(v) for v in vs]
        mv = spread(moves)[0] if moves[0] is not None else "-"
        t = time.process_time()
        cls = variants(kind, 1, 30, fair=fair)
        took = time.process_time() - t
        ccells = spread([len(v.worksheet.answers) for v in cls])[0]
        cmoves = [weight_moves(v) for v in cls]
        cmv = spread(cmoves)[0] if cmoves[0] is not None else "-"
        print(f"{kind:12} {cells:>18} {top:>24} {mv:>8} | {ccells:>18} {cmv:>6} {took:8.2f}", flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--unfair"]
    main(int(args[0]) if args else 200, fair="--unfair" not in sys.argv)
