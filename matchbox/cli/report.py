"""`matchbox report`: the class's results from a folder of workbooks: a one-page result per learner (HTML and
PDF) and a projector view of the class with no names (HTML, and a short summary in the terminal)."""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import asdict
from pathlib import Path

import click

from .options import marking_options


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FOLDER|WORKBOOK...")
@click.option("--lang", type=click.Choice(["en", "ja"]), default=None,
              help="Language of the pages (default: each learner's workbook's; the class view: the most "
                   "common one).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("report"),
              show_default=True, help="Folder for class.html and learners/NAME.html and .pdf.")
@click.option("--force", is_flag=True, help="Replace pages that already exist in the output folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the class summary and each learner's results as "
              "JSON instead of the text summary.")
@click.option("--no-pdf", is_flag=True, help="Write the learners' pages as HTML only.")
@click.option("--jobs", type=click.IntRange(1, 256), default=None, metavar="N",
              help="Processes for grading (default: one per core).")
@marking_options
def report(files, lang, output, force, as_json, no_pdf, jobs, carried_credit, rounding_penalty):
    """The class's results from a folder of learners' workbooks.

    Grades every workbook as `check FOLDER` does and writes, under --output: learners/NAME.html and
    NAME.pdf, one A4 page per learner (every exercise handed in, its score, the slips named and the
    tables to review), and class.html, the projector view with no names (per exercise, per table and per
    cell the share of learners wrong, and how many learners made each slip). A learner is the name stored
    in the workbook, else their own subfolder, else the file. The terminal gets a short summary.

    Existing pages are replaced only with --force; the workbooks are only read.
    """
    from ..grading.batch import Job, check_all, collect
    from .progress import Progress
    from ..grading.files import refuse_overwrite, write_atomic
    from ..grading.grader import Marking
    from ..views import summary as S
    from ..views.terminal import printable
    from ..words import word

    paths, unreadable = collect(list(files), exclude=[output])
    root = files[0] if len(files) == 1 and files[0].is_dir() else None
    who = (lambda r: S.learner_of(r, root))
    reports = list(unreadable)
    for r in unreadable:
        click.echo(f"matchbox: {printable(r.file)}: {r.error}", err=True)
    progress = Progress(len(paths)) if len(paths) >= 10 else None
    for done in check_all([Job(p, None, Marking(carried_credit, rounding_penalty)) for p in paths], jobs):
        if progress:
            progress.clear()
        if done.report.error:
            click.echo(f"matchbox: {printable(done.report.file)}: {done.report.error}", err=True)
        if progress:
            progress.advance(Path(done.report.file).name)
        reports.append(done.report)
    if progress:
        progress.clear()

    summary = S.class_summary(reports, lang, who)
    learners = S.learner_results(reports, lang, who)
    names = file_names([p.name for p in learners])
    pages = {output / "class.html": S.projector_html(summary).encode("utf-8")}
    for person, name in zip(learners, names):
        pages[output / "learners" / f"{name}.html"] = S.learner_html(person).encode("utf-8")
    pdfs = {} if no_pdf else {output / "learners" / f"{name}.pdf": out.with_suffix(".html")
                              for name in names for out in [output / "learners" / name]}
    for out in [*pages, *pdfs]:
        refuse_overwrite(out, paths, force)
    for out, data in pages.items():
        write_atomic(out, data)
    for out, html in pdfs.items():
        write_atomic(out, pdf_of(pages[html].decode("utf-8")))

    if as_json:
        data = {"class": {k: v for k, v in asdict(summary).items()},
                "learners": [asdict(p) for p in learners],
                "pages": [str(p) for p in [*pages, *pdfs]]}
        for ex in data["class"]["exercises"]:
            ex.pop("grid", None)
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(S.summary_text(summary))
        click.echo("")
        click.echo(word("projector.written", summary.lang, path=printable(output / "class.html")))
        click.echo(word("projector.written", summary.lang, path=printable(output / "learners")))
    sys.exit(2 if any(r.error for r in reports) else 0)


def file_names(names: list[str]) -> list[str]:
    """A file name for each learner: their name with anything a file system refuses replaced, made unique."""
    out, seen = [], set()
    for name in names:
        base = unicodedata.normalize("NFC", name)
        base = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", base).strip(" .") or "learner"
        base = base[:80]
        candidate, n = base, 2
        while candidate.casefold() in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def pdf_of(html: str) -> bytes:
    """The page as PDF, drawn by WeasyPrint (as the printable sheets are)."""
    from ..errors import MatchboxError
    from ..views.table import templates_dir
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise MatchboxError(f"PDF output needs WeasyPrint and Pango ({e}); use --no-pdf and print the HTML "
                            "from a browser") from None
    return weasyprint.HTML(string=html, base_url=str(templates_dir())).write_pdf()
