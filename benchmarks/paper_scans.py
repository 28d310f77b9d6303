"""Paper in, marks out, measured: many seeded learners' answer pages (several kinds, English and Japanese),
printed as `generate --for-scanning` prints them, filled in with MNIST TEST digits (the key, or a classic
slip carried forward), photographed (±5° turned, perspective, uneven light, blur, JPEG 50–90, a page upside
down), read back and graded; the grade is compared with the grade of the same numbers typed into the
workbook.

    OPENBLAS_NUM_THREADS=1 python benchmarks/paper_scans.py                 # 40 sheets: a few minutes
    python benchmarks/paper_scans.py --sheets 8 --kinds matchbox,neuron      # a quick look
    python benchmarks/paper_scans.py --sheets 100 --seed 1 --digits validation --dump val.pkl  # to tune on

`--digits validation` writes the MNIST training digits held out of the reader's training (digits.HELD_OUT)
instead of the test digits: the reader is tuned on such scans (`--dump` keeps every field's crops for
`benchmarks/paper_digits.py --crops`, which reads them again with any model and threshold) and judged on
the test digits, with another seed.

Reported: digits and whole numbers read right among the confident reads, wrong confident reads (the target is
fewer than 1 in 1,000), the share of answers flagged for a person, status agreement with the typed workbook
(and silent disagreements: a different status not flagged, which must be 0), seconds per page (reading the
PDF, finding the page, reading every box), the digits misread, why numbers were flagged, and the machine's
load.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import fill, make_workbooks  # noqa: E402
from paper_handwriting import use_digits  # noqa: E402
from paper_scans import (  # noqa: E402
    answer_images,
    learner_numbers,
    pdf_of_images,
    photo_settings,
    photographed,
    write_numbers,
)

from matchbox.grading.grader import grade  # noqa: E402
from matchbox.kinds import sampled  # noqa: E402
from matchbox.paper import layout as L  # noqa: E402
from matchbox.paper.digits import Reader  # noqa: E402
from matchbox.paper.grade import grade_file  # noqa: E402
from matchbox.workbook.reader import read_filled  # noqa: E402

KINDS = "matchbox,neuron,backprop,softmax,forward"


def numbers_of(variant, rng):
    """The key (half of the learners) or a slip carried forward, at a random answer whose slip fits."""
    answers = [q.name for q in variant.worksheet.answers]
    if rng.random() < 0.5:
        for name in rng.permutation(answers)[:12]:
            numbers = learner_numbers(variant, slip=str(name))
            if numbers is not None:
                return numbers, str(name)
    return learner_numbers(variant), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sheets", type=int, default=40)
    ap.add_argument("--kinds", default=KINDS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--digits", choices=("test", "validation"), default="test",
                    help="write MNIST's test digits, or the training digits held out of the reader's training "
                         "(to tune on)")
    ap.add_argument("--model", default=None, help="a reader other than the shipped one: an .npz, or several "
                                                   "separated by commas whose probabilities are averaged")
    ap.add_argument("--threshold", type=float, default=None, help="a confidence threshold other than the reader's")
    ap.add_argument("--dump", default=None, help="save every field's box crops and what was written (a pickle) "
                                                  "for benchmarks/paper_digits.py --crops")
    ap.add_argument("--keep", default=None, help="a folder to copy the PDF of a sheet with a page not read into")
    args = ap.parse_args()
    use_digits(args.digits)
    dumped = []
    kinds = args.kinds.split(",")
    rng = np.random.default_rng(args.seed)
    models = args.model.split(",") if args.model else None
    reader = Reader(models) if args.threshold is None else Reader(models, args.threshold)
    tally = Counter()
    confusion = Counter()
    problems = Counter()
    seconds, pages_read = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i in range(args.sheets):
            kind, lang = kinds[i % len(kinds)], ("en", "ja")[i % 2]
            variant = sampled(kind, 100 + i)
            numbers, slip = numbers_of(variant, rng)
            if numbers is None:
                tally["sheets skipped (the key does not fit)"] += 1
                continue
            pages = L.answer_pages(variant, lang)
            images = answer_images(variant, lang, tmp, whole=False)
            written: dict = {}
            flip = int(rng.integers(len(pages)))
            photos, looks = [], {}
            for k, (image, page) in enumerate(zip(images, pages)):
                seed = int(rng.integers(1 << 30))
                photos.append(photographed(write_numbers(image, page, numbers, rng, record=written), seed=seed,
                                           upside_down=(k == flip)))
                looks[page.number] = {**photo_settings(seed), "upside_down": k == flip}
            pdf = pdf_of_images(photos, tmp / f"sheet-{i}.pdf")
            start = time.perf_counter()
            page_problems: list[str] = []
            results = grade_file(pdf, reader=reader, problems=page_problems)
            for problem in page_problems:
                print(f"  PAGE NOT READ {variant.id} ({lang}): {problem}")
                if args.keep:  # the PDF, to look into
                    Path(args.keep).mkdir(parents=True, exist_ok=True)
                    (Path(args.keep) / pdf.name).write_bytes(pdf.read_bytes())
            seconds += time.perf_counter() - start
            pages_read += len(pages)
            found = results[0].sheet if results else None
            tally["pages"] += len(pages)
            tally["pages found"] += len(found.pages) if found else 0
            if not results:
                continue
            result = results[0]
            _, book, _ = make_workbooks(tmp, variant=variant, lang=lang)
            typed = grade(read_filled(fill(book, variant, lang, numbers, tmp / f"typed-{i}.xlsx")))
            statuses = {c.quantity: c.status for c in typed.cells}
            for c in result.report.cells:
                tally["cells"] += 1
                tally["cells agreeing"] += c.status == statuses[c.quantity]
                tally["cells flagged"] += c.quantity in result.review
                if c.status != statuses[c.quantity] and c.quantity not in result.review:
                    tally["silent disagreements"] += 1
                    reading = result.sheet.fields[c.quantity]
                    print(f"  SILENT {variant.id} {c.quantity}: paper {c.status} ({c.reason}), workbook "
                          f"{statuses[c.quantity]}; read {reading.text!r} for {numbers[c.quantity]}")
            if slip:
                paper = next(c for c in result.report.cells if c.quantity == slip)
                book_cell = next(c for c in typed.cells if c.quantity == slip)
                tally["slips"] += 1
                tally["slips named as on the workbook"] += paper.slip_id == book_cell.slip_id
                tally["slips named otherwise, flagged"] += paper.slip_id != book_cell.slip_id and slip in result.review
            fields = {f.name: f for p in pages for f in p.fields}
            for name, reading in found.fields.items():
                truth = ["" if ch is None else ch for ch in written[name]]
                if args.dump:
                    dumped.append({"sheet": i, "name": name, "crops": reading.crops, "sign": bool(fields[name].sign),
                                   "decimals": fields[name].decimals, "written": truth, "number": numbers[name],
                                   "look": looks.get(reading.page, {})})
                for problem in reading.problems:
                    problems["box read with confidence below" if "confidence below" in problem else problem] += 1
                right = reading.value == numbers[name]
                tally["numbers"] += 1
                tally["numbers confident"] += reading.confident
                tally["numbers confident and right"] += reading.confident and right
                tally["numbers confident and WRONG"] += reading.confident and not right
                for want, got in zip(truth, reading.boxes):
                    if want.isdigit():
                        tally["digits"] += 1
                        tally["digits confident"] += reading.confident
                        tally["digits confident and right"] += reading.confident and got == want
                        tally["digits confident and WRONG"] += reading.confident and got != want
                        if got != want:
                            confusion[want, got or "·"] += 1
            print(f"sheet {i + 1}/{args.sheets} {variant.id} ({lang}): {len(pages)} pages, "
                  f"{len(result.review)} flagged, {sum(c.status == statuses[c.quantity] for c in result.report.cells)}"
                  f"/{len(result.report.cells)} agree", flush=True)
    report(tally, confusion, seconds, pages_read)
    print("\nwhy numbers were flagged:", dict(problems.most_common()))
    if args.dump:
        import pickle
        Path(args.dump).write_bytes(pickle.dumps(dumped))
        print(f"{len(dumped)} fields saved to {args.dump}")


def share(a, b) -> str:
    return f"{a}/{b} = {100 * a / b:.2f} %" if b else "-"


def report(t: Counter, confusion: Counter, seconds: float, pages: int):
    print()
    print(f"pages found:                     {share(t['pages found'], t['pages'])}")
    print(f"digits right among confident:    {share(t['digits confident and right'], t['digits confident'])}")
    print(f"numbers right among confident:   {share(t['numbers confident and right'], t['numbers confident'])}")
    print(f"wrong confident numbers:         {t['numbers confident and WRONG']} of {t['numbers confident']} "
          f"({1000 * t['numbers confident and WRONG'] / max(1, t['numbers confident']):.2f} ‰; target < 1 ‰)")
    print(f"wrong confident digits:          {t['digits confident and WRONG']} of {t['digits confident']}")
    print(f"numbers not read with confidence: {share(t['numbers'] - t['numbers confident'], t['numbers'])}")
    print(f"answers flagged for review:      {share(t['cells flagged'], t['cells'])}")
    print(f"status as on the workbook:       {share(t['cells agreeing'], t['cells'])}")
    print(f"silent disagreements:            {t['silent disagreements']}")
    print(f"slips named as on the workbook:  {share(t['slips named as on the workbook'], t['slips'])} "
          f"(the others flagged: {t['slips named otherwise, flagged']})")
    print(f"seconds per page:                {seconds / max(1, pages):.2f} (read + graded, {pages} pages)")
    print(f"load average:                    {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    if confusion:
        print("\nmisread digits (written -> read, · = read as empty):")
        for (want, got), n in confusion.most_common(20):
            print(f"  {want} -> {got}: {n}")


if __name__ == "__main__":
    main()
