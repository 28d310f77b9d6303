"""`matchbox check scan.pdf`: sheets read from paper, reported as a workbook's check is (the same words, in
the sheet's language), with what only paper has: an answer's address is its page and label, each answer
says what was read, and the answers to check by eye are marked and counted."""
from __future__ import annotations

from pathlib import Path

from ..grading.numbers import show
from ..views.as_json import report_json
from ..views.feedback import explain
from ..views.terminal import MARKS, Style, blanks_and_carried, headline, printable
from ..words import word
from .grade import PaperResult

WRONG = ("incorrect", "simplified", "rounding")


def review_text(result: PaperResult, quantity: str, lang: str) -> str | None:
    if quantity not in result.review:
        return None
    after = result.review[quantity]
    return word("paper.review-after", lang, address=after) if after else word("paper.review", lang)


def paper_headline(result: PaperResult, report=None) -> str:
    """The workbook's headline, with the pages read and the answers to check."""
    report = report or explain(result.report)
    lang = report.lang
    pages = ", ".join(str(p) for p in sorted(result.sheet.pages))
    missing = ", ".join(str(p) for p in result.sheet.missing)
    line = f"{headline(report)}  [{word('paper.pages', lang, pages=pages)}" + \
        (f"; {word('paper.missing', lang, pages=missing)}]" if missing else "]")
    if result.review:
        line += f"  ⚠ {word('paper.to-check', lang, n=len(result.review))}"
    return line


def cell_line(result: PaperResult, c, lang: str) -> str:
    """One answer: its mark, address, label, the number read and the feedback (and why to check it)."""
    reading = result.sheet.fields[c.quantity]
    value = "" if c.status == "blank" else f" = {show(c.value) if isinstance(c.value, float) else printable(c.value)}"
    line = f"{MARKS[c.status][0]} {result.addresses[c.quantity]}{value}: {c.feedback}"
    check = review_text(result, c.quantity, lang)
    if check:
        seen = printable(reading.text) if reading.text else word("paper.empty", lang)
        line += f"  ⚠ {word('paper.read', lang)} “{seen}”: {check}"
    return line


def paper_text(result: PaperResult, show_all: bool = False, style: Style | None = None, exam: bool = False,
               max_blank: int = 10) -> str:
    """A sheet read from paper for the terminal, laid out as report_text lays out a workbook: mistakes first,
    then the answers to check by eye, the blanks, and one line per table for the carried answers."""
    report = explain(result.report, exam=exam)
    lang = report.lang

    def styled(text, status):
        return style(text, MARKS[status][1]) if style else text

    lines = [paper_headline(result, report)]
    if report.marking != type(report.marking)():
        lines.append("  (" + word("report.marking", lang, credit=report.marking.carried_credit,
                                  penalty=report.marking.rounding_penalty) + ")")
    lines += [f"  ! {printable(note)}" for note in report.notes]
    if show_all:
        return "\n".join(lines + [styled("  " + cell_line(result, c, lang), c.status) for c in report.cells])
    shown = [c for c in report.cells if c.status in WRONG or c.quantity in result.review and c.status != "blank"]
    lines += [styled("  " + cell_line(result, c, lang), c.status) for c in shown]
    return "\n".join(lines + blanks_and_carried(report, lang, lambda c: cell_line(result, c, lang), styled,
                                                max_blank))


def paper_json(result: PaperResult, exam: bool = False, annotated: Path | None = None,
               annotate_error: str | None = None) -> dict:
    """The workbook's JSON (the same keys: "annotated" where its graded copy went), and: "source": "paper",
    the sheet's number in its file, the pages read (page -> [file, image]) and missing, the count of answers
    to check; each cell its address, what was read, the reader's confidence and whether a person should
    check it."""
    data = report_json(explain(result.report, exam=exam), str(annotated) if annotated else None, annotate_error)
    sheet = result.sheet
    data.update({"source": "paper", "sheet": sheet.number, "missing_pages": sheet.missing,
                 "pages": {str(p): list(where) for p, where in sorted(sheet.pages.items())},
                 "review": len(result.review)})
    for cell in data["cells"]:
        reading = sheet.fields[cell["quantity"]]
        cell.update({"address": result.addresses[cell["quantity"]], "page": reading.page, "read": reading.text,
                     "confidence": round(reading.confidence, 4), "review": cell["quantity"] in result.review,
                     "review_reason": review_text(result, cell["quantity"], data["lang"])})
    return data


def batch_line(results: list[PaperResult], errors: int) -> str:
    """The last line of a pile of scans, in the language most sheets are in."""
    langs = [r.report.lang for r in results] or ["en"]
    lang = max(set(langs), key=langs.count)
    ratios = [r.report.score / r.report.max_score for r in results if r.report.max_score]
    mean = word("report.mean", lang, mean=100 * sum(ratios) / len(ratios)) if ratios else ""
    passed = sum(r.report.passed for r in results)
    return word("paper.batch", lang, n=len(results) + errors, passed=passed, mistakes=len(results) - passed,
                errors=errors, mean=mean, review=sum(len(r.review) for r in results))


def check_scans(files: list[Path], marking, echo, as_json=False, show_all=False, style=None, exam=False,
                crops: Path | None = None, annotate: Path | None = None, force: bool = False, lang: str = "en") \
        -> tuple[list[PaperResult], int]:
    """Read and grade every scan given; print as `check` prints workbooks (`echo(text, err=False)`); with
    `annotate`, write each sheet's graded copy there (paper/graded_copy.py). Returns the results and how many
    files or images could not be read, or copies not written (each said in one line on stderr)."""
    import json

    from ..errors import MatchboxError, Said, said
    from .digits import Reader
    from .grade import grade_file, write_crops
    if annotate is not None:  # said before the scans are read, when it can be
        from .graded_copy import refuse_at_once
        refuse_at_once(files, annotate)
    reader = Reader()
    results: list[PaperResult] = []
    errors = 0
    failed: list[dict] = []
    graded: list[tuple[Path, list[PaperResult]]] = []
    for path in files:
        problems: list[str] = []
        try:
            found = grade_file(path, marking, reader, problems)
        except MatchboxError as e:  # locate.py's messages name the file already
            said = str(e)[len(path.name) + 2:] if str(e).startswith(f"{path.name}: ") else str(e)
            echo(f"matchbox: {printable(path)}: {printable(said)}", err=True)
            failed.append({"file": str(path), "source": "paper", "error": str(e)})
            errors += 1
            continue
        # an image without a readable page ("scan.pdf: image 3: why"), in the language of the sheets found so
        # far, or the system's (`lang`) before any
        said_in = next((r.report.lang for r in (found or results)), lang)
        for problem in problems:
            echo(f"matchbox: {printable(said(problem, said_in))}", err=True)
        if not found and not problems:
            problems.append(Said("no answer page found", "解答ページが見つかりません"))
            echo(f"matchbox: {printable(path)}: {said(problems[0], said_in)}", err=True)
        if not found:
            failed.append({"file": str(path), "source": "paper", "error": "; ".join(problems)})
            errors += 1
        results += found
        graded.append((path, found))
    several = len(results) + errors > 1
    copies, not_copied = {}, {}
    if annotate is not None:
        from .graded_copy import write_graded_copies
        copies, not_copied = write_graded_copies(graded, annotate, force, exam,
                                                 several or any(Path(f).is_dir() for f in files))
        errors += len(not_copied)
    written = []
    for r in results:
        if crops is not None:
            written += write_crops(r, crops)
        if not as_json:
            echo(paper_headline(r) if several and not show_all else
                 paper_text(r, show_all=show_all, style=style, exam=exam))
        if id(r) in not_copied:
            echo(f"matchbox: {printable(r.label)}: no graded copy: {printable(not_copied[id(r)])}", err=True)
        elif id(r) in copies and not several and not as_json:
            echo(f"  → {printable(copies[id(r)])}")
    if as_json:
        data = [paper_json(r, exam, copies.get(id(r)), not_copied.get(id(r))) for r in results] + failed
        echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=1))
    elif several:
        echo(batch_line(results, errors))
    if written and not as_json:
        echo(f"  → {word('paper.crops', results[0].report.lang, folder=printable(crops))}")
    return results, errors
