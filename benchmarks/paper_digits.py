"""How well the paper reader reads handwriting: every MNIST test digit (never seen in training) drawn into a
scanned comb box, whole numbers in comb fields, empty boxes and sign boxes (tests/paper_handwriting.py draws
them), read by matchbox.paper.digits.Reader.

    OPENBLAS_NUM_THREADS=1 python benchmarks/paper_digits.py             # 10,000 digits, 2,000 numbers: ~3 min
    python benchmarks/paper_digits.py --digits 2000 --numbers 500        # a quicker look
    python benchmarks/paper_digits.py --crops val.pkl --model other.npz  # fields saved by paper_scans.py --dump
    python benchmarks/paper_digits.py --crops val.pkl --model a.npz,b.npz  # two networks' probabilities averaged

The confidence threshold (digits.CONFIDENT) is chosen with `--crops` on scans written with the validation
digits (MNIST training digits held out of the reader's training: `paper_scans.py --digits validation
--dump`), never on the test digits; the sweeps printed here over test digits only show how it holds.
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
    print("\nthreshold sweep on the first half: threshold, share unconfident, wrong among confident")
    for threshold in (0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995):
        sure = confidence[:half] >= threshold
        wrong = np.count_nonzero(sure & (read[:half] != truth[:half]))
        print(f"  {threshold:<6} {1 - sure.mean():7.2%} unconfident   {wrong:>4} wrong of {sure.sum():,} "
              f"({wrong / max(sure.sum(), 1):.3%})")
    for name, part in (("first half", slice(0, half)), ("second half", slice(half, count)),
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


def measure_crops(reader: Reader, path: str, thresholds=(0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998)):
    """The fields a `paper_scans.py --dump` saved, read again by `reader`: digits and numbers right among the
    confident reads, a threshold sweep over whole numbers, which digits are misread as which, and under
    which photo settings the misreads happened."""
    import pickle
    from collections import Counter

    from matchbox.paper.read import batched_reader
    fields = pickle.loads(Path(path).read_bytes())
    unread = [f for f in fields if not f["crops"]]  # on a page that was not found
    fields = [f for f in fields if f["crops"]]
    digit_crops = [c for f in fields for c in (f["crops"][1:] if f["sign"] else f["crops"])]
    start = time.perf_counter()
    batch = batched_reader()(reader, digit_crops)
    seconds = time.perf_counter() - start
    rows = []  # per field: right, other problems, least confidence of its written boxes
    table = np.zeros((10, 11), int)
    wrong_looks, all_looks = [], []
    for f in fields:
        sign, digits = (f["crops"][0], f["crops"][1:]) if f["sign"] else (None, f["crops"])
        read = batch.read_field(sign, digits, f["decimals"])
        right = read.number is not None and f["number"] is not None and abs(read.number - f["number"]) < 1e-9 \
            or read.number is None and f["number"] is None
        other = [p for p in read.problems if "confidence below" not in p]
        least = min((r.confidence for r in read.reads), default=1.0)
        rows.append((right, bool(other), least))
        truth = f["written"][1:] if f["sign"] else f["written"]
        for want, r in zip(truth, read.reads):
            if want.isdigit():
                got = 10 if r.empty else r.digit
                table[int(want), got] += 1
                all_looks.append(f["look"])
                if got != int(want):
                    wrong_looks.append({**f["look"], "confidence": r.confidence})
    right, other, least = (np.array(column) for column in zip(*rows))
    print(f"\n== {len(fields):,} fields, {len(digit_crops):,} digit boxes from {path} "
          f"({seconds / max(1, len(digit_crops)) * 1000:.2f} ms per box) ==")
    print(f"fields on pages not found (not read): {len(unread)}")
    print(f"plain: numbers right {right.mean():.3%}; digits right {np.trace(table) / table.sum():.3%}")
    print("threshold  unconfident numbers  wrong confident numbers")
    for threshold in sorted({*thresholds, reader.threshold}):
        sure = ~other & (least >= threshold)
        wrong = np.count_nonzero(sure & ~right)
        mark = " <- the reader's" if threshold == reader.threshold else ""
        print(f"  {threshold:<8} {1 - sure.mean():8.2%}  {wrong:>5} of {sure.sum():,} "
              f"({wrong / max(1, sure.sum()) * 1000:.2f} per 1000){mark}")
    print(f"flagged for something other than confidence: {other.mean():.2%}")
    lines = ["all digit boxes, true\\read " + " ".join(f"{d:>5}" for d in [*range(10), "empty"])]
    lines += [f"{t:>9} " + " ".join(f"{n:>5}" for n in row) for t, row in enumerate(table)]
    print("\n".join(lines))
    if wrong_looks:
        print("\nmisread digits by photo setting (mean over misreads vs over all digits):")
        for key in ("rotate", "perspective", "blur", "jpeg", "lighting", "noise", "upside_down"):
            mean = np.mean([abs(float(x[key])) for x in wrong_looks if key in x])
            base = np.mean([abs(float(x[key])) for x in all_looks if key in x])
            print(f"  {key:<12} {mean:7.3f}  vs {base:7.3f}")
        print("  their confidences:", Counter(round(x["confidence"], 2) for x in wrong_looks).most_common(8))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=10000)
    parser.add_argument("--numbers", type=int, default=2000)
    parser.add_argument("--marks", type=int, default=1000)
    parser.add_argument("--model", default=None, help="a reader other than the shipped one: an .npz, or several "
                                                       "separated by commas whose probabilities are averaged")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--shifts", type=int, default=None, help="read each box in only the first N of the "
                                                                  "reader's shifted views (1: as it is)")
    parser.add_argument("--crops", default=None, help="read the fields a paper_scans.py --dump saved, and only them")
    args = parser.parse_args(argv)
    models = args.model.split(",") if args.model else None
    reader = Reader(models) if args.threshold is None else Reader(models, args.threshold)
    if args.shifts:
        reader.shifts = reader.shifts[:args.shifts]
    if args.crops:
        measure_crops(reader, args.crops)
        return 0
    measure_digits(reader, args.digits, args.seed)
    measure_numbers(reader, args.numbers, args.seed + 1)
    measure_marks(args.marks, args.seed + 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
