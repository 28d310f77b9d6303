"""JSON views: a variant's solution (`solve --json`) and a grading report (`check --json`), their words in
the workbook's language. The keys are a promise to the tools that read them (README, `check`): change none."""
from __future__ import annotations

from .feedback import explain


def solution_json(variant, lang: str) -> dict:
    from ..worksheet.graph import tr
    ws = variant.worksheet
    key = ws.answer_key()
    return {"kind": variant.kind, "variant": variant.id, "title": tr(ws.title, lang), "params": variant.params,
            "quantities": [{"name": q.name, "label": tr(q.label, lang), "given": q.is_given, "value": key[q.name],
                            "formula": tr(q.formula, lang) or None, "section": q.section or None}
                           for q in ws.quantities.values()]}


def report_json(report, annotated: str | None = None, annotate_error: str | None = None) -> dict:
    """One checked workbook: `annotated` is where its graded copy was written, `annotate_error` why it could
    not be."""
    r = explain(report)
    graded = r.error is None
    return {
        "file": r.file, "kind": r.kind, "variant": r.variant, "lang": r.lang, "learner": r.learner,
        "score": r.score, "max_score": r.max_score, "error": r.error,
        "cells": [{"sheet": c.sheet, "cell": c.cell, "quantity": c.quantity, "label": c.label,
                   "section": c.section, "status": c.status, "value": c.value, "expected": c.expected,
                   "feedback": c.feedback, "slip": c.slip, "slip_id": c.slip_id, "credit": c.credit,
                   "because": c.because, "carried": c.carried} for c in r.cells],
        "givens": [{"sheet": g.sheet, "cell": g.cell, "quantity": g.quantity, "label": g.label, "value": g.value,
                    "expected": g.expected, "status": g.status} for g in r.givens],
        "recalculated": r.recalculated, "annotated": annotated, "annotate_error": annotate_error,
        "marking": {"carried_credit": r.marking.carried_credit, "rounding_penalty": r.marking.rounding_penalty},
        "notes": r.notes,
        "counts": r.counts if graded else None,
        "sections": r.sections if graded else None,
    }
