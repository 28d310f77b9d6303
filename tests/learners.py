"""Learners as a class really has them, each a plain function of a worksheet: what they would type into
every answer cell. The fair-marks tests and benchmarks/fair_marks.py grade their workbooks."""
from __future__ import annotations

import math

from matchbox.worksheet.graph import Q


def answer_rows(ws) -> list[list[str]]:
    """The answer cells of each table row, in sheet order (the first is trial 1's row, or the first row)."""
    return [names for table in ws.tables for row in table.rows
            if (names := [c.name for c in row if isinstance(c, Q) and not ws.quantities[c.name].is_given])]


def zeros(ws) -> dict:
    """A 0 in every answer cell."""
    return {q.name: 0 for q in ws.answers}


def first_row_then_zeros(ws) -> dict:
    """Trial 1 (the first row) right, then 0 in every later cell."""
    key = ws.answer_key()
    out = zeros(ws)
    out.update({n: key[n] for n in answer_rows(ws)[0]})
    return out


def dragged_down(ws) -> dict:
    """The first row right, then dragged down over every row of its table (values copied, as a fill-down of
    typed numbers does); rows of other shapes left at 0."""
    key = ws.answer_key()
    rows = answer_rows(ws)
    first = rows[0]
    out = zeros(ws)
    for row in rows:
        if len(row) == len(first):
            out.update({n: key[m] for n, m in zip(row, first)})
    return out


def working(ws, write=lambda q, x: x) -> dict:
    """A learner who computes every step from their own numbers written so far; `write(q, x)` is what they
    put down for the exact result x (and go on from)."""
    values = {q.name: q.value for q in ws.givens}
    for q in ws.answers:
        values[q.name] = write(q, ws.evaluate(q.name, values))
    return {q.name: values[q.name] for q in ws.answers}


def by_the_sheet(ws) -> dict:
    """Rounds every answer half up to the sheet's decimals and goes on from the rounded numbers, as told."""
    return working(ws, lambda q, x: q.precision.rounded(x))


def rounding_at_the_end(ws) -> dict:
    """Keeps every decimal on the calculator and rounds only what they write."""
    key = ws.key()
    return {q.name: q.precision.rounded(key[q.name]) for q in ws.answers}


def every_decimal(ws) -> dict:
    """Writes the calculator's full numbers."""
    key = ws.key()
    return {q.name: key[q.name] for q in ws.answers}


def truncating(ws) -> dict:
    """Cuts off at the sheet's decimals instead of rounding, and goes on from the cut numbers."""
    def cut(q, x):
        if q.precision.exact:
            return x
        unit = 10 ** q.precision.decimals
        return math.trunc(round(x * unit, 6)) / unit
    return working(ws, cut)


def a_decimal_short(ws) -> dict:
    """Rounds to one decimal fewer than the sheet asks, and goes on from those numbers."""
    def short(q, x):
        return x if q.precision.exact else round(x, q.precision.decimals - 1)
    return working(ws, short)


CLASS = {"zeros": zeros, "first row then zeros": first_row_then_zeros, "dragged down": dragged_down,
         "by the sheet": by_the_sheet, "rounding at the end": rounding_at_the_end,
         "every decimal": every_decimal, "truncating": truncating, "a decimal short": a_decimal_short}
