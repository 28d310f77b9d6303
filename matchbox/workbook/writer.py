"""Writing the learner workbook and its answer key (the only writer of .xlsx files)."""
from __future__ import annotations

import json
import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from ..kinds import Variant
from ..words import both, word
from ..worksheet.graph import display_width, tr
from .layout import KEY_TITLE, META_SHEET, Layout, column_letter as _letter, layout

GIVEN = PatternFill("solid", fgColor="EDEDED")
ANSWER = PatternFill("solid", fgColor="FFF2CC")
KEY = PatternFill("solid", fgColor="E2EFDA")
HEADER = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED, UNLOCKED = Protection(locked=True), Protection(locked=False)
META_PROPERTY = "matchbox"
META_NOTE = both("sheet.meta-note")


def meta_of(variant: Variant, lang: str, learner: str | None = None) -> dict:
    meta = variant.meta()
    meta["lang"] = lang
    if learner:
        meta["learner"] = learner
    return meta


def write_workbook(variant: Variant, lang: str, path: Path, key: bool = False, learner: str | None = None) -> Path:
    """Write the learner workbook (answer cells empty) or the key (every answer filled in)."""
    ws = variant.worksheet
    values = ws.answer_key()
    plan = layout(ws, lang)
    wb = Workbook()
    sheets = {}
    for i, name in enumerate(plan.sheets):
        sheets[name] = wb.active if i == 0 else wb.create_sheet()
        sheets[name].title = name
    answer_cells = {name: [] for name in plan.sheets}

    for p in plan.cells:
        sheet = sheets[p.sheet]
        cell = sheet.cell(p.row, p.col)
        if p.span > 1:
            sheet.merge_cells(start_row=p.row, start_column=p.col, end_row=p.row, end_column=p.col + p.span - 1)
        if p.role == "title":
            cell.value = tr(p.content, lang) + (f" — {KEY_TITLE[lang]}" if key else "")
            cell.font = Font(bold=True, size=16, color="C00000" if key else "000000")
            # a long title (and the key's mark at its end) wraps onto a second line rather than being cut off
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            width = sum(plan.widths.get(p.sheet, {}).get(c, 10) for c in range(p.col, p.col + p.span))
            lines = math.ceil(display_width(cell.value) * 1.7 / max(width, 10))  # 16 pt: 1.7 × a 10 pt column
            sheet.row_dimensions[p.row].height = 24 * max(lines, 1)
        elif p.role in ("text", "note"):
            cell.value = tr(p.content, lang)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(italic=p.role == "note" and lang != "ja", size=10)  # never slant Japanese
            # the row grows with its wrapped lines, so a long note never runs over the row below
            sheet.row_dimensions[p.row].height = _wrapped_height(cell.value, plan, p, 1 if p.role == "text" else 0)
        elif p.role == "count":  # beside the legend: how many answer cells the learner fills
            cell.value, cell.font = tr(p.content, lang), Font(size=10)
        elif p.role == "table-title":
            cell.value = tr(p.content, lang)
            cell.font = Font(bold=True, size=12)
        elif p.role in ("header", "formula"):
            sheet.row_dimensions[p.row].height = 30 if p.role == "formula" else 20
            cell.value = tr(p.content, lang) or None
            cell.fill = HEADER
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.font = Font(bold=p.role == "header", italic=p.role == "formula" and lang != "ja",
                             size=10 if p.role == "header" else 9)
        elif p.role == "label":
            cell.value = p.content if isinstance(p.content, (int, float)) else tr(p.content, lang)
            if isinstance(cell.value, str):  # long labels wrap; give their row the lines they need
                lines = math.ceil(display_width(cell.value) / max(plan.widths[p.sheet].get(p.col, 10) - 1, 4))
                height = 15 * max(lines, 1)
                if height > (sheet.row_dimensions[p.row].height or 15):
                    sheet.row_dimensions[p.row].height = height
            cell.border = BOX if p.sheet == plan.sheets[1] or p.row > 6 else Border()
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        elif p.role == "variant":
            cell.value = variant.id
            cell.font = Font(bold=True)
        elif p.role == "name":
            cell.value = learner
            cell.fill, cell.border, cell.protection = ANSWER, BOX, UNLOCKED
        elif p.role == "given-sample":
            cell.value, cell.fill, cell.border = tr(p.content, lang), GIVEN, BOX
        elif p.role == "answer-sample":
            cell.value, cell.fill, cell.border = tr(p.content, lang), KEY if key else ANSWER, BOX
        elif p.role == "given":
            cell.value = values[p.content.name]
            cell.fill, cell.border, cell.protection = GIVEN, BOX, LOCKED
        elif p.role == "ref":
            home = plan.home[p.content.name]
            # A learner's row starts from their own previous answers: a live reference, not a copy.
            cell.value = values[p.content.name] if key or home.role == "given" else _reference(home, p.sheet)
            cell.fill, cell.border, cell.protection = GIVEN, BOX, LOCKED
            cell.font = Font(color="404040")
        elif p.role == "answer":
            q = variant.worksheet.quantities[p.content.name]
            cell.border = BOX
            cell.number_format = q.precision.number_format()
            if key:
                cell.value, cell.fill = values[q.name], KEY
            else:
                cell.fill, cell.protection = ANSWER, UNLOCKED
                answer_cells[p.sheet].append(cell.coordinate)

    for name, sheet in sheets.items():
        for col, width in plan.widths.get(name, {}).items():
            sheet.column_dimensions[_letter(col)].width = width
        if name in plan.freeze:
            sheet.freeze_panes = plan.freeze[name]
        if name in plan.title_rows:
            first, last = plan.title_rows[name]
            sheet.print_title_rows = f"{first}:{last}"
        rows, cols = plan.last[name]
        sheet.print_area = f"A1:{_letter(cols)}{rows}"
        _page_setup(sheet, landscape=name == plan.sheets[1] and cols > 8)
        if not key:
            sheet.protection.sheet = True  # givens locked; answer cells are unlocked above
            sheet.protection.formatColumns = False
            sheet.protection.formatRows = False
            if answer_cells[name]:
                dv = DataValidation(type="decimal", operator="between", formula1="-1E+100", formula2="1E+100",
                                    allow_blank=True, showErrorMessage=True,
                                    errorTitle=word("sheet.number-title", lang),
                                    error=word("sheet.number", lang))
                for coordinate in answer_cells[name]:
                    dv.add(coordinate)
                sheet.add_data_validation(dv)

    meta = meta_of(variant, lang, learner)
    if key:  # so that the key handed in as a learner's work is refused
        meta["key"] = True
    _write_meta(wb, meta, lang)
    wb.properties.title = tr(variant.worksheet.title, lang)
    wb.properties.creator = "matchbox"
    wb.properties.identifier = variant.id
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _write_meta(wb: Workbook, meta: dict, lang: str) -> None:
    """What rebuilds the key: kind, parameters, seed, format. Stored twice (a sheet and a document
    property) because some spreadsheet programs drop one or the other when they save."""
    blob = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    wb.custom_doc_props.append(StringProperty(name=META_PROPERTY, value=blob))
    sheet = wb.create_sheet(META_SHEET)
    sheet["A1"] = META_NOTE[lang]
    sheet["A1"].font = Font(italic=lang != "ja")
    sheet["A2"] = blob
    sheet["A2"].alignment = Alignment(wrap_text=False)
    sheet.column_dimensions["A"].width = 100
    sheet.protection.sheet = True
    sheet.print_area = "A1"  # the note prints; the parameters would only waste paper


def _reference(home, sheet: str) -> str:
    """A live reference to the learner's own answer, empty until that cell holds a number (an empty
    answer would otherwise show as 0 and look like a given)."""
    ref = home.cell if home.sheet == sheet else f"'{home.sheet}'!{home.cell}"
    return f'=IF(ISNUMBER({ref}),{ref},"")'


def _wrapped_height(text: str, plan: Layout, p, spare_lines: int = 1) -> float:
    width = sum(plan.widths.get(p.sheet, {}).get(c, 10) for c in range(p.col, p.col + p.span))
    lines = math.ceil(display_width(text) / max(width * 1.1, 20)) + spare_lines
    return min(409, 14 * max(lines, 1))


def _page_setup(sheet, landscape: bool) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddHeader.right.text = "&A"
