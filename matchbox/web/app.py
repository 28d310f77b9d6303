"""The checking page: a Flask application in front of the same reader and grader as `matchbox check`.

    GET  /                      the upload page (Japanese or English by the browser, ?lang= to switch)
    POST /check                 grade one workbook, then go to its result (303, so a reload re-posts nothing)
    GET  /r/<id>                the result: score, every table with its cells marked, the notes
    GET  /r/<id>/graded.xlsx    the annotated copy
    GET  /class?token=…         the class table (only when a roster or gradebook is given)
    GET  /class/grades.csv?token=…

An upload is read into memory (a large one spools to a file in the server's own temporary folder, deleted
as soon as it is read), parsed by the same safe loader as `check`, and never written anywhere else.
"""
from __future__ import annotations

import hmac
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote, urlencode

from ..errors import MatchboxError, WorkbookError
from ..exercises.graph import tr
from ..grading.gradebook import rows_csv
from ..grading.grader import Marking
from ..grading.numbers import show
from ..printable import cell_role, templates_dir
from ..report import MARKS, WORDS as REPORT_WORDS, edited_line, printable
from ..workbook.reader import MAX_FILE_BYTES, check_size, read_data
from .records import GRADEBOOK_COLUMNS, ClassRecord, Result, ResultStore

LANGS = ("ja", "en")
SPOOL_BYTES = 1 * 2**20  # uploads up to this stay in memory; larger ones spool to the private temp folder
ASSETS = {"style.css": "text/css; charset=utf-8", "drop.js": "text/javascript; charset=utf-8"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORDS = {
    "en": {
        "title": "Check your workbook", "lead": "Drop your filled-in matchbox workbook here, or choose it.",
        "choose": "Choose a workbook (.xlsx)", "check": "Check", "drop": "Drop the workbook here",
        "private": "Your workbook is checked, then discarded: it is not stored.", "checking": "Checking…",
        "score": "Score", "variant": "variant", "learner": "name", "file": "file",
        "download": "Download the marked workbook", "again": "Check another workbook",
        "notes": "Cells to look at again", "blank_cells": "{n} blank cells", "all_correct": "Every cell is correct. Well done!",
        "expired": "This result is no longer here (results are kept for a few hours). Upload your workbook "
                   "again.", "not_found": "No such page.",
        "error_title": "This file cannot be checked", "no_file": "Choose a workbook to upload first.",
        "too_large": f"the file is larger than {MAX_FILE_BYTES // 2**20} MB, too large for a matchbox workbook",
        "class": "Class", "class_lead": "Latest upload of each learner; this page refreshes itself.",
        "token": "This page needs the link printed when matchbox serve started.",
        "missing": "not yet", "passed": "full marks", "mistakes": "to fix", "error": "could not be graded",
        "checked_at": "checked", "slips": "slips", "percent": "%", "not_on_roster": "not on the roster",
        "failed": "{n} upload(s) could not be graded.", "csv": "Download the gradebook (CSV)",
        "legend": "Marks", "language": "日本語",
        "tally": "{submitted} of {total} handed in; {passed} with full marks.",
    },
    "ja": {
        "title": "ワークブックの採点", "lead": "記入したワークブックをここにドロップするか、選んでください。",
        "choose": "ワークブックを選ぶ (.xlsx)", "check": "採点する", "drop": "ここにドロップ",
        "private": "ワークブックは採点したら破棄します。保存はしません。", "checking": "採点中…",
        "score": "得点", "variant": "問題番号", "learner": "名前", "file": "ファイル",
        "download": "採点済みワークブックをダウンロード", "again": "別のワークブックを採点する",
        "notes": "見直すセル", "blank_cells": "未記入 {n} セル", "all_correct": "すべて正解です。よくできました!",
        "expired": "この結果はもうありません(結果は数時間で消えます)。もう一度アップロードしてください。",
        "not_found": "ページが見つかりません。",
        "error_title": "このファイルは採点できません", "no_file": "先にワークブックを選んでください。",
        "too_large": f"ファイルが {MAX_FILE_BYTES // 2**20} MB を超えています(matchbox のワークブックには大きすぎます)",
        "class": "クラス", "class_lead": "各受講者の最新の提出です。このページは自動で更新されます。",
        "token": "このページを開くには matchbox serve の起動時に表示されたリンクが必要です。",
        "missing": "未提出", "passed": "満点", "mistakes": "見直しあり", "error": "採点できず",
        "checked_at": "採点時刻", "slips": "よくある間違い", "percent": "%", "not_on_roster": "名簿にない名前",
        "failed": "採点できなかった提出: {n} 件", "csv": "成績表 (CSV) をダウンロード",
        "legend": "記号", "language": "English",
        "tally": "提出 {submitted} / {total} 人、うち満点 {passed} 人。",
    },
}


def create_app(roster: list[str] | None = None, gradebook: Path | None = None, token: str | None = None,
               temp_dir: Path | None = None, on_result=None, marking: Marking = Marking()):
    """The application. A class table exists when `roster` or `gradebook` is given, behind `token`;
    `on_result(report, error)` hears of every upload (the terminal's live log)."""
    from flask import Flask, Request, Response, abort, make_response, redirect, render_template, request, url_for

    class UploadRequest(Request):
        max_content_length = MAX_FILE_BYTES + 2**16  # the workbook and the form around it
        max_form_parts = 10

        def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
            # past SPOOL_BYTES the upload goes to an anonymous file (unlinked at once) in `temp_dir`
            return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=temp_dir)

    class App(Flask):
        def select_jinja_autoescape(self, filename):  # Flask escapes .html files only; ours are .html.j2
            return True

    app = App(__name__, template_folder=str(templates_dir() / "web"), static_folder=None)
    app.request_class = UploadRequest
    store = ResultStore()
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
        html = render_template(template, lang=lang, words=WORDS[lang], other=other, switch=switch, error=error,
                               marks=MARKS, status_words=REPORT_WORDS[lang], **context)
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
            return render("upload.html.j2", 400, error=WORDS[lang]["no_file"])
        name = clean_filename(upload.filename)
        try:
            data = upload.stream.read(MAX_FILE_BYTES + 1)
            check_size(len(data))
            result = Result(read_data(data, Path(name)), name, marking=marking)
            report = result.report(lang)
        except WorkbookError as e:
            error = f"{printable(name)}: {e}"
        except MemoryError:
            error = f"{printable(name)}: the workbook is too large to grade in the memory available"
        except Exception as e:  # a bug of ours: one line for the learner, as `check` does for a class
            app.logger.exception("grading %r failed", name)
            error = f"{printable(name)}: could not be graded: internal error ({type(e).__name__})"
        else:
            error = None
        finally:
            upload.close()  # the spooled copy, if any, is deleted now
        if on_result:
            on_result(None if error else report, error)
        if error:
            if record:
                record.record_failure()
            return render("upload.html.j2", 422, error=error)
        if record:
            try:
                record.record(report)
            except MatchboxError as e:  # the learner still gets the result; the instructor's terminal hears
                app.logger.error("gradebook not updated: %s", e)
        return redirect(url_for("result_page", key=store.add(result)), 303)

    @app.errorhandler(413)
    def too_large(_):
        return render("upload.html.j2", 413, error=WORDS[page_lang()]["too_large"])

    @app.errorhandler(404)
    def not_found(_):
        return render("upload.html.j2", 404, error=WORDS[page_lang()]["not_found"])

    @app.get("/r/<key>")
    def result_page(key):
        result = store.get(key)
        if result is None:
            return render("upload.html.j2", 404, error=WORDS[page_lang()]["expired"])
        lang = page_lang()
        report = result.report(lang)
        return render("result.html.j2", report=report, key=key, tables=tables_view(result, report, lang),
                      notes=notes_view(report), blanks=blanks_view(report),
                      edited=[edited_line(g, lang) for g in report.edited])

    @app.get("/r/<key>/graded.xlsx")
    def graded(key):
        from ..grading.annotate import graded_copy
        result = store.get(key)
        if result is None:
            abort(404)
        report = result.report(page_lang())
        try:
            data = graded_copy(result.filled, report)
        except Exception as e:  # openpyxl could not copy something in the workbook; the grading stands
            app.logger.exception("graded copy of %r failed", result.filename)
            return render("upload.html.j2", 500, error=f"{printable(result.filename)}: the graded copy could not "
                                                       f"be made ({type(e).__name__})")
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
            abort(make_response(render("upload.html.j2", 403, error=WORDS[page_lang()]["token"])))

    @app.get("/class")
    def class_page():
        check_token()
        return render("class.html.j2", rows=record.table(), failed=record.failed, token=token)

    @app.get("/class/grades.csv")
    def class_csv():
        check_token()
        response = make_response(rows_csv(record.table(), GRADEBOOK_COLUMNS).encode("utf-8"))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = attachment("grades.csv")
        return response

    @app.get("/assets/<name>")
    def asset(name):
        if name not in ASSETS:
            abort(404)
        response = make_response((templates_dir() / "web" / name).read_bytes())
        response.headers["Content-Type"] = ASSETS[name]
        response.headers["Cache-Control"] = "max-age=3600"
        return response

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


def tables_view(result: Result, report, lang: str) -> list[dict]:
    """Every table of the sheet as the learner sees it, each answer cell with its status and note number."""
    ws = result.filled.variant.worksheet
    cells = {c.quantity: c for c in report.cells}
    givens = {g.quantity: g for g in report.givens}
    numbers = {c.quantity: i for i, c in enumerate(noted(report), 1)}
    out = []
    for t in ws.tables:
        rows = []
        for row in t.rows:
            shown = []
            for c in row:
                role, what = cell_role(ws, c, lang)
                if role == "answer":
                    r = cells[what]
                    shown.append({"kind": f"answer {r.status}", "text": value_text(r.value),
                                  "mark": MARKS[r.status][0], "note": numbers.get(what), "title": r.feedback})
                elif role == "given":
                    g = givens[what]
                    shown.append({"kind": "given" + (" edited" if g.status == "edited" else ""),
                                  "text": value_text(g.value)})
                elif role == "ref":  # an earlier answer shown again: the learner's own
                    shown.append({"kind": "ref", "text": value_text(cells[what].value)})
                else:
                    shown.append({"kind": "text", "text": what})
            rows.append(shown)
        out.append({"title": tr(t.title, lang), "note": tr(t.note, lang),
                    "headers": [tr(c.header, lang) for c in t.columns],
                    "formulas": [tr(c.formula, lang) for c in t.columns], "rows": rows})
    return out


def value_text(value) -> str:
    """What the learner's cell holds, as they wrote it (a number to 10 significant digits, text escaped)."""
    if value is None:
        return ""
    return show(value) if isinstance(value, float) else printable(value)


def notes_view(report) -> list[dict]:
    """The cells to look at again (wrong or carried), numbered as in the tables; blanks are listed apart."""
    return [{"number": i, "status": c.status, "mark": MARKS[c.status][0], "where": f"{c.sheet}!{c.cell}",
             "label": c.label, "value": value_text(c.value), "feedback": c.feedback}
            for i, c in enumerate(noted(report), 1)]


def noted(report):
    return (c for c in report.cells if c.status in ("incorrect", "simplified", "rounding", "carried"))


def blanks_view(report, shown: int = 10) -> dict:
    blanks = [c for c in report.cells if c.status == "blank"]
    return {"count": len(blanks), "first": [f"{c.sheet}!{c.cell} {c.label}" for c in blanks[:shown]],
            "more": max(0, len(blanks) - shown)}
