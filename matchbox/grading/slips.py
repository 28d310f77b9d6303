"""Which classic slip explains a wrong number: each declared slip of the step (worksheet/slips.py) is
evaluated on the learner's own numbers, and named only when it gives exactly what they wrote while the
right step does not."""
from __future__ import annotations

import math
import warnings
from typing import Mapping

import numpy as np

from ..worksheet.graph import Quantity
from ..worksheet.slips import Catalogue, Slip


def evaluate(fn) -> float:
    """fn() as a finite number, NaN where the numbers make it undefined (a division by zero...)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = float(fn())
    except (ArithmeticError, ValueError, TypeError, KeyError, IndexError):
        return math.nan
    return result if math.isfinite(result) else math.nan


def explain(catalogue: Catalogue, q: Quantity, value: float, values: Mapping[str, float],
            carried: float) -> list[Slip]:
    """The slips that give `value` from the learner's numbers `values` (where the right step gives `carried`),
    most specific first, one per kind of slip."""
    found: list[Slip] = []
    for slip in catalogue.of(q.name):
        result = evaluate(lambda: q.precision.tidy(slip.value(q.step, values)))
        if math.isnan(result) or (not math.isnan(carried) and q.precision.agrees(result, carried)):
            continue
        if q.precision.agrees(value, result) and all(s.id != slip.id for s in found):
            found.append(slip)
    return found
