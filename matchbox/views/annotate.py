"""The graded copy of a learner's workbook: their own file, coloured cell by cell, with a comment on every
cell to look at again and a summary sheet in front.

Green is correct, amber carried (right from the learner's own earlier numbers), lilac simplified (follows, but
the earlier error made the step trivial), blue a rounding note, red incorrect, grey blank.
The copy is a new file, never the learner's own: `annotate` refuses to write over the workbook it grades,
and over any existing file unless asked to. The copy keeps the learner's formulas and the stored
parameters, so it can itself be checked again.
"""
from __future__ import annotations

import io
from pathlib import Path

from ..grading.files import refuse_overwrite, write_atomic
from ..grading.grader import Report
from ..grading.numbers import show
from ..words import section, word
from ..workbook.reader import Filled
from ..worksheet.graph import display_width
from .feedback import explain

WIDTHS = (30, 12, 12, 12, 36, 60, 10, 10, 10)  # the summary sheet's columns A..I, in characters
COLOURS = {"correct": "C6EFCE", "carried": "FFEB9C", "simplified": "E4DFEC", "rounding": "DDEBF7",
           "incorrect": "FFC7CE", "blank": "D9D9D9"}
EDITED = "FF9999"
# the summary sheet's words: matchbox/words' "copy." group, and the ones it shares with other views
SHARED = {"file": "file", "variant": "variant", "learner": "name", "score": "score", "look": "look-again",
          "printed": "printed", "recalc": "recalc", **{s: f"status.{s}" for s in COLOURS}}


def copy_words(lang: str) -> dict[str, str]:
    return {**{k: word(key, lang) for k, key in SHARED.items()}, **section("copy", lang)}


def graded_copy(filled: Filled, report: Report, lang: str | None = None) -> bytes:
    """The bytes of the graded copy, its words in `lang` (default: the workbook's), for a caller that sends
    it rather than saves it."""
    import warnings

    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(filled.data), keep_links=False)
    _mark_graded(wb)
    report = explain(report, lang)
    words = copy_words(report.lang)
    for c in report.cells:
        if c.quantity in filled.lost:  # a cell the reader could not find: its address holds something else
            continue
        cell = wb[c.sheet][c.cell]
        cell.fill = PatternFill("solid", fgColor=COLOURS[c.status])
        if c.status != "correct":
            cell.comment = _comment(Comment, f"{c.label}\n{c.feedback}")
    for g in report.edited:
        cell = wb[g.sheet][g.cell]
        cell.fill = PatternFill("solid", fgColor=EDITED)
        cell.comment = _comment(Comment, f"{g.label}\n{words['edited']}\n{words['printed']}: {show(g.expected)}")
    _summary(wb, report, words)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def annotate(filled: Filled, report: Report, out: Path, force: bool = False) -> Path:
    """Write the graded copy to `out`: never over the graded workbook, over another file only with `force`."""
    refuse_overwrite(Path(out), [filled.path], force)
    return write_atomic(Path(out), graded_copy(filled, report))


def annotate_exam(filled: Filled, report: Report, out: Path, force: bool = False) -> Path:
    """The graded copy of an exam (`check --exam`): statuses and slips, no expected or carried value."""
    return annotate(filled, explain(report, exam=True), out, force)


def _mark_graded(wb) -> None:
    """The copy says of itself, in its stored matchbox data, that it is a graded copy (`"graded": true`), so a
    class's batch does not count it as a learner's submission; it can still be checked on its own."""
    import json

    from ..workbook.layout import META_SHEET
    from ..workbook.writer import META_PROPERTY
    for prop in getattr(wb, "custom_doc_props", []) or []:
        if prop.name == META_PROPERTY and isinstance(prop.value, str):
            prop.value = _with_mark(prop.value, json)
    if META_SHEET in wb.sheetnames and isinstance(wb[META_SHEET]["A2"].value, str):
        wb[META_SHEET]["A2"].value = _with_mark(wb[META_SHEET]["A2"].value, json)


def _with_mark(blob: str, json) -> str:
    try:
        meta = json.loads(blob)
    except ValueError:
        return blob  # the reader accepted the other copy of the data; leave this one as it is
    return json.dumps({**meta, "graded": True}, ensure_ascii=False, sort_keys=True) if isinstance(meta, dict) \
        else blob


def _comment(cls, text: str):
    lines = text.splitlines() or [""]
    width = min(400, max(160, 7 * max(len(line) for line in lines)))
    return cls(text, "matchbox", height=max(60, 20 * (len(lines) + sum(len(line) // 50 for line in lines))),
               width=width)


def _summary(wb, report: Report, words: dict) -> None:
    """A sheet in front: score, score per section, a colour legend, then every incorrect or blank cell
    with a link to it (carried cells are right; their comments say the key's value)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    name, n = words["sheet"], 2
    while name in wb.sheetnames:
        name, n = f"{words['sheet']} ({n})", n + 1
    ws = wb.create_sheet(name, 0)
    bold = Font(bold=True)
    ws.append([words["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in ((words["file"], Path(report.file).name), (words["variant"], report.variant),
                         (words["learner"], report.learner or ""),
                         (words["score"], f"{report.score} / {report.max_score}")):
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = bold
    if report.recalculated:
        ws.append([words["recalc"]])
    for note in report.notes:  # a long note wraps across the columns beside it, never past the sheet's width
        ws.append([words["notes"], note])
        row = ws.max_row
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        ws.cell(row, 1).alignment = Alignment(vertical="top")
        ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * (display_width(note) // (sum(WIDTHS[1:6]) - 4) + 1)

    ws.append([])
    ws.append([words["section"], words["score"], words["max"], *(words[k] for k in COLOURS)])
    for cell in ws[ws.max_row]:
        cell.font = bold
    first = ws.max_row
    for s in report.sections:
        ws.append([s["title"], s["score"], s["max_score"], *(s["counts"][k] for k in COLOURS)])
    for row in ws.iter_rows(min_row=first, max_row=ws.max_row, min_col=2):  # each heading over its number
        for cell in row:
            cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
    # the headings' row as tall as its most wrapped heading, so no heading runs into the numbers under it
    ws.cell(first, 1).alignment = Alignment(vertical="top")
    ws.row_dimensions[first].height = 15 * max(
        display_width(str(cell.value or "")) // max(WIDTHS[i] - 2, 1) + 1 for i, cell in enumerate(ws[first]))
    ws.append([])
    ws.append([words["legend"], *(words[k] for k in COLOURS)])
    ws.cell(ws.max_row, 1).font = bold
    for i, status in enumerate(COLOURS, start=2):
        cell = ws.cell(ws.max_row, i)
        cell.fill = PatternFill("solid", fgColor=COLOURS[status])
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    legend = ws.max_row  # as tall as its most wrapped colour's name
    ws.cell(legend, 1).alignment = Alignment(vertical="top")
    ws.row_dimensions[legend].height = 15 * max(
        display_width(str(cell.value or "")) // max(WIDTHS[i] - 2, 1) + 1 for i, cell in enumerate(ws[legend]))

    ws.append([])
    ws.append([words["look"]])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    exam = getattr(report, "exam", False)  # an exam's copy has no column of the key's values
    ws.append([words["label"], words["cell"], words["value"], "" if exam else words["expected"], words["slip"],
               words["feedback"]])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for c in report.cells:
        if c.status not in ("incorrect", "simplified", "rounding", "blank"):
            continue
        ws.append([c.label, f"{c.sheet}!{c.cell}", None if c.status == "blank" else c.value, c.expected,
                   c.slip or "", c.feedback])
        row = ws.max_row
        for col in (3, 4):  # the answer and the key as the sheet asks for them (its decimal places)
            ws.cell(row, col).number_format = wb[c.sheet][c.cell].number_format
        link = ws.cell(row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{c.sheet}'!{c.cell}")
        link.font = Font(color="0563C1", underline="single")
        ws.cell(row, 2).fill = PatternFill("solid", fgColor=COLOURS[c.status])
        for col in range(1, 7):
            ws.cell(row, col).alignment = Alignment(wrap_text=col in (1, 5, 6), vertical="top")
        # the row grows with its wrapped lines (no spreadsheet program does it for a file it did not lay out)
        lines = max(display_width(str(ws.cell(row, col).value or "")) // max(int(width) - 2, 1) + 1
                    for col, width in ((1, 30), (5, 36), (6, 60)))
        ws.row_dimensions[row].height = 15 * lines
    for col, width in zip("ABCDEFGHI", WIDTHS):
        ws.column_dimensions[col].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.active = 0
    for sheet in wb.worksheets[1:]:
        sheet.sheet_view.tabSelected = False
