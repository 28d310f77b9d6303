"""Whether a sheet needs a calculator with eˣ and ln: read off its steps, never decided by hand.

A step computed by one of the engine's exponential or logarithmic functions (the sigmoid, tanh, softmax's
shifted exponentials, the cross-entropy's natural log...) cannot be done with the four operations alone; the
printed sheet says so, and `matchbox course` tells the instructor.
"""
from __future__ import annotations

from ..engine import functions as F
from .graph import Worksheet

# the engine functions whose value needs eˣ or ln (tanh is (e^u − e^−u)/(e^u + e^−u))
EXP_LOG = frozenset({F.sigmoid, F.sigmoid_grad, F.tanh, F.tanh_grad, F.softmax, F.shifted_exp,
                     F.cross_entropy, F.neg_log})


def needs_calculator(ws: Worksheet) -> bool:
    """True when some answer of `ws` is computed with eˣ or ln."""
    return any(q.step.fn in EXP_LOG for q in ws.answers)
