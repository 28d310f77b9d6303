"""The fair-marks figures of the README: how a class of simulated learners is marked, per kind.

For every built-in kind and seeds 1-5 (workbooks written, filled as the learner would and read back):
  by the sheet   share of cells marked carried for a learner who rounds exactly as told (target 0 %)
  truncating     marks lost by a learner who cuts off instead of rounding (target at most 1 a sheet)
  short          marks lost by a learner who rounds to one decimal too few
  zeros / first row then zeros / dragged down: the share of the marks such a sheet gets (target <= 25 %)

    python benchmarks/fair_marks.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import learners  # noqa: E402  (tests/learners.py: the simulated class)
from conftest import fill, make_workbooks  # noqa: E402
from matchbox.kinds import KINDS  # noqa: E402
from matchbox.grading.grader import grade  # noqa: E402
from matchbox.workbook.reader import read_filled  # noqa: E402

SEEDS = (1, 2, 3, 4, 5)


def main() -> None:
    print(f"{'kind':12} {'carried':>8} {'trunc':>6} {'short':>6} {'zeros':>7} {'row1+0':>7} {'dragged':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in KINDS:
            carried = cells = 0
            lost = {"truncating": 0, "a_decimal_short": 0}
            share = {"zeros": 0.0, "first_row_then_zeros": 0.0, "dragged_down": 0.0}
            for seed in SEEDS:
                folder = Path(tmp) / f"{kind}-{seed}"
                folder.mkdir()
                v, learner, _ = make_workbooks(folder, kind, seed, "en")

                def report(maker):
                    path = fill(learner, v, "en", maker(v.worksheet), folder / f"{maker.__name__}.xlsx")
                    return grade(read_filled(path))
                r = report(learners.by_the_sheet)
                carried += r.counts["carried"]
                cells += r.max_score
                for name in lost:
                    r = report(getattr(learners, name))
                    lost[name] = max(lost[name], r.max_score - r.score)
                for name in share:
                    r = report(getattr(learners, name))
                    share[name] = max(share[name], r.score / r.max_score)
            print(f"{kind:12} {100 * carried / cells:7.1f}% {lost['truncating']:6g} {lost['a_decimal_short']:6g} "
                  + " ".join(f"{100 * share[n]:6.0f}%" for n in share))
    print("carried: share of cells; trunc, short: most marks lost on one sheet; the rest: highest score share "
          f"over seeds {SEEDS[0]}-{SEEDS[-1]}")


if __name__ == "__main__":
    main()
