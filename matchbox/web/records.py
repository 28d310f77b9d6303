"""What the checking page remembers: each upload's result for its learner, and the class's latest scores.

Results live in memory only, under an id of 128 random bits that only the uploader's browser is given, so
no one can open another learner's result by guessing; they expire after a few hours, and the oldest go first
when too many are held. The class record keeps the latest result of each learner per exercise (a learner may
hand in several exercises in a day) and, when a gradebook file is named, rewrites it (atomically, in the long
form: a row per learner and exercise) after every upload; a gradebook that already exists is read back first,
so restarting the page loses nothing. A gradebook of an older matchbox (a row per learner) reads the same way.
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
from ..views.gradebook import LONG_COLUMNS, exercise, exercises, learner_key, rows, rows_csv, same_name, wide
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

    def reports(self) -> list[Report]:
        """Every final result still held, oldest first (a snapshot: uploads may arrive meanwhile); a scanned
        sheet awaiting review is not final yet."""
        return [r.graded for _, r in self.items() if getattr(r, "final", True)]

    def items(self) -> list[tuple[str, Result]]:
        """Every result still held with its id, oldest first (a snapshot)."""
        with self._lock:
            self._expire()
            return list(self._results.items())

    def _expire(self) -> None:
        now = time.monotonic()
        while self._results:
            oldest = next(iter(self._results.values()))
            if len(self._results) <= self.keep and now - oldest.created < self.keep_seconds:
                break
            self._results.popitem(last=False)


GRADEBOOK_COLUMNS = LONG_COLUMNS


class ClassRecord:
    """The latest result of each learner per exercise: the roster's learners in roster order, then anyone else;
    the exercises in the order they were first handed in."""

    def __init__(self, roster: list[str] | None = None, gradebook: Path | None = None):
        self.roster = roster or []
        self.gradebook = gradebook
        self.latest: dict[tuple[str, str], dict] = {}  # (learner_key, exercise) -> gradebook row
        self.failed = 0  # uploads that could not be graded (their learner is unknown)
        self._lock = threading.Lock()
        self._by_key = {same_name(n): n for n in self.roster}
        if gradebook is not None and gradebook.exists():
            self._read(gradebook)

    def _read(self, path: Path) -> None:
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    row = {c: _unquote(row.get(c) or "") for c in GRADEBOOK_COLUMNS}
                    if row["name"] and row["kind"]:
                        self.latest[(learner_key(row), exercise(row))] = row
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise MatchboxError(f"{path}: cannot read the gradebook ({e}); name a new file or move this one") \
                from None

    def record(self, report: Report, lang: str | None = None) -> None:
        """Keep `report` as its learner's latest of its exercise (a report with no learner name is kept under
        its file), its slips named in `lang`."""
        row = rows([report], lang)[0]
        name = report.learner or ""
        row["name"] = self._by_key.get(same_name(name), name) if name else f"({report.file})"
        row["checked_at"] = datetime.now().astimezone().isoformat(timespec="seconds")
        with self._lock:
            self.latest[(learner_key(row), exercise(row))] = row
            if self.gradebook is not None:
                from ..grading.files import write_atomic
                write_atomic(self.gradebook, rows_csv(self._rows(), GRADEBOOK_COLUMNS).encode("utf-8"))

    def record_failure(self) -> None:
        with self._lock:
            self.failed += 1

    def table(self) -> list[dict]:
        """The long form: a row per learner and exercise handed in, a "missing" row for each roster learner
        who has handed in nothing yet, then the uploads of names not on the roster."""
        with self._lock:
            return self._rows(with_missing=True)

    def wide_csv(self) -> str:
        """The wide form as CSV: a row per learner (roster first), a column per exercise."""
        with self._lock:
            order, table = self._order(), self._rows(with_missing=True)
        columns, table = wide(table, order)
        return rows_csv(table, columns)

    def grid(self) -> dict:
        """The class table: the exercises, and a row per learner with their latest result of each exercise."""
        with self._lock:
            names, long = self._order(), self._rows(with_missing=True)
        learners: dict[str, dict] = {}
        for row in long:
            learner = learners.setdefault(learner_key(row), {"name": row["name"], "on_roster": row["on_roster"],
                                                             "results": {}})
            if row.get("kind"):
                learner["results"][exercise(row)] = row
        tally = {e: {"submitted": sum(e in r["results"] for r in learners.values()),
                     "passed": sum(r["results"].get(e, {}).get("status") == "passed" for r in learners.values())}
                 for e in names}
        return {"exercises": names, "learners": list(learners.values()), "tally": tally}

    def _order(self) -> list[str]:
        """The exercises in the order they were first handed in."""
        return exercises(list(self.latest.values()))

    def _rows(self, with_missing: bool = False) -> list[dict]:
        order = {e: i for i, e in enumerate(self._order())}
        by_learner: dict[str, list[dict]] = {}
        for (who, _), row in self.latest.items():
            by_learner.setdefault(who, []).append(row)
        for results in by_learner.values():
            results.sort(key=lambda r: order[exercise(r)])
        out = []
        for name in self.roster:
            results = by_learner.get(same_name(name), [])
            out += [{**row, "on_roster": True} for row in results]
            if not results and with_missing:
                out.append({"name": name, "status": "missing", "on_roster": True})
        known = {same_name(n) for n in self.roster}
        out += [{**row, "on_roster": not self.roster} for who, results in by_learner.items() if who not in known
                for row in results]
        return out


def _unquote(value: str) -> str:
    """A gradebook cell as it was before `safe` quoted it for spreadsheets."""
    return value[1:] if value.startswith("'") and value[1:2] and unicodedata.normalize(
        "NFKC", value[1])[:1] in FORMULA_STARTS else value
