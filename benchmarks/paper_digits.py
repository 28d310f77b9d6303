"""How well the paper reader reads handwriting: every MNIST test digit (never seen in training) drawn into a
scanned comb box, whole numbers in comb fields, empty boxes and sign boxes (tests/paper_handwriting.py draws
them), read by matchbox.paper.digits.Reader.

    OPENBLAS_NUM_THREADS=1 python benchmarks/paper_digits.py             # 10,000 digits, 2,000 numbers: ~3 min
    python benchmarks/paper_digits.py --digits 2000 --numbers 500        # a quicker look

The confidence threshold is chosen on the first half of the test digits (the `--sweep` table) and judged on
the second half, so the figures reported for it are not fitted to the same boxes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from paper_handwriting import (
    mnist_test_digits,
    page_look,
    random_number,
    render_box,
    render_field,
)

from matchbox.paper.digits import Reader, sign_mark


def digit_boxes(count: int, seed: int):
    """The first `count` MNIST test digits, each drawn into a box of its own size and page look."""
    images, labels = mnist_test_digits()
    rng = np.random.default_rng(seed)
    crops = [render_box(rng, int(rng.integers(28, 80)), str(labels[i]), images[i]) for i in range(count)]
    return crops, labels[:count].astype(int)


def confusion(truth, read, mask) -> str:
    """A table: rows the true digit, columns the digit read (or "empty")."""
    table = np.zeros((10, 11), int)
    for t, r in zip(truth[mask], read[mask]):
        table[t, 10 if r < 0 else r] += 1
    lines = ["true\\read " + " ".join(f"{d:>5}" for d in [*range(10), "empty"])]
    lines += [f"{t:>9} " + " ".join(f"{n:>5}" for n in row) for t, row in enumerate(table)]
    return "\n".join(lines)


def measure_digits(reader: Reader, count: int, seed: int) -> None:
    crops, truth = digit_boxes(count, seed)
    start = time.perf_counter()
    reads = reader.read(crops)
    per_box = (time.perf_counter() - start) / count
    read = np.array([-1 if r.empty else r.digit for r in reads])
    confidence = np.array([r.confidence if not r.empty else 0.0 for r in reads])
    half = count // 2
    print(f"\n== {count:,} digit boxes (MNIST test digits), {per_box * 1000:.2f} ms per box ==")
    print("\nthreshold sweep on the first half (choosing): threshold, share unconfident, wrong among confident")
    for threshold in (0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995):
        sure = confidence[:half] >= threshold
        wrong = np.count_nonzero(sure & (read[:half] != truth[:half]))
        print(f"  {threshold:<6} {1 - sure.mean():7.2%} unconfident   {wrong:>4} wrong of {sure.sum():,} "
              f"({wrong / max(sure.sum(), 1):.3%})")
    for name, part in (("first half", slice(0, half)), ("second half (judging)", slice(half, count)),
                       ("all", slice(0, count))):
        t, r, c = truth[part], read[part], confidence[part]
        sure = c >= reader.threshold
        wrong = np.count_nonzero(sure & (r != t))
        print(f"\n{name}: plain accuracy {np.mean(r == t):.2%}; at threshold {reader.threshold}: "
              f"{1 - sure.mean():.2%} unconfident, accuracy among confident {np.mean(r[sure] == t[sure]):.3%}, "
              f"{wrong} wrong confident reads of {sure.sum():,} ({wrong / max(sure.sum(), 1) * 1000:.2f} per 1000)")
    sure = confidence >= reader.threshold
    print("\nconfident reads:\n" + confusion(truth, read, sure))
    print("\nunconfident reads (flagged):\n" + confusion(truth, read, ~sure))
    missed = {d: int(np.count_nonzero((truth == d) & (~sure | (read != d)))) for d in range(10)}
    print("\nnot read confidently and right, per true digit:", missed)


def measure_numbers(reader: Reader, count: int, seed: int, integer_boxes=2, decimals=4) -> None:
    rng = np.random.default_rng(seed)
    right = wrong = unconfident = 0
    wrong_examples = []
    start = time.perf_counter()
    for _ in range(count):
        text = random_number(rng, integer_boxes, decimals)
        sign, digits = render_field(text, integer_boxes, decimals, rng)
        got = reader.read_field(sign, digits, decimals)
        if not got.confident:
            unconfident += 1
        elif got.number is not None and abs(got.number - float(text)) < 1e-9:
            right += 1
        else:
            wrong += 1
            wrong_examples.append((text, got.text))
    seconds = time.perf_counter() - start
    confident = right + wrong
    print(f"\n== {count:,} numbers in fields of a sign box, {integer_boxes} + {decimals} digit boxes "
          f"({seconds / count * 1000:.1f} ms per field) ==")
    print(f"confident {confident:,} ({confident / count:.2%}), of which right {right / max(confident, 1):.3%}, "
          f"wrong {wrong} ({wrong / max(confident, 1) * 1000:.2f} per 1000); unconfident {unconfident:,} "
          f"({unconfident / count:.2%})")
    if wrong_examples:
        print("wrong confident reads (true → read):", wrong_examples[:20])


def measure_marks(count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    print(f"\n== {count:,} boxes each empty, with a minus, with a plus ==")
    for content in (None, "-", "+"):
        marks = [sign_mark(render_box(rng, int(rng.integers(28, 80)), content, look=page_look(rng)))
                 for _ in range(count)]
        shares = {m: f"{marks.count(m) / count:.2%}" for m in ("", "-", "+", "?")}
        print(f"  {content or 'empty'}: read as {shares}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=10000)
    parser.add_argument("--numbers", type=int, default=2000)
    parser.add_argument("--marks", type=int, default=1000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    reader = Reader(args.model)
    measure_digits(reader, args.digits, args.seed)
    measure_numbers(reader, args.numbers, args.seed + 1)
    measure_marks(args.marks, args.seed + 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
