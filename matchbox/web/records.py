"""What the checking page remembers: each upload's result for its learner, and the class's latest scores.

Results live in memory only, under an id of 128 random bits that only the uploader's browser is given, so
no one can open another learner's result by guessing; they expire after a few hours, and the oldest go first
when too many are held. The class record keeps the latest result per learner and, when a gradebook file is
named, rewrites it (atomically) after every upload; a gradebook that already exists is read back first, so
restarting the page loses nothing.
"""
from __future__ import annotations

import csv
import secrets
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import MatchboxError
from ..grading.grader import Report
from ..roster import FORMULA_STARTS
from ..views.feedback import WordedReport, explain
from ..views.gradebook import COLUMNS, rows, rows_csv
from ..workbook.reader import Filled

KEEP_SECONDS = 6 * 3600  # a workshop day
KEEP_RESULTS = 2000  # about 50 KB each: the workbook's bytes and its report


@dataclass
class Result:
    """One graded upload: the workbook as read (for its graded copy) and its report, graded once; each view
    puts it in the page's language."""
    filled: Filled
    filename: str
    graded: Report
    created: float = field(default_factory=time.monotonic)

    def report(self, lang: str) -> WordedReport:
        return explain(self.graded, lang)  # the feedback follows the page's language, not the workbook's


class ResultStore:
    """Results by an unguessable id; thread-safe; bounded in count and age."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS, keep: int = KEEP_RESULTS):
        self.keep_seconds, self.keep = keep_seconds, keep
        self._results: OrderedDict[str, Result] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, result: Result) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._results[key] = result
            self._expire()
        return key

    def get(self, key: str) -> Result | None:
        with self._lock:
            self._expire()
            return self._results.get(key)

    def __len__(self) -> int:
        return len(self._results)

    def _expire(self) -> None:
        now = time.monotonic()
        while self._results:
            oldest = next(iter(self._results.values()))
            if len(self._results) <= self.keep and now - oldest.created < self.keep_seconds:
                break
            self._results.popitem(last=False)


def same_name(name: str) -> str:
    """A name as compared with the roster: width, case and spacing do not matter (山田　花子 = 山田 花子)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


GRADEBOOK_COLUMNS = COLUMNS + ["checked_at"]


class ClassRecord:
    """The latest result of each learner: the roster's learners in roster order, then anyone else."""

    def __init__(self, roster: list[str] | None = None, gradebook: Path | None = None):
        self.roster = roster or []
        self.gradebook = gradebook
        self.latest: dict[str, dict] = {}  # same_name(learner) -> gradebook row
        self.failed = 0  # uploads that could not be graded (their learner is unknown)
        self._lock = threading.Lock()
        self._by_key = {same_name(n): n for n in self.roster}
        if gradebook is not None and gradebook.exists():
            self._read(gradebook)

    def _read(self, path: Path) -> None:
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    name = _unquote(row.get("name") or "")
                    if name:
                        self.latest[same_name(name)] = {c: _unquote(row.get(c) or "") for c in GRADEBOOK_COLUMNS}
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise MatchboxError(f"{path}: cannot read the gradebook ({e}); name a new file or move this one") \
                from None

    def record(self, report: Report, lang: str | None = None) -> None:
        """Keep `report` as its learner's latest (a report with no learner name is kept under its file), its
        slips named in `lang`."""
        row = rows([report], lang)[0]
        name = report.learner or ""
        row["name"] = self._by_key.get(same_name(name), name) if name else f"({report.file})"
        row["checked_at"] = datetime.now().astimezone().isoformat(timespec="seconds")
        with self._lock:
            self.latest[same_name(row["name"])] = row
            if self.gradebook is not None:
                from ..grading.files import write_atomic
                write_atomic(self.gradebook, rows_csv(self._rows(), GRADEBOOK_COLUMNS).encode("utf-8"))

    def record_failure(self) -> None:
        with self._lock:
            self.failed += 1

    def table(self) -> list[dict]:
        """A row per roster learner (empty until they upload), then the uploads of names not on it."""
        with self._lock:
            return self._rows(with_missing=True)

    def _rows(self, with_missing: bool = False) -> list[dict]:
        out = []
        for name in self.roster:
            row = self.latest.get(same_name(name))
            if row is not None:
                out.append({**row, "on_roster": True})
            elif with_missing:
                out.append({"name": name, "status": "missing", "on_roster": True})
        known = {same_name(n) for n in self.roster}
        out += [{**row, "on_roster": not self.roster} for key, row in self.latest.items() if key not in known]
        return out


def _unquote(value: str) -> str:
    """A gradebook cell as it was before `safe` quoted it for spreadsheets."""
    return value[1:] if value.startswith("'") and value[1:2] and unicodedata.normalize(
        "NFKC", value[1])[:1] in FORMULA_STARTS else value
