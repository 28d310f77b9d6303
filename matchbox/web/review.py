"""Scans on the checking page: a photo or scanned PDF of answer pages, read and graded as `check` does
(matchbox/paper/), and the instructor's review of the answers the reader was not sure of.

    GET  /review?token=…          the sheets waiting for a look, oldest first (only with a class table)
    GET  /review/<id>[?token=…]   one sheet's unsure answers: each field's boxes, the reading, a number to type
    POST /review/<id>[?token=…]   the numbers settled: the sheet is graded again, final, and recorded
    GET  /s/<id>                  an upload that held several learners' sheets: a link to each

A sheet whose every field was read with confidence is final at once. Any other is graded with its best
readings, and its result says it awaits review; it goes to the class table and the gradebook only once a
person has confirmed or corrected each unsure field. With a class table the review needs its token (a
learner's result id does not open it); without one (nothing is recorded) the holder of the result's id may
check their own sheet.
"""
from __future__ import annotations

import base64
import hmac
import io
import math
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MatchboxError
from ..grading.grader import Marking, Report
from ..paper.grade import PaperResult, filled_of, grade_sheet, regrade, review_image
from ..paper.read import IMAGES
from ..views.feedback import explain
from ..views.terminal import printable
from ..words import word

SCAN_STARTS = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
EMPTY = ("x", "X")  # typed for a field that is empty on paper
LANGS = ("ja", "en")


def is_scan(data: bytes, name: str) -> bool:
    """A PDF, JPEG or PNG (by its first bytes, or by its name: a damaged one is then said to be damaged)."""
    return data.startswith(SCAN_STARTS) or Path(name).suffix.lower() in IMAGES


@dataclass
class ScanResult:
    """One learner's sheet from an uploaded scan: graded with the best readings until a person has settled
    the unsure ones (`final`). Only the unsure fields' boxes are kept, as PNG (`images`)."""
    paper: PaperResult
    filename: str
    learner: str | None = None
    images: dict[str, bytes] = field(default_factory=dict)
    final: bool = False
    checked: bool = False  # final because a person checked it (not because every reading was sure)
    created: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        self.paper.report.learner = self.learner
        unsure = {f.name for f in self.unsure}
        for reading in self.paper.sheet.fields.values():
            if reading.name in unsure and reading.crops:
                self.images[reading.name] = png(review_image(reading.crops))
            reading.crops = []  # about 30 KB a field: the page keeps thousands of results
        self.final = self.final or not unsure

    @property
    def graded(self) -> Report:
        return self.paper.report

    @property
    def filled(self):
        return filled_of(self.paper.sheet, self.filename)

    def report(self, lang: str):
        return explain(self.graded, lang)

    @property
    def unsure(self) -> list:
        """The fields a person is to look at: read without confidence (not those only graded from one)."""
        if self.final:
            return []
        return [self.paper.sheet.fields[n] for n, after in self.paper.review.items() if not after]

    def settle(self, numbers: dict[str, float | None], marking: Marking) -> None:
        """Graded again with the numbers a person confirmed or corrected: final."""
        self.paper = regrade(self.paper, numbers, marking)
        self.paper.report.learner = self.learner
        self.final = self.checked = True
        self.images = {}


def png(image) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def learner_name(text: str | None) -> str | None:
    """The name typed on the upload form, for display and the gradebook only."""
    name = "".join(c for c in unicodedata.normalize("NFC", text or "") if c.isprintable()).strip()
    return " ".join(name.split())[:80] or None


class Scans:
    """Reading uploaded scans: one digit reader for the page, one scan read at a time (the network keeps each
    layer's input between calls, and reading is CPU-bound anyway)."""

    def __init__(self, marking: Marking, temp_dir: Path | None):
        self.marking, self.temp_dir = marking, temp_dir
        self._reader = None
        self._lock = threading.Lock()

    def read(self, data: bytes, name: str, learner: str | None = None) -> tuple[list[ScanResult], list[str]]:
        """Every learner's sheet in the upload, graded, and why images without a readable page were skipped
        (in English, for the instructor's terminal). A file that is no scan, or a missing matchbox[paper],
        raises a one-line MatchboxError (about the upload; the page puts its name before it)."""
        from ..paper.read import read_file
        problems: list[str] = []
        # the reader takes a file: the upload's bytes go to a private folder, gone as soon as it is read
        with tempfile.TemporaryDirectory(dir=self.temp_dir) as folder:
            path = Path(folder) / "upload"
            path.write_bytes(data)
            try:
                with self._lock:
                    if self._reader is None:
                        from ..paper.digits import Reader
                        self._reader = Reader()
                    sheets = read_file(path, self._reader, problems)
            except MatchboxError as e:
                raise unnamed(e, path.name) from None
        problems = [p.replace(path.name, name, 1) for p in problems]
        several = len(sheets) > 1
        results = [ScanResult(grade_sheet(s, self.marking, f"{name} #{s.number}" if several else name),
                              f"{name} #{s.number}" if several else name, None if several else learner)
                   for s in sheets]
        if not results:
            raise MatchboxError(word("review.no_page", "en"), ja=word("review.no_page", "ja"))
        return results, problems


def unnamed(e: MatchboxError, disk: str) -> MatchboxError:
    """The reader's message without the name of the file on disk (as `check` says it, after the file's)."""
    said = {lg: e.said(lg) for lg in LANGS}
    said = {lg: text[len(disk) + 2:] if text.startswith(f"{disk}: ") else text for lg, text in said.items()}
    return MatchboxError(said["en"], ja=said["ja"])


def typed_number(text: str, reading) -> tuple[bool, float | None]:
    """What a person typed for a field: nothing (the reading stands), x (empty), or a number (full-width
    digits and a typographic minus too). (False, None) when it is none of these."""
    text = unicodedata.normalize("NFKC", text or "").strip().replace("−", "-").replace(" ", "")
    if not text:
        return True, reading.value
    if text in EMPTY:
        return True, None
    try:
        value = float(text)
    except ValueError:
        return False, None
    return (True, value + 0.0) if math.isfinite(value) else (False, None)


def add_review_pages(app, *, store, batches, record, token, render, page_lang, marking: Marking, on_result):
    """The review pages and the several-sheets page, on `app` (see the module's notes)."""
    from flask import abort, make_response, redirect, request

    settling = threading.Lock()

    lang = page_lang

    def allowed() -> bool:
        if record is None:
            return True
        given = request.args.get("token", "")
        return bool(token) and hmac.compare_digest(given.encode(), token.encode())

    def guard() -> None:
        if not allowed():
            abort(make_response(render("upload.html.j2", 403, error=word("web.token", lang()))))

    def with_token(path: str) -> str:
        return f"{path}?token={token}" if record is not None and token else path

    def waiting() -> list[tuple[str, ScanResult]]:
        return [(k, r) for k, r in store.items() if isinstance(r, ScanResult) and r.unsure]

    @app.get("/review")
    def review_queue():
        if record is None:
            abort(404)
        guard()
        sheets = [{"key": k, "file": r.filename, "learner": r.learner, "variant": r.graded.variant,
                   "count": len(r.unsure)} for k, r in waiting()]
        return render("review_queue.html.j2", sheets=sheets, token=token)

    def fields_view(result: ScanResult, typed: dict, errors: dict) -> list[dict]:
        where = addresses(result, lang())
        out = []
        for i, f in enumerate(result.unsure, 1):
            image = result.images.get(f.name)
            out.append({"name": f.name, "n": i, "address": where[f.name], "value": typed.get(f.name, ""),
                        "text": printable(f.text) if f.text else "", "percent": math.floor(100 * f.confidence),
                        "image": "data:image/png;base64," + base64.b64encode(image).decode() if image else None,
                        "error": errors.get(f.name)})
        return out

    def review_page(key: str, result: ScanResult, typed: dict | None = None, errors: dict | None = None,
                    status: int = 200):
        return render("review.html.j2", status, key=key, result=result, report=result.graded,
                      fields=fields_view(result, typed or {}, errors or {}), token=token if record else None,
                      back=with_token("/review") if record is not None else f"/r/{key}")

    def scan_of(key: str) -> ScanResult:
        result = store.get(key)
        if not isinstance(result, ScanResult):
            abort(make_response(render("upload.html.j2", 404, error=word("web.expired", lang()))))
        return result

    @app.get("/review/<key>")
    def review_sheet(key):
        guard()
        return review_page(key, scan_of(key))

    @app.post("/review/<key>")
    def review_settle(key):
        guard()
        result = scan_of(key)
        with settling:  # two browsers settling one sheet: the first wins, the second is told it is done
            if not result.final:
                typed = {f.name: request.form.get(f"f-{f.name}", "")[:40] for f in result.unsure}
                numbers, errors = {}, {}
                for f in result.unsure:
                    ok, numbers[f.name] = typed_number(typed[f.name], f)
                    if not ok:
                        errors[f.name] = word("review.bad_number", lang(), text=printable(typed[f.name]))
                if errors:
                    return review_page(key, result, typed, errors, 422)
                result.settle(numbers, marking)
                if record:
                    try:
                        record.record(result.graded, lang())
                    except MatchboxError as e:
                        app.logger.error("gradebook not updated: %s", e)
                if on_result:
                    on_result(result.graded, None, reviewed=True)
        if record is None:
            return redirect(f"/r/{key}", 303)
        following = [k for k, _ in waiting()]  # straight on to the next sheet: the review stays on the keys
        return redirect(with_token(f"/review/{following[0]}" if following else "/review"), 303)

    @app.get("/s/<key>")
    def sheets_page(key):
        batch = batches.get(key)
        if batch is None:
            return render("upload.html.j2", 404, error=word("web.expired", lang()))
        sheets = []
        for k in batch.keys:
            r = store.get(k)
            if r is not None:
                sheets.append({"key": k, "file": r.filename, "report": r.graded, "waiting": len(r.unsure),
                               "review": f"/review/{k}" if record is None and r.unsure else None})
        return render("sheets.html.j2", sheets=sheets, file=batch.file)


@dataclass
class Batch:
    """An upload that held several learners' sheets: their result ids."""
    file: str
    keys: list[str]
    created: float = field(default_factory=time.monotonic)


def scan_context(result, key: str, record, lang: str) -> dict | None:
    """What the result page says of a scanned sheet: whether it awaits review (and where a learner without
    a class table checks it), the answers to check, each answer's address on paper."""
    if not isinstance(result, ScanResult):
        return None
    unsure = {f.name for f in result.unsure}
    review = set(result.paper.review) if not result.final else set()
    return {"waiting": len(unsure), "checked": result.checked,
            "link": f"/review/{key}" if unsure and record is None else None,
            "addresses": addresses(result, lang),
            "review": review}


def addresses(result: ScanResult, lang: str) -> dict[str, str]:
    """Each answer's page and label, in the page's language (the sheet may have been printed in the other)."""
    from ..paper.layout import answer_pages
    labels = {f.name: f.label for p in answer_pages(result.paper.sheet.variant, lang) for f in p.fields}
    return {n: word("paper.address", lang, page=f.page, label=labels.get(n, f.label))
            for n, f in result.paper.sheet.fields.items()}
