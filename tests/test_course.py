"""`matchbox course`: the timetable adds up, each guide's worked row is the key's, each guide lists the kind's
slips, the QR code is the address, and exactly the sheets whose steps need eˣ or ln say a calculator is needed."""
import html
import inspect
import re

import pytest
import segno
from click.testing import CliRunner
from conftest import run_cli

from matchbox.cli import main
from matchbox.engine import functions as F
from matchbox.grading.numbers import show
from matchbox.kinds import KINDS, sampled
from matchbox.printable import render_html
from matchbox.printable.qr import qr_matrix, qr_svg
from matchbox.printable.course import (PLANS, guide, kinds_of, render_guide, render_slides,
                                       render_timetable)
from matchbox.words import WORDS
from matchbox.words import word
from matchbox.worksheet.graph import Q, Ref
from matchbox.worksheet.slips import Catalogue

URL = "http://192.168.10.20:8000/"


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("hours", ["3", "day", "day2", "day3"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_timetables_minutes_add_up_to_the_workshops_length(hours, lang):
    page = render_timetable(hours, lang)
    minutes = [int(m) for m in re.findall(r'<td class="minutes">(\d+)</td>', page)]
    start, end = re.search(r"\((\d+:\d\d)–(\d+:\d\d)\)</h1>", page).groups()
    def minute(clock):
        hour, minutes = clock.split(":")
        return 60 * int(hour) + int(minutes)
    length = minute(end) - minute(start)
    assert sum(minutes) == length == PLANS[hours]["length"]
    assert int(re.search(r'<td class="total">(\d+)</td>', page).group(1)) == length
    # the seed hands-on's order, and the afternoon's commands
    order = [k for k in re.findall(r"<code>(\w+)</code></td>", page)]
    seed_order = {"3": ["counting", "matchbox", "perceptron", "neuron", "backprop", "softmax", "conv"],
                  # the second day: gates and XOR first, the tricks of real training after lunch
                  "day2": ["gates", "forward", "logistic", "vanishing", "optimizers", "batchnorm", "dropout"],
                  "day3": ["rnn", "lstm", "gru", "gan"]}.get(hours, ["counting", "matchbox", "perceptron", "neuron", "backprop", "softmax", "conv"])
    assert [k for k in order if k in seed_order] == seed_order
    for command in ("matchbox train", "matchbox experiment", "matchbox replay"):
        assert command in page
    assert (length == 180) == (hours == "3")


def test_every_kind_has_a_place_in_a_workshop():
    """Each exercise is in the 3-hour workshop, the full day, the second day or the third."""
    placed = set(kinds_of("3")) | set(kinds_of("day")) | set(kinds_of("day2")) | set(kinds_of("day3"))
    assert placed == set(KINDS)


def first_work_row(ws):
    for table in ws.tables:
        if table.role == "settings":
            continue
        for row in table.rows:
            if any(isinstance(c, Q) and not ws.quantities[c.name].is_given for c in row):
                return [c.name for c in row if isinstance(c, (Q, Ref))]
    raise AssertionError("no work row")


@pytest.mark.parametrize("kind", kinds_of("day"))
def test_the_worked_first_row_is_the_keys(kind):
    ws = sampled(kind, 1).worksheet
    key, exact = ws.answer_key(), ws.key()
    g = guide(kind, "ja")
    cells = [c for c in g["worked"]["cells"] if c["kind"] != "text"]
    assert [c["name"] for c in cells] == first_work_row(ws)
    page = render_guide(kind, "ja")
    for c in cells:
        q = ws.quantities[c["name"]]
        assert c["text"] == show(key[c["name"]], q.precision)
        assert q.precision.agrees(float(c["text"]), exact[c["name"]]) or not q.precision.exact
        if c["kind"] == "answer":
            assert f'<td class="answer">{c["text"]}</td>' in page


@pytest.mark.parametrize("kind", kinds_of("day"))
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_guide_lists_the_kinds_slips(kind, lang):
    ws = sampled(kind, 1).worksheet
    catalogue = Catalogue(ws)
    by_id: dict[str, set[str]] = {}
    for q in ws.answers:
        for slip in catalogue.of(q.name):
            text = slip.text[lang] if isinstance(slip.text, dict) else slip.text
            by_id.setdefault(slip.id, set()).add(text)
    assert by_id, "every kind's steps declare some slip"
    page = text_of(render_guide(kind, lang))
    for slip_id, texts in by_id.items():
        assert any(t in page for t in texts), f"{kind}: {slip_id} not in the guide"


def test_the_qr_code_is_drawn_from_segno_and_round_trips():
    svg = qr_svg(URL)
    assert qr_matrix(svg) == [list(r) for r in segno.make(URL, error="m").matrix]
    assert qr_matrix(qr_svg(URL + "x")) != qr_matrix(svg)
    for page in (render_guide("counting", "en", url=URL), render_slides("3", "ja", url=URL)):
        drawn = re.search(r'<svg[^>]*class="qr".*?</svg>', page, re.S).group(0)
        assert qr_matrix(drawn) == qr_matrix(svg)
        assert URL in page
    first_slide = re.search(r'<section class="slide on">.*?</section>', render_slides("3", "en", url=URL), re.S)
    assert 'class="qr"' in first_slide.group(0)
    assert 'class="qr"' not in render_guide("counting", "en")  # no --url, no code


def step_needs_exp_or_log(fn, depth=3) -> bool:
    """Read off the engine's source: does computing this function take an exponential or a logarithm?"""
    try:
        source = inspect.getsource(fn)
    except (TypeError, OSError):
        return False
    if re.search(r"\b(np|math)\.(exp|expm1|log|log1p|tanh)\b", source):
        return True
    called = set(re.findall(r"\b([a-z_]+)\(", source)) - {fn.__name__}
    return depth > 0 and any(step_needs_exp_or_log(getattr(F, name), depth - 1)
                             for name in called if callable(getattr(F, name, None)))


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_calculator_line_is_on_exactly_the_sheets_that_need_exp_or_log(kind):
    ws = sampled(kind, 1).worksheet
    needed = any(step_needs_exp_or_log(q.step.fn) for q in ws.answers)
    for lang in ("en", "ja"):
        line = word("print.calculator", lang)
        for key in (False, True):
            assert html.unescape(render_html(sampled(kind, 1), lang, key=key)).count(line) == int(needed)
        assert (WORDS["course.calculator.yes"][lang] in render_guide(kind, lang)) == needed
    if kind in ("softmax", "neuron", "backprop"):
        assert needed  # the reading of the source finds what a lecturer knows


def test_slides_one_per_exercise_with_arrow_keys_and_no_cdn():
    page = render_slides("3", "en", url=URL)
    sections = re.findall(r'<section class="slide[^"]*"(?: id="(\w+)")?>', page)
    assert sections[1:] == kinds_of("3") and sections[0] == ""
    assert "ArrowRight" in page and "ArrowLeft" in page
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"http", page)


def test_the_course_command_writes_timetable_guides_and_slides(tmp_path):
    out = tmp_path / "course"
    result = CliRunner().invoke(main, ["course", "-o", str(out), "--lang", "ja", "--url", URL])
    assert result.exit_code == 0, result.output
    assert (out / "timetable.html").is_file() and (out / "slides.html").is_file()
    for kind in kinds_of("3"):
        assert (out / "guide" / f"{kind}.html").is_file()
        assert (out / "guide" / f"{kind}.pdf").read_bytes()[:5] == b"%PDF-"
    assert "日本語" in result.output


def test_the_printed_sheet_carries_the_checking_pages_address_and_its_code(tmp_path):
    """`generate --url`: the sheet prints the address and a QR code that reads back as that address; without
    --url the sheet has neither (the committed pack is made without one)."""
    r = run_cli("generate", "neuron", "--seed", "2", "--lang", "ja", "--format", "html", "--url", URL,
                "-o", tmp_path / "with")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "with" / "worksheets" / "neuron-2-ja.html").read_text(encoding="utf-8")
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="qr"'):]
    svg = svg[:svg.index("</svg>") + 6]
    assert qr_matrix(svg) == [list(r) for r in segno.make(URL, error="m").matrix]
    assert URL in html
    assert run_cli("generate", "neuron", "--seed", "2", "--lang", "ja", "--format", "html",
                   "-o", tmp_path / "without").returncode == 0
    plain = (tmp_path / "without" / "worksheets" / "neuron-2-ja.html").read_text(encoding="utf-8")
    assert 'class="qr"' not in plain and URL not in plain
