"""Terminal text: the solution of a variant (`solve`) and a grading report (`check`).

Plain text only; a caller that wants colour passes `style(text, colour)` (the CLI's click.style), so no view
needs click.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable

from ..grading.numbers import show
from ..words import word
from ..worksheet.graph import Q, Ref, display_width as width, tr
from .feedback import explain, status_name

# Each status's mark and the colour a terminal shows it in, in the order counts are listed.
MARKS = {"correct": ("✓", "green"), "carried": ("↪", "yellow"), "simplified": ("⊘", "magenta"),
         "rounding": ("≈", "cyan"), "incorrect": ("✗", "red"), "blank": ("·", "bright_black")}
Style = Callable[[str, str], str]  # (text, colour name) -> the text coloured


HIDDEN = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")  # controls, invisible format characters, line breaks


def printable(text) -> str:
    """Text with control and invisible format characters escaped (a newline, a right-to-left override), so a
    file name or a typed value cannot break or forge a line; every visible character and space, the
    full-width space of 佐藤　陽菜 too, prints as it is."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(repr(c)[1:-1] if c != " " and unicodedata.category(c) in HIDDEN else c for c in text)


def pad(text: str, n: int, right: bool = False) -> str:
    space = " " * max(0, n - width(text))
    return space + text if right else text + space


def text_table(header: list[str], sub: list[str], rows: list[list[str]]) -> str:
    cols = list(zip(header, sub, *rows))
    widths = [max(width(c) for c in col) for col in cols]
    lines = ["  ".join(pad(c, w) for c, w in zip(header, widths))]
    if any(sub):  # the formulas under the headings, when the table has any
        lines.append("  ".join(pad(c, w) for c, w in zip(sub, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(pad(c, w, right=_numeric(c)) for c, w in zip(row, widths)))
    return "\n".join(line.rstrip() for line in lines)


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).lstrip("-").isdigit()


def solution_text(variant, lang: str) -> str:
    ws = variant.worksheet
    key = ws.answer_key()
    out = [f"{tr(ws.title, lang)}  [{variant.id}]", "", tr(ws.instructions, lang), tr(ws.precision_note, lang)]
    for table in ws.tables:
        rows = []
        for cells in table.rows:
            row = []
            for c in cells:
                if isinstance(c, (Q, Ref)):
                    row.append(show(key[c.name], ws.quantities[c.name].precision))
                elif isinstance(c, (int, float)):
                    row.append(show(c))
                else:
                    row.append(tr(c, lang))
            rows.append(row)
        out += ["", tr(table.title, lang)]
        if table.note:
            out.append(tr(table.note, lang))
        out.append(text_table([tr(c.header, lang) for c in table.columns],
                              [tr(c.formula, lang) for c in table.columns], rows))
    return "\n".join(out)


def headline(report) -> str:
    """The report in one line: file, variant, learner, score and counts (a batch prints one per learner)."""
    lang = report.lang
    counts = report.counts
    summary = ", ".join(f"{status_name(s, lang)} {counts[s]}" for s in MARKS if counts[s])
    head = f"{printable(report.file)}: {report.variant}"
    if report.learner:
        head += f" ({word('report.learner', lang)}: {printable(report.learner)})"
    return f"{head}  {word('score', lang)} {report.score}/{report.max_score}  ({summary})"


def cell_line(c) -> str:
    """One worded cell that is not simply correct: mark, where, what, the learner's value and the feedback."""
    value = "" if c.status == "blank" else f" = {show(c.value) if isinstance(c.value, float) else printable(c.value)}"
    return f"{MARKS[c.status][0]} {c.sheet}!{c.cell:<5} {c.label}{value}: {c.feedback}"


def edited_line(g, lang: str) -> str:
    """A worded given the learner changed."""
    return (f"! {word('report.edited', lang)}: {g.sheet}!{g.cell} {g.label} = {printable(g.value)} "
            f"({word('printed', lang)}: {show(g.expected)})")


WRONG = ("incorrect", "simplified", "rounding")  # the cells listed first, one by one


def carried_groups(report, lang: str) -> list[tuple[str, list]]:
    """The carried cells of a worded report by the table they stand in (sheet order): (its title, cells)."""
    titles = {}
    if report.exercise is not None:
        titles = {t.name: tr(t.title, lang) for t in report.exercise.worksheet.tables}
    groups: dict[str, list] = {}
    for c in report.cells:
        if c.status == "carried":
            groups.setdefault(c.section, []).append(c)
    return [(titles.get(name) or name, cells) for name, cells in groups.items()]


def carried_line(title: str, n: int, lang: str) -> str:
    """One table's carried cells in a sentence: "Trials: 14 cells follow correctly from your own earlier numbers"."""
    return word("mistakes.carried_one" if n == 1 else "mistakes.carried", lang, table=title, n=n)


def blanks_and_carried(report, lang: str, line, styled, max_blank: int = 10) -> list[str]:
    """The end of a report: the blank cells (the first `max_blank`, `line(cell)` each), then one line per table
    for the cells that follow from the learner's own earlier numbers (a workbook's or a scanned sheet's)."""
    blanks = [c for c in report.cells if c.status == "blank"]
    lines = [styled("  " + line(c), "blank") for c in blanks[:max_blank]]
    if len(blanks) > max_blank:
        lines.append(styled("  · " + word("report.more", lang, n=len(blanks) - max_blank), "blank"))
    groups = carried_groups(report, lang)
    lines += [styled(f"  {MARKS['carried'][0]} " + carried_line(title, len(cells), lang), "carried")
              for title, cells in groups]
    if groups:
        lines.append(f"  ({word('mistakes.all', lang)})")
    return lines


def report_text(report, show_all: bool = False, style: Style | None = None, max_blank: int = 10) -> str:
    """A graded workbook for the terminal, in its own language; `style` colours each line by its mark.
    Mistakes first: the wrong cells and edited givens one by one, then the blanks, then one line per table
    for the cells that follow from the learner's own earlier numbers; `show_all` lists every cell in order."""
    if report.error:
        return ""
    report = explain(report)
    lang = report.lang

    def styled(text, status):
        return style(text, MARKS[status][1]) if style else text

    lines = [headline(report)]
    if report.recalculated:
        lines.append(f"  ({word('recalc', lang)})")
    if report.marking != type(report.marking)():
        lines.append("  (" + word("report.marking", lang, credit=report.marking.carried_credit,
                                  penalty=report.marking.rounding_penalty) + ")")
    lines += [f"  ! {printable(note)}" for note in report.notes]
    shown = report.cells if show_all else [c for c in report.cells if c.status in WRONG]
    lines += [styled("  " + cell_line(c), c.status) for c in shown]
    lines += [styled("  " + edited_line(g, lang), "incorrect") for g in report.edited]
    if show_all:
        return "\n".join(lines)
    return "\n".join(lines + blanks_and_carried(report, lang, cell_line, styled, max_blank))


def batch_summary(reports) -> str:
    """The last line of a class's check, in the language most of its workbooks are in."""
    graded = [r for r in reports if not r.error]
    langs = [r.lang for r in graded] or ["en"]
    lang = max(set(langs), key=langs.count)
    ratios = [r.score / r.max_score for r in graded if r.max_score]
    mean = word("report.mean", lang, mean=100 * sum(ratios) / len(ratios)) if ratios else ""
    passed = sum(r.passed for r in reports)
    return word("report.batch", lang, n=len(reports), passed=passed, mistakes=len(graded) - passed,
                errors=len(reports) - len(graded), mean=mean)
