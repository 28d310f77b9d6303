"""Follow-through that the earlier error made trivial (the examination boards' rule).

A carried cell earns its mark because the learner did the step right on their own numbers. When those
numbers make the step simpler than the key's, the work the cell stands for was not done: an update with
d = 0 that moves nothing while the key's moves, a product δ·x with δ = 0, a sum of weights that are all 0.
The test is the same for every kind and read off the step itself: which of its inputs the result still
moves with, on the learner's numbers and on the key's.
"""
from __future__ import annotations

import math
from typing import Mapping

from ..worksheet.graph import Quantity, Step
from .slips import evaluate


def degenerate(ws, q: Quantity, own: Mapping[str, float], key: Mapping[str, float]) -> bool:
    """True when the learner's numbers make the step trivial where the key's do not: it depends on fewer of
    the learner's own earlier answers, or it merely repeats one of its inputs (w' = w) while another input stops
    mattering (η and x, once g = 0)."""
    mine, theirs = live_inputs(q.step, own), live_inputs(q.step, key)
    if mine is None or theirs is None:
        return False
    answers = {d for d in q.step.deps() if not ws.quantities[d].is_given}
    if len(mine & answers) < len(theirs & answers):
        return True
    value, expected = evaluate(lambda: q.step(own)), evaluate(lambda: q.step(key))
    # a copy of an input the result still moves with (w' = w once g = 0); an input that stopped mattering and
    # happens to equal the result (η = 1 beside w' = w = 1) was not copied
    copied = any(_same(value, own[a]) and not _same(expected, key[a]) for a in mine)
    # an input counts as stopped only if it added something to the key's result: beside x = 0, w = 1 becoming
    # w = 0 changes no work (0·1 + 0·0 + 1·1 and 0·1 + 1·0 + 2·1 are the same sum, the second no harder)
    stopped = {a for a in theirs - mine if not _same(evaluate(lambda: q.step({**key, a: 0.0})), expected)}
    return copied and bool(stopped)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def live_inputs(step: Step, values: Mapping[str, float]) -> set[str] | None:
    """The inputs the step's result moves with, both ways, under a small nudge (a step function at its
    threshold moves one way only, and counts as not depending on u; so does max pooling on a value that is
    not the maximum). None where the step is undefined on these numbers."""
    base = evaluate(lambda: step(values))
    if math.isnan(base):
        return None
    live = set()
    for name in dict.fromkeys(step.deps()):
        v = values[name]
        h = 1e-3 * max(1.0, abs(v))
        moved = [evaluate(lambda: step({**values, name: v + s})) for s in (h, -h)]
        if all(not math.isnan(m) and abs(m - base) > 1e-12 * max(1.0, abs(base)) for m in moved):
            live.add(name)
    return live
