"""The checking page: a Flask application in front of the same reader and grader as `matchbox check`.

    GET  /                      the upload page (Japanese or English by the browser, ?lang= to switch)
    POST /check                 grade one workbook, then go to its result (303, so a reload re-posts nothing)
    GET  /r/<id>                the result: score, every table with its cells marked, the notes
    GET  /r/<id>/graded.xlsx    the annotated copy
    GET  /class?token=…         the class table (only when a roster or gradebook is given)
    GET  /class/grades.csv?token=…   the gradebook: a row per learner and exercise (&form=wide: per learner)
    /review…, /s/<id>           scanned sheets (a PDF, JPEG or PNG upload) and their review: see review.py

An upload (a workbook, or a photo or scan of answer pages) is read into memory (a large one spools to a file in the server's own temporary folder, deleted
as soon as it is read), parsed by the same safe loader as `check`, and never written anywhere else.
"""
from __future__ import annotations

import hmac
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote, urlencode

from ..errors import MatchboxError
from ..grading.grader import Marking, grade
from ..grading.numbers import show
from ..views.table import table_model, templates_dir
from ..views.feedback import explain, status_name
from ..views.gradebook import rows_csv
from ..views.terminal import MARKS, WRONG, carried_groups, carried_line, edited_line, printable
from ..words import section, word
from ..workbook.reader import check_size, read_data
from .records import GRADEBOOK_COLUMNS, ClassRecord, Result, ResultStore
from .review import Batch, ScanResult, Scans, add_review_pages, is_scan, learner_name, scan_context

LANGS = ("ja", "en")
SPOOL_BYTES = 1 * 2**20  # uploads up to this stay in memory; larger ones spool to the private temp folder
UPLOAD_BYTES = 60 * 2**20  # a class's scans in one PDF; a workbook is still refused past 20 MB (check_size)
ASSETS = {"style.css": "text/css; charset=utf-8", "drop.js": "text/javascript; charset=utf-8",
          "review.js": "text/javascript; charset=utf-8"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The page's words: matchbox/words' "web." group, and the ones it shares with the other views.
SHARED = {"variant": "variant", "learner": "name", "file": "file", "notes": "look-again",
          "note_number": "mistakes.note"}


def page_words(lang: str) -> dict[str, str]:
    words = {**section("web", lang), **{k: word(key, lang) for k, key in SHARED.items()}}
    words["too_large"] = word("web.too_large", lang, mb=UPLOAD_BYTES // 2**20)
    return words


def status_words(lang: str) -> dict[str, str]:
    """The marks' names, and the one line under the counts, for the result page."""
    return {**{s: status_name(s, lang) for s in MARKS}, "recalc": word("recalc", lang)}


def create_app(roster: list[str] | None = None, gradebook: Path | None = None, token: str | None = None,
               temp_dir: Path | None = None, on_result=None, marking: Marking = Marking(), exam: bool = False):
    """The application. A class table exists when `roster` or `gradebook` is given, behind `token`;
    `on_result(report, error)` hears of every upload (the terminal's live log)."""
    from flask import Flask, Request, Response, abort, make_response, redirect, render_template, request, url_for

    class UploadRequest(Request):
        max_content_length = UPLOAD_BYTES + 2**16  # the file and the form around it
        max_form_parts = 10

        def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
            # past SPOOL_BYTES the upload goes to an anonymous file (unlinked at once) in `temp_dir`
            return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=temp_dir)

    class App(Flask):
        def select_jinja_autoescape(self, filename):  # Flask escapes .html files only; ours are .html.j2
            return True

        def create_global_jinja_loader(self):
            # the page's own templates, and the table macro it shares with the printable sheet
            import jinja2
            return jinja2.FileSystemLoader([templates_dir() / "web", templates_dir()])

    app = App(__name__, template_folder=str(templates_dir() / "web"), static_folder=None)
    app.request_class = UploadRequest
    store = ResultStore()
    batches = ResultStore()  # uploads of several learners' sheets: their results' ids
    scans = Scans(marking, temp_dir)
    record = ClassRecord(roster, gradebook) if roster or gradebook else None

    def page_lang() -> str:
        chosen = request.args.get("lang") or request.cookies.get("lang")
        if chosen in LANGS:
            return chosen
        return request.accept_languages.best_match(LANGS, default="en")

    def render(template: str, status: int = 200, error: str | None = None, **context):
        lang = page_lang()
        other = LANGS[1 - LANGS.index(lang)]
        switch = "/?" + urlencode({"lang": other})  # an error page's switch leads to a fresh upload page
        if request.method == "GET" and status < 400:
            switch = request.path + "?" + urlencode({**request.args, "lang": other})
        html = render_template(template, lang=lang, words=page_words(lang), other=other, switch=switch,
                               error=error, marks=MARKS, status_words=status_words(lang),
                               rw=section("review", lang), **context)
        response = make_response(html, status)
        if request.args.get("lang") in LANGS:  # the switch is remembered
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax", httponly=True)
        return response

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # the class table's token is in its URL
        if request.endpoint != "asset":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def upload_page():
        return render("upload.html.j2")

    @app.post("/check")
    def check():
        lang = page_lang()
        upload = request.files.get("workbook")
        if upload is None or not upload.filename:
            return render("upload.html.j2", 400, error=word("web.no_file", lang))
        name = clean_filename(upload.filename)
        problems: list[str] = []
        try:
            data = upload.stream.read(UPLOAD_BYTES + 1)
            if data and is_scan(data, name):  # answer pages on paper: read, then graded as a workbook is
                results, problems = scans.read(data, name, learner_name(request.form.get("name")))
            else:
                check_size(len(data))  # a workbook: 20 MB at most
                filled = read_data(data, Path(name))
                results = [Result(filled, name, grade(filled, marking))]
        except MatchboxError as e:  # a workbook's errors, a scan's, a missing matchbox[paper]: one line each
            said = {lg: f"{printable(name)}: {e.said(lg)}" for lg in LANGS}
        except MemoryError:
            said = {lg: f"{printable(name)}: {word('web.memory', lg)}" for lg in LANGS}
        except Exception as e:  # a bug of ours: one line for the learner, as `check` does for a class
            app.logger.exception("grading %r failed", name)
            said = {lg: f"{printable(name)}: {word('web.internal', lg, error=type(e).__name__)}" for lg in LANGS}
        else:
            said = None
        finally:
            upload.close()  # the spooled copy, if any, is deleted now
        error = said and said[lang]  # the learner reads the page's language, the instructor's terminal English
        for problem in problems:  # an image of the scan without a readable page
            app.logger.warning("%s", problem)
        if error:
            if on_result:
                on_result(None, said["en"])
            if record:
                record.record_failure()
            return render("upload.html.j2", 422, error=error)
        keys = []
        for result in results:
            final = getattr(result, "final", True)  # a scanned sheet awaiting review is recorded once checked
            if on_result and final:
                on_result(result.graded, None)
            elif on_result:  # the instructor's terminal hears that this score is not final yet
                on_result(result.graded, None, awaiting=len(result.unsure))
            if record and final:
                try:
                    record.record(result.graded, lang)
                except MatchboxError as e:  # the learner still gets the result; the instructor's terminal hears
                    app.logger.error("gradebook not updated: %s", e)
            keys.append(store.add(result))
        if len(keys) > 1:
            return redirect(url_for("sheets_page", key=batches.add(Batch(name, keys))), 303)
        return redirect(url_for("result_page", key=keys[0]), 303)

    @app.errorhandler(413)
    def too_large(_):
        return render("upload.html.j2", 413, error=page_words(page_lang())["too_large"])

    @app.errorhandler(404)
    def not_found(_):
        return render("upload.html.j2", 404, error=word("web.not_found", page_lang()))

    @app.get("/r/<key>")
    def result_page(key):
        result = store.get(key)
        if result is None:
            return render("upload.html.j2", 404, error=word("web.expired", page_lang()))
        lang = page_lang()
        report = explain(result.graded, lang, exam=True) if exam else result.report(lang)  # an exam: no key values
        scan = scan_context(result, key, record, lang)  # a scanned sheet: addresses on paper, its review
        where = scan["addresses"] if scan else {}
        return render("result.html.j2", report=report, key=key, tables=tables_view(result, report, lang, scan),
                      notes=notes_view(report, where), carried=carried_view(report, lang, where),
                      blanks=blanks_view(report, where=where), edited=[edited_line(g, lang) for g in report.edited],
                      exam=exam, scan=scan)

    @app.get("/r/<key>/graded.xlsx")
    def graded(key):
        from ..views.annotate import graded_copy
        result = store.get(key)
        if result is None or isinstance(result, ScanResult):  # a scan has no workbook to mark
            abort(404)
        try:
            graded_report = explain(result.graded, page_lang(), exam=True) if exam else result.graded
            data = graded_copy(result.filled, graded_report, page_lang())
        except Exception as e:  # openpyxl could not copy something in the workbook; the grading stands
            app.logger.exception("graded copy of %r failed", result.filename)
            return render("upload.html.j2", 500, error=f"{printable(result.filename)}: "
                          f"{word('web.copy_failed', page_lang(), error=type(e).__name__)}")
        stem = result.filename.rsplit(".", 1)[0] or "workbook"
        response = make_response(data)
        response.headers["Content-Type"] = XLSX
        response.headers["Content-Disposition"] = attachment(f"{stem}-graded.xlsx")
        return response

    def check_token():
        if record is None:
            abort(404)
        given = request.args.get("token", "")
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            abort(make_response(render("upload.html.j2", 403, error=word("web.token", page_lang()))))

    @app.get("/class")
    def class_page():
        check_token()
        from ..views.gradebook import same_name
        waiting = [r for _, r in store.items() if isinstance(r, ScanResult) and r.unsure]
        grid, whose = record.grid(), {same_name(r.learner) for r in waiting if r.learner}
        awaiting = {row["name"] for row in grid["learners"] if same_name(row["name"]) in whose}
        return render("class.html.j2", grid=grid, failed=record.failed, token=token, waiting=len(waiting),
                      awaiting=awaiting)

    @app.get("/class/grades.csv")
    def class_csv():  # ?form=wide: a row per learner, a column per exercise; else a row per learner and exercise
        check_token()
        wide = request.args.get("form") == "wide"
        text = record.wide_csv() if wide else rows_csv(record.table(), GRADEBOOK_COLUMNS)
        response = make_response(text.encode("utf-8"))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = attachment("grades-wide.csv" if wide else "grades.csv")
        return response

    @app.get("/projector")
    def projector_page():  # the class with no names: `matchbox report`'s class view of the uploads so far
        from ..views.summary import class_summary, projector_context
        check_token()
        reports = store.reports()  # the record keeps gradebook rows; the cells are in the results still held
        return render("projector.html.j2", **projector_context(class_summary(reports, page_lang())))

    @app.get("/assets/<name>")
    def asset(name):
        if name not in ASSETS:
            abort(404)
        response = make_response((templates_dir() / "web" / name).read_bytes())
        response.headers["Content-Type"] = ASSETS[name]
        response.headers["Cache-Control"] = "max-age=3600"
        return response

    add_review_pages(app, store=store, batches=batches, record=record, token=token, render=render,
                     page_lang=page_lang, marking=marking, on_result=on_result)
    return app


def clean_filename(name: str) -> str:
    """The upload's own name, for display only: no folders, no control characters, not too long."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c.isprintable()).strip()
    return name[:120] or "workbook.xlsx"


def attachment(filename: str) -> str:
    """A Content-Disposition that keeps a Japanese file name (RFC 6266) with an ASCII fallback."""
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "-_." else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def tables_view(result: Result, report, lang: str, scan: dict | None = None) -> list[dict]:
    """Every table of the sheet as the learner sees it, each answer cell with its status and note number (and,
    on a scanned sheet awaiting review, the cells to check outlined)."""
    cells = {c.quantity: c for c in report.cells}
    givens = {g.quantity: g for g in report.givens}
    numbers = {c.quantity: i for i, c in enumerate(noted(report), 1)}
    review = scan["review"] if scan else set()
    printed = {q.name: q.value for q in result.filled.variant.worksheet.givens} if scan else {}

    def fill(role: str, name: str) -> dict:
        if role == "answer":
            r = cells[name]
            check = f" ⚠ {word('review.to_check', lang)}" if name in review else ""
            return {"kind": f"answer {r.status}" + (" review" if check else ""), "text": value_text(r.value),
                    "mark": MARKS[r.status][0], "note": numbers.get(name), "title": r.feedback + check}
        if role == "given":
            if name in printed:  # on paper, as printed: nothing a learner could have changed
                return {"kind": "given", "text": value_text(printed[name])}
            g = givens[name]
            return {"kind": "given" + (" edited" if g.status == "edited" else ""), "text": value_text(g.value)}
        return {"kind": "ref", "text": value_text(cells[name].value)}  # an earlier answer: the learner's own
    return table_model(result.filled.variant.worksheet, lang, fill)


def value_text(value) -> str:
    """What the learner's cell holds, as they wrote it (a number to 10 significant digits, text escaped)."""
    if value is None:
        return ""
    return show(value) if isinstance(value, float) else printable(value)


def note_item(c, where: dict | None = None) -> dict:
    """A cell in a list: where it is (a workbook's sheet!cell, or `where` says: a scan's page and label)."""
    where = where or {}
    return {"status": c.status, "mark": MARKS[c.status][0], "value": value_text(c.value),
            "where": where.get(c.quantity, f"{c.sheet}!{c.cell}"),  # a scan's address names its label too
            "label": "" if c.quantity in where else c.label, "feedback": c.feedback}


def notes_view(report, where: dict | None = None) -> list[dict]:
    """The wrong cells (incorrect, simplified, rounding notes), numbered as in the tables: listed first."""
    return [{"number": i, **note_item(c, where)} for i, c in enumerate(noted(report), 1)]


def noted(report):
    return (c for c in report.cells if c.status in WRONG)


def carried_view(report, lang: str, where: dict | None = None) -> list[dict]:
    """The cells carried from an earlier slip, one line per table, each line opening onto its cells."""
    return [{"line": carried_line(title, len(cells), lang), "cells": [note_item(c, where) for c in cells]}
            for title, cells in carried_groups(report, lang)]


def blanks_view(report, shown: int = 10, where: dict | None = None) -> dict:
    blanks = [c for c in report.cells if c.status == "blank"]
    named = [where[c.quantity] if where else f"{c.sheet}!{c.cell} {c.label}" for c in blanks]
    return {"count": len(blanks), "first": named[:shown], "more": max(0, len(blanks) - shown)}
