"""`matchbox course`: the instructor's course, made from the kinds (printable/course.py)."""
from __future__ import annotations

from pathlib import Path

import click

from .options import LANGS, SYSTEM_LANG, default_lang


@click.command()
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("course"),
              show_default=True, help="Folder for timetable.html, guide/KIND.html and .pdf, and slides.html.")
@click.option("--lang", type=click.Choice(LANGS), default=default_lang, show_default=SYSTEM_LANG)
@click.option("--hours", type=click.Choice(["3", "day", "day2", "day3"]), default="3", show_default=True,
              help="A 3-hour workshop (13:00–16:00), a full day (9:30–17:00), a second day (9:30–15:45: "
                   "gates, forward, logistic, vanishing, optimizers, batchnorm, dropout) or a third day "
                   "(9:30–15:15: rnn, lstm, gru, gan).")
@click.option("--url", default=None, metavar="URL",
              help="The checking page's address (matchbox serve), as a QR code on the guides and the first slide.")
@click.option("--no-pdf", is_flag=True, help="HTML guides only (PDF needs WeasyPrint and Pango).")
def course(out, lang, hours, url, no_pdf):
    """The course for the instructor: a timetable in the seed hands-on's order (counting → matchbox →
    perceptron → neuron → backprop → softmax → conv → train/experiment), a printable guide per exercise (the
    idea, what to say first, the formula, the worked first row from the key, whether a calculator with eˣ and
    ln is needed, the slips to watch for, the minutes) and slides to project (← → to move).

    \b
    matchbox course -o course --lang ja --url http://192.168.1.10:8000/
    matchbox course -o day --hours day --lang en
    matchbox course -o day2 --hours day2 --lang ja
    matchbox course -o day3 --hours day3 --lang ja
    """
    from ..printable.course import write_course
    written = write_course(out, lang, hours, url, pdf=not no_pdf)
    language = {"en": "English", "ja": "日本語"}[lang]
    click.echo(f"{len(written)} files in {out} ({language}): timetable.html, guide/, slides.html")
