"""Terminal and JSON views: the solution of a variant (`solve`) and a grading report (`check`)."""
from __future__ import annotations

import click

from .exercises import Variant
from .exercises.graph import Q, Ref, display_width as width, tr
from .grading.numbers import show

MARKS = {"correct": ("✓", "green"), "carried": ("↪", "yellow"), "simplified": ("⊘", "magenta"),
         "rounding": ("≈", "cyan"), "incorrect": ("✗", "red"), "blank": ("·", "bright_black")}
WORDS = {
    "en": {"correct": "correct", "carried": "carried", "simplified": "simplified", "rounding": "rounding note",
           "incorrect": "incorrect", "blank": "blank",
           "score": "score", "edited": "given edited", "printed": "printed", "more": "and {n} more blank cells",
           "learner": "learner", "recalc": "formulas recalculated with LibreOffice",
           "marking": "carried cells earn {credit:g} of a mark; a rounding habit costs at most {penalty}"},
    "ja": {"correct": "正解", "carried": "前の値からは正解", "simplified": "簡単になったため得点なし",
           "rounding": "丸め方の指摘", "incorrect": "不正解", "blank": "未記入",
           "score": "得点", "edited": "与えられた値が書き換えられています", "printed": "元の値",
           "more": "ほか未記入 {n} セル", "learner": "名前", "recalc": "数式は LibreOffice で再計算しました",
           "marking": "前の値からの正解は 1 セル {credit:g} 点、丸め方の減点は最大 {penalty} 点です"},
}


def printable(text) -> str:
    """Text with control characters escaped, so a file name or a typed value cannot break or forge a line."""
    text = str(text)
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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


def solution_text(variant: Variant, lang: str) -> str:
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


def solution_json(variant: Variant, lang: str) -> dict:
    ws = variant.worksheet
    key = ws.answer_key()
    return {"kind": variant.kind, "variant": variant.id, "title": tr(ws.title, lang), "params": variant.params,
            "quantities": [{"name": q.name, "label": tr(q.label, lang), "given": q.is_given, "value": key[q.name],
                            "formula": tr(q.formula, lang) or None, "section": q.section or None}
                           for q in ws.quantities.values()]}


def headline(report) -> str:
    """The report in one line: file, variant, learner, score and counts (a batch prints one per learner)."""
    words = WORDS[report.lang]
    counts = report.counts
    summary = ", ".join(f"{words[s]} {counts[s]}" for s in MARKS if counts[s])
    head = f"{printable(report.file)}: {report.variant}"
    if report.learner:
        head += f" ({words['learner']}: {printable(report.learner)})"
    return f"{head}  {words['score']} {report.score}/{report.max_score}  ({summary})"


def cell_line(c) -> str:
    """One cell that is not simply correct: mark, where, what, the learner's value and the feedback."""
    value = "" if c.status == "blank" else f" = {show(c.value) if isinstance(c.value, float) else printable(c.value)}"
    return f"{MARKS[c.status][0]} {c.sheet}!{c.cell:<5} {c.label}{value}: {c.feedback}"


def edited_line(g, lang: str) -> str:
    words = WORDS[lang]
    return (f"! {words['edited']}: {g.sheet}!{g.cell} {g.label} = {printable(g.value)} "
            f"({words['printed']}: {show(g.expected)})")


def report_text(report, show_all: bool = False, color: bool = False, max_blank: int = 10) -> str:
    if report.error:
        return ""
    words = WORDS[report.lang]

    def style(text, status):
        return click.style(text, fg=MARKS[status][1]) if color else text

    lines = [headline(report)]
    if report.recalculated:
        lines.append(f"  ({words['recalc']})")
    if report.marking != type(report.marking)():
        lines.append("  (" + words["marking"].format(credit=report.marking.carried_credit,
                                                     penalty=report.marking.rounding_penalty) + ")")
    lines += [f"  ! {printable(note)}" for note in report.notes]
    blanks = 0
    for c in report.cells:
        if c.status == "correct" and not show_all:
            continue
        if c.status == "blank":
            blanks += 1
            if blanks > max_blank and not show_all:
                continue
        lines.append(style("  " + cell_line(c), c.status))
    if blanks > max_blank and not show_all:
        lines.append(style("  · " + words["more"].format(n=blanks - max_blank), "blank"))
    for g in report.edited:
        lines.append(style("  " + edited_line(g, report.lang), "incorrect"))
    return "\n".join(lines)


BATCH = {
    "en": "{n} workbooks: {passed} full marks, {mistakes} with something to fix, {errors} could not be graded"
          "{mean}",
    "ja": "{n} ファイル: 満点 {passed}、見直しあり {mistakes}、採点できず {errors}{mean}",
}
MEAN = {"en": "; mean score {mean:.1f}%", "ja": "。平均 {mean:.1f}%"}


def batch_summary(reports) -> str:
    """The last line of a class's check."""
    graded = [r for r in reports if not r.error]
    langs = [r.lang for r in graded] or ["en"]
    lang = max(set(langs), key=langs.count)
    ratios = [r.score / r.max_score for r in graded if r.max_score]
    mean = MEAN[lang].format(mean=100 * sum(ratios) / len(ratios)) if ratios else ""
    passed = sum(r.passed for r in reports)
    return BATCH[lang].format(n=len(reports), passed=passed, mistakes=len(graded) - passed,
                              errors=len(reports) - len(graded), mean=mean)
