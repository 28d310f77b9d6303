"""Rounding habits: a number that misses the key only the way a rounding habit would (cut off instead of
rounded, a decimal short, earlier results rounded before use, the last digit off from rounding between
steps) is a rounding note, named once per sheet, not an error on every cell. A habit is an id: truncated,
rounded-short:R, rounded-early:R (R the decimals kept) or drift; matchbox/words "habit." names each."""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Mapping

from ..worksheet.graph import Precision, Quantity
from ..worksheet.slips import Catalogue, Rounded
from .slips import evaluate

# When several habits explain every cell equally well, the one named: what the numbers show most plainly.
PREFERENCE = ("rounded-short", "rounded-early", "drift", "truncated")


def rounding_habit(catalogue: Catalogue, q: Quantity, value: float, own: Mapping[str, float],
                   targets: Iterable[float]) -> str | None:
    """The habits (ids joined by '|', e.g. 'truncated|drift' or 'rounded-short:2') that explain `value` as a
    rounding of one of `targets` (the step on the learner's numbers, the key, the unrounded key), or None."""
    p: Precision = q.precision
    if p.exact:
        return None
    unit = 10.0 ** -p.decimals
    xs = [x for x in targets if x is not None and math.isfinite(x)]
    found = []
    if any(abs(value - x) <= 1.5 * unit * (1 + 1e-9) for x in xs):
        found.append("drift")
    if value != 0 and any(_same(value, math.trunc(x / unit) * unit) and not _same(p.rounded(x), math.trunc(x / unit) * unit)
           for x in xs):
        found.append("truncated")
    # One unit off is drift, whatever the last digit (0.4590 is not "3 decimals"); a habit drops a decimal or
    # two, and a 0 shows no rounding at all.
    if "drift" not in found and value != 0:
        for r in range(p.decimals - 1, max(0, p.decimals - 3), -1):
            half = 0.5 * 10.0 ** -r * (1 + 1e-9)  # half up or half even: both are rounding to r places
            if _same(value, round(value, r)) and any(abs(value - x) <= half for x in xs):
                found.append(f"rounded-short:{r}")
                break
    for slip in catalogue.of(q.name) if value != 0 else ():
        if isinstance(slip, Rounded) and slip.mode == "inputs" and slip.places >= p.decimals - 2:
            result = evaluate(lambda: slip.value(q.step, own))
            if not math.isnan(result) and p.agrees(value, result):
                found.append(f"rounded-early:{slip.places}")
                break
    return "|".join(found) or None


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def sheet_habit(candidates: list[str]) -> str:
    """The one habit a sheet's rounding notes are named by: truncation when it explains two or more cells and
    every one of them (a learner who cuts off does so throughout), else the habit that explains most cells."""
    cells = [c.split("|") for c in candidates]
    if len(cells) >= 2 and all("truncated" in c for c in cells):
        return "truncated"
    counts = Counter(h for c in cells for h in c)
    return max(counts, key=lambda h: (counts[h], -PREFERENCE.index(h.split(":")[0])))
