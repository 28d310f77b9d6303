"""`matchbox check`: grade filled-in workbooks cell by cell; graded copies, a gradebook, Gradescope results."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import default_lang, marking_options


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="WORKBOOK|SCAN|FOLDER...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (a list for several).")
@click.option("--all", "show_all", is_flag=True, help="List every cell, correct ones too (for several "
              "workbooks: every workbook's cells, not one line each).")
@click.option("--annotate", type=click.Path(path_type=Path), metavar="OUT",
              help="Write a graded copy: green correct, amber carried, lilac simplified, blue rounding note, red "
                   "incorrect, grey blank, a comment "
                   "on each cell to look at, a summary sheet in front. For one workbook OUT is the copy "
                   "(OUT.xlsx) or a folder; for several, a folder (NAME-graded.xlsx each). For scans: a PDF "
                   "of each learner's pages, each answer outlined in those colours, its note beside the page "
                   "(OUT.pdf, or NAME-graded.pdf in a folder).")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="Write one CSV row per learner and exercise (the latest workbook, by the time it was "
                   "saved): name, file, kind, variant, score, max_score, percent, status, slips, error, "
                   "checked_at; the same as matchbox serve's gradebook.")
@click.option("--gradebook-wide", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="Write one CSV row per learner, one column per exercise (the percent of its latest workbook).")
@click.option("--gradescope", type=click.Path(dir_okay=False, path_type=Path), metavar="results.json",
              help="Write Gradescope autograder results for the workbooks given (one submission).")
@click.option("--force", is_flag=True, help="Replace output files that already exist (never a workbook "
              "being checked).")
@click.option("--jobs", type=click.IntRange(1, 256), default=None, metavar="N",
              help="Processes for several workbooks (default: one per core).")
@click.option("--exam", is_flag=True, help="Exam mode: statuses and the slips named, never an expected or "
              "carried value (in the terminal, --json, --annotate and --gradescope).")
@click.option("--crops", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Scans: write the boxes of every answer to check by eye as PNG images into DIR.")
@marking_options
def check(files, as_json, show_all, annotate, gradebook, gradebook_wide, gradescope, force, jobs, carried_credit,
          rounding_penalty, exam, crops):
    """Grade filled-in workbooks cell by cell against the answer key.

    Each answer cell is correct, carried (wrong against the key but right from your own earlier
    answers), simplified (follows from your numbers, but an earlier error made the step trivial: no
    credit), a rounding note (a rounding habit: named once, charged at most --rounding-penalty marks a
    sheet), incorrect or blank; a wrong number that a classic slip explains names the slip. Answers are
    found by their row's and column's labels, so inserted, moved or sorted rows cost nothing.

    A FOLDER is searched for workbooks, in its subfolders too. With several workbooks, each gets one
    line, then a summary line; a file that cannot be graded gets one line on stderr and the rest are
    graded as usual.

    \b
    Exit codes:
      0  every answer correct or carried, no given number edited, in every workbook
      1  some answer incorrect or blank, or a given number edited
      2  a file cannot be graded (the others still are), or an output cannot be written

    The workbooks are only read, never written. Outputs (--annotate, --gradebook, --gradescope) never
    replace a workbook being checked, nor an existing file without --force.

    A SCAN is a PDF, JPEG or PNG of the answer pages printed by `generate --format pdf --for-scanning`,
    filled in by hand (or a folder of such files): each learner's sheet in it is read and graded as a
    workbook is; an answer not read with confidence is graded with its best reading and marked to check by
    eye (--crops DIR writes its boxes as images; --annotate, a PDF of the pages with each answer outlined
    and its note beside the page). Needs `pip install matchbox[paper]`.
    """
    from ..paper.read import is_paper
    scans = [f for f in files if is_paper(f)]
    if scans:
        _check_scans(files, scans, as_json, show_all, annotate, gradescope, gradebook, gradebook_wide, force,
                     _marking(carried_credit, rounding_penalty), exam, crops)
    from ..grading.batch import Checked, Job, check_all, collect
    from .progress import Progress
    from ..grading.files import copy_targets, refuse_overwrite, write_atomic
    from ..grading.grader import Marking
    marking = Marking(carried_credit, rounding_penalty)
    from ..views.annotate import annotate as write_copy, annotate_exam
    from ..views.feedback import explain
    if exam:
        write_copy = annotate_exam
    from ..views.terminal import batch_summary, headline, printable, report_text
    copies: list = []
    paths, unreadable = collect(list(files), exclude=[annotate] if annotate else [], skipped=copies)
    from ..words import word
    for copy, lang in copies:
        click.echo(f"matchbox: {word('report.graded-copy', lang or 'en', file=printable(copy))}", err=True)
    several = len(paths) + len(unreadable) > 1 or any(f.is_dir() for f in files)
    targets = copy_targets(list(files), paths, annotate, several) if annotate else {}
    for out in [*targets.values(), gradebook, gradebook_wide, gradescope]:
        if out is not None:
            refuse_overwrite(out, paths, force)

    results = [Checked(r) for r in unreadable]
    for r in unreadable:
        click.echo(f"matchbox: {printable(r.file)}: {r.error}", err=True)
    progress = Progress(len(paths)) if several and len(paths) >= 10 else None
    style = (lambda text, colour: click.style(text, fg=colour)) if sys.stdout.isatty() else None
    for done in check_all([Job(p, targets.get(p), marking, write_copy) for p in paths], jobs):
        if exam:  # worded without the key's values, for every view below
            done.report = explain(done.report, exam=True)
        report = done.report
        if progress:
            progress.clear()
        if report.error:
            click.echo(f"matchbox: {printable(report.file)}: {report.error}", err=True)
        elif not as_json:
            click.echo(headline(report) if several and not show_all else
                       report_text(report, show_all=show_all, style=style))
        if done.annotate_error:
            click.echo(f"matchbox: {printable(report.file)}: no graded copy: {done.annotate_error}", err=True)
        elif done.annotated and not several and not as_json:
            click.echo(f"  → {printable(done.annotated)}")
        if progress:
            progress.advance(Path(report.file).name)
        results.append(done)
    if progress:
        progress.clear()
    reports = [done.report for done in results]
    if as_json:
        from ..views.as_json import report_json
        data = [report_json(d.report, d.annotated, d.annotate_error) for d in results]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=1))
    elif several:
        click.echo(batch_summary(reports))

    if gradebook or gradebook_wide:
        from datetime import datetime
        from ..views.gradebook import gradebook_csv
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        saved = [_saved_at(r) for r in reports]  # a learner's workbook of an exercise saved last counts
        for out, form in ((gradebook, "long"), (gradebook_wide, "wide")):
            if out:
                write_atomic(out, gradebook_csv(reports, form, now, saved).encode("utf-8"))
    if gradescope:
        from ..views.gradebook import gradescope_json
        write_atomic(gradescope, gradescope_json(reports).encode("utf-8"))
    if any(r.error for r in reports) or any(d.annotate_error for d in results):
        sys.exit(2)
    sys.exit(0 if all(r.passed for r in reports) else 1)


def _marking(carried_credit, rounding_penalty):
    from ..grading.grader import Marking
    return Marking(carried_credit, rounding_penalty)


def _check_scans(files, scans, as_json, show_all, annotate, gradescope, gradebook, gradebook_wide, force, marking,
                 exam, crops):
    """`check` of scanned or photographed answer pages (matchbox/paper/report.py); exits as for workbooks."""
    from ..errors import MatchboxError
    from ..grading.files import refuse_overwrite, write_atomic
    from ..paper.report import check_scans
    from ..words import word
    if len(scans) < len(files):
        raise MatchboxError("give either workbooks or scans of answer pages to check, not both at once")
    if gradescope:
        raise MatchboxError(word("paper.no-gradescope", "en"))
    for out in (gradebook, gradebook_wide):
        if out is not None:
            refuse_overwrite(out, [], force)
    style = (lambda text, colour: click.style(text, fg=colour)) if sys.stdout.isatty() else None
    results, errors = check_scans(scans, marking, click.echo, as_json, show_all, style, exam, crops, annotate, force,
                                  lang=default_lang())
    reports = [r.report for r in results]
    if gradebook or gradebook_wide:
        from datetime import datetime
        from ..views.gradebook import gradebook_csv
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        for out, form in ((gradebook, "long"), (gradebook_wide, "wide")):
            if out:
                write_atomic(out, gradebook_csv(reports, form, now).encode("utf-8"))
    if errors:
        sys.exit(2)
    sys.exit(0 if all(r.passed for r in reports) else 1)


def _saved_at(report) -> float:
    """When the workbook was last saved (0 for a file that is not there)."""
    try:
        return Path(report.file).stat().st_mtime
    except OSError:
        return 0.0
