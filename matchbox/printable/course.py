"""`matchbox course`: the workshop's timetable, an instructor's guide per exercise and the slides, all made from
the kinds themselves (each kind's COURSE: minutes, idea, talk points, formula; its worksheet: the worked first
row from the key, the slips check names, whether eˣ and ln are needed), so they never disagree with the sheets.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import MatchboxError
from ..views.table import table_model, templates_dir
from ..worksheet.calculator import needs_calculator
from ..worksheet.graph import tr
from ..worksheet.slips import Catalogue
from ..words import section, word as _word
from .qr import qr_svg

# the afternoon's commands, in the order the timetable lists them
COMMANDS = [("matchbox train", "cmd.train"), ("matchbox experiment optimizers", "cmd.experiment"),
            ("matchbox experiment activations", "cmd.activations"),
            ("matchbox replay perceptron --seed 1 --steps 200", "cmd.replay")]


def word(key: str, lang: str, **values) -> str:
    """A word of the course's group in matchbox/words/course.py."""
    return _word(f"course.{key}", lang, **values)

# The seed hands-on's order; a slot is a kind (its minutes are its COURSE's) or (what, minutes).
PLANS = {
    "3": {"start": 13 * 60, "length": 180,
          "slots": [("intro", 10), "counting", "matchbox", "perceptron", ("break", 10), "neuron", "backprop",
                    "softmax", "conv", ("engine", 15), ("wrapup", 10)]},
    "day": {"start": 9 * 60 + 30, "length": 450,
            "slots": [("intro", 15), "counting", "matchbox", "perceptron", ("break", 15), "activations", "neuron",
                      ("lunch", 60), "descent", "backprop", ("break", 15), "softmax", "conv", ("engine", 45),
                      ("wrapup", 15)]},
    # the second day: from two layers to the tricks of real training, then the engine at scale with them
    "day2": {"start": 9 * 60 + 30, "length": 375,
             "slots": [("recap", 15), "gates", "forward", "logistic", ("break", 15), "vanishing", "optimizers",
                       ("lunch", 60), "batchnorm", "dropout", ("break", 15), ("engine", 90), ("wrapup", 15)]},
    # the third day: sequences, then learning without labels, by hand and on the engine
    "day3": {"start": 9 * 60 + 30, "length": 345,
             "slots": [("sequences", 15), "rnn", ("break", 15), "lstm", ("lunch", 60), "gru", "gan",
                       ("break", 15), ("engine", 75), ("wrapup", 15)],
             "commands": [("matchbox train lstm", "cmd.train-lstm"),
                          ("matchbox experiment vanishing", "cmd.vanishing"),
                          ("matchbox replay rnn --seed 1", "cmd.replay-rnn"),
                          ("matchbox train autoencoder", "cmd.autoencoder"),
                          ("matchbox train gan --dataset ring", "cmd.gan-ring")]},
}
SEED = 1  # the committed pack's variant: the guide's worked row is the row of the sheet in worksheets/


def course_of(kind: str) -> dict:
    from ..kinds import kind_module
    course = getattr(kind_module(kind), "COURSE", None)
    if course is None:
        raise MatchboxError(f"the {kind} exercise has no COURSE (its idea, talk points, formula and minutes)")
    return course


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def timetable(hours: str, lang: str) -> dict:
    """The plan's rows {start, end, minutes, kind, what}, their total and the workshop's length."""
    from ..kinds import kind_module
    plan = PLANS[hours]
    rows, now = [], plan["start"]
    for slot in plan["slots"]:
        if isinstance(slot, str):
            kind, minutes = slot, course_of(slot)["minutes"]["3h" if hours == "3" else "day"]
            what = tr(kind_module(kind).TITLE, lang)
        else:
            kind, (slot_id, minutes) = None, slot
            what = word(f"slot.{slot_id}", lang)
        rows.append({"start": _clock(now), "end": _clock(now + minutes), "minutes": minutes, "kind": kind,
                     "what": what, "engine": kind is None and slot[0] == "engine"})
        now += minutes
    return {"rows": rows, "total": now - plan["start"], "length": plan["length"],
            "title": word(f"length.{hours}", lang), "start": _clock(plan["start"]), "end": _clock(now)}


def kinds_of(hours: str) -> list[str]:
    return [s for s in PLANS[hours]["slots"] if isinstance(s, str)]


def worked_row(variant, lang: str) -> dict:
    """The key's first row of the first work table (the first table with an answer in it): its headings,
    formulas and cells, each cell {"kind", "text", "name"} filled from the worksheet's answer key."""
    from ..grading.numbers import show
    ws = variant.worksheet
    values = ws.answer_key()

    def fill(role: str, name: str) -> dict:
        return {"kind": role, "name": name, "text": show(values[name], ws.quantities[name].precision)}
    for table, model in zip(ws.tables, table_model(ws, lang, fill)):
        if table.role == "settings":
            continue
        for row in model["rows"]:
            if any(c["kind"] == "answer" for c in row):
                return {"title": model["title"], "headers": model["headers"], "formulas": model["formulas"],
                        "cells": row}
    raise MatchboxError(f"the {variant.kind} sheet has no answer to work")


def slips_of(ws, lang: str) -> list[str]:
    """The names of the slips `check` may name on this sheet, each once, in the order of the steps."""
    catalogue, seen, out = Catalogue(ws), set(), []
    for q in ws.answers:
        for slip in catalogue.of(q.name):
            key = slip.id if slip.name is None or slip.id.startswith("round") else tr(slip.text, "en")
            if key not in seen:
                seen.add(key)
                out.append(tr(slip.text, lang))
    return out


def guide(kind: str, lang: str, hours: str = "3", seed: int = SEED) -> dict:
    """Everything the instructor's guide and the slide of `kind` show."""
    from ..kinds import kind_module, sampled
    course, v = course_of(kind), sampled(kind, seed)
    minutes = course["minutes"]["3h" if hours == "3" else "day"] or course["minutes"]["day"]
    return {"kind": kind, "title": tr(kind_module(kind).TITLE, lang), "idea": tr(course["idea"], lang),
            "talk": [tr(t, lang) for t in course["talk"]], "formula": tr(course["formula"], lang),
            "worked": worked_row(v, lang), "variant": v.id, "calculator": needs_calculator(v.worksheet),
            "slips": slips_of(v.worksheet, lang), "minutes": minutes}


def _env():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir() / "course"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)


def _words(lang: str) -> dict:
    return section("course", lang)


def _qr(url: str | None, lang: str) -> dict | None:
    from markupsafe import Markup
    return {"svg": Markup(qr_svg(url)), "url": url, "label": word("checking", lang, url=url)} if url else None


def render_timetable(hours: str, lang: str, url: str | None = None) -> str:
    commands = [{"command": c, "what": word(k, lang)} for c, k in PLANS[hours].get("commands", COMMANDS)]
    return _env().get_template("timetable.html.j2").render(
        lang=lang, words=_words(lang), plan=timetable(hours, lang), commands=commands, qr=_qr(url, lang))


def render_guide(kind: str, lang: str, hours: str = "3", url: str | None = None) -> str:
    g = guide(kind, lang, hours)
    return _env().get_template("guide.html.j2").render(
        lang=lang, words=_words(lang), g=g, qr=_qr(url, lang),
        worked_title=word("worked", lang, variant=g["variant"]), time=word("time-given", lang, n=g["minutes"]))


def render_slides(hours: str, lang: str, url: str | None = None) -> str:
    plan = timetable(hours, lang)
    slides = [guide(k, lang, hours) for k in kinds_of(hours)]
    return _env().get_template("slides.html.j2").render(
        lang=lang, words=_words(lang), plan=plan, slides=slides, qr=_qr(url, lang),
        worked_titles=[word("worked", lang, variant=s["variant"]) for s in slides])


def write_course(out: Path, lang: str, hours: str, url: str | None = None, pdf: bool = True) -> list[Path]:
    """DIR/timetable.html, DIR/guide/<kind>.html and .pdf, DIR/slides.html."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "guide").mkdir(exist_ok=True)
    written = []

    def write(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        written.append(path)
    write(out / "timetable.html", render_timetable(hours, lang, url))
    for kind in kinds_of(hours):
        html = render_guide(kind, lang, hours, url)
        write(out / "guide" / f"{kind}.html", html)
        if pdf:
            written.append(_pdf(html, out / "guide" / f"{kind}.pdf"))
    write(out / "slides.html", render_slides(hours, lang, url))
    return written


def _pdf(html: str, path: Path) -> Path:
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise MatchboxError(f"PDF output needs WeasyPrint and Pango ({e}); the HTML guides print from a "
                            "browser") from None
    weasyprint.HTML(string=html, base_url=str(templates_dir())).write_pdf(path)
    return path
